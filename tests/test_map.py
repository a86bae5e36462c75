"""The migration engineer's field map: after the extraction the tool proposes
where every Bizstim field goes (with its evidence), a person confirms it
before any record moves, and when Bizstim's schema changes (a new custom
field) the map goes back for review: the problem says what changed, the diff
shows it, and the confirmed value maps reach dbt."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from bizstim_migrate.mapping import (MapError, confirm, confirmed_path, dbt_vars, diff, map_path,
                                     map_problems, propose)
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
def story(tmp_path_factory):
    running = start_sandboxes(tenant="small", seed=42)
    root = tmp_path_factory.mktemp("field_map") / "workspace"
    root.mkdir()
    try:
        result = run_cli(["extract"], root, running.env)
        assert result.returncode == 0, result.output
        yield Story(running, root)
    finally:
        running.stop()


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


def fields_of(document: dict) -> dict[str, dict]:
    return {f["source"]: f for obj in document["objects"] for f in obj["fields"]}


def candidates_of(document: dict) -> dict[str, dict]:
    return {c["source"]: c for c in document["custom_field_candidates"]}


def test_propose_maps_each_bizstim_field_with_confidence_and_evidence(story):
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
    assert email["level"] == "high" and email["confidence"] >= 0.9
    evidence = "\n".join(email["evidence"])
    assert "% of values are e-mail addresses" in evidence  # the value profile, from DuckDB
    assert "rapidfuzz" in evidence and "synonym table" in evidence
    assert "type: e-mails → text: compatible" in evidence
    assert "first valid address" in email["transform"]

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
    assert "phone numbers" in "\n".join(fields["clients.text_phone"]["evidence"])
    # the custom fields the admin created (cf_…) are checked against the live metadata
    assert any("not created yet" in line for line in fields["clients.status"]["evidence"])
    # join keys are said to be join keys, not left without a home
    assert fields["clients.client_settings_id"]["role"] == "link"

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
    assert sum(status["found"].values()) == 300 and status["unmapped"] == []
    assert {o["source"] for o in document["not_migrated"]} == {"locations", "discounts"}


def test_an_unconfirmed_map_is_a_problem_and_feeds_nothing_to_dbt(story):
    problems = map_problems(story.workspace, "freshsales")
    assert len(problems) == 1
    assert "is not confirmed" in problems[0]
    assert "map confirm --to freshsales --by NAME" in problems[0]
    assert dbt_vars(story.workspace, "freshsales") == {}


def test_confirm_records_who_when_and_the_source_schema(story):
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
    assert dbt_vars(story.workspace, "freshsales")["bizstim_value_maps"]["client_status"] == {
        "active": "active", "inactive": "inactive", "prospect": "prospect"}

    assert not diff(story.workspace, "freshsales")  # nothing changed since alice confirmed


def test_a_new_custom_field_in_bizstim_sends_the_map_back_for_review(story):
    live = story.running.bizstim.live
    with live.edit_lock:  # the admin adds "Instrument" (custom_21) and a status "Current"
        for client_id in NEW_FIELD_CLIENTS:
            live.replace("clients", {**live.get("clients", client_id), "custom_21": "Violin"})
        live.replace("clients", {**live.get("clients", NEW_STATUS_CLIENT), "status": "Current"})
    result = run_cli(["extract"], story.root, story.env)
    assert result.returncode == 0, result.output

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
    # the new status value is proposed a destination value, with the reason
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


def test_the_confirmed_value_map_reaches_the_dbt_models(story):
    from bizstim_migrate.transform import run_dbt

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


def test_the_dynamics_map_is_proposed_from_contracts_or_live_metadata(story):
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
    candidates = candidates_of(document)
    assert candidates["clients.custom_21"]["suggested_field"] == "contact.new_bizstimcustom21"
    assert candidates["clients.custom_7"]["suggested_type"] == "Picklist"
    assert candidates["clients.custom_7"]["today"].startswith("not migrated")
    # each destination has its own map and its own confirmation
    assert "is not confirmed" in map_problems(story.workspace, "dynamics")[0]
    assert map_problems(story.workspace, "freshsales") == []

    live = load_map(propose(story.workspace, "dynamics", env=story.env))
    assert live["destination_metadata"].startswith("live: http://127.0.0.1:")
    assert any("exists in the destination" in line
               for line in fields_of(live)["clients.first_name"]["evidence"])


def test_custom_fields_inside_a_json_object_are_found_key_by_key(tmp_path):
    """An account whose API returns the custom fields as one JSON object (raw
    keeps it as JSON text): each key is a source field of its own, and a
    status the models do not know is listed as unmapped."""
    import duckdb

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
    path.write_text(yaml.safe_dump(edited, allow_unicode=True, sort_keys=False))
    confirm(workspace, "freshsales", by="alice")
    assert load_map(confirmed_path(workspace, "freshsales"))["value_maps"]["client_status"][
        "unmapped"] == []
    assert dbt_vars(workspace, "freshsales")["bizstim_value_maps"]["client_status"][
        "on hold"] == "inactive"
    assert map_problems(workspace, "freshsales") == []
