"""The mart contracts are the mapping: a data engineer adds a custom column to a
mart (its SQL and its yml contract, in a copy of the dbt project, nothing
else) and the tool follows: the preflight asks for it, `sandbox admin` creates
it, `transform` builds it, `load` sends it, the destination holds it, and
`verify` reads it back (and notices when a person changes it)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from sandbox.dynamics.server import DynamicsSandbox
from tests.conftest import ROOT, query, run_cli
from tests.freshsales_story import Migration as FreshsalesMigration
from tests.test_load_dynamics import SEED, customer_users, env_for


def project_copy(tmp_path: Path, sql: tuple[str, str, str], contract: tuple[str, str, str]
                 ) -> dict[str, str]:
    """A copy of the dbt project with one column added: `sql` is (model file,
    line to add it after, the new line); `contract` is (yml file, model, the
    column's yml entry). Returns the environment that points the tool at it."""
    project = tmp_path / "dbt_project"
    shutil.copytree(ROOT / "dbt_project", project,
                    ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    path, after, line = sql
    model_sql = project / path
    text = model_sql.read_text()
    assert text.count(after) == 1, after
    model_sql.write_text(text.replace(after, after + "\n" + line))
    path, model, entry = contract
    yml = project / path
    text = yml.read_text()
    start = text.index(f"- name: {model}\n")
    end = text.find("\n- name: ", start + 1)
    end = len(text) if end < 0 else end + 1
    yml.write_text(text[:end] + entry + text[end:])
    return {"BIZSTIM_MIGRATE_DBT_PROJECT": str(project)}


FRESHSALES_COLUMN = """  - name: cf_bizstim_zip_code
    data_type: varchar
    description: The client's zip code with a BZ- prefix (added by the data engineer).
    meta:
      field: cf_bizstim_zip_code
      kind: custom
      type: text
      source: [clients.zipcode]
      transform: "'BZ-' || zipcode"
"""


def test_a_custom_column_added_to_the_freshsales_contract_is_created_sent_and_verified(
        freshsales_staged, tmp_path):
    m = FreshsalesMigration(freshsales_staged, tmp_path)
    env = project_copy(
        tmp_path,
        ("models/marts/freshsales/freshsales__contacts.sql",
         "    clients.client_id as cf_bizstim_client_id,",
         "    'BZ-' || clients.zipcode as cf_bizstim_zip_code,"),
        ("models/marts/freshsales/_freshsales__models.yml", "freshsales__contacts",
         FRESHSALES_COLUMN))

    asked = m.cli("preflight", "--to", "freshsales", ok=False, env=env)
    assert "contacts.cf_bizstim_zip_code (text)" in asked.output
    m.cli("sandbox", "admin", "--to", "freshsales", env=env)
    assert {"cf_bizstim_zip_code"} <= {f["name"] for f in m.records("fields")}
    m.cli("transform", "--to", "freshsales", env=env)
    m.cli("load", "--to", "freshsales", env=env)

    want = dict(query(m.workspace, "select bizstim_client_id, cf_bizstim_zip_code "
                                   "from freshsales.freshsales__contacts"))
    got = {(c.get("custom_field") or {}).get("cf_bizstim_client_id"):
           (c.get("custom_field") or {}).get("cf_bizstim_zip_code")
           for c in m.records("contacts")}
    assert got == want and any(v is not None for v in want.values())

    m.cli("verify", "--to", "freshsales", "--sample", "1000", "--seed", "1", env=env)
    assert _differences(m.workspace) == []
    key = next(k for k, v in want.items() if v is not None)
    contact = next(c for c in m.records("contacts")
                   if (c.get("custom_field") or {}).get("cf_bizstim_client_id") == key)
    m.fs.edit("contacts", contact["id"], {"custom_field": {"cf_bizstim_zip_code": "BZ-edited"}})
    edited = m.cli("verify", "--to", "freshsales", "--sample", "1000", "--seed", "1", ok=False,
                   env=env)
    assert edited.returncode == 1  # a difference found
    assert _differences(m.workspace) == [("contacts", key, "cf_bizstim_zip_code", "BZ-edited")]


DYNAMICS_COLUMN = """  - name: bizstim_city_code
    data_type: varchar
    description: The client's city in capitals (added by the data engineer).
    meta:
      field: bizstimcitycode
      kind: custom
      type: String
      source: [clients.city]
      transform: upper-cased
"""


def test_a_custom_column_added_to_the_dynamics_contract_is_created_sent_and_verified(
        dynamics_built, tmp_path):
    workspace = tmp_path / "workspace"
    shutil.copytree(dynamics_built, workspace)
    env_project = project_copy(
        tmp_path,
        ("models/marts/dynamics/dynamics__contacts.sql", "    client_rows.*,",
         "    upper(client_rows.address1_city) as bizstim_city_code,"),
        ("models/marts/dynamics/_dynamics__models.yml", "dynamics__contacts", DYNAMICS_COLUMN))
    with DynamicsSandbox(time_scale=100.0, seed=SEED,
                         users=customer_users("dynamics")).start() as dataverse:
        env = env_for(dataverse) | env_project | {"LOAD_BACKOFF_BASE_SECONDS": "0.01"}

        def cli(*args: str, ok: bool = True):
            result = run_cli(list(args), workspace, env)
            assert not ok or result.returncode == 0, result.output
            return result

        asked = cli("preflight", "--to", "dynamics", ok=False)
        assert "contact.new_bizstimcitycode (String)" in asked.output
        cli("sandbox", "admin", "--to", "dynamics")
        cli("transform", "--to", "dynamics")
        for args in (("map", "propose", "--to", "dynamics"),
                     ("map", "confirm", "--to", "dynamics", "--by", "the tests")):
            cli(*args)
        cli("load", "--to", "dynamics")

        want = dict(query(workspace, "select bizstim_client_id, bizstim_city_code "
                                     "from dynamics.dynamics__contacts"))
        got = {r["new_bizstimclientid"]: r.get("new_bizstimcitycode")
               for r in dataverse.records("contacts")}
        assert got == want and any(v is not None for v in want.values())

        cli("verify", "--to", "dynamics", "--sample", "1000", "--seed", "1")
        assert _differences(workspace) == []
        key = next(k for k, v in want.items() if v is not None)
        dataverse.edit("contacts", key={"new_bizstimclientid": key},
                       changes={"new_bizstimcitycode": "EDITED"})
        assert cli("verify", "--to", "dynamics", "--sample", "1000", "--seed", "1",
                   ok=False).returncode == 1  # a difference found
        assert _differences(workspace) == [("contacts", key, "new_bizstimcitycode", "EDITED")]


def _differences(workspace: Path) -> list[tuple]:
    """What the last verify found differing (object, key, field, actual)."""
    with duckdb.connect(str(workspace / "warehouse.duckdb"), read_only=True) as con:
        try:
            rows = con.execute(
                "select object, source_key, field, actual from ledger.verifications "
                "where checked_at = (select max(checked_at) from ledger.verifications) "
                "and field is not null").fetchall()
            return [(o, k, f, json.loads(a) if a else a) for o, k, f, a in rows]
        except duckdb.CatalogException:
            pytest.fail("verify recorded nothing")


def test_what_a_person_changes_in_the_field_map_is_what_loads(freshsales_staged, tmp_path):
    """A value map changed, a field left out and a custom field re-pointed to a
    field of its own: confirmed, transformed, set up by the admin, loaded; the
    destination holds each (read from the sandbox, not the tool's counts)."""
    import yaml

    from bizstim_migrate.mapping import confirm, propose
    from bizstim_migrate.workspace import Workspace

    m = FreshsalesMigration(freshsales_staged, tmp_path)
    workspace = Workspace(m.workspace)
    path = propose(workspace, "freshsales", env=m.env)
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    fields = {f["source"]: f for obj in document["objects"] for f in obj["fields"]}
    document["value_maps"]["service_status"]["values"]["0"] = "active"  # still sold
    fields["clients.city"]["destination"] = None  # not migrated
    fields["clients.custom_7"]["destination"] = "contacts.cf_school"  # a field of its own
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False))
    confirm(workspace, "freshsales", by="alice")

    m.cli("transform", "--to", "freshsales")
    asked = m.cli("preflight", "--to", "freshsales", ok=False)
    assert "contacts.cf_school" in asked.output  # the admin is asked for it
    m.cli("sandbox", "admin", "--to", "freshsales")
    m.cli("load", "--to", "freshsales")

    contacts = {(c.get("custom_field") or {}).get("cf_bizstim_client_id"): c
                for c in m.records("contacts")}
    school = dict(query(m.workspace, "select cast(id as varchar), nullif(trim(custom_7), '') "
                                     "from bizstim_raw.clients"))
    assert contacts and all(c.get("city") is None for c in contacts.values())
    got = {k: (c.get("custom_field") or {}).get("cf_school") for k, c in contacts.items()}
    assert got == {k: school[k] for k in contacts} and any(got.values())
    zero = {str(k) for (k,) in query(m.workspace, "select id from bizstim_raw.services "
                                                  "where service_status = '0'")}
    products = {p["product_code"]: p for p in m.records("products")}
    codes = dict(query(m.workspace, "select bizstim_service_id, product_code "
                                    "from freshsales.freshsales__products"))
    assert zero and all(products[codes[k]]["is_active"] for k in zero if k in codes)
