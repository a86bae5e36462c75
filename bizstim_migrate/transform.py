"""Run the dbt project against a workspace: `dbt build` is the gate.

dbt runs in a child process (its DuckDB connection and memory end with it,
so this process can open the warehouse afterwards) with the workspace
exported for `profiles.yml`, and writes its artifacts (run_results.json,
manifest.json, logs) inside the workspace, so each migration keeps its own
record of the last build, which the loader reads before it writes anything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bizstim_migrate.workspace import WORKSPACE_ENV, Workspace
from load import project_dir
from load.gate import PREVIOUS_RESULTS  # the last build's results, during a run

REPO_ROOT = Path(__file__).resolve().parents[1]
PROFILES_DIR = REPO_ROOT

# What each destination builds: its marts, and everything both share.
EXCLUDED_FOR = {
    "freshsales": ["path:models/marts/dynamics", "path:models/reconciliation/dynamics",
                   "path:models/deliverables/dynamics"],
    "dynamics": ["path:models/marts/freshsales", "path:models/reconciliation/freshsales"],
}


@dataclass
class DbtOutcome:
    success: bool
    command: list[str]
    failures: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    run_results: Path | None = None


def target_dir(workspace: Workspace) -> Path:
    return workspace.dbt_target


def dbt_args(workspace: Workspace, verb: str, destination: str | None = None,
             dbt_vars: dict[str, Any] | None = None, extra: list[str] | None = None,
             target: Path | None = None) -> list[str]:
    args = [
        *verb.split(),  # "build", or "docs generate"
        # the shipped project, or the copy BIZSTIM_MIGRATE_DBT_PROJECT names (the
        # loader reads the mapping from the same contracts)
        "--project-dir", str(project_dir()),
        "--profiles-dir", str(PROFILES_DIR),
        "--target-path", str(target or target_dir(workspace)),
        "--log-path", str(workspace.root / "dbt_logs"),
    ]
    merged_vars = dict(dbt_vars or {})
    if destination:
        merged_vars.setdefault("destination", destination)
        if verb in ("build", "run", "test") and destination in EXCLUDED_FOR:
            args += ["--exclude", *EXCLUDED_FOR[destination]]
    if merged_vars:
        args += ["--vars", json.dumps(merged_vars)]
    return args + list(extra or [])


DBT_ENTRY = "import sys; from dbt.cli.main import cli; sys.exit(cli())"


def run_dbt(workspace: Workspace, verb: str = "build", destination: str | None = None,
            dbt_vars: dict[str, Any] | None = None, extra: list[str] | None = None,
            target: Path | None = None) -> DbtOutcome:
    """dbt in a child process. `target`: another artifacts folder (docs), so the
    build's run_results.json, which the load gate reads, stays as it is."""
    args = dbt_args(workspace, verb, destination, dbt_vars, extra, target)
    results_file = (target or target_dir(workspace)) / "run_results.json"
    # never read a previous build's results as this run's, but keep the last good
    # ones until this run has written its own: a dbt that stops before running
    # anything leaves the last build standing (and a killed one leaves them aside,
    # which the load gate reads as an interrupted transform)
    previous = results_file.with_name(PREVIOUS_RESULTS)
    if results_file.exists():
        results_file.replace(previous)
    env = {**os.environ, WORKSPACE_ENV: str(workspace.root)}
    try:
        completed = subprocess.run([sys.executable, "-c", DBT_ENTRY, *args], env=env)
    finally:
        if results_file.exists():
            previous.unlink(missing_ok=True)
        elif previous.exists():
            previous.replace(results_file)
    outcome = DbtOutcome(success=completed.returncode == 0, command=["dbt", *args])
    if results_file.exists():
        outcome.run_results = results_file
        _summarise(json.loads(results_file.read_text()), outcome)
    elif not outcome.success:
        outcome.failures.append({"unique_id": "dbt", "status": "error",
                                 "message": f"dbt exited {completed.returncode} before running "
                                            "anything (see its output above)"})
    return outcome


def _summarise(run_results: dict[str, Any], outcome: DbtOutcome) -> None:
    for node in run_results.get("results", []):
        status = node.get("status", "")
        outcome.counts[status] = outcome.counts.get(status, 0) + 1
        entry = {"unique_id": node.get("unique_id"), "status": status,
                 "message": node.get("message"), "failures": node.get("failures")}
        if status in ("error", "fail", "runtime error"):
            outcome.failures.append(entry)
        elif status == "warn":
            outcome.warnings.append(entry)
