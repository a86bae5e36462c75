"""The Freshsales load, as a migration engineer runs it, over real HTTP.

One staged workspace per module (sandboxes up, schema set up by the "admin",
extracted, transformed); each test copies it and starts from an empty
Freshsales account, then runs the CLI and looks at what the sandbox holds.
"""

from __future__ import annotations

import os
import signal
import time

import duckdb
import pytest

from load.destinations import open_writer
from load.http import ApiError
from load.runner import Runner
from tests.conftest import start_cli
from tests.freshsales_story import Migration, assert_destination_matches_marts


@pytest.fixture
def migration(freshsales_staged, tmp_path):
    return Migration(freshsales_staged, tmp_path)


def test_full_load_then_a_second_run_writes_nothing(migration):
    m = migration
    dry = m.cli("load", "--to", "freshsales", "--dry-run")
    assert "contacts" in dry.stdout and m.writes() == 0

    result = m.cli("load", "--to", "freshsales")
    assert "phase 3 contacts: expected" in result.stdout and "balanced" in result.stdout
    assert_destination_matches_marts(m)
    failed = m.ledger("select count(*) from ledger.records where action in ('failed', 'skipped')")
    assert failed == [(0,)]

    writes = m.writes()
    again = m.cli("load", "--to", "freshsales")
    assert m.writes() == writes, "a second run must not write"
    assert "delta run" in again.stdout
    counts = m.ledger("select action, count(*) from ledger.records r join ledger.runs u "
                      "using (run_id) where u.mode = 'delta' group by 1")
    assert dict(counts) == {"unchanged": sum(n for (n,) in m.mart(
        "select count(*) from freshsales.freshsales__contacts union all "
        "select count(*) from freshsales.freshsales__deals union all "
        "select count(*) from freshsales.freshsales__products union all "
        "select count(*) from freshsales.freshsales__product_categories union all "
        "select count(*) from freshsales.freshsales__notes union all "
        "select count(*) from freshsales.freshsales__documents union all "
        "select count(*) from freshsales.freshsales__activities"))}

    verified = m.cli("verify", "--to", "freshsales", "--sample", "25", "--seed", "3")
    assert "fields differing" in verified.stdout


def test_a_sample_first_then_the_rest(migration):
    m = migration
    m.cli("load", "--to", "freshsales", "--sample", "5")
    contacts = m.records("contacts")
    notes = m.records("notes")
    assert 5 <= len(contacts) < 50 and len(notes) == 5
    # every sampled child has its parent
    ids = {c["id"] for c in contacts}
    assert all(n["targetable_id"] in ids for n in notes)
    m.cli("load", "--to", "freshsales")
    assert_destination_matches_marts(m)


def _mart_rows(m: Migration, table: str, key: str) -> dict[str, tuple]:
    return {str(r[0]): r for r in m.mart(f"select {key}, * from freshsales.{table}")}


OBJECTS = ("contacts", "deals", "products", "notes", "sales_activities", "documents")


def _comparable(records: list[dict]) -> dict:
    """Records as a person sees them, without what any write moves (timestamps)."""
    out = {}
    for record in records:
        shown = {k: v for k, v in record.items() if k not in ("updated_at", "updater_id")}
        if "emails" in shown:
            shown["emails"] = sorted((e["value"], e["is_primary"]) for e in shown["emails"])
        out[record["id"]] = shown
    return out


def test_a_delta_writes_exactly_the_changes_and_rollbacks_undo_both_runs(migration):
    m = migration
    m.cli("load", "--to", "freshsales")
    first = m.ledger("select run_id from ledger.runs")[0][0]
    after_first = {obj: _comparable(m.records(obj)) for obj in OBJECTS}
    tables = {"contacts": ("freshsales__contacts", "bizstim_client_id"),
              "notes": ("freshsales__notes", "bizstim_note_key"),
              "activities": ("freshsales__activities", "bizstim_session_id")}
    before = {obj: _mart_rows(m, *where) for obj, where in tables.items()}
    bizstim = m.running.bizstim
    touched = bizstim.touch("clients", changed=6, added=2)
    try:
        m.cli("extract", "--delta")
        m.cli("transform", "--to", "freshsales")
        writes = m.writes()
        m.cli("load", "--to", "freshsales")
    finally:
        bizstim.reset()
    after = {obj: _mart_rows(m, *where) for obj, where in tables.items()}
    run = m.ledger("select run_id from ledger.runs where mode = 'delta' order by started_at")[-1][0]
    touched_clients = {str(i) for i in touched["changed"] + touched["added"]}
    for obj in tables:
        changed = {k for k, row in after[obj].items() if before[obj].get(k) != row}
        written = {k for (k,) in m.ledger(
            f"select source_key from ledger.records where run_id = '{run}' "
            f"and object = '{obj}' and action in ('created', 'updated')")}
        assert written == changed, obj
    # the changes are the touched clients' and nothing else's
    assert {k for k, row in after["contacts"].items()
            if before["contacts"].get(k) != row} <= touched_clients
    added_in_mart = {str(i) for i in touched["added"]} & set(after["contacts"])
    assert m.ledger(f"select count(*) from ledger.records where run_id = '{run}' "
                    "and object = 'contacts' and action = 'created'") == [(len(added_in_mart),)]
    assert m.writes() > writes
    assert_destination_matches_marts(m)

    # a person edits one of the records the delta updated, then the delta is undone
    updated = m.ledger(f"select destination_id from ledger.records where run_id = '{run}' "
                       "and object = 'contacts' and action = 'updated'")
    assert updated
    edited = int(updated[0][0])
    m.fs.edit("contacts", edited, {"job_title": "Changed by a person"})
    result = m.cli("rollback", run)
    assert f"(id {edited}) was edited" in result.stdout
    now = {obj: _comparable(m.records(obj)) for obj in OBJECTS}
    for obj in OBJECTS:
        mismatched = sorted(rid for rid in set(after_first[obj]) | set(now[obj])
                            if after_first[obj].get(rid) != now[obj].get(rid))
        assert mismatched == ([edited] if obj == "contacts" else []), obj

    # and then the first run: only the edited record stays, reported
    contacts = len(m.records("contacts"))
    before = m.fs.stats()
    result = m.cli("rollback", first)
    assert f"(id {edited}) was edited" in result.stdout
    assert [c["id"] for c in m.records("contacts")] == [edited]
    # contacts and deals go through bulk_destroy (100 a request), not a DELETE each
    after = m.fs.stats()
    bulk_destroys = (after["by_endpoint"].get("contacts/bulk_destroy", 0)
                     - before["by_endpoint"].get("contacts/bulk_destroy", 0))
    assert bulk_destroys == -(-(contacts - 1) // 100)
    assert after["by_endpoint"].get("contacts/:id") == before["by_endpoint"].get("contacts/:id")
    assert all(not m.records(obj) for obj in OBJECTS if obj != "contacts")


def test_killed_during_the_contacts_phase_then_resumed(migration):
    m = migration
    # slow bulk jobs, so the kill lands inside the contacts phase
    m.fs.configure(job_base_seconds=1800.0)
    env = {**m.env, "BIZSTIM_MIGRATE_WORKSPACE": str(m.workspace)}
    process = start_cli(["load", "--to", "freshsales"], m.workspace, env)
    try:
        deadline = time.monotonic() + 60
        while m.fs.stats()["by_endpoint"].get("contacts/bulk_upsert", 0) < 2:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the load never reached the contacts phase"
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert 0 < len(m.records("contacts")) < 246 or m.fs.jobs.pending()

    m.fs.configure(job_base_seconds=2.0)
    m.cli("load", "--to", "freshsales")
    assert_destination_matches_marts(m)
    resumed = m.ledger("select mode, status from ledger.runs order by started_at")
    assert resumed == [("full", "succeeded")]
    # the ledger and the destination agree, id by id
    ledger_ids = {r[0] for r in m.ledger(
        "select destination_id from ledger.current where object = 'contacts'")}
    assert ledger_ids == {str(c["id"]) for c in m.records("contacts")}


def test_faults_and_a_tight_quota_lose_nothing(migration):
    m = migration
    m.fs.configure(rate_limit_per_hour=150)
    m.fs.set_faults(error_rate=0.1, drop_rate=0.02)
    result = m.cli("load", "--to", "freshsales", env={"FRESHSALES_PLAN": "growth"})
    m.fs.clear_faults()
    stats = m.fs.stats()
    assert stats["faults"]["errors"] > 0
    assert_destination_matches_marts(m)
    assert m.ledger("select count(*) from ledger.records where action = 'failed'") == [(0,)]
    assert "requests to freshsales" in result.stdout




def test_nothing_loads_without_a_confirmed_field_map(migration):
    m = migration
    confirmed = m.workspace / "mapping" / "freshsales.confirmed.yml"
    assert confirmed.exists()
    confirmed.unlink()
    before = m.writes()
    refused = m.cli("load", "--to", "freshsales", ok=False)
    assert refused.returncode == 1
    assert "The load may not start" in refused.stderr and "map" in refused.stderr
    assert m.writes() == before and not m.records("contacts")
    m.cli("map", "confirm", "--to", "freshsales", "--by", "bob")
    m.cli("load", "--to", "freshsales", "--only", "contacts")
    assert len(m.records("contacts")) == len(m.mart(
        "select * from freshsales.freshsales__contacts"))


def test_an_account_without_bulk_destroy_is_rolled_back_a_record_at_a_time(migration):
    """bulk_destroy for deals is assumed from the contacts one: where the account
    answers 404, the rollback deletes one record at a time and still ends clean."""
    m = migration
    m.cli("load", "--to", "freshsales")
    run = m.ledger("select run_id from ledger.runs")[0][0]
    with duckdb.connect(str(m.workspace / "warehouse.duckdb")) as con:
        writer = open_writer("freshsales", con, env={**os.environ, **m.env},
                             files_dir=m.workspace / "files")
        post = writer.client.post

        def no_bulk_destroy(path, body, **kwargs):
            if path.endswith("/bulk_destroy"):
                raise ApiError(404, "Not Found")
            return post(path, body, **kwargs)

        writer.client.post = no_bulk_destroy
        report = Runner(con, writer).rollback(run)
    assert report.mismatches == [] and report.deleted > 800
    assert all(not m.records(obj) for obj in OBJECTS)


def test_a_key_revoked_mid_load_stops_the_run_without_failing_records(migration):
    """The customer's admin revokes the API key while the load runs: the run stops
    with one sentence about the key, no record is marked failed for it, and once
    the key works again the same command finishes the load exactly."""
    m = migration
    process = start_cli(["load", "--to", "freshsales"], m.workspace, m.env)
    deadline = time.monotonic() + 120
    while not m.records("contacts") and time.monotonic() < deadline:
        time.sleep(0.05)
    key = m.fs._api._key
    m.fs._api._key = b"revoked-by-the-admin"  # the account refuses the key from now on
    try:
        out, err = process.communicate(timeout=300)
    finally:
        m.fs._api._key = key
    assert process.returncode == 1
    said = out + err
    assert ("refused the API key" in said or "HTTP 401" in said) and "Traceback" not in said
    assert "run the same command again to resume" in said
    assert m.ledger("select count(*) from ledger.records where action = 'failed'") == [(0,)]
    m.cli("load", "--to", "freshsales")
    assert_destination_matches_marts(m)
    assert m.ledger("select count(*) from ledger.records where action in ('failed', 'skipped')"
                    ) == [(0,)]
