"""The ledger remembers every write: what resume, delta and rollback rely on."""

from __future__ import annotations

import duckdb

from load.ledger import Ledger, PhaseLine, RecordResult


def test_a_record_left_pending_is_known_and_a_finished_one_is_skipped_on_resume():
    ledger = Ledger(duckdb.connect())
    run = ledger.start_run("freshsales", "full", extraction_id=1)
    ledger.mark_pending(run, "contacts", [("1", "h1"), ("2", "h2")])
    ledger.record(run, "contacts", [RecordResult("1", "created", "501", "h1")])
    assert ledger.done_in_run(run, "contacts") == {"1"}
    assert ledger.pending_in_run(run, "contacts") == {"2"}
    assert ledger.resumable_run("freshsales") == run
    ledger.finish_run(run, "succeeded", {"contacts": 1})
    assert ledger.resumable_run("freshsales") is None


def test_current_follows_the_latest_successful_write_and_forgets_rolled_back_ones():
    ledger = Ledger(duckdb.connect())
    first = ledger.start_run("freshsales", "full")
    ledger.record(first, "contacts", [RecordResult("1", "created", "501", "h1"),
                                      RecordResult("2", "failed", error="bad email")])
    ledger.finish_run(first, "succeeded")
    assert ledger.current("freshsales", "contacts") == {"1": ("501", "h1")}
    second = ledger.start_run("freshsales", "delta")
    ledger.record(second, "contacts", [RecordResult("1", "updated", "501", "h1b",
                                                    before_image={"first_name": "Ana"})])
    assert ledger.current("freshsales", "contacts") == {"1": ("501", "h1b")}
    undo = ledger.start_run("freshsales", "rollback", rollback_of=first)
    ledger.record(undo, "contacts", [RecordResult("1", "deleted", "501")])
    assert ledger.current("freshsales", "contacts") == {}
    assert ledger.current("dynamics", "contacts") == {}


def test_updates_keep_the_first_before_image_and_summaries_count_actions():
    ledger = Ledger(duckdb.connect())
    run = ledger.start_run("dynamics", "full")
    ledger.record(run, "contacts", [RecordResult("1", "failed", error="timeout")])
    ledger.record(run, "contacts", [RecordResult("1", "updated", "g1", "h",
                                                 before_image={"lastname": "Old"})])
    ledger.record(run, "contacts", [RecordResult("1", "updated", "g1", "h",
                                                 before_image={"lastname": "Newer"})])
    (row,) = ledger.records_of_run(run, ("updated",))
    assert row["before_image"] == '{"lastname": "Old"}'
    assert row["attempts"] == 3
    ledger.phase_line(run, PhaseLine(1, "contacts", expected=1, counts={"updated": 1}))
    summary = ledger.con.execute("select updated, records from ledger.run_summary").fetchall()
    assert summary == [(1, 1)]
    assert ledger.con.execute("select expected, updated from ledger.phases").fetchall() == [
        (1, 1)]
