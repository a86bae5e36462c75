"""The migration's steps, as a workflow: what each command does, without the
printing. `cli.py` renders them for a person; the demo runs the same ones.

Each step takes the workspace (and the destination), returns what happened,
and raises what stops it: `extract.errors.BizstimError` for the source,
`load.DestinationError` (the run stops cleanly and resumes), and
`load.DestinationConfigError` / `load.LoadRefused` / `StepRefused` (something
to fix first; the message says what), and `WorkspaceBusy` (another command holds
the workspace).

The steps that write the warehouse, the ledger or dbt's artifacts hold the
workspace lock (`bizstim_migrate/lock.py`) while they run; DuckDB lets no other
process open the warehouse, even to read, while one writes it, so verify and
report hold it too.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping

from bizstim_migrate.lock import WorkspaceBusy, workspace_lock
from bizstim_migrate.workspace import Workspace

__all__ = ["StepRefused", "WorkspaceBusy"]

log = logging.getLogger(__name__)


class StepRefused(Exception):
    """The step cannot start; the message says why and what to do."""


def note(sentence: str) -> None:
    """Something a person should know that does not stop the step (the CLI
    replaces this to print it)."""
    log.warning(sentence)


@contextlib.contextmanager
def holding(workspace: Workspace, command: str) -> Iterator[None]:
    """The workspace, for this command alone (WorkspaceBusy otherwise)."""
    notes: list[str] = []
    with workspace_lock(workspace.root, command, notes):
        for sentence in notes:
            note(sentence)
        yield


# --- source --------------------------------------------------------------------------------

def extract(workspace: Workspace, kind: str, observer: Any = None, **config_overrides):
    """A full extraction, or a delta (compared with the last successful one)."""
    from extract.config import resolve_checkpoint_seconds, resolve_client_config
    from extract.pipeline import run_extraction

    config = resolve_client_config(**config_overrides)
    with holding(workspace, "extract"):
        return run_extraction(warehouse=workspace.warehouse, files_dir=workspace.files_dir,
                              pipelines_dir=workspace.pipelines_dir, config=config, kind=kind,
                              observer=observer,
                              checkpoint_seconds=resolve_checkpoint_seconds())


@dataclass
class Scope:
    inventory: Any
    keys: int  # the number of keys the estimate assumes
    estimates: dict[str, Any]
    markdown: Path


def scope(workspace: Workspace, plan: str = "growth") -> Scope:
    """Inventory, plan check and estimates; written to reports/scope.md (and the
    estimate the report later sets the achieved figures beside)."""
    from bizstim_migrate.scope_view import load_estimates, scope_markdown
    from extract.client import BizstimClient
    from extract.config import resolve_client_config
    from extract.inventory import take_inventory

    config = resolve_client_config()
    inventory = take_inventory(BizstimClient(config))
    keys = max(len(config.api_keys), 2)
    estimates = load_estimates(inventory, plan)
    workspace.reports_dir.mkdir(parents=True, exist_ok=True)
    path = workspace.reports_dir / "scope.md"
    path.write_text(scope_markdown(inventory, keys, estimates))
    (workspace.reports_dir / "scope_estimate.json").write_text(json.dumps(estimates, indent=1))
    return Scope(inventory, keys, estimates, path)


# --- dbt -----------------------------------------------------------------------------------

def transform(workspace: Workspace, destination: str, dbt_vars: dict | None = None):
    """`dbt build` for the destination: the confirmed field map's vars, then the
    engineer's own. Returns dbt's outcome (success is the gate)."""
    from bizstim_migrate.mapping import dbt_vars as confirmed_map_vars
    from bizstim_migrate.transform import run_dbt

    with holding(workspace, "transform"):
        if not extracted(workspace):
            raise StepRefused(f"Nothing is extracted in {workspace.warehouse} yet: run "
                              "`bizstim-migrate extract` first.")
        merged = {**confirmed_map_vars(workspace, destination), **(dbt_vars or {})}
        return run_dbt(workspace, "build", destination=destination, dbt_vars=merged)


def extracted(workspace: Workspace) -> bool:
    """An extraction finished into this workspace's warehouse (dbt's sources exist)."""
    import duckdb

    if not workspace.warehouse.exists():
        return False
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        try:
            return con.execute("select count(*) from bizstim_raw._extractions "
                               "where status = 'succeeded'").fetchone()[0] > 0
        except duckdb.CatalogException:
            return False


# --- destination ---------------------------------------------------------------------------

@contextlib.contextmanager
def destination_writer(workspace: Workspace, destination: str) -> Iterator[tuple[Any, Any]]:
    """The warehouse connection and the destination's writer, closed afterwards."""
    import duckdb

    from load import open_writer

    con = duckdb.connect(str(workspace.warehouse))
    try:
        yield con, open_writer(destination, con, files_dir=workspace.files_dir)
    finally:
        con.close()


def preflight(workspace: Workspace, destination: str) -> list[str]:
    """Credentials, the destination's users (for owners in dbt), and what an admin
    must create first: each problem a sentence; empty when ready."""
    with holding(workspace, "preflight"), \
            destination_writer(workspace, destination) as (_, writer):
        return writer.preflight()


@dataclass
class LoadOutcome:
    report: Any  # load.LoadReport
    requests_sent: int | None
    deliverables: list[Path] = field(default_factory=list)


def load(workspace: Workspace, destination: str, observer: Any = None, *,
         sample: int | None = None, dry_run: bool = False, only: str | None = None,
         seed: int = 0, new_account: bool = False, resync: bool = False,
         overwrite_edits: bool = False) -> LoadOutcome:
    """The load behind its gates (confirmed map, dbt's results, fresh marts); a
    production load (full or delta) also writes the deliverables the destination
    cannot hold."""
    from bizstim_migrate.mapping import map_problems
    from load import Runner, gate_problems

    run_results = workspace.dbt_target / "run_results.json"
    with holding(workspace, "load"):
        with destination_writer(workspace, destination) as (con, writer):
            runner = Runner(con, writer, observer,
                            gate=lambda: map_problems(workspace, destination, con=con)
                            + gate_problems(run_results, con, destination))
            report = runner.load(sample=sample, dry_run=dry_run, only=only, seed=seed,
                                 new_account=new_account, resync=resync,
                                 overwrite_edits=overwrite_edits)
            sent = writer.requests_sent
        outcome = LoadOutcome(report, sent)
        if not dry_run and report.mode in ("full", "delta"):
            from bizstim_migrate.report import write_deliverables

            outcome.deliverables = list(write_deliverables(workspace, destination))
    return outcome


def verify(workspace: Workspace, destination: str, sample: int = 50, seed: int | None = None):
    """A random sample per object read back and compared field by field."""
    from load import Runner

    with holding(workspace, "verify"), \
            destination_writer(workspace, destination) as (con, writer):
        return Runner(con, writer).verify(sample=sample, seed=seed)


def rollback(workspace: Workspace, run_id: str, cascade: bool = False):
    """Undo a run (its destination is the ledger's); `cascade` undoes the later runs
    built on it first."""
    import duckdb

    from load import Ledger, Runner

    with holding(workspace, "rollback"):
        with duckdb.connect(str(workspace.warehouse)) as probe:
            run = Ledger(probe).run(run_id)
        if run is None:
            raise StepRefused(f"no run {run_id!r} in the ledger.")
        with destination_writer(workspace, run["destination"]) as (con, writer):
            return Runner(con, writer).rollback(run_id, cascade=cascade)


def report(workspace: Workspace, destination: str, run_id: str | None = None,
           dbt_docs: bool = True):
    """The migration report (HTML, CSV and Markdown, the deliverables, dbt docs)."""
    from bizstim_migrate.report import build_report

    with holding(workspace, "report"):
        return build_report(workspace, destination, run_id, dbt_docs=dbt_docs)


def admin_set_up(workspace: Workspace, destination: str,
                 env: Mapping[str, str] | None = None) -> list[str]:
    """The customer's admin, played on a sandbox only: the custom fields (columns,
    keys) the contracts declare, and the product categories once the marts exist."""
    import duckdb

    from bizstim_migrate.sandbox_admin import set_up_dynamics, set_up_freshsales

    env = os.environ if env is None else env
    set_up = set_up_dynamics if destination == "dynamics" else set_up_freshsales
    if not workspace.warehouse.exists():
        return set_up(env)
    # the marts, once built, name the categories and the re-pointed custom fields
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        return set_up(env, con)
