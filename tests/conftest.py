"""Shared fixtures: sandboxes on free loopback ports, a fresh workspace, and a
way to run the `bizstim-migrate` command as a user would."""

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
from dlt.common.normalizers.naming.snake_case import NamingConvention

from sandbox.bizstim.server import BizstimSandbox

ROOT = Path(__file__).resolve().parents[1]
SNAKE = NamingConvention()


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def cli_command() -> list[str]:
    script = shutil.which("bizstim-migrate")
    return [script] if script else [sys.executable, "-m", "bizstim_migrate.cli"]


def bizstim_env(sandbox: BizstimSandbox, keys: list[str] | None = None, **extra: str) -> dict:
    """The environment a user sets for Bizstim, pointed at the sandbox."""
    env = {
        "SOURCES__BIZSTIM__BASE_URL": sandbox.url,
        "SOURCES__BIZSTIM__API_KEY": json.dumps(keys if keys is not None else sandbox.api_keys),
        "SOURCES__BIZSTIM__RATE_LIMIT_WINDOW_SECONDS": repr(3600.0 / sandbox.time_scale),
        "SOURCES__BIZSTIM__BACKOFF_BASE_SECONDS": "0.02",
    }
    env.update(extra)
    return env


def run_cli(args: list[str], workspace: Path, env: dict[str, str] | None = None,
            timeout: float = 300) -> CliResult:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SOURCES__")}
    full_env.update(env or {})
    full_env["BIZSTIM_MIGRATE_WORKSPACE"] = str(workspace)
    full_env["COLUMNS"] = "200"
    proc = subprocess.run(cli_command() + args, cwd=ROOT, env=full_env, capture_output=True,
                          text=True, timeout=timeout)
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def start_cli(args: list[str], workspace: Path, env: dict[str, str]) -> subprocess.Popen:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SOURCES__")}
    full_env.update(env)
    full_env["BIZSTIM_MIGRATE_WORKSPACE"] = str(workspace)
    return subprocess.Popen(cli_command() + args, cwd=ROOT, env=full_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "workspace"
    path.mkdir()
    return path


@pytest.fixture
def bizstim_sandbox():
    sandbox = BizstimSandbox(tenant="small", seed=42, time_scale=3600.0).start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


def raw_rows(workspace: Path, table: str) -> list[dict]:
    with duckdb.connect(str(workspace / "warehouse.duckdb"), read_only=True) as con:
        cursor = con.execute(f'select * from bizstim_raw."{table}"')
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def query(workspace: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(workspace / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def as_raw(record: dict) -> dict:
    """A sandbox record with its keys named as dlt names the raw columns."""
    return {SNAKE.normalize_identifier(k): v for k, v in record.items()}


@pytest.fixture(scope="session")
def freshsales_staged(tmp_path_factory):
    """Sandboxes up and a workspace staged for a Freshsales load (shared by the
    Freshsales load and fault stories; each test copies it)."""
    from tests.freshsales_story import stage_freshsales

    yield from stage_freshsales(tmp_path_factory)


@pytest.fixture(scope="session")
def dynamics_built(tmp_path_factory) -> Path:
    """A workspace staged for a Dynamics load (the Dynamics stories and the dbt
    gate read it; whoever changes it works on a copy)."""
    from tests.dynamics_story import stage_dynamics

    return stage_dynamics(tmp_path_factory)


# The session workspaces above take most of a minute each to stage. Under
# pytest-xdist (`-n`, `--dist loadgroup`) every test that reads one goes to the
# same worker, so each is staged once; other tests stay with their module
# (module-scoped fixtures are staged once too).
STAGED_BY_DESTINATION = {"freshsales": "freshsales_staged", "dynamics": "dynamics_built"}


def _xdist_group(item: pytest.Item) -> str:
    names = set(item.fixturenames)
    callspec = getattr(item, "callspec", None)
    if "staged" in names and callspec is not None:  # test_dbt_gate picks one per destination
        names.add(STAGED_BY_DESTINATION.get(callspec.params.get("destination"), ""))
    for staged in STAGED_BY_DESTINATION.values():
        if staged in names:
            return staged
    return item.nodeid.split("::")[0]


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.xdist_group(_xdist_group(item)))
