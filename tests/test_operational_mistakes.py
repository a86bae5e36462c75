"""Operational mistakes get one sentence, not a traceback: a second command on a
busy workspace, a model edited but not rebuilt, a transform that stops before
it builds, a full disk, a workspace that cannot be written. Each says the
cause and the fix, touches nothing it should not (the last good build, the
ledger), and the same command afterwards resumes exactly."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, start_cli
from tests.freshsales_story import Migration, assert_destination_matches_marts
from tests.project_snapshot import PROJECT_ENV, rebuilt_from_snapshot

EXIT_BUSY = 4
EXIT_STORAGE = 5


@pytest.fixture(scope="module")
def built(freshsales_staged, tmp_path_factory):
    """The staged workspace built from a snapshot of the dbt project (people may
    edit the shipped one while the tests run)."""
    return rebuilt_from_snapshot(freshsales_staged, tmp_path_factory)


@pytest.fixture
def migration(built, tmp_path):
    return Migration(built, tmp_path)


def said(result) -> str:
    """What the person saw, as one line (the console wraps long sentences)."""
    return " ".join(result.output.split())


def _loading(m: Migration, first: subprocess.Popen, timeout: float = 60) -> None:
    """Wait until the first load talks to Freshsales."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and first.poll() is None:
        if sum(m.fs.stats()["by_method"].values()) > 0:
            return
        time.sleep(0.1)
    raise AssertionError("the first load never started")


def test_a_second_command_on_a_busy_workspace_says_so_and_touches_nothing(migration):
    m = migration
    m.fs.set_faults(latency_ms=250)  # a slow account: the load runs on for a while
    build = m.workspace / "dbt_target"
    built = {name: (build / name).read_bytes() for name in ("run_results.json", "manifest.json")}
    first = start_cli(["load", "--to", "freshsales"], m.workspace, m.env)
    started = time.monotonic()
    busy = re.compile(rf"another bizstim-migrate load is running on this workspace "
                      rf"\(pid {first.pid}, started at ([0-9: -]+ UTC)\); wait for it or stop it")
    try:
        _loading(m, first)
        for args in (["load", "--to", "freshsales"], ["transform", "--to", "freshsales"],
                     ["extract"], ["verify", "--to", "freshsales"], ["rollback", "any-run"],
                     ["report", "--to", "freshsales", "--no-dbt-docs"]):
            second = m.cli(*args, ok=False)
            assert second.returncode == EXIT_BUSY, (second.output, first.poll(),
                                                     time.monotonic() - started)
            assert busy.search(said(second)), second.output
            assert "Traceback" not in second.output
            assert first.poll() is None, "the first load must not be disturbed"
        # the last good build is as it was (a transform used to delete its results)
        assert {n: (build / n).read_bytes() for n in built} == built
        assert not (m.workspace / "reports").exists()
    finally:
        first.send_signal(signal.SIGKILL)  # a load killed mid-way leaves its lock behind
        first.wait(timeout=60)

    # the lock of a process that is gone is taken over, with a note, and the load resumes
    m.fs.clear_faults()
    resumed = m.cli("load", "--to", "freshsales")
    started_at = busy.search(said(second)).group(1)
    assert (f"took over the workspace lock of bizstim-migrate load (pid {first.pid}, "
            f"started at {started_at}), which is no longer running") in said(resumed)
    assert "(resumed)" in resumed.output
    assert_destination_matches_marts(m)
    assert m.ledger("select count(*) from ledger.runs") == [(1,)]
    assert (m.workspace / "workspace.lock").read_text() == ""  # a clean end holds nothing


def _project_copy(m: Migration, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A copy of the project the marts were built from, for a data engineer to edit."""
    project = tmp_path / "dbt_project"
    shutil.copytree(m.env[PROJECT_ENV], project)
    return project, {PROJECT_ENV: str(project)}


def test_load_refuses_marts_older_than_the_models(migration, tmp_path):
    m = migration
    project, env = _project_copy(m, tmp_path)
    m.cli("load", "--to", "freshsales", "--dry-run", env=env)  # the same models: it may go

    model = project / "models" / "marts" / "freshsales" / "freshsales__notes.sql"
    model.write_text(model.read_text() + "\n-- the data engineer's edit, not rebuilt yet\n")
    refused = m.cli("load", "--to", "freshsales", ok=False, env=env)
    assert refused.returncode == 1
    assert ("A model changed since the last build: run `bizstim-migrate transform`"
            in said(refused)), refused.output
    assert "models/marts/freshsales/freshsales__notes.sql" in said(refused)
    assert m.writes() == 0

    m.cli("transform", "--to", "freshsales", env=env)  # rebuilt: the gate opens
    m.cli("load", "--to", "freshsales", "--dry-run", env=env)

    # a macro the models call is part of what they are
    macro = project / "macros" / "value_map.sql"
    head = "{% macro value_map_spec(table, column) -%}"
    assert macro.read_text().count(head) == 1
    macro.write_text(macro.read_text().replace(head, head + "\n    {#- edited -#}"))
    refused = m.cli("load", "--to", "freshsales", ok=False, env=env)
    assert ("A model changed since the last build: run `bizstim-migrate transform`"
            in said(refused)) and "macros/value_map.sql" in said(refused)
    assert m.writes() == 0


def test_a_transform_that_stops_before_building_keeps_the_last_good_build(migration, tmp_path):
    m = migration
    results = m.workspace / "dbt_target" / "run_results.json"
    built = results.read_bytes()
    project, env = _project_copy(m, tmp_path)
    model = project / "models" / "marts" / "freshsales" / "freshsales__notes.sql"
    model.write_text(model.read_text() + "\n{{ this is not jinja \n")
    broken = m.cli("transform", "--to", "freshsales", ok=False, env=env)
    assert broken.returncode != 0 and "gate is closed" in said(broken)
    assert results.read_bytes() == built
    # the broken model is not what the marts were built from: load says so
    refused = m.cli("load", "--to", "freshsales", ok=False, env=env)
    assert "A model changed since the last build" in said(refused)
    # back on the project the marts were built from, the last good build still stands
    m.cli("load", "--to", "freshsales", "--dry-run")
    assert results.read_bytes() == built


# A full disk, or a workspace that cannot be written, injected in the CLI's own
# process: DuckDB answers "No space left on device" when the load records the
# first contacts Freshsales took (and on every ledger write after), and Python's
# writes get the OSError.
RUN_CLI = ("from bizstim_migrate.cli import app\n"
           "app(prog_name='bizstim-migrate')\n")

LEDGER_DISK_FULL = """
import duckdb
import load.ledger as ledger

state = {"full": False}


def _failing(name):
    real = getattr(ledger.Ledger, name)

    def write(self, *args, **kwargs):
        if name == "record" and args[1] == "contacts":
            args = (*args[:2], list(args[2]), *args[3:])
            if any(r.action in ("created", "updated") for r in args[2]):
                state["full"] = True  # Freshsales took contacts the ledger cannot record
        if state["full"]:
            raise duckdb.IOException(
                'IO Error: Could not write file "warehouse.duckdb.wal": No space left on device')
        return real(self, *args, **kwargs)
    setattr(ledger.Ledger, name, write)


for _name in ("record", "mark_pending", "progress", "phase_line", "finish_run"):
    _failing(_name)
"""

CSV_DISK_FULL = """
import errno, pathlib

_open = pathlib.Path.open


def _full(self, mode="r", *args, **kwargs):
    if self.suffix == ".csv" and "w" in mode:
        raise OSError(errno.ENOSPC, "No space left on device", str(self))
    return _open(self, mode, *args, **kwargs)


pathlib.Path.open = _full
"""

READ_ONLY = """
import builtins, errno, io, os, duckdb

_root = os.environ["BIZSTIM_MIGRATE_WORKSPACE"]
_os_open, _open, _connect = os.open, builtins.open, duckdb.connect


def _inside(path):
    return os.path.abspath(os.fsdecode(path)).startswith(_root + os.sep)


def _refuse(path):
    raise OSError(errno.EROFS, "Read-only file system", os.fsdecode(path))


def os_open(path, flags, *args, **kwargs):
    if _inside(path) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
        _refuse(path)
    return _os_open(path, flags, *args, **kwargs)


def open_(file, mode="r", *args, **kwargs):
    if isinstance(file, (str, bytes, os.PathLike)) and _inside(file) and set(mode) & set("wax+"):
        _refuse(file)
    return _open(file, mode, *args, **kwargs)


def connect(database=":memory:", read_only=False, *args, **kwargs):
    if not read_only and _inside(str(database)):
        raise duckdb.IOException(
            f'IO Error: Cannot open file "{database}": Read-only file system')
    return _connect(database, read_only, *args, **kwargs)


os.open, builtins.open, io.open, duckdb.connect = os_open, open_, open_, connect
"""


def _cli_with(m: Migration, patch: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOURCES__")}
    env.update(m.env, BIZSTIM_MIGRATE_WORKSPACE=str(m.workspace), COLUMNS="200")
    return subprocess.run([sys.executable, "-c", patch + RUN_CLI, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_a_full_disk_mid_load_says_so_and_the_load_resumes_exactly(migration):
    m = migration
    full = _cli_with(m, LEDGER_DISK_FULL, "load", "--to", "freshsales")
    shown = " ".join((full.stdout + full.stderr).split())
    assert full.returncode == EXIT_STORAGE, full.stdout + full.stderr
    assert ("the disk holding the workspace is full (the warehouse could not be written): "
            "free some space, or move the workspace with --workspace, then run the same "
            "command again: it resumes where it stopped.") in shown
    assert "Traceback" not in full.stderr
    assert m.writes() > 0  # the destination took batches the ledger could not record
    pending = m.ledger("select count(*) from ledger.records where action = 'pending'")[0][0]
    assert pending > 0
    assert [s for (s,) in m.ledger("select status from ledger.runs")] == ["running"]

    resumed = m.cli("load", "--to", "freshsales")
    assert "(resumed)" in resumed.output
    assert_destination_matches_marts(m)  # every record once: no create repeated
    assert m.ledger("select count(*) from ledger.records where action = 'pending'") == [(0,)]
    assert m.ledger("select count(*), min(status) from ledger.runs") == [(1, "succeeded")]

    # a full disk while the report writes its CSV files: one sentence too
    report = _cli_with(m, CSV_DISK_FULL, "report", "--to", "freshsales", "--no-dbt-docs")
    shown = " ".join((report.stdout + report.stderr).split())
    assert report.returncode == EXIT_STORAGE
    assert "the disk holding the workspace is full (writing " in shown
    assert "Traceback" not in report.stderr


def test_a_workspace_that_cannot_be_written_says_so_and_nothing_moves(migration):
    m = migration
    warehouse = (m.workspace / "warehouse.duckdb").read_bytes()
    refused = _cli_with(m, READ_ONLY, "load", "--to", "freshsales")
    shown = " ".join((refused.stdout + refused.stderr).split())
    assert refused.returncode == EXIT_STORAGE, refused.stdout + refused.stderr
    assert f"the workspace {m.workspace} cannot be written" in shown
    assert "Read-only file system; make it writable, or choose another with --workspace" in shown
    assert "Traceback" not in refused.stderr
    assert m.writes() == 0
    assert (m.workspace / "warehouse.duckdb").read_bytes() == warehouse  # no ledger begun

    m.cli("load", "--to", "freshsales")  # writable again: the load goes, exactly
    assert_destination_matches_marts(m)
