"""A migration engineer loads the small Bizstim tenant into Dynamics 365 Sales
(the Dataverse sandbox, over real HTTP), and it is exact, idempotent,
resumable, robust and reversible.

The workspace is built once for the session as a user builds it: extract from
the Bizstim sandbox, the admin creates the custom columns the preflight asks
for, the preflight stores the system users, `transform --to dynamics` resolves
owners to them. Every test then loads a copy of it into a fresh Dataverse
sandbox seeded with the same users (same seed: same user ids).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest

from bizstim_migrate.sandboxes import customer_users
from load.dynamics import settings as dynamics_settings
from load.dynamics.objects import line_id
from load.dynamics.odata import DataverseClient
from load.dynamics.writer import DynamicsWriter
from load.http import AmbiguousWrite
from load.runner import LoadRefused, Runner
from sandbox.dynamics.server import DynamicsSandbox
from tests.conftest import ROOT, run_cli
from tests.dynamics_story import (FAST, SEED, AnswerLost, admin_creates_columns,
                                  config_for)

# entity set -> (mart, the column of the Bizstim key in the mart, its custom column)
KEYED = {
    "contacts": ("dynamics__contacts", "bizstim_client_id", "new_bizstimclientid"),
    "leads": ("dynamics__leads", "bizstim_client_id", "new_bizstimclientid"),
    "products": ("dynamics__products", "bizstim_service_id", "new_bizstimserviceid"),
    "opportunities": ("dynamics__opportunities", "bizstim_payment_id", "new_bizstimpaymentid"),
    "annotations": ("dynamics__annotations", "bizstim_annotation_key",
                    "new_bizstimannotationkey"),
    "appointments": ("dynamics__appointments", "bizstim_session_id", "new_bizstimsessionid"),
}
# what a write, a restore or the service itself changes on any record
VOLATILE = {"versionnumber", "modifiedon", "_modifiedby_value",
            "_modifiedby_value@Microsoft.Dynamics.CRM.lookuplogicalname"}
LOADED_SETS = ("systemusers", "uomschedules", "uoms", "pricelevels", "products",
               "productpricelevels", "contacts", "leads", "opportunities",
               "opportunityproducts", "annotations", "appointments")


def env_for(dataverse: DynamicsSandbox) -> dict[str, str]:
    creds = dataverse.credentials()
    return {"DYNAMICS_BASE_URL": dataverse.url, "DYNAMICS_TENANT_ID": creds["tenant_id"],
            "DYNAMICS_CLIENT_ID": creds["client_id"],
            "DYNAMICS_CLIENT_SECRET": creds["client_secret"],
            "DYNAMICS_AUTHORITY_HOST": dataverse.url,
            "DYNAMICS_PUBLISHER_PREFIX": creds["publisher_prefix"],
            "DYNAMICS_WINDOW_SECONDS": repr(300.0 / dataverse.time_scale)}


@pytest.fixture
def built(dynamics_built) -> Path:
    """The workspace staged once for the session (tests/dynamics_story.py)."""
    return dynamics_built


class Migration:
    """One engineer's session: a copy of the workspace and a fresh Dataverse."""

    def __init__(self, workspace: Path, dataverse: DynamicsSandbox) -> None:
        self.workspace = workspace
        self.dataverse = dataverse
        self.con = duckdb.connect(str(workspace / "warehouse.duckdb"))
        self.client = DataverseClient(config_for(dataverse), FAST)
        self.writer = DynamicsWriter(self.client, self.con)

    def runner(self) -> Runner:
        return Runner(self.con, self.writer)

    def mart(self, table: str) -> list[dict]:
        cursor = self.con.execute(f"select * from dynamics.{table}")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def by_key(self, entity_set: str) -> dict[str, dict]:
        column = KEYED[entity_set][2]
        return {r[column]: r for r in self.dataverse.records(entity_set)}

    def ledger_id(self, obj: str, key: str) -> str:
        return self.con.execute(
            "select destination_id from ledger.current where object = ? and source_key = ?",
            [obj, key]).fetchone()[0]

    def operations(self) -> int:
        return self.dataverse.stats()["dataverse"]["data_operations"]

    def snapshot(self) -> dict[str, dict[str, dict]]:
        """Every record of the tables the load writes, by id (a column never set and one
        set to null read alike, so both are left out)."""
        return {s: {r[next(k for k in r if k.endswith("id") and not k.startswith("_"))]:
                    {k: v for k, v in r.items() if k not in VOLATILE and v is not None}
                    for r in self.dataverse.records(s)} for s in LOADED_SETS}


@pytest.fixture
def migration(built, tmp_path):
    workspace = tmp_path / "workspace"
    shutil.copytree(built, workspace)
    with DynamicsSandbox(time_scale=100.0, seed=SEED,
                         users=customer_users("dynamics")).start() as dataverse:
        admin_creates_columns(dataverse)
        session = Migration(workspace, dataverse)
        try:
            yield session
        finally:
            session.con.close()


def utc(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- the full load, then nothing ------------------------------------------------------------

def test_a_full_load_puts_exactly_the_marts_into_dataverse_and_a_second_run_writes_nothing(
        migration):
    m, dv = migration, migration.dataverse
    before = dv.stats()["requests"]
    report = m.runner().load()
    requests = dv.stats()["requests"] - before
    assert report.mode == "full" and report.failed == 0
    marts = {spec.name: len(m.mart(spec.mart.split(".")[1])) for spec in m.writer.objects()}
    assert {line.object: line.expected for line in report.lines} == marts
    assert all(line.get("created") + line.get("updated") == line.expected
               for line in report.lines), [(l.object, l.counts) for l in report.lines]
    assert report.lines[0].get("updated") == marts["systemusers"]  # users are never created

    # counts per table: exactly the marts (plus what a fresh org holds)
    for entity_set, (mart, key, _) in KEYED.items():
        assert sorted(m.by_key(entity_set)) == sorted(str(r[key]) for r in m.mart(mart))
    assert len(dv.records("opportunityproducts")) == marts["opportunities"]
    assert len(dv.records("productpricelevels")) == marts["price_list_items"]
    assert [u["name"] for u in dv.records("uomschedules")] == ["Default Unit", "Bizstim sessions"]
    assert [p["name"] for p in dv.records("pricelevels")] == ["Bizstim price list"]

    # field values, owners and parent links
    app_user = dv.app_user_id
    contacts = m.by_key("contacts")
    for row in m.mart("dynamics__contacts"):
        record = contacts[row["bizstim_client_id"]]
        for column in ("firstname", "lastname", "emailaddress1", "emailaddress2", "telephone1",
                       "telephone2", "mobilephone", "address1_line1", "address1_city",
                       "address1_postalcode", "address1_country"):
            assert record.get(column) == row[column], (column, row["bizstim_client_id"])
        assert record["new_availabilityslotdata"] == row["availability_slot_data"]
        assert record["_ownerid_value"] == (row["owner_systemuserid"] or app_user)
    leads = m.by_key("leads")
    for row in m.mart("dynamics__leads"):
        record = leads[row["bizstim_client_id"]]
        assert (record["subject"], record.get("emailaddress2")) == (row["subject"],
                                                                     row["emailaddress2"])
        assert record["_ownerid_value"] == (row["owner_systemuserid"] or app_user)
    users = {u["systemuserid"]: u for u in dv.records("systemusers")}
    for row in m.mart("dynamics__systemuser_updates"):
        user = users[row["systemuserid"]]
        assert (user.get("new_bizstimrole"), user.get("new_stafftype"),
                user["new_bizstimpersonkey"]) == (
            row["bizstim_role"], row["staff_type"], row["bizstim_person_key"])
        wage = row["practitioner_wage"]
        assert user.get("new_practitionerwage") == (float(wage) if wage is not None else None)
    products = m.by_key("products")
    group = dv.records("uomschedules")[1]["uomscheduleid"]
    session_unit = next(u["uomid"] for u in dv.records("uoms") if u["name"] == "Session")
    for row in m.mart("dynamics__products"):
        record = products[row["bizstim_service_id"]]
        assert (record["productnumber"], record["_defaultuomscheduleid_value"],
                record["_defaultuomid_value"]) == (row["productnumber"], group, session_unit)
        assert record["statecode"] == (0 if row["is_active"] else 1)
    prices = {p["_productid_value"]: p for p in dv.records("productpricelevels")}
    for row in m.mart("dynamics__price_list_items"):
        price = prices[products[row["bizstim_service_id"]]["productid"]]
        assert (price["amount"], price["_uomid_value"]) == (float(row["amount"]), session_unit)
    opportunities = m.by_key("opportunities")
    lines = {line["_opportunityid_value"]: line for line in dv.records("opportunityproducts")}
    for row in m.mart("dynamics__opportunities"):
        record = opportunities[row["bizstim_payment_id"]]
        contact = contacts[row["bizstim_client_id"]]["contactid"]
        assert (record["statecode"], record["statuscode"]) == (1, 3)  # won
        assert record["_customerid_value"] == record["_parentcontactid_value"] == contact
        assert record["actualvalue"] == float(row["actualvalue"])
        day = row["original_payment_date"].isoformat()
        assert record["actualclosedate"][:10] == record["createdon"][:10] == day
        line = lines[record["opportunityid"]]
        assert (line["opportunityproductid"], line["priceperunit"], line["productdescription"]
                ) == (line_id(row["bizstim_payment_id"]), float(row["line_priceperunit"]),
                      row["line_productdescription"])
    leads_by_key = m.by_key("leads")
    annotations = m.by_key("annotations")
    files = m.workspace / "files"
    for row in m.mart("dynamics__annotations"):
        record = annotations[row["bizstim_annotation_key"]]
        person = (contacts.get(row["regarding_contact_id"]) or {}).get("contactid") or \
            leads_by_key[row["regarding_lead_id"]]["leadid"]
        assert record["_objectid_value"] == person
        assert record["createdon"] == utc(row["overriddencreatedon"])
        if row["isdocument"]:
            data = base64.b64decode(record["documentbody"])
            assert data == (files / row["stored_path"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == row["sha256"]
        else:
            assert record.get("notetext") == row["notetext"]
    appointments = m.by_key("appointments")
    for row in m.mart("dynamics__appointments"):
        record = appointments[row["bizstim_session_id"]]
        # completed (1, 3) when the session counts as completed, else open
        assert (record["statecode"], record["statuscode"]) == ((1, 3) if row["is_completed"]
                                                               else (0, 1))
        assert record["actualstart"] == record["createdon"] == utc(row["actualstart"])
        assert record["actualend"] == utc(row["actualend"])
        assert record["_ownerid_value"] == row["owner_systemuserid"]
        parties = {p["participationtypemask"]: p["_partyid_value"]
                   for p in record["appointment_activity_parties"]}
        assert parties[7] == row["owner_systemuserid"]
        assert parties[5] == record["_regardingobjectid_value"]

    # a handful of requests for the whole tenant: nothing costs a request per record
    records = sum(marts.values())
    print(f"\nrequests per record (small tenant): {requests} / {records} = "
          f"{requests / records:.4f}")
    assert requests / records < 0.05

    # a second run: nothing to write, not one write request
    operations, versions = m.operations(), m.snapshot()
    again = m.runner().load()
    assert again.mode == "delta"
    assert all(line.get("unchanged") == line.expected for line in again.lines)
    assert m.operations() == operations
    assert m.snapshot() == versions


# --- a delta ---------------------------------------------------------------------------------

def change_some_rows(m: Migration) -> dict[str, str]:
    """What changed in Bizstim since the full load, as the marts now say."""
    contact = m.con.execute("select bizstim_client_id from dynamics.dynamics__contacts "
                            "order by bizstim_client_id limit 1").fetchone()[0]
    payment = m.con.execute("select bizstim_payment_id from dynamics.dynamics__opportunities "
                            "order by bizstim_payment_id limit 1").fetchone()[0]
    note = m.con.execute("select bizstim_annotation_key from dynamics.dynamics__annotations "
                         "where not isdocument order by 1 limit 1").fetchone()[0]
    user = m.con.execute("select systemuserid from dynamics.dynamics__systemuser_updates "
                         "order by 1 limit 1").fetchone()[0]
    m.con.execute("update dynamics.dynamics__contacts set lastname = 'Renamed-Ó', "
                  "telephone1 = '+15550000001' where bizstim_client_id = ?", [contact])
    m.con.execute("update dynamics.dynamics__opportunities set actualvalue = 999.99, "
                  "estimatedvalue = 999.99, line_priceperunit = 999.99 "
                  "where bizstim_payment_id = ?", [payment])
    m.con.execute("update dynamics.dynamics__annotations set notetext = notetext || ' (more)' "
                  "where bizstim_annotation_key = ?", [note])
    m.con.execute("update dynamics.dynamics__systemuser_updates set practitioner_wage = 77.5 "
                  "where systemuserid = ?", [user])
    return {"contacts": contact, "opportunities": payment, "annotations": note,
            "systemusers": user}


def test_a_delta_writes_exactly_the_rows_that_changed(migration):
    m = migration
    m.runner().load()
    changed = change_some_rows(m)
    before = m.snapshot()
    report = m.runner().load()
    assert report.mode == "delta" and report.failed == 0
    for line in report.lines:
        expected = 1 if line.object in changed else 0
        assert (line.get("updated"), line.get("created")) == (expected, 0), line
        assert line.get("unchanged") == line.expected - expected
    after = m.snapshot()
    moved = {s: sorted(i for i in after[s] if after[s][i] != before[s].get(i)) for s in after}
    opportunity = m.by_key("opportunities")[changed["opportunities"]]
    assert moved["contacts"] == [m.ledger_id("contacts", changed["contacts"])]
    assert moved["opportunities"] == [opportunity["opportunityid"]]
    assert moved["opportunityproducts"] == [line_id(changed["opportunities"])]
    assert moved["annotations"] == [m.ledger_id("annotations", changed["annotations"])]
    assert moved["systemusers"] == [changed["systemusers"]]
    assert not any(moved[s] for s in ("leads", "products", "appointments", "uomschedules"))
    contact = m.by_key("contacts")[changed["contacts"]]
    assert (contact["lastname"], contact["telephone1"]) == ("Renamed-Ó", "+15550000001")
    # the opportunity was reopened, changed and won again with the new amount
    assert (opportunity["statecode"], opportunity["statuscode"], opportunity["actualvalue"]) == (
        1, 3, 999.99)
    assert m.dataverse.records("opportunityproducts")[0] is not None
    line = next(l for l in m.dataverse.records("opportunityproducts")
                if l["opportunityproductid"] == line_id(changed["opportunities"]))
    assert line["priceperunit"] == 999.99


# --- a crash and a resume --------------------------------------------------------------------

KILLABLE_LOAD = """
import sys, duckdb
from load.destinations import dynamics_config
from load.dynamics.odata import DataverseClient
from load.dynamics.writer import DynamicsWriter
from load.http import RetryPolicy
from load.runner import Runner
con = duckdb.connect(sys.argv[1])
client = DataverseClient(dynamics_config(), RetryPolicy(backoff_base_seconds=0.01))
Runner(con, DynamicsWriter(client, con, batch_size=10)).load()
print("finished")
"""


def test_a_load_killed_during_the_contacts_resumes_without_duplicates_or_gaps(migration):
    m, dv = migration, migration.dataverse
    total = len(m.mart("dynamics__contacts"))
    m.con.close()
    dv.set_faults(latency_ms=40)  # slow enough to be killed in the middle of a phase
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("DYNAMICS_")},
           **env_for(dv)}
    process = subprocess.Popen([sys.executable, "-c", KILLABLE_LOAD,
                                str(m.workspace / "warehouse.duckdb")],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(dv.records("contacts")) < 30:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the load never reached the contacts"
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    dv.clear_faults()
    assert 30 <= len(dv.records("contacts")) < total  # killed in the middle of the phase

    m.con = duckdb.connect(str(m.workspace / "warehouse.duckdb"))
    m.writer = DynamicsWriter(m.client, m.con)
    report = m.runner().load()
    assert report.resumed and report.failed == 0

    # nothing missing, nothing twice, and the ledger names the record Dataverse holds
    for entity_set, (mart, key, column) in KEYED.items():
        records = dv.records(entity_set)
        assert len(records) == len({r[column] for r in records})
        assert sorted(r[column] for r in records) == sorted(str(r[key]) for r in m.mart(mart))
    contacts = m.by_key("contacts")
    ledger = dict(m.con.execute("select source_key, destination_id from ledger.current "
                                "where object = 'contacts'").fetchall())
    assert ledger == {k: r["contactid"] for k, r in contacts.items()}
    # every contact is "created" once in the run (the killed part included), never "updated"
    actions = m.con.execute("select action, count(*) from ledger.records "
                            "where object = 'contacts' group by 1").fetchall()
    assert actions == [("created", len(contacts))]


# --- faults, limits, expiring tokens ---------------------------------------------------------

def test_faults_tight_limits_and_expiring_tokens_still_load_everything(migration, caplog):
    m, dv = migration, migration.dataverse
    caplog.set_level(logging.DEBUG)
    dv.set_faults(error_rate=0.1)
    # a 5-minute window of 12 requests and 4 s of execution, passing in one real second
    dv.configure(time_scale=300.0, requests_per_window=12, execution_seconds_per_window=4.0)
    stop = threading.Event()

    def expire_tokens():
        while not stop.wait(0.4):
            dv.expire_tokens()

    expiring = threading.Thread(target=expire_tokens, daemon=True)
    expiring.start()
    try:
        report = m.runner().load()
    finally:
        stop.set()
        expiring.join()
        dv.clear_faults()
    assert report.failed == 0
    stats = dv.stats()
    assert stats["faults"]["errors"] > 0 and stats["rate_limited"] > 0
    assert stats["unauthorized"] > 0 and stats["dataverse"]["tokens_issued"] > 2
    for entity_set, (mart, key, column) in KEYED.items():
        assert sorted(m.by_key(entity_set)) == sorted(str(r[key]) for r in m.mart(mart))
    assert len(dv.records("opportunityproducts")) == len(m.mart("dynamics__opportunities"))
    assert all(r["statecode"] == 1 for r in dv.records("opportunities"))
    # the batch size came down under the limits
    assert any(min(size.history or [size.size]) < 500 for size in m.writer.sender.sizes.values())
    # and the secret is nowhere: not in the ledger, a log line, a repr
    secret = dv.client_secret
    ledger = json.dumps(m.con.execute("select * from ledger.records").fetchall(), default=str)
    assert secret not in ledger
    assert secret not in caplog.text
    assert secret not in repr(m.writer) + repr(m.client.config) + repr(m.client.http)


def test_a_binding_execution_budget_is_waited_out_with_large_batches(migration, monkeypatch):
    """Other integrations leave this user 2 s of execution per 5-minute window: the
    load waits for the budget (Retry-After) rather than sending ever smaller batches,
    which would spend the same execution time in many more requests."""
    m, dv = migration, migration.dataverse
    # batches start small, so that the small tenant's tables take several
    monkeypatch.setattr(dynamics_settings, "BULK_BATCH_RECORDS", 40)
    dv.configure(time_scale=3000.0, execution_seconds_per_window=2.0)
    before = dv.stats()["requests"]
    report = m.runner().load()
    assert report.failed == 0
    stats = dv.stats()
    assert stats["dataverse"]["rate_limited_by_reason"].get("execution", 0) > 0  # it did bind
    written = sum(line.get("created") + line.get("updated") for line in report.lines)
    # halving after each 429 (the first version) sent 0.11 requests a record here
    assert (stats["requests"] - before) / written < 0.08


def test_a_lost_answer_to_the_win_is_read_back_not_won_twice(migration, monkeypatch):
    m, dv = migration, migration.dataverse
    run = m.writer.sender.run
    lost = []

    def answer_lost_once(entity_set, ops):
        results = run(entity_set, ops)  # Dataverse applied it...
        if ops and ops[0].url == "WinOpportunity" and not lost:
            lost.append(len(ops))
            raise AmbiguousWrite("POST $batch: ConnectionError")  # ...but the answer was lost
        return results

    monkeypatch.setattr(m.writer.sender, "run", answer_lost_once)
    report = m.runner().load()
    assert lost and report.failed == 0
    opportunities = dv.records("opportunities")
    assert all((o["statecode"], o["statuscode"]) == (1, 3) for o in opportunities)
    assert len(dv.records("opportunitycloses")) == len(opportunities)  # each won once


# --- rollback --------------------------------------------------------------------------------

def without(snapshot: dict, entity_set: str, record_id: str) -> dict:
    copy = {s: dict(rows) for s, rows in snapshot.items()}
    copy[entity_set].pop(record_id, None)
    return copy


def test_rollback_returns_dataverse_to_its_state_before_each_run_except_a_person_s_edit(
        migration):
    m, dv = migration, migration.dataverse
    fresh = m.snapshot()
    full = m.runner().load()
    after_full = m.snapshot()
    changed = change_some_rows(m)
    delta = m.runner().load()
    edited_key = changed["contacts"]
    edited_id = m.ledger_id("contacts", edited_key)
    dv.edit("contacts", record_id=edited_id, changes={"jobtitle": "Edited by a person"})

    undo_delta = m.runner().rollback(delta.run_id)
    assert undo_delta.mismatches == []
    assert undo_delta.edited_since == [{"object": "contacts", "source_key": edited_key,
                                        "destination_id": edited_id}]
    assert undo_delta.restored == 3 and undo_delta.deleted == 0
    now = m.snapshot()
    assert without(now, "contacts", edited_id) == without(after_full, "contacts", edited_id)
    assert now["contacts"][edited_id]["jobtitle"] == "Edited by a person"

    before = dv.stats()["requests"]
    undo_full = m.runner().rollback(full.run_id)
    requests = dv.stats()["requests"] - before
    assert undo_full.mismatches == []
    assert [e["source_key"] for e in undo_full.edited_since] == [edited_key]
    # the users' fields are restored one at a time (write, read back, check: 3 requests
    # each); the 875 records the run created are read, deleted and checked in bulk, a
    # few requests per table, not a request per record
    assert undo_full.deleted > 800 and undo_full.restored == 20
    assert requests - 3 * undo_full.restored < undo_full.deleted / 25
    now = m.snapshot()
    assert without(now, "contacts", edited_id) == without(fresh, "contacts", edited_id)
    assert list(now["contacts"]) == [edited_id]


def load_killed_once_applied(m: Migration, matches) -> None:
    """Run the load in a process of its own and SIGKILL it once Dataverse has applied the
    request `matches` picks and before its answer reaches the loader (so before the
    ledger hears of it); the warehouse is reopened afterwards."""
    m.con.close()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("DYNAMICS_")},
           **env_for(m.dataverse)}
    with AnswerLost(m.dataverse, matches) as lost:
        process = subprocess.Popen([sys.executable, "-c", KILLABLE_LOAD,
                                    str(m.workspace / "warehouse.duckdb")],
                                   cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while not lost.applied.wait(0.02):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the load never sent the request"
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    m.con = duckdb.connect(str(m.workspace / "warehouse.duckdb"))
    m.writer = DynamicsWriter(m.client, m.con)


def upsert_multiple_of(entity_set: str):
    return lambda request: request.method == "POST" and request.path.endswith(
        f"/{entity_set}/Microsoft.Dynamics.CRM.UpsertMultiple")


def batch_writing(entity_set: str):
    return lambda request: request.method == "POST" and request.path.endswith("/$batch") \
        and b"PATCH " in request.body and f"/{entity_set}(".encode() in request.body


def pending(m: Migration, obj: str) -> list[str]:
    return [r[0] for r in m.con.execute(
        "select source_key from ledger.records where object = ? and action = 'pending' "
        "order by 1", [obj]).fetchall()]


def test_a_first_load_killed_after_updating_the_customer_s_users_rolls_back_to_their_values(
        migration):
    """The customer's system users exist before any run of ours. The first load is
    killed after Dataverse applied the users' update and before its answer came
    back; resumed and rolled back, the users hold their own values again (their
    before-images were taken before the request went, though no ledger row named
    them), and they were updated, never created (a rollback deletes no user)."""
    m, dv = migration, migration.dataverse
    before = m.snapshot()
    load_killed_once_applied(m, batch_writing("systemusers"))
    assert pending(m, "systemusers")  # applied, unanswered
    assert m.con.execute("select count(*) from ledger.records where object = 'systemusers' "
                         "and action = 'pending' and before_image is null").fetchone() == (0,)
    report = m.runner().load()
    assert report.resumed and report.failed == 0
    assert m.con.execute("select count(*) from ledger.records where object = 'systemusers' "
                         "and action = 'created'").fetchone() == (0,)
    run_id = report.run_id
    m.con.close()
    undone = run_cli(["rollback", run_id], m.workspace, env_for(dv))
    assert undone.returncode == 0, undone.output
    assert m.snapshot()["systemusers"] == before["systemusers"]


def test_a_delta_killed_before_its_answers_came_back_rolls_back_to_a_person_s_values(
        migration):
    """People edited records in Dynamics after the full load; a delta overwrites those
    fields, and is killed (SIGKILL) twice after Dataverse applied an update and before
    its answer came back. Resumed, then rolled back, Dataverse holds the people's values
    again: the before-images were in the ledger before the updates went."""
    m, dv = migration, migration.dataverse
    assert m.runner().load().failed == 0
    contacts = [r[0] for r in m.con.execute(
        "select bizstim_client_id from dynamics.dynamics__contacts where telephone1 is not null "
        "order by 1 limit 3").fetchall()]
    user = m.con.execute(
        "select systemuserid from dynamics.dynamics__systemuser_updates "
        "where practitioner_wage is not null and bizstim_role is not null "
        "order by 1 limit 1").fetchone()[0]
    contact_ids = {key: m.ledger_id("contacts", key) for key in contacts}

    def wage_of(user_id: str) -> float | None:
        return next(u for u in dv.records("systemusers")
                    if u["systemuserid"] == user_id).get("new_practitionerwage")

    # a person's values, on fields the load writes
    edits = {}
    for n, key in enumerate(contacts):
        edits[contact_ids[key]] = {"lastname": f"Person-{n}", "telephone1": f"+1555010{n:04d}"}
        dv.edit("contacts", record_id=contact_ids[key], changes=edits[contact_ids[key]])
    dv.edit("systemusers", record_id=user,
            changes={"new_practitionerwage": 12.5, "new_bizstimrole": "set by IT"})
    # then Bizstim changes those records, so the delta sends them
    m.con.execute("update dynamics.dynamics__contacts set lastname = 'Changed in Bizstim' "
                  f"where bizstim_client_id in ({', '.join('?' for _ in contacts)})", contacts)
    m.con.execute("update dynamics.dynamics__systemuser_updates set practitioner_wage = 77.5 "
                  "where systemuserid = ?", [user])
    before = m.snapshot()
    assert before["systemusers"][user]["new_practitionerwage"] == 12.5
    assert {i: {k: before["contacts"][i][k] for k in e} for i, e in edits.items()} == edits

    # killed once Dataverse has applied the users' update, before the answer came back
    load_killed_once_applied(m, batch_writing("systemusers"))
    assert wage_of(user) == 77.5  # Dataverse applied it
    assert pending(m, "systemusers") == [user]
    pending_image = m.con.execute("select before_image from ledger.records "
                                  "where object = 'systemusers' and action = 'pending'"
                                  ).fetchone()[0]
    run_id = m.con.execute("select run_id from ledger.runs where mode = 'delta'").fetchone()[0]
    # resumed, and killed the same way in the contacts' UpsertMultiple
    load_killed_once_applied(m, upsert_multiple_of("contacts"))
    assert {k: r["lastname"] for k, r in m.by_key("contacts").items() if k in contacts} == {
        k: "Changed in Bizstim" for k in contacts}
    assert pending(m, "contacts") == sorted(contacts)
    # resumed to the end
    report = m.runner().load()
    assert report.resumed and report.run_id == run_id and report.failed == 0
    assert wage_of(user) == 77.5
    m.con.close()

    undone = run_cli(["rollback", run_id], m.workspace, env_for(dv))
    assert undone.returncode == 0, undone.output
    after = m.snapshot()
    # field by field, the records the run updated hold what they held before it
    differences = {}
    for entity_set, record_id in [("systemusers", user),
                                  *(("contacts", i) for i in contact_ids.values())]:
        was, now = before[entity_set][record_id], after[entity_set][record_id]
        differences.update({(entity_set, record_id, k): (was.get(k), now.get(k))
                            for k in was.keys() | now.keys() if was.get(k) != now.get(k)})
    assert differences == {}  # (table, id, column): (before the run, after its rollback)
    assert {i: {k: after["contacts"][i][k] for k in e} for i, e in edits.items()} == edits
    assert (after["systemusers"][user]["new_practitionerwage"],
            after["systemusers"][user]["new_bizstimrole"]) == (12.5, "set by IT")
    assert after == before  # and nothing else moved
    # the ledger held the user's before-image while its update was on the way
    image = json.loads(pending_image or "{}")
    assert (image.get("new_practitionerwage"), image.get("new_bizstimrole")) == (12.5,
                                                                                 "set by IT")


# --- verify ----------------------------------------------------------------------------------

def test_verify_finds_no_difference_on_a_sample_and_one_after_an_edit(migration):
    m, dv = migration, migration.dataverse
    m.runner().load()
    clean = m.runner().verify(sample=25, seed=3)
    assert clean.differences == [] and clean.missing == []
    assert sum(clean.checked.values()) > 150
    assert clean.checked["products"] == len(m.mart("dynamics__products"))  # all of them
    key = m.mart("dynamics__products")[0]["bizstim_service_id"]
    dv.edit("products", key={"new_bizstimserviceid": key}, changes={"name": "Renamed by hand"})
    found = m.runner().verify(sample=25, seed=4)
    assert [(d["object"], d["source_key"], d["field"], d["actual"]) for d in found.differences
            ] == [("products", key, "name", "Renamed by hand")]


# --- what stops a load, and records that fail alone ------------------------------------------

def test_preflight_names_every_missing_column_and_currency_and_the_load_refuses(built,
                                                                               tmp_path):
    workspace = tmp_path / "workspace"
    shutil.copytree(built, workspace)
    with DynamicsSandbox(time_scale=100.0, seed=SEED,
                         users=customer_users("dynamics")).start() as dataverse, \
            duckdb.connect(str(workspace / "warehouse.duckdb")) as con:
        con.execute("update dynamics.dynamics__opportunities set currency_code = 'EUR' "
                    "where bizstim_payment_id in (select bizstim_payment_id "
                    "from dynamics.dynamics__opportunities limit 2)")
        writer = DynamicsWriter(DataverseClient(config_for(dataverse), FAST), con)
        problems = writer.preflight()
        assert len(problems) == 2
        assert "contact.new_bizstimclientid (String, alternate key)" in problems[0]
        assert "opportunity.new_paymentkind (String)" in problems[0]
        assert problems[1].startswith("Currency EUR is not set up") and "2 records" in problems[1]
        with pytest.raises(LoadRefused):
            Runner(con, writer).load()
        assert dataverse.stats()["dataverse"]["data_operations"] == 0
        assert dataverse.client_secret not in " ".join(problems)


def test_a_bad_record_fails_alone_and_an_unresolved_owner_is_loaded_and_reported(migration):
    m, dv = migration, migration.dataverse
    keys = [r[0] for r in m.con.execute("select bizstim_client_id from dynamics.dynamics__contacts "
                                        "order by 1 limit 3").fetchall()]
    m.con.execute("update dynamics.dynamics__contacts set lastname = repeat('x', 60) "
                  "where bizstim_client_id = ?", [keys[0]])
    m.con.execute("update dynamics.dynamics__contacts set owner_systemuserid = "
                  "'00000000-0000-4000-8000-000000000001' where bizstim_client_id = ?", [keys[1]])
    m.con.execute("update dynamics.dynamics__contacts set owner_systemuserid = null, "
                  "owner_resolution = 'no_matching_user' where bizstim_client_id = ?", [keys[2]])
    m.con.execute("insert into dynamics.dynamics__systemuser_updates (systemuserid, "
                  "bizstim_person_key, bizstim_role) values "
                  "('00000000-0000-4000-8000-0000000000aa', 'user:999', 'staff')")
    users = m.runner().load(only="systemusers").lines[0]
    assert (users.get("updated"), users.get("failed")) == (users.expected - 1, 1)
    assert len(dv.records("systemusers")) == len(customer_users("dynamics")) + 3  # none created
    report = m.runner().load(only="contacts")
    line = report.lines[0]
    assert (line.get("created"), line.get("failed")) == (line.expected - 2, 2)
    assert m.writer.sender.fallbacks >= 1  # the bulk request was split to find them
    errors = dict(m.con.execute("select source_key, error from ledger.records "
                                "where error is not null").fetchall())
    assert "exceeded the maximum allowed length" in errors[keys[0]]
    assert "does not exist" in errors[keys[1]].lower()
    assert errors[keys[2]].startswith("owner not resolved (no_matching_user)")
    assert "never creates them" in errors["00000000-0000-4000-8000-0000000000aa"]
    contacts = m.by_key("contacts")
    assert keys[0] not in contacts and keys[1] not in contacts
    assert contacts[keys[2]]["_ownerid_value"] == dv.app_user_id
    assert len(contacts) == line.expected - 2


def test_a_file_missing_from_the_workspace_fails_its_note_alone(migration):
    m, dv = migration, migration.dataverse
    gone, changed = m.con.execute(
        "select (select stored_path from dynamics.dynamics__annotations where isdocument "
        "order by bizstim_annotation_key limit 1), "
        "(select bizstim_annotation_key from dynamics.dynamics__annotations where isdocument "
        "order by bizstim_annotation_key limit 1 offset 1)").fetchone()
    missing_keys = [r[0] for r in m.con.execute(
        "select bizstim_annotation_key from dynamics.dynamics__annotations "
        "where stored_path = ?", [gone]).fetchall()]
    (m.workspace / "files" / gone).unlink()
    m.con.execute("update dynamics.dynamics__annotations set sha256 = repeat('0', 64) "
                  "where bizstim_annotation_key = ?", [changed])
    report = m.runner().load()
    line = next(line for line in report.lines if line.object == "annotations")
    bad = len(missing_keys) + 1
    assert (line.get("created"), line.get("failed")) == (line.expected - bad, bad)
    errors = dict(m.con.execute("select source_key, error from ledger.records "
                                "where object = 'annotations' and action = 'failed'").fetchall())
    assert all("not in the workspace's files folder" in errors[k] for k in missing_keys)
    assert "does not match the sha256" in errors[changed]
    assert len(dv.records("annotations")) == line.expected - bad


# --- the engineer's commands ----------------------------------------------------------------

def test_the_cli_loads_writes_the_deliverables_and_rolls_back(migration):
    """The same load through `bizstim-migrate`, as an engineer runs it: the map confirmed,
    a dry run, the load (with the deliverables Dynamics cannot hold written beside), a
    rollback to an empty environment."""
    m = migration
    m.con.close()  # the CLI opens the warehouse itself
    env = env_for(m.dataverse) | {"LOAD_BACKOFF_BASE_SECONDS": "0.01"}
    for args in (["map", "propose", "--to", "dynamics"],
                 ["map", "confirm", "--to", "dynamics", "--by", "the tests"]):
        assert run_cli(args, m.workspace, env).returncode == 0
    dry = run_cli(["load", "--to", "dynamics", "--dry-run"], m.workspace, env)
    assert dry.returncode == 0, dry.output
    assert "dry run" in dry.stdout and not m.dataverse.records("contacts")

    loaded = run_cli(["load", "--to", "dynamics"], m.workspace, env)
    assert loaded.returncode == 0, loaded.output
    assert "balanced" in loaded.stdout and "does not balance" not in loaded.stdout
    deliverables = m.workspace / "reports" / "dynamics" / "deliverables"
    for name in ("service_groups", "non_revenue_payments", "availability_guide",
                 "wage_reference", "automation_inventory", "provisioning_queue"):
        assert (deliverables / f"{name}.csv").exists(), name
        assert (deliverables / f"{name}.md").exists(), name
    with duckdb.connect(str(m.workspace / "warehouse.duckdb"), read_only=True) as con:
        run = con.execute("select run_id from ledger.runs where mode = 'full'").fetchone()[0]
        contacts = con.execute("select count(*) from dynamics.dynamics__contacts").fetchone()[0]
    assert len(m.dataverse.records("contacts")) == contacts

    undone = run_cli(["rollback", run], m.workspace, env)
    assert undone.returncode == 0, undone.output
    assert not m.dataverse.records("contacts") and not m.dataverse.records("opportunities")


# --- rollback never takes a person's data, and the ledger stays true ---------------------------

ENTITY_OF = {"contacts": "contacts", "leads": "leads", "products": "products",
             "opportunities": "opportunities", "annotations": "annotations",
             "appointments": "appointments"}


def assert_ledger_is_the_destination(m: Migration) -> None:
    """What ledger.current says Dataverse holds is what it holds, table by table."""
    for obj, entity_set in ENTITY_OF.items():
        in_ledger = {r[0].lower() for r in m.con.execute(
            "select destination_id from ledger.current where destination = 'dynamics' "
            "and object = ?", [obj]).fetchall()}
        key_column = KEYED[entity_set][2]
        held = {next(v for k, v in r.items() if k.endswith("id") and not k.startswith("_")
                     and k != key_column).lower()
                for r in m.dataverse.records(entity_set) if r.get(key_column)}
        assert in_ledger == held, obj


def test_a_rollback_keeps_a_contact_a_person_added_a_note_to_and_the_ledger_stays_true(
        migration):
    """Dataverse deletes a contact's notes with it. A person adds a note to a migrated
    contact after go-live: rolling back the load keeps that contact (and the note),
    says why, and the ledger still names it; once the person removes the note, a
    second rollback finishes the job."""
    m, dv = migration, migration.dataverse
    full = m.runner().load()
    key = m.con.execute("select bizstim_client_id from dynamics.dynamics__contacts "
                        "order by 1 limit 1").fetchone()[0]
    contact = m.ledger_id("contacts", key)
    note = m.client.create("annotations", {"subject": "Called after go-live",
                                           "notetext": "a person's note",
                                           "objectid_contact@odata.bind": f"/contacts({contact})"})
    report = m.runner().rollback(full.run_id)
    assert [k["source_key"] for k in report.kept] == [key] and report.mismatches == []
    assert [c["contactid"] for c in dv.records("contacts")] == [contact]
    assert [a["annotationid"] for a in dv.records("annotations")] == [note]
    assert_ledger_is_the_destination(m)
    m.client.delete(f"annotations({note})")
    again = m.runner().rollback(full.run_id)
    assert not again.kept and again.mismatches == [] and not dv.records("contacts")
    assert_ledger_is_the_destination(m)
    assert m.runner().rollback(full.run_id).nothing_to_undo


def test_a_sample_the_full_load_built_on_is_rolled_back_only_with_it(migration):
    """Rolling back the sample after the full load would delete records the full load
    counted (and children it created on them): refused, unless --cascade undoes the
    full load first; the ledger equals the destination after each step."""
    m, dv = migration, migration.dataverse
    sample = m.runner().load(sample=2)
    m.runner().load()
    with pytest.raises(LoadRefused, match="--cascade"):
        m.runner().rollback(sample.run_id)
    assert dv.records("contacts")
    report = m.runner().rollback(sample.run_id, cascade=True)
    assert len(report.cascaded) == 1 and report.mismatches == []
    assert not dv.records("contacts") and not dv.records("annotations")
    assert_ledger_is_the_destination(m)
