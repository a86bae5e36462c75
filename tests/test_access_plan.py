"""The access plans (issue 19): per destination user and per person in the
provisioning queue, the Bizstim roles and the proposed Freshsales role and teams
or Dynamics security roles and business unit, with the field-level security of
the practitioner wage; built by dbt (deliverables models and vars) and written
by the report's deliverables writer as CSV and Markdown.

Each test works on its own copy of a session's staged workspace and runs the
dbt build of the access plan models (and what they need) on it."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

from bizstim_migrate.report import write_deliverables
from bizstim_migrate.transform import run_dbt
from bizstim_migrate.workspace import Workspace

ROLE_ORDER = ("admin", "practitioner", "staff")
USERS = {"freshsales": ("staging.stg_freshsales__users", "freshsales_user_id"),
         "dynamics": ("staging.stg_dynamics__systemusers", "dynamics_systemuser_id")}
PLAN_USER_ID = {"freshsales": "freshsales_user_id", "dynamics": "systemuserid"}
ROLE_COLUMN = {"freshsales": "proposed_role", "dynamics": "proposed_security_roles"}


@pytest.fixture
def staged(request, destination) -> Path:
    if destination == "freshsales":
        return request.getfixturevalue("freshsales_staged")[2]
    return request.getfixturevalue("dynamics_built")


@pytest.fixture
def workspace(staged, tmp_path) -> Workspace:
    copy = tmp_path / "workspace"
    shutil.copytree(staged, copy)
    return Workspace(copy)


def build(workspace: Workspace, destination: str, dbt_vars: dict | None = None,
          also: tuple[str, ...] = ()) -> None:
    """Build the plans again (the staged workspace holds everything upstream: its
    transform built the whole project)."""
    models = [f"deliverables__{destination}_access_plan",
              f"deliverables__{destination}_field_security", *also]
    outcome = run_dbt(workspace, "build", destination=destination, dbt_vars=dbt_vars,
                      extra=["--select", *models])
    assert outcome.success, outcome.failures


def rows(workspace: Workspace, sql: str, params: list | None = None) -> list[dict]:
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        cursor = con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def bizstim_roles_by_person(workspace: Workspace) -> dict[str, list[str]]:
    """Every person's roles, computed here from the staging models: the user
    types of their logins, practitioner / staff for such a record, and the
    marts' bizstim_role."""
    types = {r["user_id"]: r["user_type"]
             for r in rows(workspace, "select user_id, user_type from staging.stg_bizstim__users")}
    found = {}
    for person in rows(workspace, "select person_key, bizstim_role, user_ids, practitioner_ids, "
                                  "staff_ids from intermediate.int_people__deduplicated"):
        roles = {types.get(u) for u in person["user_ids"]} & set(ROLE_ORDER)
        roles |= {"practitioner"} if person["practitioner_ids"] else set()
        roles |= {"staff"} if person["staff_ids"] else set()
        roles.add(person["bizstim_role"])
        found[person["person_key"]] = [r for r in ROLE_ORDER if r in roles]
    return found


@pytest.mark.parametrize("destination", ["freshsales", "dynamics"])
def test_every_destination_user_and_queued_person_once_with_a_proposed_role(
        workspace, destination):
    build(workspace, destination)
    plan = rows(workspace, f"select * from deliverables.deliverables__{destination}_access_plan")
    user_table, user_id = USERS[destination]
    users = {r["id"] for r in rows(workspace, f"select {user_id} as id from {user_table}")}
    queue = {r["person_key"] for r in rows(
        workspace, "select person_key from deliverables.deliverables__provisioning_queue "
                   "where destination = ?", [destination])}
    assert users and queue  # the small tenant has both

    plan_users = [r[PLAN_USER_ID[destination]] for r in plan if r[PLAN_USER_ID[destination]]]
    assert sorted(plan_users) == sorted(users)  # every destination user, exactly once
    plan_people = [r["person_key"] for r in plan if r["person_key"]]
    assert len(plan_people) == len(set(plan_people))
    assert queue <= set(plan_people)
    # the queue's people are the plan's people still to provision (or reactivate)
    to_provision = {r["person_key"] for r in plan
                    if r["plan_action"] in ("provision_then_assign", "reactivate_then_assign")}
    assert to_provision == queue
    assert {r["reason_code"] for r in plan if r["person_key"] in queue} <= {
        "no_email", "no_matching_user", "inactive_user"}
    # a person with no destination user is in the queue; one with a user is not waiting
    for row in plan:
        if row["person_key"] and not row[PLAN_USER_ID[destination]]:
            assert row["person_key"] in queue, row
    # every row has a proposed role and a step for the admin
    assert all(r[ROLE_COLUMN[destination]] for r in plan)
    assert all(r["how_to_apply"] for r in plan)

    # every Bizstim role of each person, merged accounts included
    expected = bizstim_roles_by_person(workspace)
    assert set(plan_people) == set(expected)  # resolved or queued: every person
    for row in plan:
        if row["person_key"]:
            assert row["bizstim_roles"].split(", ") == expected[row["person_key"]], row
    assert any(len(roles) > 1 for roles in expected.values())  # merged people are shown


def test_freshsales_roles_and_teams_follow_the_vars(freshsales_staged, tmp_path):
    ws = Workspace(tmp_path / "workspace")
    shutil.copytree(freshsales_staged[2], ws.root)
    build(ws, "freshsales")
    defaults = {"admin": "Administrator", "practitioner": "Sales User", "staff": "Restricted User"}
    teams = {"admin": "Management", "practitioner": "Practitioners", "staff": "Office staff"}
    plan = rows(ws, "select * from deliverables.deliverables__freshsales_access_plan")
    for row in plan:
        if row["person_key"] is None:
            assert row["proposed_role"] == "Keep current role"
            continue
        assert row["proposed_role"] == defaults[row["bizstim_role"]], row
        assert row["proposed_teams"].split("; ") == sorted(
            {teams[r] for r in row["bizstim_roles"].split(", ")}), row

    build(ws, "freshsales", {"freshsales_role_practitioner": "Practitioner",
                             "freshsales_team_staff": ""})
    changed = rows(ws, "select * from deliverables.deliverables__freshsales_access_plan")
    practitioners = [r for r in changed if r["bizstim_role"] == "practitioner"]
    assert practitioners and all(r["proposed_role"] == "Practitioner" for r in practitioners)
    staff_only = [r for r in changed if r["bizstim_roles"] == "staff"]
    assert staff_only and all(r["proposed_teams"] is None for r in staff_only)

    # the wage reaches no Freshsales field: the contracts send it to the wage reference
    security = rows(ws, "select * from deliverables.deliverables__freshsales_field_security "
                        "order by grantee")
    assert [r["grantee"] for r in security] == ["admin", "practitioner", "staff"]
    assert {(r["lands_in"], r["destination_object"], r["destination_field"])
            for r in security} == {("deliverable", "wage_reference", "practitioner_wage")}
    assert [(r["can_read"], r["can_update"]) for r in security] == [
        (True, True), (False, False), (False, False)]


def test_dynamics_security_roles_business_unit_and_wage_security(dynamics_built, tmp_path):
    ws = Workspace(tmp_path / "workspace")
    shutil.copytree(dynamics_built, ws.root)
    build(ws, "dynamics", {"dynamics_security_roles_admin": "Sales Manager; Sales Manager Plus",
                           "dynamics_business_unit_practitioner": "Tutors",
                           "access_plan_sensitive_readers": "admin; practitioner"})
    roles = {"admin": ["Sales Manager", "Sales Manager Plus"], "practitioner": ["Salesperson"],
             "staff": ["Basic User"]}
    plan = rows(ws, "select * from deliverables.deliverables__dynamics_access_plan")
    for row in plan:
        if row["person_key"] is None:
            assert row["proposed_security_roles"] == "Keep current role"
            continue
        bizstim_roles = row["bizstim_roles"].split(", ")
        assert row["proposed_security_roles"].split("; ") == sorted(
            {name for role in bizstim_roles for name in roles[role]}), row
        unit = "Tutors" if row["bizstim_role"] == "practitioner" else "(root business unit)"
        assert row["proposed_business_unit"] == unit, row
        if row["clients_owned"]:
            assert "before the production load" in row["how_to_apply"]

    # the wage column: where it lands comes from dynamics__systemuser_updates' contract
    security = {r["grantee"]: r for r in rows(
        ws, "select * from deliverables.deliverables__dynamics_field_security")}
    assert set(security) == {"admin", "practitioner", "staff", "migration application user"}
    for row in security.values():
        assert (row["destination_object"], row["destination_field"], row["mart_column"]) == (
            "systemuser", "new_practitionerwage", "dynamics__systemuser_updates.practitioner_wage")
        assert row["migrated"] is True
    assert (security["admin"]["can_read"], security["admin"]["can_update"]) == (True, True)
    assert (security["practitioner"]["can_read"], security["practitioner"]["can_update"]) == (
        True, False)
    assert security["practitioner"]["field_security_profile"] == "Bizstim pay: read only"
    assert security["staff"]["can_read"] is False and security["staff"][
        "field_security_profile"] is None
    assert security["migration application user"]["can_update"] is True

    # a field the confirmed field map leaves out has nothing to secure
    build(ws, "dynamics", {"left_out_columns": {
        "dynamics__systemuser_updates": ["practitioner_wage"]}})
    left_out = rows(ws, "select distinct migrated from "
                        "deliverables.deliverables__dynamics_field_security")
    assert left_out == [{"migrated": False}]


@pytest.mark.parametrize("destination", ["freshsales", "dynamics"])
def test_the_plans_are_written_beside_the_other_deliverables(workspace, destination):
    build(workspace, destination)
    check_written(workspace, destination)


@pytest.mark.slow  # builds the other destination's marts too
@pytest.mark.parametrize("destination", ["freshsales", "dynamics"])
def test_a_workspace_built_for_both_writes_each_destination_s_own_plans(workspace,
                                                                        destination):
    other = "dynamics" if destination == "freshsales" else "freshsales"
    build(workspace, destination)
    # a workspace built for both destinations holds both plans; each report keeps its own
    outcome = run_dbt(workspace, "build", destination=other,
                      extra=["--select", f"+deliverables__{other}_access_plan"])
    assert outcome.success, outcome.failures
    check_written(workspace, destination)


def check_written(workspace: Workspace, destination: str) -> None:
    """The plans' CSV (header first) and Markdown beside the other deliverables,
    and none of the other destination's."""
    other = "dynamics" if destination == "freshsales" else "freshsales"
    written = write_deliverables(workspace, destination)
    out = workspace.reports_dir / destination / "deliverables"
    names = {path.name for path in written}
    for table in ("access_plan", "field_security"):
        name = f"{destination}_{table}"
        assert {f"{name}.csv", f"{name}.md"} <= names
        columns = [r["column_name"] for r in rows(
            workspace, "select column_name from information_schema.columns where "
                       "table_schema = 'deliverables' and table_name = ? order by ordinal_position",
            [f"deliverables__{name}"])]
        with (out / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
            header, *data = list(csv.reader(handle))
        assert header == columns and data
        markdown = (out / f"{name}.md").read_text(encoding="utf-8")
        assert "| " + " | ".join(columns) + " |" in markdown
    assert not [n for n in names if n.startswith(other)]
    intro = (out / f"{destination}_access_plan.md").read_text(encoding="utf-8")
    # the plan says who applies it, and which API would
    if destination == "freshsales":
        assert "documents no way to set a user's role" in intro
    else:
        assert "systemuserroles_association" in intro and "SetBusinessSystemUser" in intro
