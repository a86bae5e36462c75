"""A staged workspace built from a snapshot of the dbt project.

`load` refuses marts built from other models than the project holds (the
gate compares the build's manifest with the model files). In a checkout where
people edit models while tests run, a story that needs the gate open takes a
snapshot of the project, points the tool at it (`BIZSTIM_MIGRATE_DBT_PROJECT`)
and builds the staged workspace's marts from it once; each test copies that.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import ROOT, run_cli

PROJECT_ENV = "BIZSTIM_MIGRATE_DBT_PROJECT"


def snapshot_project(into: Path) -> Path:
    project = into / "dbt_project"
    shutil.copytree(ROOT / "dbt_project", project,
                    ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    return project


def rebuilt_from_snapshot(staged, tmp_path_factory, destination: str = "freshsales"):
    """(running, env, workspace) as the staged fixture gives them, with the marts
    rebuilt from a snapshot of the project the env names."""
    running, env, workspace = staged
    root = tmp_path_factory.mktemp("snapshot")
    project = snapshot_project(root)
    env = {**env, PROJECT_ENV: str(project)}
    copy = root / "workspace"
    shutil.copytree(workspace, copy)
    built = run_cli(["transform", "--to", destination], copy, env)
    assert built.returncode == 0, built.output
    return running, env, copy
