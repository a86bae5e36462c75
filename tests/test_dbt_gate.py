"""The dbt project is the gate: sandbox → extract → dbt build, every record
accounted for, every quarantined row explained, and broken input stops it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from load.gate import gate_problems
from sandbox.bizstim.server import BizstimSandbox
from tests.conftest import ROOT, bizstim_env, query, run_cli


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Path:
    """One extraction of the small tenant, copied by each test that changes it."""
    workspace = tmp_path_factory.mktemp("extracted")
    with BizstimSandbox(tenant="small", seed=42, time_scale=3600.0).start() as sandbox:
        result = run_cli(["extract"], workspace, bizstim_env(sandbox))
    assert result.returncode == 0, result.output
    return workspace


@pytest.fixture
def workspace(extracted, tmp_path) -> Path:
    copy = tmp_path / "workspace"
    shutil.copytree(extracted, copy)
    return copy


@pytest.fixture
def staged(request, destination) -> Path:
    """The session's workspace built for `destination` as a user builds it
    (extract, preflight, `transform --to`): read here, never changed."""
    if destination == "freshsales":
        return request.getfixturevalue("freshsales_staged")[2]
    return request.getfixturevalue("dynamics_built")


@pytest.mark.parametrize("destination", ["freshsales", "dynamics"])
def test_every_extracted_record_is_loaded_quarantined_or_excluded(staged, destination):
    with duckdb.connect(str(staged / "warehouse.duckdb"), read_only=True) as con:
        assert gate_problems(staged / "dbt_target" / "run_results.json", con, destination) == []
    rows = query(staged, f"select object, extracted, ready, quarantined, excluded_by_rule "
                         f"from reconciliation.reconciliation__{destination}")
    assert {r[0] for r in rows} >= {"clients", "payments", "sessions", "services",
                                    "client_files", "people_records"}
    for obj, extracted, ready, quarantined, excluded in rows:
        assert extracted == ready + quarantined + excluded, obj
    assert dict((r[0], r[1]) for r in rows)["clients"] == 300
    # every quarantined row says why, in a sentence
    reasons = query(staged, "select reason_code, reason from quarantine.quarantine__all")
    assert reasons and all(code and len(reason) > 20 for code, reason in reasons)
    codes = {code for code, _ in reasons}
    assert {"invalid_email", "orphan_payment", "min_time_after_max_time",
            "missing_availability_record"} <= codes


def test_a_duplicated_client_id_closes_the_gate(workspace):
    with duckdb.connect(str(workspace / "warehouse.duckdb")) as con:
        con.execute("insert into bizstim_raw.clients select * replace ('Twin' as first_name) "
                    "from bizstim_raw.clients where id = '5'")
    result = run_cli(["transform", "--to", "freshsales"], workspace)
    assert result.returncode == 1
    assert "The gate is closed" in result.output
    assert "unique_stg_bizstim__clients_client_id" in result.output
    failing = query(workspace, "select * from test_failures.unique_stg_bizstim__clients_client_id")
    assert failing, "the failing rows can be queried"


def test_payments_can_become_structured_notes_instead_of_deals(workspace):
    result = run_cli(["transform", "--to", "freshsales", "--var",
                      "freshsales_payments_as=notes"], workspace)
    assert result.returncode == 0, result.output
    (notes,) = query(workspace, "select count(*) from freshsales.freshsales__payment_notes")[0]
    assert notes > 0
    sample = query(workspace, "select description from freshsales.freshsales__payment_notes "
                              "limit 1")[0][0]
    assert sample.startswith("Payment_History")


def test_people_sharing_a_user_account_become_one_owner(dynamics_built):
    ana = query(dynamics_built, "select staff_ids, practitioner_ids, user_ids, first_name, "
                                "last_name from intermediate.int_people__deduplicated "
                                "where email = 'ana.lopez@tutoring.example.com'")
    assert ana == [(["1"], ["1"], ["3"], "Ana", "López")]


def test_lineage_runs_from_bizstim_endpoints_to_destination_objects(freshsales_staged, tmp_path):
    from bizstim_migrate.transform import run_dbt
    from bizstim_migrate.workspace import Workspace

    workspace = tmp_path / "workspace"
    shutil.copytree(freshsales_staged[2], workspace)

    outcome = run_dbt(Workspace(workspace), "docs generate")
    assert outcome.success
    manifest = json.loads((workspace / "dbt_target" / "manifest.json").read_text())
    exposure = manifest["exposures"]["exposure.bizstim_migrate.freshsales_load"]
    assert "model.bizstim_migrate.freshsales__contacts" in exposure["depends_on"]["nodes"]
    assert (workspace / "dbt_target" / "catalog.json").exists()


def test_the_models_pass_the_sql_lint(extracted):
    lint = subprocess.run(
        [sys.executable, "-m", "sqlfluff", "lint", "models", "--processes", "2"],
        cwd=ROOT / "dbt_project", capture_output=True, text=True, timeout=600,
        env={**__import__("os").environ, "BIZSTIM_MIGRATE_WORKSPACE": str(extracted)},
    )
    assert lint.returncode == 0, lint.stdout[-3000:] + lint.stderr[-3000:]
