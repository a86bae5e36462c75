"""The Freshsales migration story's shared parts: a staged workspace (sandboxes
up, schema set up by the "admin", extracted, transformed), a fresh copy of it
with an empty Freshsales account per test, and the check that the account
holds exactly what the marts say."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import duckdb

from bizstim_migrate.sandboxes import start_sandboxes
from tests.conftest import query, run_cli

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def stage_freshsales(tmp_path_factory):
    """Sandboxes up and a workspace ready to load: extracted, the admin's custom
    fields in place, users read, marts built against them."""
    running = start_sandboxes(tenant="small", seed=42, time_scale=3600.0)
    env = dict(running.env, SOURCES__BIZSTIM__BACKOFF_BASE_SECONDS="0.02",
               LOAD_BACKOFF_BASE_SECONDS="0.02")
    workspace = tmp_path_factory.mktemp("staged") / "workspace"
    workspace.mkdir()
    try:
        for args in (["sandbox", "admin", "--to", "freshsales"], ["extract"],
                     ["map", "propose", "--to", "freshsales"],
                     ["map", "confirm", "--to", "freshsales", "--by", "the tests"],
                     ["preflight", "--to", "freshsales"], ["transform", "--to", "freshsales"],
                     ["sandbox", "admin", "--to", "freshsales"],
                     ["preflight", "--to", "freshsales"]):
            result = run_cli(args, workspace, env)
            if args[0] != "preflight":  # the first one lists what is still to do
                assert result.returncode == 0, result.output
        assert result.returncode == 0, result.output  # the last preflight: ready
        yield running, env, workspace
    finally:
        running.stop()


class Migration:
    """A fresh copy of the staged workspace and an empty Freshsales account."""

    def __init__(self, staged, tmp_path: Path) -> None:
        self.running, self.env, staged_workspace = staged
        self.fs = self.running.freshsales
        self.workspace = tmp_path / "workspace"
        shutil.copytree(staged_workspace, self.workspace)
        self.fs.reset()
        self.fs.clear_faults()
        self.fs.configure(rate_limit_per_hour=1000, time_scale=3600.0, job_base_seconds=2.0)
        self.cli("sandbox", "admin", "--to", "freshsales")

    def cli(self, *args: str, ok: bool = True, env: dict | None = None):
        result = run_cli(list(args), self.workspace, {**self.env, **(env or {})})
        if ok:
            assert result.returncode == 0, result.output
        return result

    def records(self, obj: str) -> list[dict]:
        return self.fs.records(obj)

    def writes(self) -> int:
        return sum(self.fs.stats()["by_method"].get(m, 0) for m in WRITE_METHODS)

    def mart(self, sql: str, params: list | None = None) -> list[tuple]:
        return query(self.workspace, sql, params)

    def execute(self, sql: str, params: list | None = None) -> None:
        """Change the warehouse as an engineer editing the staged data would."""
        with duckdb.connect(str(self.workspace / "warehouse.duckdb")) as con:
            con.execute(sql, params or [])

    def ledger(self, sql: str) -> list[tuple]:
        return query(self.workspace, sql)


def _by_key(records: list[dict], field: str) -> dict[str, dict]:
    keyed = {}
    for record in records:
        key = (record.get("custom_field") or {}).get(field)
        assert key not in keyed, f"two records carry {field} {key}"
        keyed[key] = record
    return keyed


def assert_destination_matches_marts(m: Migration) -> None:
    """Exactly the expected records, owners and parent links right."""
    contacts = _by_key(m.records("contacts"), "cf_bizstim_client_id")
    mart_contacts = dict(m.mart("select bizstim_client_id, owner_id "
                                "from freshsales.freshsales__contacts"))
    assert set(contacts) == set(mart_contacts)
    for key, owner in mart_contacts.items():
        if owner is not None:  # no owner: Freshsales assigns the API user
            assert str(contacts[key]["owner_id"]) == str(owner), key
    contact_id = {k: r["id"] for k, r in contacts.items()}

    deals = _by_key(m.records("deals"), "cf_bizstim_deal_key")
    mart_deals = dict(m.mart("select bizstim_deal_key, bizstim_client_id "
                             "from freshsales.freshsales__deals"))
    assert set(deals) == set(mart_deals)
    for key, client in mart_deals.items():
        assert deals[key]["contact_ids"] == [contact_id[client]]
    lines = Counter(dict(m.mart("select bizstim_deal_key, count(*) "
                                "from freshsales.freshsales__deal_lines group by 1")))
    for key, deal in deals.items():
        assert len(deal.get("products") or []) == lines[key], key

    products = {p["product_code"] for p in m.records("products")}
    assert products == {r[0] for r in m.mart("select product_code "
                                             "from freshsales.freshsales__products")}

    notes = Counter((n["targetable_id"], n["description"]) for n in m.records("notes"))
    want = Counter((contact_id[c], d) for c, d in m.mart(
        "select bizstim_client_id, description from freshsales.freshsales__notes"))
    assert notes == want

    # the outcome and the type are the names the mart carries (dbt vars and the
    # session-completed rule), resolved to the account's ids
    outcomes = {o["id"]: o["name"] for o in m.records("sales_activity_outcomes")}
    types = {o["id"]: o["name"] for o in m.records("sales_activity_types")}
    activities = Counter((a["targetable_id"], a["title"], str(a["owner_id"]),
                          outcomes.get(a.get("sales_activity_outcome_id")),
                          types.get(a.get("sales_activity_type_id")))
                         for a in m.records("sales_activities"))
    want = Counter((contact_id[c], t, str(o), outcome, kind) for c, t, o, outcome, kind in m.mart(
        "select bizstim_client_id, title, owner_id, outcome, activity_type "
        "from freshsales.freshsales__activities"))
    assert activities == want
    assert {o for (*_, o, _k) in want} >= {None, "Completed"}, "both kinds of session"

    stages = {s["id"]: s["name"] for s in m.records("deal_stages")}
    stage_of = dict(m.mart("select bizstim_deal_key, deal_stage from freshsales.freshsales__deals"))
    assert {k: stages[d["deal_stage_id"]] for k, d in deals.items()} == stage_of

    documents = Counter((d["targetable_id"], d["file_name"], d["sha256"])
                        for d in m.records("documents"))
    want = Counter((contact_id[c], f, s) for c, f, s in m.mart(
        "select bizstim_client_id, file_name, sha256 from freshsales.freshsales__documents"))
    assert documents == want


