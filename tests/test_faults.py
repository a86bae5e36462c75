"""A customer's worst day is a half-finished migration: kills at random points,
flaky networks, 429 storms, a rejected record. After each, the account holds
exactly what the marts say (or, rolled back, exactly what it held before).

A quick subset runs by default; `pytest -m slow` runs the full set."""

from __future__ import annotations

import random
import signal
import time

import pytest

from tests.conftest import start_cli
from tests.freshsales_story import Migration, assert_destination_matches_marts

OBJECTS = ("contacts", "deals", "products", "notes", "sales_activities", "documents")


@pytest.fixture
def migration(freshsales_staged, tmp_path):
    return Migration(freshsales_staged, tmp_path)


def _kill_after(m: Migration, requests_more: int) -> bool:
    """Start a load, kill -9 it once the destination has seen `requests_more`
    more requests. False when the load finished first."""
    start = m.fs.stats()["requests"]
    process = start_cli(["load", "--to", "freshsales"], m.workspace, m.env)
    try:
        while m.fs.stats()["requests"] < start + requests_more:
            if process.poll() is not None:
                return False
            time.sleep(0.002)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        return True
    finally:
        if process.poll() is None:
            process.kill()


def _assert_ledger_agrees_with_the_account(m: Migration) -> None:
    for obj, table in (("contacts", "contacts"), ("deals", "deals"), ("notes", "notes"),
                       ("activities", "sales_activities"), ("documents", "documents"),
                       ("products", "products")):
        ledger = {r[0] for r in m.ledger(
            f"select destination_id from ledger.current where object = '{obj}'")}
        assert ledger == {str(r["id"]) for r in m.records(table)}, obj


def _empty(m: Migration) -> bool:
    return all(not m.records(obj) for obj in OBJECTS)


@pytest.mark.parametrize("kills", [
    pytest.param(3, id="3-kills"),
    pytest.param(20, id="20-kills", marks=pytest.mark.slow),
])
def test_load_killed_at_random_points_then_resumed(migration, kills):
    m = migration
    m.fs.set_faults(latency_ms=3)  # requests take a little time, so kills land anywhere
    rng = random.Random(1000 + kills)
    landed = 0
    for _ in range(kills):
        # between requests, inside a bulk job, between a write and its ledger row
        landed += _kill_after(m, rng.randint(3, 40))
    m.fs.clear_faults()
    assert landed == kills, "every kill should land before the load finishes"
    m.cli("load", "--to", "freshsales")
    assert_destination_matches_marts(m)
    _assert_ledger_agrees_with_the_account(m)
    runs = m.ledger("select mode, status from ledger.runs")
    assert runs == [("full", "succeeded")]

    run = m.ledger("select run_id from ledger.runs")[0][0]
    m.cli("rollback", run)
    assert _empty(m)


def test_a_flaky_network_loses_nothing_and_rolls_back_clean(migration):
    m = migration
    m.fs.set_faults(error_rate=0.1, drop_rate=0.05, latency_ms=2, retry_after=0)
    m.cli("load", "--to", "freshsales")
    m.fs.clear_faults()
    faults = m.fs.stats()["faults"]
    assert faults["errors"] > 0 and faults["drops"] > 0
    assert_destination_matches_marts(m)
    _assert_ledger_agrees_with_the_account(m)
    m.cli("rollback", m.ledger("select run_id from ledger.runs")[0][0])
    assert _empty(m)


def test_a_429_storm_longer_than_the_retry_budget_stops_cleanly_then_resumes(migration):
    m = migration
    m.fs.configure(time_scale=36000.0)  # windows of 0.1 s: the storm is over quickly
    env = {**m.env, "FRESHSALES_WINDOW_SECONDS": "0.1"}
    process = start_cli(["load", "--to", "freshsales"], m.workspace, env)
    # another integration takes the whole quota in the middle of the contacts phase
    while m.fs.stats()["by_endpoint"].get("contacts/bulk_upsert", 0) < 1:
        assert process.poll() is None, process.communicate()
        time.sleep(0.002)
    m.fs.configure(rate_limit_per_hour=0)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 1, out + err
    assert "kept answering 429" in err and "resume" in err
    assert "Traceback" not in err
    assert m.ledger("select status from ledger.runs") == [("interrupted",)]

    m.fs.configure(rate_limit_per_hour=1000, time_scale=3600.0)
    m.cli("load", "--to", "freshsales")
    assert_destination_matches_marts(m)
    assert m.ledger("select mode, status from ledger.runs") == [("full", "succeeded")]


def test_one_record_the_destination_rejects_fails_alone_with_its_reason(migration):
    m = migration
    bad = m.mart("select bizstim_client_id from freshsales.freshsales__contacts "
                 "order by 1 limit 1 offset 7")[0][0]
    m.execute("update freshsales.freshsales__contacts set cf_bizstim_status = repeat('x', 300) "
              "where bizstim_client_id = ?", [bad])
    result = m.cli("load", "--to", "freshsales", ok=False)
    assert result.returncode == 1 and "1 records failed" in result.stderr
    failed = m.ledger("select object, source_key, error from ledger.records "
                      "where action = 'failed'")
    assert [(o, k) for o, k, _ in failed] == [("contacts", bad)]
    assert "255" in failed[0][2] or "long" in failed[0][2].lower()
    # its children wait for it, each named as such; everything else is in
    children = sum(m.mart(f"select count(*) from freshsales.{table} where bizstim_client_id = ?",
                          [bad])[0][0]
                   for table in ("freshsales__deals", "freshsales__notes",
                                 "freshsales__activities", "freshsales__documents"))
    skipped = m.mart("select count(*), count(*) filter (where error like ?) "
                     "from ledger.records where action = 'skipped'",
                     [f"%contacts record {bad} is not in freshsales%"])
    assert skipped == [(children, children)]
    contacts = {(c.get("custom_field") or {}).get("cf_bizstim_client_id")
                for c in m.records("contacts")}
    assert bad not in contacts and len(contacts) == m.mart(
        "select count(*) from freshsales.freshsales__contacts")[0][0] - 1

    m.execute("update freshsales.freshsales__contacts set cf_bizstim_status = 'active' "
              "where bizstim_client_id = ?", [bad])
    m.cli("load", "--to", "freshsales")
    assert_destination_matches_marts(m)


# --- the extraction ---------------------------------------------------------------------------

@pytest.mark.parametrize("kills", [
    pytest.param(3, id="3-kills"),
    pytest.param(20, id="20-kills", marks=pytest.mark.slow),
])
def test_extraction_killed_at_random_points_then_resumed(bizstim_sandbox, workspace, kills):
    from tests.conftest import bizstim_env, query, run_cli
    from tests.test_extract import assert_warehouse_equals_sandbox

    sandbox = bizstim_sandbox
    sandbox.set_faults(latency_ms=3)
    env = bizstim_env(sandbox) | {"SOURCES__BIZSTIM__CHECKPOINT_SECONDS": "0.2"}
    rng = random.Random(2000 + kills)
    landed = 0
    for _ in range(kills):
        start = sandbox.stats()["requests"]
        process = start_cli(["extract"], workspace, env)
        try:
            target = start + rng.randint(5, 60)
            while sandbox.stats()["requests"] < target and process.poll() is None:
                time.sleep(0.002)
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                landed += 1
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
    sandbox.set_faults(latency_ms=0)
    assert landed >= kills - 1, "the kills should land before the extraction finishes"
    result = run_cli(["extract"], workspace, bizstim_env(sandbox))
    assert result.returncode == 0, result.output
    assert query(workspace, "select count(*) from bizstim_raw._extractions "
                            "where status = 'succeeded'") == [(1,)]
    assert_warehouse_equals_sandbox(workspace, sandbox)
