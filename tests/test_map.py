"""The migration engineer's field map: after the extraction the tool proposes
where every Bizstim field goes (what the dbt project declares, and a
measurement of what it does not), a person confirms it before any record
moves, and what the map lets a person change takes effect in the marts: a
value map, a field left out, a custom field found in the data pointed at a
field of its own. What the file cannot express is refused at confirm with
the model to edit. When Bizstim's schema changes (a new custom field) the map
goes back for review.

Each test works on its own copy of one extracted workspace (extracted once
for the module), so the tests pass in any order and on any worker."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import yaml

from bizstim_migrate.mapping import (MapError, confirm, confirmed_path, custom_field_targets,
                                     dbt_vars, diff, map_path, map_problems, propose)
from bizstim_migrate.mapping.profile import profile_table
from bizstim_migrate.sandboxes import RunningSandboxes, start_sandboxes
from bizstim_migrate.workspace import Workspace
from tests.conftest import ROOT, CliResult, query, run_cli

# clients the account's admin edits between the two extractions
NEW_FIELD_CLIENTS = ("3", "4", "5")
NEW_STATUS_CLIENT = "6"


@dataclass
class Story:
    running: RunningSandboxes
    root: Path

    @property
    def env(self) -> dict[str, str]:
        return self.running.env

    @property
    def workspace(self) -> Workspace:
        return Workspace(self.root)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """Sandboxes up and a workspace extracted once; tests work on copies."""
    running = start_sandboxes(tenant="small", seed=42)
    root = tmp_path_factory.mktemp("field_map") / "workspace"
    root.mkdir()
    try:
        result = run_cli(["extract"], root, running.env)
        assert result.returncode == 0, result.output
        yield Story(running, root)
    finally:
        running.stop()


@pytest.fixture
def story(extracted: Story, tmp_path: Path) -> Story:
    """A copy of the extracted workspace, with no field map yet."""
    root = tmp_path / "workspace"
    shutil.copytree(extracted.root, root, ignore=shutil.ignore_patterns("dbt_target",
                                                                        "dbt_logs"))
    return Story(extracted.running, root)


def map_cli(args: list[str], story: Story) -> CliResult:
    """`bizstim-migrate map …` as a user runs it (the sub-app registered the way
    the main command registers it, if it does not yet)."""
    from bizstim_migrate import cli

    if any(group.name == "map" for group in cli.app.registered_groups):
        return run_cli(["map", *args], story.root, story.env)
    code = ("from bizstim_migrate.cli import app; from bizstim_migrate.mapping import map_app; "
            "app.add_typer(map_app, name='map'); app()")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOURCES__")}
    env.update(story.env, BIZSTIM_MIGRATE_WORKSPACE=str(story.root), COLUMNS="200")
    proc = subprocess.run([sys.executable, "-c", code, "map", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def load_map(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def save_map(path: Path, document: dict) -> None:
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False))


def fields_of(document: dict) -> dict[str, dict]:
    return {f["source"]: f for obj in document["objects"] for f in obj["fields"]}


def candidates_of(document: dict) -> dict[str, dict]:
    return {c["source"]: c for c in document["custom_field_candidates"]}


def confirmed_by_alice(story: Story) -> None:
    propose(story.workspace, "freshsales", env=story.env)
    confirm(story.workspace, "freshsales", by="alice")


def raw(story: Story, sql: str, params: list | None = None) -> None:
    """Change the extracted data as a later extraction would have."""
    with duckdb.connect(str(story.root / "warehouse.duckdb")) as con:
        con.execute(sql, params or [])


# --- the proposal ---------------------------------------------------------------------------

def test_propose_maps_each_bizstim_field_from_the_declarations_with_evidence(story):
    result = map_cli(["propose", "--to", "freshsales"], story)
    assert result.returncode == 0, result.output
    assert "map confirm --to freshsales --by NAME" in result.stdout
    document = load_map(map_path(story.workspace, "freshsales"))
    assert document["status"] == "proposed"
    # the Freshsales sandbox's field metadata was read live (credentials are set)
    assert document["destination_metadata"].startswith("live: http://127.0.0.1:")
    fields = fields_of(document)

    email = fields["clients.email"]
    assert email["destination"] == "contacts.email"
    assert email["level"] == "declared" and email["confidence"] == 1.0
    evidence = "\n".join(email["evidence"])
    assert email["evidence"][0] == ("declared in freshsales__contacts.email "
                                    "(the mart contract)")
    # the measurements are still shown, as a check of the declaration
    assert "% of values are e-mail addresses" in evidence  # the value profile, from DuckDB
    assert "rapidfuzz" in evidence
    assert "type: e-mails → text: compatible" in evidence
    assert "first valid address" in email["transform"]  # the contract's transform

    expected = {
        "clients.text_phone": "contacts.mobile_number",
        "clients.p_phone": "contacts.work_number",
        "clients.status": "contacts.cf_bizstim_status",
        "client_settings.min_time": "contacts.cf_availability_min_time",
        "client_settings.session_limit": "contacts.cf_session_limit",
        "services.service_cost": "products.unit_price",
        "services.group_num": "products.cf_session_count",
        "service_group_names.name": "product_categories.name",
        "payments.revenue_amount": "deal_products.unit_price",
        "practitioners.email": "users.email",
        "practitioners.practitioner_wage": "deliverables.wage_reference.practitioner_wage",
    }
    assert {source: fields[source]["destination"] for source in expected} == expected
    assert fields["clients.id"]["role"] == "key"
    assert fields["practitioners.email"]["role"] == "lookup"
    assert fields["practitioners.email"]["evidence"][0] == \
        "declared in _bizstim__sources.yml (practitioners.email)"
    assert fields["practitioners.practitioner_wage"]["role"] == "deliverable"
    assert "phone numbers" in "\n".join(fields["clients.text_phone"]["evidence"])
    # the custom fields the admin has not created yet are checked against the live metadata
    assert any("not created yet" in line for line in fields["clients.status"]["evidence"])
    # join keys are said to be join keys (the sources declare them), not left without a home
    assert fields["clients.client_settings_id"]["role"] == "link"
    assert fields["clients.client_settings_id"]["destination"] is None
    assert fields["payments.qb_payment_id"]["role"] == "left_out"
    # a field no model carries is measured, never sent: no destination
    hire_date = fields["practitioners.hire_date"]
    assert hire_date["destination"] is None and hire_date["level"] != "declared"

    # custom fields found in the data are candidates for fields of their own
    candidates = candidates_of(document)
    school = candidates["clients.custom_7"]
    assert school["custom_field"] is True
    assert school["suggested_field"] == "contacts.cf_bizstim_custom_7"
    assert school["suggested_type"] == "dropdown" and "Lincoln High" in school["choices"]
    assert "cf_bizstim_custom_fields" in school["today"]
    assert {"clients.custom_3", "clients.custom_12"} <= set(candidates)
    # a field with no home at all is listed with a suggested type
    assert candidates["practitioners.hire_date"]["suggested_type"] == "date"

    status = document["value_maps"]["client_status"]
    assert status["values"] == {"active": "active", "inactive": "inactive",
                                "prospect": "prospect"}
    assert status["understood"] == ["active", "inactive", "prospect"]
    assert status["applied_in_dbt"].startswith("stg_bizstim__clients.client_status")
    assert sum(status["found"].values()) == 300 and status["unmapped"] == []
    # every value map the staging models decode is in the map, and each says where
    assert set(document["value_maps"]) == {
        "client_status", "practitioner_status", "user_status", "user_type", "service_status",
        "service_group_status", "payment_kind", "session_confirmed", "wage_tier"}
    assert all(entry["applied_in_dbt"].startswith("stg_bizstim__")
               for entry in document["value_maps"].values())
    assert {o["source"] for o in document["not_migrated"]} == {"locations", "discounts"}


def test_the_dynamics_map_is_proposed_from_contracts_or_live_metadata(story):
    confirmed_by_alice(story)
    path = propose(story.workspace, "dynamics", env={})  # no Dataverse credentials
    document = load_map(path)
    assert document["destination_metadata"].startswith("contracts")
    fields = fields_of(document)
    assert fields["clients.email"]["destination"] == "contact.emailaddress1"
    assert "lead.emailaddress1 when the client is a lead" in fields["clients.email"]["transform"]
    assert fields["clients.id"]["destination"] == "contact.new_bizstimclientid"
    assert fields["clients.id"]["role"] == "key"
    assert fields["payments.revenue_date"]["destination"] == "opportunity.new_originalpaymentdate"
    assert fields["practitioners.practitioner_wage"]["destination"] == \
        "systemuser.new_practitionerwage"
    assert fields["availability.label"]["role"] == "deliverable"
    candidates = candidates_of(document)
    assert candidates["clients.custom_7"]["suggested_field"] == "contact.new_bizstimcustom7"
    assert candidates["clients.custom_7"]["suggested_type"] == "Picklist"
    assert candidates["clients.custom_7"]["today"].startswith("not migrated")
    # each destination has its own map and its own confirmation
    assert "is not confirmed" in map_problems(story.workspace, "dynamics")[0]
    assert map_problems(story.workspace, "freshsales") == []

    live = load_map(propose(story.workspace, "dynamics", env=story.env))
    assert live["destination_metadata"].startswith("live: http://127.0.0.1:")
    assert any("exists in the destination" in line
               for line in fields_of(live)["clients.first_name"]["evidence"])


def test_the_proposal_follows_the_contracts_a_data_engineer_edits(tmp_path, monkeypatch):
    """The field map reads the mart contracts and the sources' declarations of
    the dbt project in use: re-point a column's lineage in a copy of the
    project and the proposal follows, with no Python edit."""
    project = tmp_path / "dbt_project"
    shutil.copytree(ROOT / "dbt_project", project,
                    ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    contract = project / "models" / "marts" / "freshsales" / "_freshsales__models.yml"
    document = yaml.safe_load(contract.read_text())
    contacts = next(m for m in document["models"] if m["name"] == "freshsales__contacts")
    city = next(c for c in contacts["columns"] if c["name"] == "city")
    city["meta"]["source"] = ["clients.zipcode"]  # say the city now comes from the zip code
    city["meta"]["transform"] = "looked up from the zip code"
    contract.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False))
    monkeypatch.setenv("BIZSTIM_MIGRATE_DBT_PROJECT", str(project))

    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute("create schema bizstim_raw")
        con.execute("create table bizstim_raw.clients (id varchar, city varchar, "
                    "zipcode varchar, _extraction_id bigint)")
        con.executemany("insert into bizstim_raw.clients values (?, ?, ?, 1)",
                        [(str(i), "Springfield", f"0{i:04d}") for i in range(30)])
    fields = fields_of(load_map(propose(Workspace(tmp_path), "freshsales", env={})))
    assert fields["clients.city"]["level"] != "declared"  # no contract names it any more
    assert fields["clients.city"]["destination"] is None
    zipcode = fields["clients.zipcode"]
    assert zipcode["level"] == "declared"
    assert "contacts.city" in [zipcode["destination"]] + "\n".join(
        zipcode["evidence"]).split("also reaches ")[-1].split(", ")
    assert fields["clients.id"]["destination"] == "contacts.cf_bizstim_client_id"


def test_propose_on_an_empty_raw_table(tmp_path):
    """A table the extraction found empty is profiled as empty, not a crash."""
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute("create schema bizstim_raw")
        con.execute("create table bizstim_raw.clients (id varchar, email varchar, "
                    "status varchar, _extraction_id bigint)")
        con.execute("create table bizstim_raw.services (id varchar, name varchar, "
                    "service_status varchar, _extraction_id bigint)")
        con.execute("insert into bizstim_raw.services values ('1', 'Lesson', '1', 1)")
        profiles = profile_table(con, "clients", ["id", "email", "status"])
    assert profiles["email"].rows == 0 and profiles["email"].kind == "empty"
    assert profiles["email"].evidence() == "all 0 values are empty"

    document = load_map(propose(Workspace(tmp_path), "freshsales", env={}))
    fields = fields_of(document)
    assert fields["clients.email"]["destination"] == "contacts.email"
    assert "all 0 values are empty" in "\n".join(fields["clients.email"]["evidence"])
    assert document["value_maps"]["client_status"]["found"] == {}
    assert fields["services.name"]["destination"] == "products.name"


def test_custom_fields_inside_a_json_object_are_found_key_by_key(tmp_path):
    """An account whose API returns the custom fields as one JSON object (raw
    keeps it as JSON text): each key is a source field of its own, and a
    status the models do not know is listed as unmapped."""
    rows = [(str(i), f"parent{i}@example.com", ["active", "Current", "on hold"][i % 3],
             json.dumps({"instrument": ["Violin", "Piano", "Cello"][i % 3], "grade": str(i % 5)})
             if i % 4 else "") for i in range(60)]
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute("create schema bizstim_raw")
        con.execute("create table bizstim_raw.clients (id varchar, email varchar, "
                    "status varchar, custom_fields varchar, _extraction_id bigint)")
        con.executemany("insert into bizstim_raw.clients values (?, ?, ?, ?, 1)", rows)
    workspace = Workspace(tmp_path)

    document = load_map(propose(workspace, "freshsales", env={}))
    candidates = candidates_of(document)
    assert set(candidates) == {"clients.custom_fields.instrument", "clients.custom_fields.grade"}
    instrument = candidates["clients.custom_fields.instrument"]
    assert instrument["suggested_field"] == "contacts.cf_bizstim_instrument"
    assert instrument["suggested_type"] == "dropdown"
    assert sorted(instrument["choices"]) == ["Cello", "Piano", "Violin"]
    status = document["value_maps"]["client_status"]
    assert status["values"]["current"] == "active"
    assert status["unmapped"] == ["on hold"]
    assert document["summary"]["unmapped_values"] == {"client_status": ["on hold"]}

    # the person gives it a value, confirms, and dbt receives it
    path = map_path(workspace, "freshsales")
    edited = load_map(path)
    edited["value_maps"]["client_status"]["values"]["on hold"] = "inactive"
    save_map(path, edited)
    confirm(workspace, "freshsales", by="alice")
    assert load_map(confirmed_path(workspace, "freshsales"))["value_maps"]["client_status"][
        "unmapped"] == []
    assert dbt_vars(workspace, "freshsales")["bizstim_value_maps"]["client_status"][
        "on hold"] == "inactive"
    assert map_problems(workspace, "freshsales") == []

    # one key of the JSON object cannot be left out by the map: it names the model instead
    edited = load_map(path)
    fields_of(edited)["clients.custom_fields.grade"]["destination"] = None
    save_map(path, edited)
    with pytest.raises(MapError, match="stg_bizstim__clients"):
        confirm(workspace, "freshsales", by="alice")


# --- confirmation ---------------------------------------------------------------------------

def test_an_unconfirmed_map_is_a_problem_and_feeds_nothing_to_dbt(story):
    propose(story.workspace, "freshsales", env=story.env)
    problems = map_problems(story.workspace, "freshsales")
    assert len(problems) == 1
    assert "is not confirmed" in problems[0]
    assert "map confirm --to freshsales --by NAME" in problems[0]
    assert dbt_vars(story.workspace, "freshsales") == {}


def test_confirm_records_who_when_and_the_source_schema(story):
    propose(story.workspace, "freshsales", env=story.env)
    result = map_cli(["confirm", "--to", "freshsales", "--by", "alice"], story)
    assert result.returncode == 0, result.output
    assert "confirmed by alice" in result.stdout
    assert map_problems(story.workspace, "freshsales") == []

    confirmed = load_map(confirmed_path(story.workspace, "freshsales"))
    block = confirmed["confirmation"]
    assert block["by"] == "alice" and block["at"].startswith("20")
    assert block["schema_hash"] == confirmed["source"]["schema_hash"]
    log = (story.root / "mapping" / "confirmations.jsonl").read_text().splitlines()
    assert [json.loads(line)["by"] for line in log] == ["alice"]
    variables = dbt_vars(story.workspace, "freshsales")
    assert variables["bizstim_value_maps"]["client_status"] == {
        "active": "active", "inactive": "inactive", "prospect": "prospect"}
    assert variables["bizstim_value_maps"]["service_status"] == {
        "0": "inactive", "1": "active", "2": "deleted"}
    # nothing left out or re-pointed: nothing more for dbt
    assert set(variables) == {"bizstim_value_maps"}
    assert confirmed["applied"] == {"left_out_columns": {}, "custom_field_targets": {},
                                    "custom_fields": []}

    assert not diff(story.workspace, "freshsales")  # nothing changed since alice confirmed


def test_a_map_edit_the_file_cannot_express_is_refused_at_confirm(story):
    path = propose(story.workspace, "freshsales", env=story.env)
    proposed = load_map(path)

    def refused(edit, *expected: str) -> str:
        document = yaml.safe_load(yaml.safe_dump(proposed))
        edit(document, fields_of(document))
        save_map(path, document)
        with pytest.raises(MapError) as error:
            confirm(story.workspace, "freshsales", by="mallory")
        message = str(error.value)
        for text in expected:
            assert text in message, message
        assert not confirmed_path(story.workspace, "freshsales").exists()
        return message

    # a standard field re-pointed: the model that fills it is named
    refused(lambda d, f: f["clients.city"].update(destination="contacts.state"),
            "clients.city lands in contacts.city (freshsales__contacts.city)",
            "edit the model freshsales__contacts (its column city")
    # a destination the project does not know
    refused(lambda d, f: f["clients.city"].update(destination="contacts.hometown"),
            "contacts.hometown is no freshsales field this project declares",
            "add a column to freshsales__contacts")
    # the key cannot be left out
    refused(lambda d, f: f["clients.id"].update(destination=None),
            "clients.id cannot be left out: freshsales__contacts.cf_bizstim_client_id needs it "
            "(the key the destination names the record by)")
    # a transform is the model's
    refused(lambda d, f: f["clients.state"].update(transform="upper-cased"),
            "clients.state: the transform is what freshsales__contacts.state declares")
    # one of the sources of a column built from several cannot be left out alone
    refused(lambda d, f: f["clients.address2"].update(destination=None),
            "clients.address2 cannot be left out alone: freshsales__contacts.address is built "
            "from clients.address1, clients.address2", "leave out clients.address1 too")
    # a join key has no destination field to leave out or re-point
    refused(lambda d, f: f["practitioners.email"].update(destination=None),
            "practitioners.email is a lookup", "stg_bizstim__practitioners")
    # a field no model carries cannot be sent anywhere by the map
    refused(lambda d, f: f["practitioners.hire_date"].update(destination="users.email"),
            "practitioners.hire_date: no model carries it")
    # a value the models do not understand
    refused(lambda d, f: d["value_maps"]["service_status"]["values"].update({"0": "paused"}),
            "value map service_status gives '0' the value 'paused', which the models do not "
            "understand (active, deleted, inactive)", "stg_bizstim__services.service_status")
    # a custom field may only go to a free custom field of the contact
    refused(lambda d, f: f["clients.custom_7"].update(destination="contacts.cf_bizstim_status"),
            "contacts.cf_bizstim_status is filled by freshsales__contacts.cf_bizstim_status")
    refused(lambda d, f: f["clients.custom_7"].update(destination="contacts.city"),
            "city is not a custom field's name")
    # several problems are listed together, each a sentence of its own
    message = refused(lambda d, f: (f["clients.city"].update(destination="contacts.state"),
                                    f["clients.id"].update(destination=None)),
                      "clients.city lands in", "clients.id cannot be left out")
    lines = message.split("\n- ")[1:]
    assert len(lines) >= 2 and all(line.startswith(("clients.city ", "clients.id "))
                                   for line in lines)


def test_what_the_map_changes_reaches_the_marts(story):
    """A value map changed, a field left out and a custom field pointed at a
    field of its own (another left out): confirmed, transformed, and each is in
    the warehouse the loader reads."""
    path = propose(story.workspace, "freshsales", env=story.env)
    document = load_map(path)
    fields = fields_of(document)
    # the customer's "0" services (inactive in Bizstim) are still sold: active products
    document["value_maps"]["service_status"]["values"]["0"] = "active"
    # credits are recorded as regular payments
    document["value_maps"]["payment_kind"]["values"]["1"] = "regular"
    fields["clients.city"]["destination"] = None  # the city is not migrated
    fields["clients.custom_7"]["destination"] = "contacts.cf_school"  # a field of its own
    fields["clients.custom_12"]["destination"] = None  # not migrated
    save_map(path, document)
    confirm(story.workspace, "freshsales", by="alice")

    variables = dbt_vars(story.workspace, "freshsales")
    assert variables["left_out_columns"] == {"freshsales__contacts": ["city"]}
    assert variables["custom_field_targets"] == {"clients.custom_7": "contacts.cf_school",
                                                 "clients.custom_12": None}
    assert variables["bizstim_value_maps"]["service_status"]["0"] == "active"
    assert custom_field_targets(story.workspace, "freshsales") == [
        {"source": "clients.custom_7", "object": "contacts", "field": "cf_school",
         "type": "dropdown"}]

    result = run_cli(["transform", "--to", "freshsales"], story.root, story.env)
    assert result.returncode == 0, result.output
    root = story.root
    # the value maps: services sent as "0" are active products, credits regular lines
    zero = query(root, "select count(*) from bizstim_raw.services where service_status = '0'")
    assert zero[0][0] > 0
    assert query(root, "select count(*) from freshsales.freshsales__products p join "
                       "bizstim_raw.services s on p.bizstim_service_id = s.id "
                       "where s.service_status = '0' and not p.is_active") == [(0,)]
    lines, regular = query(root, "select count(*), count_if(l.payment_kind = 'regular') "
                                 "from freshsales.freshsales__deal_lines l join "
                                 "bizstim_raw.payments p on l.bizstim_payment_id = p.id "
                                 "where p.revenue_credit = '1'")[0]
    assert lines > 0 and regular == lines
    # the field left out: the staging model still has cities, the mart has none
    assert query(root, "select count(city) > 0 from staging.stg_bizstim__clients") == [(True,)]
    assert query(root, "select count(city), count(*) > 0, count(state) > 0 "
                       "from freshsales.freshsales__contacts") == [(0, True, True)]
    # the custom field left out is not among the custom fields the marts carry; the
    # re-pointed one is, for the writer to place (custom_field_targets)
    custom = [json.loads(v) for (v,) in query(
        root, "select custom_fields from staging.stg_bizstim__clients")]
    assert all("custom_12" not in c for c in custom)
    assert any(c.get("custom_7") for c in custom)


def test_a_new_custom_field_in_bizstim_sends_the_map_back_for_review(story):
    confirmed_by_alice(story)
    live = story.running.bizstim.live
    originals = [live.get("clients", c) for c in (*NEW_FIELD_CLIENTS, NEW_STATUS_CLIENT)]
    try:
        with live.edit_lock:  # the admin adds "Instrument" (custom_21) and a status "Current"
            for client_id in NEW_FIELD_CLIENTS:
                live.replace("clients", {**live.get("clients", client_id), "custom_21": "Violin"})
            live.replace("clients", {**live.get("clients", NEW_STATUS_CLIENT),
                                     "status": "Current"})
        result = run_cli(["extract"], story.root, story.env)
        assert result.returncode == 0, result.output
    finally:
        with live.edit_lock:  # the other tests' copies were extracted before; keep it so
            for record in originals:
                live.replace("clients", dict(record))

    problems = map_problems(story.workspace, "freshsales")
    assert len(problems) == 1
    assert "schema changed since alice confirmed" in problems[0]
    assert "new columns clients.custom_21" in problems[0]

    # nobody can confirm a map proposed for the schema as it was
    with pytest.raises(MapError, match="changed since this map was proposed"):
        confirm(story.workspace, "freshsales", by="carol")

    shown = map_cli(["diff", "--to", "freshsales"], story)
    assert shown.returncode == 0, shown.output
    assert "+ clients.custom_21" in shown.stdout
    assert "Not in the map yet" in shown.stdout

    document = load_map(propose(story.workspace, "freshsales", env=story.env))
    assert document["status"] == "proposed"
    assert document["last_confirmation"]["by"] == "alice"
    instrument = candidates_of(document)["clients.custom_21"]
    assert instrument["new_since_confirmation"] is True
    assert fields_of(document)["clients.custom_21"]["new_since_confirmation"] is True
    # the new status value is proposed a value the models understand, with the reason
    status = document["value_maps"]["client_status"]
    assert status["values"]["current"] == "active" and status["unmapped"] == []
    assert any("synonym of 'active'" in line for line in status["evidence"])
    # alice's decisions stay as she confirmed them
    assert fields_of(document)["clients.email"]["destination"] == "contacts.email"

    changes = diff(story.workspace, "freshsales")
    assert any(line.startswith("clients.custom_21 → contacts.cf_bizstim_custom_fields")
               for line in changes.fields_added)
    assert "client_status: 'current' → 'active' (new)" in changes.values_changed
    assert changes.schema_added == ["clients.custom_21"]
    assert len(map_problems(story.workspace, "freshsales")) == 2  # schema and decisions

    assert confirm(story.workspace, "freshsales", by="bob").by == "bob"
    assert map_problems(story.workspace, "freshsales") == []


def test_a_left_out_field_stays_left_out_when_the_map_is_proposed_again(story):
    path = propose(story.workspace, "freshsales", env=story.env)
    document = load_map(path)
    fields_of(document)["clients.city"]["destination"] = None
    save_map(path, document)
    confirm(story.workspace, "freshsales", by="alice")

    again = load_map(propose(story.workspace, "freshsales", env=story.env))
    city = fields_of(again)["clients.city"]
    assert city["destination"] is None
    assert city["evidence"][0].startswith("kept as confirmed by alice")
    assert again["status"] == "confirmed"  # the same decisions: still confirmed
    assert dbt_vars(story.workspace, "freshsales")["left_out_columns"] == {
        "freshsales__contacts": ["city"]}


def test_the_confirmed_value_map_reaches_the_dbt_models(story):
    from bizstim_migrate.transform import run_dbt

    # a later extraction brought a status the models do not know by that name
    raw(story, "update bizstim_raw.clients set status = 'Current' where id = ?",
        [NEW_STATUS_CLIENT])
    document = load_map(propose(story.workspace, "freshsales", env=story.env))
    assert document["value_maps"]["client_status"]["values"]["current"] == "active"
    confirm(story.workspace, "freshsales", by="alice")

    variables = dbt_vars(story.workspace, "freshsales")
    assert variables["bizstim_value_maps"]["client_status"]["current"] == "active"
    outcome = run_dbt(story.workspace, "run", dbt_vars=variables, extra=[
        "--select", "stg_bizstim__clients", "stg_bizstim__payments", "int_clients__classified"])
    assert outcome.success, outcome.failures
    assert query(story.root, "select status from bizstim_raw.clients where id = ?",
                 [NEW_STATUS_CLIENT]) == [("Current",)]
    assert query(story.root, "select client_status from staging.stg_bizstim__clients "
                             "where client_id = ?", [NEW_STATUS_CLIENT]) == [("active",)]
    reason = query(story.root, "select classification_reason from "
                               "intermediate.int_clients__classified where client_id = ?",
                   [NEW_STATUS_CLIENT])[0][0]
    assert not reason.startswith("status ")  # understood as active, not an unknown status
