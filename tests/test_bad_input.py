"""The bad-input corpus through the whole migration: every kind of bad record
(sandbox/bizstim/corpus.py) either loads correctly or lands in quarantine with
its reason (or is excluded by a named rule, or kept as a malformed record),
the reconciliation balances exactly, and no command fails with a traceback.

One staged run for the module: the small tenant with every kind applied,
extracted once, then mapped, transformed and loaded as a migration engineer
does it, into the Freshsales and the Dynamics 365 sandbox side by side (a copy
of the extracted workspace each). Then one test per kind and destination
(ids = kind names) reads the warehouse and what the destination holds.
"""

from __future__ import annotations

import json
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
import requests
import yaml

from bizstim_migrate.sandboxes import start_sandboxes
from sandbox.bizstim.corpus import KINDS, KINDS_BY_NAME
from sandbox.bizstim.server import BizstimSandbox
from tests.conftest import CliResult, run_cli
from tests.freshsales_story import assert_destination_matches_marts

DESTINATIONS = ("freshsales", "dynamics")


def _steps(destination: str) -> list[list[str]]:
    return [
        ["sandbox", "admin", "--to", destination],
        ["map", "propose", "--to", destination],
        ["map", "confirm", "--to", destination, "--by", "the bad-input tests"],
        ["preflight", "--to", destination],  # may list what the admin must still create
        ["transform", "--to", destination],
        ["sandbox", "admin", "--to", destination],  # the category choices the marts name
        ["load", "--to", destination],  # checks the preflight's conditions itself
    ]


# what each destination's sandbox holds, read once the load is done
HELD = {
    # (with the account's settings the story resolves names against)
    "freshsales": ("contacts", "deals", "products", "notes", "sales_activities", "documents",
                   "sales_activity_outcomes", "sales_activity_types", "deal_stages"),
    "dynamics": ("contacts", "leads", "opportunities", "appointments", "products", "annotations"),
}


@dataclass(frozen=True)
class Place:
    """Where the records a kind affected are looked for, per destination."""

    quarantine_object: str  # also the reconciliation row for exclusions
    marts: tuple[str, ...] = ()
    key: str | None = None
    prefix: str = ""  # the mart key is prefix + id
    held_in: tuple[str, ...] = ()  # Dynamics: entity sets, found by their alternate key
    held_key: str | None = None


PLACES = {
    "freshsales": {
        "clients": Place("clients", ("freshsales.freshsales__contacts",), "bizstim_client_id"),
        "payments": Place("payments", ("freshsales.freshsales__deal_lines",), "bizstim_payment_id"),
        "sessions": Place("sessions", ("freshsales.freshsales__activities",), "bizstim_session_id"),
        "services": Place("services", ("freshsales.freshsales__products",), "bizstim_service_id"),
        "service_group_names": Place("service_groups", ("freshsales.freshsales__product_categories",),
                                     "bizstim_service_group_id"),
        "client_files": Place("client_files", ("freshsales.freshsales__documents",), "bizstim_file_id"),
        "availability_rules": Place("availability_rules"),
        "staffs": Place("people_records"),
    },
    "dynamics": {
        "clients": Place("clients", ("dynamics.dynamics__contacts", "dynamics.dynamics__leads"),
                         "bizstim_client_id", "", ("contacts", "leads"), "new_bizstimclientid"),
        "payments": Place("payments", ("dynamics.dynamics__opportunities",), "bizstim_payment_id", "",
                          ("opportunities",), "new_bizstimpaymentid"),
        "sessions": Place("sessions", ("dynamics.dynamics__appointments",), "bizstim_session_id", "",
                          ("appointments",), "new_bizstimsessionid"),
        "services": Place("services", ("dynamics.dynamics__products",), "bizstim_service_id", "",
                          ("products",), "new_bizstimserviceid"),
        "service_group_names": Place("service_groups"),
        "client_files": Place("client_files", ("dynamics.dynamics__annotations",),
                              "bizstim_annotation_key", "file:", ("annotations",),
                              "new_bizstimannotationkey"),
        "availability_rules": Place("availability_rules"),
        "staffs": Place("people_records"),
    },
}
# raw table -> the list method the extractor logs malformed records under
METHODS = {"clients": "clients", "payments": "payments", "services": "services"}
# Freshsales contact fields the corpus states -> the Dynamics contact / lead column
DYNAMICS_CONTACT_FIELDS = {"first_name": "firstname", "last_name": "lastname",
                           "city": "address1_city", "state": "address1_stateorprovince",
                           "zipcode": "address1_postalcode", "work_number": "telephone1",
                           "mobile_number": "mobilephone"}


@dataclass
class Leg:
    """One destination's part of the run: its workspace, commands and records."""

    destination: str
    workspace: Path
    results: list[tuple[list[str], CliResult]]
    held: dict[str, list[dict[str, Any]]]
    _con: duckdb.DuckDBPyConnection | None = None

    def sql(self, sql: str, params: list | None = None) -> list[tuple]:
        if self._con is None:  # nothing writes the warehouse once the run is staged
            self._con = duckdb.connect(str(self.workspace / "warehouse.duckdb"), read_only=True)
        return self._con.execute(sql, params or []).fetchall()

    def close(self) -> None:
        if self._con is not None:
            self._con.close()

    # the shape assert_destination_matches_marts reads
    def mart(self, sql: str, params: list | None = None) -> list[tuple]:
        return self.sql(sql, params)

    def records(self, obj: str) -> list[dict[str, Any]]:
        return self.held[obj]

    def value_map(self, name: str, value: str) -> str:
        """What the confirmed field map's value map makes of a source value."""
        path = self.workspace / "mapping" / f"{self.destination}.confirmed.yml"
        confirmed = yaml.safe_load(path.read_text())
        return (confirmed.get("value_maps", {}).get(name, {}).get("values") or {}).get(value, value)

    def contact(self, client_id: str) -> dict[str, Any] | None:
        if self.destination == "dynamics":
            return next((r for entity in ("contacts", "leads") for r in self.held[entity]
                         if r.get("new_bizstimclientid") == str(client_id)), None)
        return next((c for c in self.held["contacts"]
                     if str((c.get("custom_field") or {}).get("cf_bizstim_client_id")) == str(client_id)),
                    None)


@dataclass
class BadInputRun:
    applied: dict[str, dict[str, Any]]
    extract: CliResult
    sandbox_totals: dict[str, int]
    legs: dict[str, Leg]
    tmp_files: set[str]


def _chain(destination: str, workspace: Path, env: dict[str, str]) -> list[tuple[list[str], CliResult]]:
    results = []
    for position, args in enumerate(_steps(destination)):
        result = run_cli(args, workspace, env)
        results.append((args, result))
        if position != 3:  # the first preflight lists what is still to do
            assert result.returncode == 0, f"{' '.join(args)}:\n{result.output[-4000:]}"
    return results


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> BadInputRun:
    running = start_sandboxes(tenant="small", seed=42, time_scale=3600.0)
    try:
        applied = running.bizstim.apply_corpus()
        env = dict(running.env, SOURCES__BIZSTIM__BACKOFF_BASE_SECONDS="0.02",
                   LOAD_BACKOFF_BASE_SECONDS="0.02")
        root = tmp_path_factory.mktemp("bad_input")
        workspaces = {d: root / d / "workspace" for d in DESTINATIONS}
        first = workspaces["freshsales"]
        first.mkdir(parents=True)
        extract = run_cli(["extract"], first, env)
        assert extract.returncode == 0, extract.output[-4000:]
        shutil.copytree(first, workspaces["dynamics"])
        # the two destinations side by side (each its own warehouse copy)
        with ThreadPoolExecutor(max_workers=len(DESTINATIONS)) as pool:
            chains = {d: pool.submit(_chain, d, workspaces[d], env) for d in DESTINATIONS}
            results = {d: future.result() for d, future in chains.items()}
        sandboxes = {"freshsales": running.freshsales, "dynamics": running.dynamics}
        legs = {d: Leg(d, workspaces[d], results[d],
                       {obj: sandboxes[d].records(obj) for obj in HELD[d]})
                for d in DESTINATIONS}
        totals = {obj: running.bizstim.live.total(obj) for obj in
                  ("clients", "payments", "sessions", "services", "service_group_names")}
        tmp_files = {p.name for p in root.rglob("*") if p.is_file()}
        try:
            yield BadInputRun(applied, extract, totals, legs, tmp_files)
        finally:
            for leg in legs.values():
                leg.close()
    finally:
        running.stop()


# --- the corpus and the sandbox -----------------------------------------------------------------


def test_the_corpus_covers_at_least_40_kinds_each_with_an_outcome_and_reason():
    assert len(KINDS) >= 40
    assert len(KINDS_BY_NAME) == len(KINDS), "kind names are unique"
    for kind in KINDS:
        for destination in DESTINATIONS:
            outcome, reason = kind.outcome_for(destination)
            assert outcome == "loads" or reason, kind.name


def test_the_corpus_and_page_quirks_work_through_the_control_surface():
    with BizstimSandbox(tenant="small", seed=7, time_scale=3600.0) as sb:
        control = f"{sb.url}/__sandbox__"
        api = {"x-api-key": sb.api_keys[0]}
        applied = requests.post(f"{control}/corpus", json={"kinds": ["zero_byte_file",
                                                                      "file_bytes_missing"]},
                                timeout=10).json()
        empty, missing = applied["zero_byte_file"]["ids"][0], applied["file_bytes_missing"]["ids"][0]
        assert requests.get(f"{sb.url}/api/client_file/{empty}", headers=api, timeout=10).content == b""
        assert requests.get(f"{sb.url}/api/client_file/{missing}", headers=api, timeout=10).status_code == 404
        client = applied["zero_byte_file"]["client"]
        listed = requests.get(f"{sb.url}/api/client_files/{client}", headers=api, timeout=10).json()
        assert [f["id"] for f in listed["response"]] == [empty]

        quirks = [{"object": "payments", "action": "as_json_numbers", "from_offset": 100,
                   "fields": ["revenue_amount"]},
                  {"object": "payments", "action": "repeat_record", "from_offset": 1, "record_id": "1"},
                  {"object": "payments", "action": "insert_raw", "from_offset": 2, "raw": None}]
        assert len(requests.post(f"{control}/page_quirks", json={"quirks": quirks}, timeout=10).json()) == 3
        first = requests.get(f"{sb.url}/api/payments/0/100", headers=api, timeout=10).json()["response"]
        assert [r["id"] if r else r for r in first[:4]] == ["1", "1", "2", None]
        assert isinstance(first[0]["revenue_amount"], str)
        second = requests.get(f"{sb.url}/api/payments/100/100", headers=api, timeout=10).json()["response"]
        assert all(isinstance(r["revenue_amount"], (int, float)) for r in second)
        assert sb.records("payments", 0, 2)[1]["id"] == "2"  # the account itself is unchanged
        bad = requests.post(f"{control}/page_quirks", json={"quirks": [{"object": "payments",
                                                                        "action": "explode"}]},
                            timeout=10)
        assert bad.status_code == 400 and "unknown page quirk" in bad.text
        sb.reset()
        assert sb.page_quirks() == [] and sb.info()["corpus"] == []
    with BizstimSandbox(tenant="small", seed=7, corpus=["invalid_email"]) as sb:
        clients = sb.info()["counts"]["clients"]
        sb.reset()  # a corpus asked for at start is part of the initial account
        assert sb.info()["corpus"] == ["invalid_email"] and sb.info()["counts"]["clients"] == clients


def test_each_kind_affected_records_no_other_kind_did(run):
    seen: dict[tuple[str, str], str] = {}
    for name, applied in run.applied.items():
        for record_id in applied["ids"]:
            key = (applied["ids_of"], record_id)
            assert key not in seen, f"{name} and {seen[key]} both affect {key}"
            seen[key] = name


# --- the run as a whole ------------------------------------------------------------------------


def test_the_extraction_reported_the_malformed_records(run):
    assert "were not records" in run.extract.output


@pytest.mark.parametrize("destination", DESTINATIONS)
def test_no_command_printed_a_traceback(run, destination):
    assert "Traceback" not in run.extract.output
    for args, result in run.legs[destination].results:
        assert "Traceback" not in result.output, " ".join(args)


@pytest.mark.parametrize("destination", DESTINATIONS)
def test_the_load_refused_no_record(run, destination):
    leg = run.legs[destination]
    args, load = leg.results[-1]
    assert args[0] == "load" and load.returncode == 0, load.output[-3000:]
    assert "failed 0" in load.stdout and "(balanced)" in load.stdout
    assert leg.sql("select count(*) from ledger.records where action in ('failed', 'skipped')") == [(0,)]


def test_the_freshsales_account_holds_exactly_the_marts(run):
    assert_destination_matches_marts(run.legs["freshsales"])  # records, owners, parents


def test_dataverse_holds_exactly_the_marts(run):
    leg = run.legs["dynamics"]
    for entity, mart, key, column in (
            ("contacts", "dynamics__contacts", "bizstim_client_id", "new_bizstimclientid"),
            ("leads", "dynamics__leads", "bizstim_client_id", "new_bizstimclientid"),
            ("opportunities", "dynamics__opportunities", "bizstim_payment_id", "new_bizstimpaymentid"),
            ("appointments", "dynamics__appointments", "bizstim_session_id", "new_bizstimsessionid"),
            ("products", "dynamics__products", "bizstim_service_id", "new_bizstimserviceid"),
            ("annotations", "dynamics__annotations", "bizstim_annotation_key",
             "new_bizstimannotationkey")):
        held = sorted(r[column] for r in leg.records(entity))
        assert held == sorted(k for (k,) in leg.sql(f"select {key} from dynamics.{mart}")), entity


@pytest.mark.parametrize("destination", DESTINATIONS)
@pytest.mark.parametrize("obj", ["clients", "payments", "sessions", "services", "service_groups",
                                 "client_files", "client_notes", "people_records"])
def test_reconciliation_balances_exactly(run, destination, obj):
    rows = run.legs[destination].sql(
        "select extracted, ready, quarantined, excluded_by_rule "
        f"from reconciliation.reconciliation__{destination} where object = ?", [obj])
    assert len(rows) == 1
    extracted, ready, quarantined, excluded = rows[0]
    assert extracted == ready + quarantined + excluded
    # and nothing went missing between the API and the warehouse: duplicates
    # once, malformed records kept aside
    raw = {"service_groups": "service_group_names"}.get(obj, obj)
    if raw in run.sandbox_totals:
        assert extracted == run.sandbox_totals[raw]


def test_files_are_stored_by_content_never_under_the_name_bizstim_gave(run):
    files_dir = run.legs["freshsales"].workspace / "files"
    stored = [str(p.relative_to(files_dir)) for p in files_dir.rglob("*") if p.is_file()]
    assert stored and all(re.fullmatch(r"[0-9a-f]{2}/[0-9a-f]{64}", p) for p in stored), stored
    assert "passwd" not in run.tmp_files  # ../../../etc/passwd


# --- one test per kind and destination ------------------------------------------------------------


@pytest.mark.parametrize("destination", DESTINATIONS)
@pytest.mark.parametrize("name", [kind.name for kind in KINDS])
def test_kind(run, name, destination):
    kind = KINDS_BY_NAME[name]
    applied = run.applied[name]
    leg = run.legs[destination]
    ids, where = applied["ids"], applied["ids_of"]
    outcome, reason = kind.outcome_for(destination)
    if outcome == "quarantine":
        _assert_quarantined(leg, where, ids, reason)
    elif outcome == "loads":
        _assert_loaded(leg, where, ids)
    elif outcome == "excluded":
        _assert_excluded(leg, where, ids, reason)
    else:
        _assert_malformed(leg, kind.object, reason)
    if "reason_contains" in applied:  # the raw value quoted, invisible characters visible
        place = PLACES[destination][where]
        sentences = [reason for (reason,) in leg.sql(
            "select reason from quarantine.quarantine__all where object = ? and source_id = ? "
            "and reason_code = ? and destination in ('all', ?)",
            [place.quarantine_object, ids[0], reason, destination])]
        assert any(applied["reason_contains"] in s for s in sentences), sentences
    for obj, record_id, field, code, *only in applied.get("degraded", []):  # loaded, and listed
        if only and only[0] != destination:
            continue
        listed = leg.sql("select reason_code, reason from quarantine.quarantine__degraded_fields "
                         "where object = ? and source_id = ? and field = ? "
                         "and destination in ('all', ?)", [obj, record_id, field, destination])
        assert [row[0] for row in listed] == [code], f"{obj} {record_id}.{field}: {listed}"
    for key, expected in applied["holds"].items():
        if destination == "freshsales":
            _assert_freshsales_holds(leg, key, expected)
        elif key.startswith("contact:"):
            _assert_dynamics_contact_holds(leg, key.partition(":")[2], expected)


def _mart_rows(leg: Leg, place: Place, record_id: str) -> int:
    return sum(leg.sql(f"select count(*) from {mart} where {place.key} = ?",
                       [place.prefix + record_id])[0][0] for mart in place.marts)


def _held(leg: Leg, where: str, record_id: str) -> bool:
    if leg.destination == "freshsales":
        return _in_freshsales(leg, where, record_id)
    place = PLACES["dynamics"][where]
    return any(r.get(place.held_key) == place.prefix + record_id
               for entity in place.held_in for r in leg.records(entity))


def _reason_codes(leg: Leg, place: Place, record_id: str) -> set[str]:
    return {code for (code,) in leg.sql(
        "select reason_code from quarantine.quarantine__all where object = ? and source_id = ? "
        "and destination in ('all', ?)", [place.quarantine_object, record_id, leg.destination])}


def _assert_quarantined(leg: Leg, where: str, ids: list[str], reason: str) -> None:
    assert ids
    place = PLACES[leg.destination][where]
    for record_id in ids:
        codes = _reason_codes(leg, place, record_id)
        assert reason in codes, f"{where} {record_id}: quarantined for {codes or 'nothing'}"
        if place.marts:
            assert not _mart_rows(leg, place, record_id), f"{where} {record_id} is quarantined and in a mart"
            assert not _held(leg, where, record_id), f"{where} {record_id} is quarantined and loaded"


def _assert_loaded(leg: Leg, where: str, ids: list[str]) -> None:
    assert ids
    place = PLACES[leg.destination][where]
    for record_id in ids:
        codes = _reason_codes(leg, place, record_id)
        assert not codes, f"{where} {record_id} is in quarantine: {codes}"
        assert _mart_rows(leg, place, record_id) == 1, f"{where} {record_id}: not in a mart exactly once"
        assert _held(leg, where, record_id), f"{where} {record_id} is not in {leg.destination}"


def _assert_excluded(leg: Leg, where: str, ids: list[str], rule: str) -> None:
    assert ids
    place = PLACES[leg.destination][where]
    excluded, exclusion_rule = leg.sql(
        "select excluded_by_rule, exclusion_rule from "
        f"reconciliation.reconciliation__{leg.destination} where object = ?",
        [place.quarantine_object])[0]
    assert excluded > 0 and rule in exclusion_rule
    for record_id in ids:
        if place.marts:
            assert not _mart_rows(leg, place, record_id)
        if where == "staffs":  # waits in the provisioning queue, with its reason
            resolution = leg.sql(
                f"select owners.{leg.destination}_resolution "
                "from intermediate.int_owners__resolved_by_email as owners "
                "inner join intermediate.int_people__deduplicated as people "
                "on owners.person_key = people.person_key where list_contains(people.staff_ids, ?)",
                [record_id])
            assert resolution and resolution[0][0] != "resolved", f"staff {record_id}: {resolution}"
            queued = leg.sql("select count(*) from deliverables.deliverables__provisioning_queue "
                             "where destination = ? and person_key = (select person_key from "
                             "intermediate.int_people__deduplicated where list_contains(staff_ids, ?))",
                             [leg.destination, record_id])
            assert queued[0][0] >= 1, f"staff {record_id} is not in the provisioning queue"


def _assert_malformed(leg: Leg, obj: str, reason: str) -> None:
    rows = leg.sql("select reason, record_json from bizstim_raw._malformed_records "
                   "where endpoint = ?", [METHODS[obj]])
    assert any(reason in row[0] for row in rows), rows


# --- Freshsales look-ups --------------------------------------------------------------------------


def _in_freshsales(leg: Leg, where: str, record_id: str) -> bool:
    if where == "clients":
        return leg.contact(record_id) is not None
    if where == "payments":
        deal = leg.sql("select bizstim_deal_key from freshsales.freshsales__deal_lines "
                       "where bizstim_payment_id = ?", [record_id])
        return bool(deal) and any(
            (d.get("custom_field") or {}).get("cf_bizstim_deal_key") == deal[0][0]
            for d in leg.records("deals"))
    if where == "sessions":
        return any(a["title"].endswith(f"(Bizstim session {record_id})")
                   for a in leg.records("sales_activities"))
    if where == "services":
        return any(p["product_code"] == f"BZ-{record_id}" for p in leg.records("products"))
    if where == "service_group_names":  # a category is a choice of the product field
        return bool(leg.sql("select 1 from freshsales.freshsales__product_categories "
                            "where bizstim_service_group_id = ?", [record_id]))
    if where == "client_files":
        return _document(leg, record_id) is not None
    raise AssertionError(f"no destination look-up for {where}")


def _document(leg: Leg, file_id: str) -> dict[str, Any] | None:
    row = leg.sql("select bizstim_client_id, sha256 from freshsales.freshsales__documents "
                  "where bizstim_file_id = ?", [file_id])
    if not row:
        return None
    contact = leg.contact(row[0][0])
    if contact is None:
        return None
    return next((d for d in leg.records("documents")
                 if d["targetable_id"] == contact["id"] and d.get("sha256") == row[0][1]), None)


def _check(leg: Leg, shown: dict[str, Any], name: str, value: Any, what: str) -> None:
    if isinstance(value, dict) and "value_map" in value:
        assert shown.get(name) == leg.value_map(value["value_map"], value["value"]), f"{what}: {name}"
    elif value is None:  # empty: "" or absent
        assert shown.get(name) in (None, ""), f"{what}: {name}"
    else:
        assert shown.get(name) == value, f"{what}: {name}"


def _assert_freshsales_holds(leg: Leg, key: str, expected: dict[str, Any]) -> None:
    what, _, record_id = key.partition(":")
    if what == "contact":
        contact = leg.contact(record_id)
        assert contact is not None, f"client {record_id} is not in Freshsales"
        custom = contact.get("custom_field") or {}
        shown = {**contact, **custom}
        shown["other_emails"] = sorted(e["value"] for e in contact.get("emails") or []
                                       if not e.get("is_primary"))
        for name, value in expected.items():
            if name == "custom_fields":
                stored = json.loads(custom["cf_bizstim_custom_fields"])
                assert {k: stored.get(k) for k in value} == value
            elif name == "custom_field_values":
                stored = json.loads(custom["cf_bizstim_custom_fields"])
                assert set(value) <= set(stored.values()), stored
            else:
                _check(leg, shown, name, value, f"contact {record_id}")
    elif what == "notes":
        contact = leg.contact(record_id)
        assert contact is not None
        notes = [n["description"] for n in leg.records("notes") if n["targetable_id"] == contact["id"]]
        assert any(expected["text"] in note for note in notes), notes
    elif what == "deal_line":
        deal_key = leg.sql("select bizstim_deal_key from freshsales.freshsales__deal_lines "
                           "where bizstim_payment_id = ?", [record_id])[0][0]
        deal = next(d for d in leg.records("deals")
                    if (d.get("custom_field") or {}).get("cf_bizstim_deal_key") == deal_key)
        prices = [line["unit_price"] for line in deal.get("products") or []]
        assert expected["unit_price"] in prices, (deal_key, prices)
    elif what == "deal":
        deal = next(d for d in leg.records("deals")
                    if (d.get("custom_field") or {}).get("cf_bizstim_deal_key") == f"client:{record_id}")
        for name, value in expected.items():
            _check(leg, deal, name, value, f"deal of client {record_id}")
    elif what == "activity":
        activity = next(a for a in leg.records("sales_activities")
                        if a["title"].endswith(f"(Bizstim session {record_id})"))
        for name, value in expected.items():
            if name.endswith("_date"):
                assert _instant(activity[name]) == _instant(value), name
            else:
                assert activity[name] == value, name
    elif what == "product":
        product = next(p for p in leg.records("products") if p["product_code"] == f"BZ-{record_id}")
        for name, value in expected.items():
            if name == "unit_price":
                assert [p["unit_price"] for p in product["product_pricings"]] == [value]
            else:
                _check(leg, product, name, value, f"product {record_id}")
    elif what == "document":
        document = _document(leg, record_id)
        assert document is not None, f"file {record_id} is not in Freshsales"
        assert document["file_name"] == expected["file_name"]
        assert document["file_size"] == expected["size"]
    else:
        raise AssertionError(f"unknown expectation {key}")


def _assert_dynamics_contact_holds(leg: Leg, client_id: str, expected: dict[str, Any]) -> None:
    """The names, places and phones the corpus states, as the contact or lead holds them."""
    record = leg.contact(client_id)
    assert record is not None, f"client {client_id} is not in Dataverse"
    for name, value in expected.items():
        if name in DYNAMICS_CONTACT_FIELDS:
            _check(leg, record, DYNAMICS_CONTACT_FIELDS[name], value, f"client {client_id}")


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
