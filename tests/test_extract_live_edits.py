"""Extraction while people work in Bizstim (issue 18): no live record is lost.

Bizstim pages by offset with no change filter, so a record deleted below the
page being read shifts every later record one place down: a live record can
slide onto a page already read and never be read at all. And a client deleted
between the list read and its detail reads (its files answer 404) must not
be migrated as live. The sandbox's live edits (sandbox/bizstim/live_edits.py)
make each of these happen exactly when the story needs it; the warehouse is
then compared with what the sandbox holds.
"""

from __future__ import annotations

import json

from bizstim_migrate.sandboxes import sandbox_records
from tests.conftest import as_raw, bizstim_env, query, raw_rows, run_cli

def live_ids(sandbox, obj: str) -> set[str]:
    return {r["id"] for r in sandbox_records(sandbox.url, obj)}


def assert_every_live_record_stored(workspace, sandbox, obj: str) -> set[str]:
    """Every record the account holds now is in the warehouse, field for
    field; answers the ids stored beyond them (read before a deletion)."""
    stored = {r["id"]: r for r in raw_rows(workspace, obj)}
    live = sandbox_records(sandbox.url, obj)
    missing = sorted({r["id"] for r in live} - set(stored), key=int)
    assert not missing, f"{obj}: live records missing from the warehouse: {missing}"
    for record in live:
        got = {k: v for k, v in stored[record["id"]].items() if not k.startswith("_")}
        want = as_raw(record)
        assert {k: got.get(k) for k in want} == want, f"{obj} {record['id']} differs"
    return set(stored) - {r["id"] for r in live}


def fired(sandbox) -> tuple[list[str], list[str]]:
    log = sandbox.live_edits()["fired"]
    return ([i for f in log for i in f["deleted"]], [i for f in log for i in f["added"]])


def payment_requests(workspace, extraction_id: int) -> int:
    return query(workspace, "select sum(requests) from bizstim_raw._extraction_stats "
                            "where extraction_id = ? and object = 'payments'",
                 [extraction_id])[0][0]


def test_payments_deleted_on_page_one_after_it_was_read_lose_no_live_payment(
        bizstim_sandbox, workspace):
    sb = bizstim_sandbox
    # Someone deletes two payments of the first page just after the extraction
    # read it, and records two new ones: the totals stay 350 on every page, and
    # the two payments after the first page's end slide onto it.
    sb.set_live_edits([{"object": "payments", "after_start": 0, "delete_offsets": [10, 11],
                        "add": 2}])
    result = run_cli(["extract"], workspace, bizstim_env(sb))
    assert result.returncode == 0, result.output
    deleted, added = fired(sb)
    assert len(deleted) == 2 and len(added) == 2
    # the engineer is told the account moved under the extraction, and where
    assert "re-read 1 page(s)" in " ".join(result.stdout.split())
    # the deleted ones were live when page one was read; nothing else is extra
    assert assert_every_live_record_stored(workspace, sb, "payments") == set(deleted)
    # cost: 4 pages (350 records, 100 a page, one record of overlap) and one re-read
    assert payment_requests(workspace, 1) == 5


def test_payments_recorded_while_the_list_is_paged_past_its_planned_end_are_read(
        bizstim_sandbox, workspace):
    # (the extraction before issue 18 read these too, planning from the largest
    # total seen: this guards that the page chain still grows with the list)
    sb = bizstim_sandbox
    # 350 payments when the first page tells the total; 60 more are recorded
    # right after it, so the list now runs past the pages planned from 350
    sb.set_live_edits([{"object": "payments", "after_start": 0, "add": 60}])
    result = run_cli(["extract"], workspace, bizstim_env(sb))
    assert result.returncode == 0, result.output
    assert len(fired(sb)[1]) == 60
    assert assert_every_live_record_stored(workspace, sb, "payments") == set()
    # the last planned page came back full, short of the total: one page more
    assert payment_requests(workspace, 1) == 5


def test_payments_deleted_while_the_cutover_delta_pages_are_no_vanished_records_in_the_delta(
        bizstim_sandbox, workspace):
    sb = bizstim_sandbox
    assert run_cli(["extract"], workspace, bizstim_env(sb)).returncode == 0
    # cutover delta, someone still working: just after the first page of
    # payments is served, two payments on it are deleted and one is recorded
    sb.set_live_edits([{"object": "payments", "after_pages": 1, "delete_offsets": [40, 41],
                        "add": 1}])
    result = run_cli(["extract", "--delta"], workspace, bizstim_env(sb))
    assert result.returncode == 0, result.output
    deleted, added = fired(sb)
    assert len(deleted) == 2 and len(added) == 1
    assert assert_every_live_record_stored(workspace, sb, "payments") == set(deleted)
    delta = query(workspace, "select change, id from bizstim_raw._delta "
                             "where extraction_id = 2 and object = 'payments'")
    # the loader reads the delta: a live payment must never be called vanished
    vanished = {i for c, i in delta if c == "vanished"}
    assert not vanished & live_ids(sb, "payments"), vanished
    # the deleted two were read on page one, before they went; the new one is new
    assert sorted(delta) == [("new", i) for i in added]
    assert payment_requests(workspace, 2) == 5


def test_an_account_changing_while_paged_fails_naming_the_ids_and_resumes_once_frozen(
        bizstim_sandbox, workspace):
    sb = bizstim_sandbox
    sb.set_live_edits([{"object": "payments", "after_start": 0, "delete_offsets": [10, 11]}])
    # an engineer who would rather stop at the first gap than re-read
    env = bizstim_env(sb, SOURCES__BIZSTIM__PAGE_SHIFT_REREAD_ROUNDS="0")
    result = run_cli(["extract"], workspace, env)
    assert result.returncode == 1, result.output
    assert "Traceback" not in result.output
    message = " ".join(result.output.split())
    assert "payments" in message and "slid" in message
    assert "Freeze writes" in message and "bizstim-migrate extract` again" in message
    # the message names the records either side of the gap, as the pages showed them
    first, second = (json.loads(ids) for (ids,) in query(
        workspace, "select ids from bizstim_raw._fetch_log where endpoint = 'payments' "
                   "and ref in ('0', '99') order by ref::int"))
    assert f"ends with id {first[-1]}" in message and f"begins with id {second[0]}" in message
    assert query(workspace, "select status from bizstim_raw._extractions") == [("running",)]

    # writes frozen: run it again, it resumes, re-reads, and every live payment is there
    result = run_cli(["extract"], workspace, bizstim_env(sb))
    assert result.returncode == 0, result.output
    assert "resumed" in result.stdout
    assert query(workspace, "select extraction_id, status from bizstim_raw._extractions") == [
        (1, "succeeded")]
    assert_every_live_record_stored(workspace, sb, "payments")


def a_client_with_files(sandbox) -> str:
    with_files = {f["client_id"] for f in sandbox_records(sandbox.url, "client_files")}
    return sorted(with_files & live_ids(sandbox, "clients"), key=int)[0]


def test_a_client_deleted_after_the_list_read_is_not_extracted_as_live(
        bizstim_sandbox, workspace):
    sb = bizstim_sandbox
    gone = a_client_with_files(sb)
    # the clients list is read; then someone deletes the client before the
    # extraction reads its files (which now answer 404)
    sb.set_live_edits([{"object": "clients", "after_start": 0, "delete_ids": [gone]}])
    result = run_cli(["extract"], workspace, bizstim_env(sb))
    assert result.returncode == 0, result.output
    assert fired(sb)[0] == [gone]
    # the raw clients (staging's source) hold exactly the live clients
    assert {r["id"] for r in raw_rows(workspace, "clients")} == live_ids(sb, "clients")
    assert_every_live_record_stored(workspace, sb, "clients")
    assert not [f for f in raw_rows(workspace, "client_files") if f["client_id"] == gone]
    # and the warehouse says what happened to it, with its last JSON
    rows = query(workspace, "select object, id, reason, record_json "
                            "from bizstim_raw._vanished_records where extraction_id = 1")
    assert [(o, i) for o, i, _, _ in rows] == [("clients", gone)]
    assert "404" in rows[0][2] and json.loads(rows[0][3])["id"] == gone
    assert gone not in {i for (i,) in query(
        workspace, "select ref from bizstim_raw._fetch_log where status = 'not_found'")}


def test_a_client_deleted_during_the_cutover_delta_is_vanished_in_the_delta(
        bizstim_sandbox, workspace):
    sb = bizstim_sandbox
    assert run_cli(["extract"], workspace, bizstim_env(sb)).returncode == 0
    gone = a_client_with_files(sb)
    sb.set_live_edits([{"object": "clients", "after_start": 0, "delete_ids": [gone]}])
    result = run_cli(["extract", "--delta"], workspace, bizstim_env(sb))
    assert result.returncode == 0, result.output
    delta = query(workspace, "select id, change, record_json from bizstim_raw._delta "
                             "where extraction_id = 2 and object = 'clients'")
    assert [(i, c) for i, c, _ in delta] == [(gone, "vanished")]
    assert json.loads(delta[0][2])["id"] == gone
    assert {r["id"] for r in raw_rows(workspace, "clients")} == live_ids(sb, "clients")
    files = {f["id"] for f in raw_rows(workspace, "client_files")}
    assert files == live_ids(sb, "client_files")


def test_a_client_deleted_after_its_files_were_listed_takes_them_out_with_it(
        bizstim_sandbox, workspace):
    sb = bizstim_sandbox
    gone = a_client_with_files(sb)
    files = {f["id"] for f in sandbox_records(sb.url, "client_files") if f["client_id"] == gone}
    # the client and its file list are read; then the client is deleted, before
    # the extraction reads the files' bytes (which now answer 404)
    sb.set_live_edits([{"object": "clients", "after_path": f"client_files/{gone}",
                        "delete_ids": [gone]}])
    result = run_cli(["extract"], workspace, bizstim_env(sb))
    assert result.returncode == 0, result.output
    assert fired(sb)[0] == [gone]
    assert {r["id"] for r in raw_rows(workspace, "clients")} == live_ids(sb, "clients")
    assert {r["id"] for r in raw_rows(workspace, "client_files")} == live_ids(sb, "client_files")
    vanished = query(workspace, "select object, id from bizstim_raw._vanished_records "
                                "where extraction_id = 1")
    assert sorted(vanished) == sorted([("client_files", i) for i in files] + [("clients", gone)])
    # not a dangling reference for staging to quarantine: it is gone
    assert not query(workspace, "select ref from bizstim_raw._fetch_log "
                                "where status = 'not_found' and endpoint = 'client_file'")
    assert "vanished during the extraction" in " ".join(result.stdout.split())
