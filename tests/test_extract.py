"""The extraction story: sandbox up, `bizstim-migrate extract`, and the
warehouse holds exactly what Bizstim holds, whatever went wrong on the way."""

from __future__ import annotations

import hashlib
import signal
import threading
import time
from pathlib import Path

import requests

from bizstim_migrate.sandboxes import expected_counts, expected_records, sandbox_records
from extract import settings
from tests.conftest import as_raw, bizstim_env, query, raw_rows, run_cli, start_cli

DATA_TABLES = [e.table for e in settings.LIST_ENDPOINTS] + [
    "client_settings", "availability", "client_files",
]


def assert_warehouse_equals_sandbox(workspace: Path, sandbox) -> None:
    """Every record of every object, every field, exactly once."""
    everything = expected_records(sandbox.url)
    for table in DATA_TABLES:
        expected = {r["id"]: as_raw(r) for r in everything[table]}
        rows = raw_rows(workspace, table) if expected else []
        ids = [r["id"] for r in rows]
        assert len(ids) == len(set(ids)), f"{table}: duplicate ids"
        assert set(ids) == set(expected), f"{table}: ids differ"
        for row in rows:
            got = {k: v for k, v in row.items() if not k.startswith("_")}
            want = expected[row["id"]]
            assert {k: got.get(k) for k in want} == want, f"{table} {row['id']} differs"
    files = {r["id"]: r for r in raw_rows(workspace, "file_contents")}
    metadata = sandbox_records(sandbox.url, "client_files")
    assert set(files) == {m["id"] for m in metadata}
    for meta in metadata:
        stored = workspace / "files" / files[meta["id"]]["path"]
        content = stored.read_bytes()
        assert len(content) == int(meta["size"])
        assert hashlib.sha256(content).hexdigest() == files[meta["id"]]["sha256"]


def test_extraction_equals_the_sandbox_every_field_of_every_object(bizstim_sandbox, workspace):
    result = run_cli(["extract"], workspace, bizstim_env(bizstim_sandbox))
    assert result.returncode == 0, result.output
    assert_warehouse_equals_sandbox(workspace, bizstim_sandbox)
    # the per-object table a person reads
    for column in ("records", "pages", "requests", "429s", "elapsed", "quota wait"):
        assert column in result.stdout
    assert "clients" in result.stdout and "availability" in result.stdout


def test_a_clean_run_sees_no_429_and_sends_the_minimum_requests(bizstim_sandbox, workspace):
    result = run_cli(["extract"], workspace, bizstim_env(bizstim_sandbox))
    assert result.returncode == 0, result.output
    stats = bizstim_sandbox.stats()
    assert stats["rate_limited"] == 0
    counts = expected_counts(bizstim_sandbox.url)
    lists = sum(max(1, -(-counts[e.table] // e.max_limit)) for e in settings.LIST_ENDPOINTS)
    singles = sum(n for (n,) in query(
        workspace, "select count(*) from bizstim_raw._fetch_log where endpoint in "
        "('client_settings', 'availability', 'client_files', 'client_file')"))
    assert stats["requests"] == lists + singles


def test_dangling_references_are_logged_not_fatal(bizstim_sandbox, workspace):
    assert run_cli(["extract"], workspace, bizstim_env(bizstim_sandbox)).returncode == 0
    missing = query(workspace, "select endpoint, ref, message from bizstim_raw._fetch_log "
                               "where status = 'not_found'")
    assert missing, "the small tenant references a missing availability record"
    assert all(message for _, _, message in missing)


def test_a_tight_quota_shared_with_another_tool_completes_honouring_retry_after(workspace):
    # 60 requests per "hour", an hour of 0.25 s; a second tool spends the
    # same key's budget, so the server answers 429 that the client must honour
    from sandbox.bizstim.server import BizstimSandbox

    with BizstimSandbox(tenant="small", seed=42, time_scale=14400.0,
                        rate_limit_per_hour=60).start() as sandbox:
        key = sandbox.api_keys[0]
        stop = threading.Event()

        def other_tool() -> None:
            session = requests.Session()
            while not stop.is_set():
                session.get(f"{sandbox.url}/api/locations/0/1", headers={"x-api-key": key},
                            timeout=5)
                time.sleep(0.01)

        burner = threading.Thread(target=other_tool, daemon=True)
        burner.start()
        try:
            result = run_cli(["extract"], workspace, bizstim_env(
                sandbox, keys=[key], SOURCES__BIZSTIM__RATE_LIMIT_PER_WINDOW="60",
                SOURCES__BIZSTIM__MAX_RATE_LIMITED_RETRIES="200"))
        finally:
            stop.set()
            burner.join()
        assert result.returncode == 0, result.output
        assert sandbox.stats()["rate_limited"] > 0
        assert_warehouse_equals_sandbox(workspace, sandbox)


def test_server_errors_and_dropped_connections_lose_and_double_nothing(bizstim_sandbox,
                                                                       workspace):
    bizstim_sandbox.set_faults(error_rate=0.1, drop_rate=0.05, retry_after=0)
    result = run_cli(["extract"], workspace, bizstim_env(bizstim_sandbox))
    assert result.returncode == 0, result.output
    stats = bizstim_sandbox.stats()
    assert stats["faults"]["errors"] > 0 and stats["faults"]["drops"] > 0
    bizstim_sandbox.set_faults(error_rate=0, drop_rate=0, retry_after=None)
    assert_warehouse_equals_sandbox(workspace, bizstim_sandbox)


def test_a_run_killed_midway_resumes_with_every_record_exactly_once(bizstim_sandbox, workspace):
    # slow responses and small checkpoints, so the kill lands mid-extraction
    bizstim_sandbox.set_faults(latency_ms=15)
    env = bizstim_env(bizstim_sandbox, SOURCES__BIZSTIM__REQUESTS_IN_FLIGHT_PER_KEY="1")
    process = start_cli(["extract"], workspace, env | {"SOURCES__BIZSTIM__CHECKPOINT_SECONDS": "0.5"})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and bizstim_sandbox.stats()["by_endpoint"].get(
            "availability", 0) < 40:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    first = query(workspace, "select status from bizstim_raw._extractions")
    assert first == [("running",)]

    bizstim_sandbox.set_faults(latency_ms=0)
    result = run_cli(["extract"], workspace, bizstim_env(bizstim_sandbox))
    assert result.returncode == 0, result.output
    assert "resumed" in result.stdout
    assert query(workspace, "select extraction_id, status from bizstim_raw._extractions") == [
        (1, "succeeded")]
    assert_warehouse_equals_sandbox(workspace, bizstim_sandbox)


def test_delta_reports_exactly_the_touched_records(bizstim_sandbox, workspace):
    assert run_cli(["extract"], workspace, bizstim_env(bizstim_sandbox)).returncode == 0
    touched = {
        "clients": bizstim_sandbox.touch("clients", changed=4, added=3, deleted=2),
        "payments": bizstim_sandbox.touch("payments", changed=2, added=1, deleted=1),
    }
    result = run_cli(["extract", "--delta"], workspace, bizstim_env(bizstim_sandbox))
    assert result.returncode == 0, result.output
    assert "Delta since extraction 1" in result.stdout
    delta = query(workspace, "select object, change, id from bizstim_raw._delta "
                             "where extraction_id = 2 and object in ('clients', 'payments')")
    got = {(o, c, i) for o, c, i in delta}
    want = set()
    for obj, t in touched.items():
        want |= {(obj, "changed", i) for i in t["changed"]}
        want |= {(obj, "new", i) for i in t["added"]}
        want |= {(obj, "vanished", i) for i in t["deleted"]}
    assert got == want
    # vanished records leave the raw tables but keep their last JSON in the delta
    vanished = touched["clients"]["deleted"]
    assert not query(workspace, "select id from bizstim_raw.clients where id in "
                                f"({', '.join('?' for _ in vanished)})", vanished)
    assert all(j for (j,) in query(workspace, "select record_json from bizstim_raw._delta "
                                              "where change = 'vanished'"))
    assert_warehouse_equals_sandbox_lists(workspace, bizstim_sandbox)


def assert_warehouse_equals_sandbox_lists(workspace: Path, sandbox) -> None:
    for endpoint in settings.LIST_ENDPOINTS:
        expected = {r["id"] for r in sandbox_records(sandbox.url, endpoint.method)}
        got = {r["id"] for r in raw_rows(workspace, endpoint.table)} if expected else set()
        assert got == expected, endpoint.table


def test_a_bad_key_fails_clearly_without_showing_the_key(bizstim_sandbox, workspace):
    wrong = "0123456789abcdef0123456789abcdef01234567"
    result = run_cli(["extract"], workspace, bizstim_env(bizstim_sandbox, keys=[wrong]))
    assert result.returncode == 3
    assert "rejected API key key1" in result.output
    assert wrong not in result.output


def test_a_key_without_enterprise_plan_fails_clearly(bizstim_sandbox, workspace):
    small_business = bizstim_sandbox.keys_by_plan["small_business"][0]
    result = run_cli(["extract"], workspace, bizstim_env(bizstim_sandbox, keys=[small_business]))
    assert result.returncode == 3
    assert "Enterprise" in result.output
    assert small_business not in result.output


def test_no_key_reaches_logs_tables_or_pipeline_files(bizstim_sandbox, workspace):
    result = run_cli(["--verbose", "extract"], workspace, bizstim_env(bizstim_sandbox))
    assert result.returncode == 0, result.output
    keys = bizstim_sandbox.api_keys
    assert not any(k in result.output for k in keys)
    text_columns = query(workspace, "select table_schema, table_name, column_name from "
                                    "information_schema.columns where data_type = 'VARCHAR'")
    for schema, table, column in text_columns:
        for key in keys:
            hits = query(workspace, f'select count(*) from "{schema}"."{table}" '
                                    f'where position(? in "{column}") > 0', [key])
            assert hits == [(0,)], f"key found in {schema}.{table}.{column}"
    for path in workspace.rglob("*"):
        if path.is_file() and path.name != "sandbox.env" and "files" not in path.parts:
            content = path.read_bytes()
            assert not any(k.encode() in content for k in keys), f"key found in {path}"


def test_a_page_that_keeps_failing_stops_the_run_naming_it_and_a_rerun_resumes(
        bizstim_sandbox, workspace):
    bizstim_sandbox.set_faults(error_rate=1.0)
    env = bizstim_env(bizstim_sandbox, SOURCES__BIZSTIM__MAX_ATTEMPTS="3")
    result = run_cli(["extract"], workspace, env)
    assert result.returncode == 1
    assert "page at start=0" in result.output and "after 3 attempts" in result.output
    assert "Traceback" not in result.output
    assert query(workspace, "select status from bizstim_raw._extractions") == [("running",)]

    bizstim_sandbox.set_faults(error_rate=0.0)
    result = run_cli(["extract"], workspace, env)
    assert result.returncode == 0, result.output
    assert_warehouse_equals_sandbox(workspace, bizstim_sandbox)
