"""`bizstim-migrate`: one entry point, verbs a migration engineer thinks in."""

from __future__ import annotations

import errno
import logging
import os
import re
import signal
import sys
import threading
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.markup import escape

from bizstim_migrate import steps
from bizstim_migrate.extract_view import ProgressObserver, delta_table, extraction_table
from bizstim_migrate.sandboxes import SandboxProcess, start_sandboxes, write_env_file
from bizstim_migrate.workspace import Workspace
from extract.errors import BizstimAuthError, BizstimError, BizstimPlanError, ConfigError
from extract.pipeline import ExtractionReport

class _Typer(typer.Typer):
    """The app, with one place that turns an operational mistake (the workspace
    busy, the disk full, a workspace that cannot be written) into one sentence and
    an exit code instead of a traceback."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - anything else is re-raised below
            explained = explain(error)
            if explained is None:
                raise
            sentence, code = explained
            from rich.markup import escape

            err_console.print(f"[bold red]error:[/] {escape(sentence)}")
            sys.exit(code)


app = _Typer(
    help="Migrate a Bizstim account to Freshsales or Dynamics 365 Sales.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
sandbox_app = typer.Typer(help="Local stand-ins of the real APIs (loopback only).",
                          no_args_is_help=True)
app.add_typer(sandbox_app, name="sandbox")


def _register_map() -> None:
    from bizstim_migrate.mapping import map_app

    app.add_typer(map_app, name="map", help="The field map: proposed by the tool, "
                  "confirmed by a person, before any record moves.")


_register_map()

console = Console()
err_console = Console(stderr=True)

# Exit codes a script can tell apart.
EXIT_FAILED = 1
EXIT_CONFIG = 2
EXIT_ACCESS = 3
EXIT_BUSY = 4      # another command holds the workspace: nothing was touched
EXIT_STORAGE = 5   # the disk is full or the workspace cannot be written

DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
NOT_WRITABLE = (errno.EROFS, errno.EACCES, errno.EPERM)
DUCKDB_LOCK = re.compile(r"Could not set lock on file .*?Conflicting lock is held in .*?"
                         r"\(PID (\d+)\)", re.S)


def _causes(error: BaseException):
    """The error and what caused it (a library may wrap the OSError)."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def _workspace_root() -> Path:
    return Workspace.resolve(None).root  # the CLI callback exported the chosen one


def _inside_workspace(filename: Any) -> bool:
    if not filename:
        return False
    try:
        return Path(os.fsdecode(filename)).resolve().is_relative_to(_workspace_root())
    except (OSError, ValueError):
        return False


def explain(error: BaseException) -> tuple[str, int] | None:
    """One sentence naming the cause and the fix, and the exit code; None for an
    error that is not an operational mistake (a bug shows its traceback)."""
    import duckdb

    from bizstim_migrate.lock import WorkspaceBusy

    resume = "then run the same command again: it resumes where it stopped."
    for cause in _causes(error):
        if isinstance(cause, WorkspaceBusy):
            return f"{cause}.", EXIT_BUSY
        if isinstance(cause, OSError) and cause.errno in DISK_FULL:
            where = f" (writing {cause.filename})" if cause.filename else ""
            return (f"the disk holding the workspace is full{where}: free some space, or "
                    f"move the workspace with --workspace, {resume}", EXIT_STORAGE)
        if isinstance(cause, OSError) and cause.errno in NOT_WRITABLE and (
                cause.errno == errno.EROFS or _inside_workspace(cause.filename)):
            where = f" ({cause.filename})" if cause.filename else ""
            return (f"the workspace {_workspace_root()} cannot be written{where}: "
                    f"{cause.strerror or 'read-only'}; make it writable, or choose another "
                    f"with --workspace, {resume}", EXIT_STORAGE)
        if isinstance(cause, duckdb.Error):
            message = str(cause)
            held = DUCKDB_LOCK.search(message)
            if held:
                return (f"another process (pid {held.group(1)}) has the warehouse open; "
                        "wait for it or stop it, then run the same command again.", EXIT_BUSY)
            if "No space left on device" in message or "Disk quota exceeded" in message:
                return ("the disk holding the workspace is full (the warehouse could not be "
                        f"written): free some space, or move the workspace with --workspace, "
                        f"{resume}", EXIT_STORAGE)
            if "Read-only file system" in message or "Permission denied" in message:
                return (f"the workspace {_workspace_root()} cannot be written (the warehouse "
                        "could not be opened for writing); make it writable, or choose another "
                        f"with --workspace, {resume}", EXIT_STORAGE)
    return None


@app.callback()
def main(
    ctx: typer.Context,
    workspace: Optional[str] = typer.Option(
        None, "--workspace", "-w", help="Folder of this migration's state "
        "(default $BIZSTIM_MIGRATE_WORKSPACE or ./workspace).",
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log each step."),
) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # dlt is chatty about arrow schema hints it reconciles on its own
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "INFO" if verbose else "ERROR")
    ctx.obj = Workspace.resolve(workspace).ensure()
    steps.note = lambda sentence: err_console.print(f"[yellow]note:[/] {sentence}.")


def _fail(error: BizstimError) -> None:
    err_console.print(f"[bold red]error:[/] {escape(str(error))}")
    if isinstance(error, ConfigError):
        raise typer.Exit(EXIT_CONFIG)
    if isinstance(error, (BizstimAuthError, BizstimPlanError)):
        raise typer.Exit(EXIT_ACCESS)
    raise typer.Exit(EXIT_FAILED)


# Each do_* runs a step (bizstim_migrate/steps.py) and shows it; the demo calls them too.

def do_extract(workspace: Workspace, kind: str, **config_overrides) -> ExtractionReport:
    with ProgressObserver(console) as observer:
        report = steps.extract(workspace, kind, observer, **config_overrides)
    console.print(extraction_table(report))
    if kind == "delta":
        table = delta_table(report)
        console.print(table if table is not None else
                      "No previous successful extraction: everything is new.")
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/] {escape(str(warning))}")
    console.print(f"Warehouse: {workspace.warehouse} (schema bizstim_raw)")
    return report


@app.command()
def extract(
    ctx: typer.Context,
    delta: bool = typer.Option(
        False, "--delta", help="Report (and mark for the loader) what is new, changed and "
        "vanished since the previous successful extraction.",
    ),
) -> None:
    """Pull every Bizstim endpoint into DuckDB (schema bizstim_raw), resumably."""
    workspace: Workspace = ctx.obj
    try:
        do_extract(workspace, "delta" if delta else "full")
    except BizstimError as error:
        if isinstance(error, ConfigError) and workspace.sandbox_env.exists():
            err_console.print(f"hint: for the sandbox, load {workspace.sandbox_env} first: "
                              f"set -a; . {workspace.sandbox_env}; set +a")
        _fail(error)


def _parse_vars(pairs: list[str]) -> dict:
    parsed = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise typer.BadParameter(f"--var takes NAME=VALUE, got {pair!r}")
        parsed[name.strip()] = value
    return parsed


def do_transform(workspace: Workspace, destination: str, dbt_vars: dict | None = None) -> bool:
    from bizstim_migrate.mapping import MapError

    try:
        outcome = steps.transform(workspace, destination, dbt_vars)
    except MapError as error:  # the confirmed field map cannot be read: say what to fix
        err_console.print(f"[bold red]error:[/] {escape(str(error))}")
        raise typer.Exit(EXIT_CONFIG)
    except steps.StepRefused as refused:
        err_console.print(f"[bold red]error:[/] {escape(str(refused))}")
        raise typer.Exit(EXIT_FAILED)
    counts = ", ".join(f"{n} {status}" for status, n in sorted(outcome.counts.items()))
    console.print(f"dbt build: {counts or 'nothing ran'}")
    for warning in outcome.warnings:
        console.print(f"[yellow]warn[/] {warning['unique_id']}: {escape(warning['message'])}")
    for failure in outcome.failures:
        err_console.print(f"[red]{failure['status']}[/] {failure['unique_id']}: "
                          f"{failure['message']}")
    if outcome.success:
        from bizstim_migrate.transform_view import quarantine_table, reconciliation_table

        console.print(reconciliation_table(workspace.warehouse, destination))
        console.print(quarantine_table(workspace.warehouse, destination))
        console.print(f"[green]The gate is open:[/] every error-severity test passed "
                      f"(results in {outcome.run_results}).")
    else:
        err_console.print("[red]The gate is closed:[/] fix the failures above (failing rows "
                          "are stored in the warehouse's test_failures schema), then run "
                          "transform again. Nothing can be loaded until it passes.")
    return outcome.success


@app.command()
def transform(
    ctx: typer.Context,
    to: str = typer.Option(..., "--to", help="freshsales or dynamics"),
    var: list[str] = typer.Option([], "--var", help="A dbt var for this build, NAME=VALUE "
                                  "(e.g. freshsales_payments_as=notes)."),
) -> None:
    """dbt build (models + tests) on the extracted data: the gate before any load."""
    if to not in ("freshsales", "dynamics"):
        raise typer.BadParameter("--to must be freshsales or dynamics")
    if not do_transform(ctx.obj, to, _parse_vars(var)):
        raise typer.Exit(EXIT_FAILED)


def do_scope(workspace: Workspace, plan: str = "growth"):
    """The scope document; returns the inventory (its key checks say if access works)."""
    from bizstim_migrate.scope_view import load_tables, scope_tables

    found = steps.scope(workspace, plan)
    for table in scope_tables(found.inventory, found.keys) + load_tables(found.estimates):
        console.print(table)
    console.print(f"Scope written to {found.markdown}")
    return found.inventory


@app.command()
def scope(
    ctx: typer.Context,
    plan: str = typer.Option("growth", help="The Freshsales plan (growth, pro, enterprise): "
                             "its hourly quota sets the Freshsales load estimate."),
) -> None:
    """Inventory the Bizstim account, check the plan, estimate extraction and load."""
    try:
        inventory = do_scope(ctx.obj, plan)
    except BizstimError as error:
        _fail(error)
    if not all(check.ok for check in inventory.keys):
        raise typer.Exit(EXIT_ACCESS)


# --- loading -----------------------------------------------------------------------------

def _destination(to: str) -> str:
    from load import DESTINATIONS

    if to not in DESTINATIONS:
        raise typer.BadParameter(f"--to must be one of {', '.join(DESTINATIONS)}")
    return to


def _config_error(workspace: Workspace, error: Exception) -> None:
    """A destination's variable missing: say which (never its value), and exit."""
    err_console.print(f"[bold red]error:[/] {escape(str(error))}")
    if workspace.sandbox_env.exists():
        err_console.print(f"hint: for the sandbox, load {workspace.sandbox_env} first: "
                          f"set -a; . {workspace.sandbox_env}; set +a")
    raise typer.Exit(EXIT_CONFIG)


def do_preflight(workspace: Workspace, destination: str) -> list[str]:
    from load import DestinationConfigError, DestinationError

    try:
        problems = steps.preflight(workspace, destination)
    except DestinationConfigError as error:
        _config_error(workspace, error)
    except DestinationError as error:
        err_console.print(f"[bold red]error:[/] {destination} refused the preflight: "
                          f"{escape(str(error))}")
        raise typer.Exit(EXIT_ACCESS)
    meta = {"freshsales": "freshsales_meta.users", "dynamics": "dynamics_meta.systemusers"}
    console.print(f"{destination}: credentials work; users stored in {meta[destination]} for "
                  "the owner resolution in dbt.")
    for problem in problems:
        console.print(f"[yellow]admin action needed:[/] {escape(problem)}")
    if not problems:
        console.print(f"[green]{destination} is ready:[/] every custom field the marts use "
                      "exists.")
    return problems


@app.command()
def preflight(ctx: typer.Context,
              to: str = typer.Option(..., "--to", help="freshsales or dynamics")) -> None:
    """Schema setup check: credentials, custom fields/columns, users (for owners)."""
    if do_preflight(ctx.obj, _destination(to)):
        raise typer.Exit(EXIT_FAILED)


def do_load(workspace: Workspace, destination: str, *, sample: int | None = None,
            dry_run: bool = False, only: str | None = None, seed: int = 0,
            new_account: bool = False, resync: bool = False, overwrite_edits: bool = False):
    from bizstim_migrate.load_view import (ProgressObserver, drift_lines, dry_run_table,
                                           summary_table)
    from load import DestinationConfigError, DestinationError, LoadRefused

    try:
        with ProgressObserver(console) as observer:
            outcome = steps.load(workspace, destination, observer, sample=sample,
                                 dry_run=dry_run, only=only, seed=seed,
                                 new_account=new_account, resync=resync,
                                 overwrite_edits=overwrite_edits)
    except DestinationConfigError as error:
        _config_error(workspace, error)
    except LoadRefused as refused:
        err_console.print("[bold red]The load may not start:[/]")
        for line in str(refused).splitlines():
            err_console.print(f"  - {escape(line)}")
        raise typer.Exit(EXIT_FAILED)
    except DestinationError as error:
        err_console.print(f"[bold red]error:[/] {escape(str(error))}")
        err_console.print("The run stopped cleanly; run the same command again to resume "
                          "where it stopped.")
        raise typer.Exit(EXIT_FAILED)
    report = outcome.report
    for note in report.notes:
        console.print(f"[yellow]note:[/] {escape(note)}")
    if dry_run:
        console.print(dry_run_table(report, destination))
        return report
    console.print(summary_table(report, destination))
    for line in drift_lines(report, overwrite_edits):
        console.print(line)
    console.print(f"{outcome.requests_sent} requests to {destination}. Ledger: schema ledger "
                  f"in {workspace.warehouse} (run {report.run_id}).")
    if outcome.deliverables:
        console.print(f"Deliverables for the admin (what {destination} cannot hold): "
                      f"{len(outcome.deliverables) // 2} tables as CSV and Markdown in "
                      f"{workspace.reports_dir / destination / 'deliverables'}")
    return report


@app.command()
def load(
    ctx: typer.Context,
    to: str = typer.Option(..., "--to", help="freshsales or dynamics"),
    sample: Optional[int] = typer.Option(None, "--sample", help="Load N records per object "
                                         "(with every parent they need) for review."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Count creates, updates and "
                                 "unchanged per object from the ledger and a read of the "
                                 "destination; write nothing."),
    only: Optional[str] = typer.Option(None, "--only", help="Run one phase (e.g. contacts)."),
    seed: int = typer.Option(0, help="Which records a --sample picks."),
    new_account: bool = typer.Option(False, "--new-account", help="The credentials point "
                                     "at another account than the ledger's: start a ledger "
                                     "scope for it (the old one stays)."),
    resync: bool = typer.Option(False, "--resync", help="Re-read every record the ledger "
                                "names: recreate what was deleted in the destination, list "
                                "what people changed there."),
    overwrite_edits: bool = typer.Option(False, "--overwrite-edits", help="With --resync: "
                                         "rewrite the records people changed too."),
) -> None:
    """Push the marts to the destination in dependency order (resumes a killed run;
    after a full run, sends only what changed)."""
    if overwrite_edits and not resync:
        raise typer.BadParameter("--overwrite-edits goes with --resync")
    report = do_load(ctx.obj, _destination(to), sample=sample, dry_run=dry_run, only=only,
                     seed=seed, new_account=new_account, resync=resync,
                     overwrite_edits=overwrite_edits)
    if report.failed:
        err_console.print(f"[red]{report.failed} records failed[/]: their reasons are in "
                          f"ledger.records (run {report.run_id}); fix and run load again.")
        raise typer.Exit(EXIT_FAILED)


def do_verify(workspace: Workspace, destination: str, sample: int = 50,
              seed: Optional[int] = None):
    from bizstim_migrate.load_view import differences_table, verify_table
    from load import DestinationConfigError

    try:
        report = steps.verify(workspace, destination, sample, seed)
    except DestinationConfigError as error:
        _config_error(workspace, error)
    console.print(verify_table(report, destination))
    if report.differences:
        console.print(differences_table(report))
    return report


@app.command()
def verify(
    ctx: typer.Context,
    to: str = typer.Option(..., "--to", help="freshsales or dynamics"),
    sample: int = typer.Option(50, "--sample", help="Records per object to read back."),
    seed: Optional[int] = typer.Option(None, help="Same seed, same sample."),
) -> None:
    """Read back a random sample per object and compare it field by field with the marts."""
    report = do_verify(ctx.obj, _destination(to), sample, seed)
    if report.differences or report.missing:
        raise typer.Exit(EXIT_FAILED)


@app.command()
def rollback(ctx: typer.Context, run_id: str = typer.Argument(..., help="The run to undo."),
             cascade: bool = typer.Option(False, "--cascade", help="Undo the later runs "
                                          "built on this one first (newest first)."),
             ) -> None:
    """Undo a run: delete what it created, restore what it updated, report what a
    person edited since and what other records still point at."""
    from bizstim_migrate.load_view import rollback_lines
    from load import DestinationConfigError, LoadRefused

    workspace: Workspace = ctx.obj
    try:
        report = steps.rollback(workspace, run_id, cascade)
    except DestinationConfigError as error:
        _config_error(workspace, error)
    except (LoadRefused, steps.StepRefused) as refused:
        err_console.print(f"[bold red]error:[/] {escape(str(refused))}")
        raise typer.Exit(EXIT_FAILED)
    for line in rollback_lines(report):
        console.print(line)
    if report.mismatches:
        raise typer.Exit(EXIT_FAILED)


def do_report(workspace: Workspace, destination: str, run_id: Optional[str] = None,
              dbt_docs: bool = True):
    files = steps.report(workspace, destination, run_id, dbt_docs)
    console.print(f"Report: {files.html}")
    console.print(f"  {len(files.files)} CSV and Markdown files beside it (deliverables in "
                  f"{files.html.parent / 'deliverables'})")
    if files.dbt_docs:
        console.print(f"  dbt documentation and lineage: {files.dbt_docs}")
    return files


@app.command()
def report(
    ctx: typer.Context,
    to: str = typer.Option(..., "--to", help="freshsales or dynamics"),
    run: Optional[str] = typer.Option(None, "--run", help="The run to report on (default: "
                                      "the latest load)."),
    dbt_docs: bool = typer.Option(True, "--dbt-docs/--no-dbt-docs",
                                  help="Generate dbt's documentation site and link it."),
) -> None:
    """Write the migration report: reconciliation, quarantine, load, throughput,
    verification, deliverables (CSV, Markdown and one HTML page with charts)."""
    do_report(ctx.obj, _destination(to), run, dbt_docs)


def _tenant_size(value: str) -> str:
    from sandbox.tenant import SIZE_FACTORS

    if value not in SIZE_FACTORS:
        raise typer.BadParameter(f"{value!r} is not a tenant size; use one of "
                                 f"{', '.join(SIZE_FACTORS)}")
    return value


@sandbox_app.command("up")
def sandbox_up(
    ctx: typer.Context,
    tenant: str = typer.Option("small", help="small (~1.6k records), medium (~80k), large "
                               "(~2.75M).", callback=_tenant_size),
    seed: int = typer.Option(42, help="Same seed, same tenant."),
    time_scale: float = typer.Option(
        3600.0, "--time-scale", help="How much faster than real time the quota window passes "
        "(3600: an hour in a second).",
    ),
) -> None:
    """Start the sandboxes on free loopback ports and write <workspace>/sandbox.env."""
    workspace: Workspace = ctx.obj
    running = start_sandboxes(tenant=tenant, seed=seed, time_scale=time_scale)
    write_env_file(workspace.sandbox_env, running.env)
    console.print(f"Bizstim sandbox ({tenant}, seed {seed}) at {running.bizstim.url}")
    console.print(f"Credentials written to {workspace.sandbox_env}; load them with:")
    console.print(f"  set -a; . {workspace.sandbox_env}; set +a")
    for name in running.env:
        shown = "(see the file)" if "KEY" in name or "SECRET" in name else running.env[name]
        console.print(f"  {name}={shown}")
    console.print("Press Ctrl-C to stop.")
    try:
        _wait_for_ctrl_c_or_sigterm()
    finally:
        running.stop()
        console.print("Sandboxes stopped.")


def _wait_for_ctrl_c_or_sigterm() -> None:
    """Block until Ctrl-C (SIGINT) or SIGTERM. SIGINT gets Python's handler back
    even when the parent started us with it ignored (a background job of a
    non-interactive shell inherits SIGINT ignored)."""
    stop = threading.Event()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass


@sandbox_app.command("admin")
def sandbox_admin(
    ctx: typer.Context,
    to: str = typer.Option(..., "--to", help="freshsales or dynamics"),
) -> None:
    """Play the customer's admin on the sandbox: create the custom fields (columns,
    keys) and category choices the preflight asks for. A real account's admin does
    this in its settings."""
    workspace: Workspace = ctx.obj
    destination = _destination(to)
    for item in steps.admin_set_up(workspace, destination):
        console.print(f"created {item}")
    console.print(f"The {destination} sandbox has what the preflight asks an admin for.")


@app.command()
def demo(
    ctx: typer.Context,
    to: str = typer.Option("freshsales", help="freshsales or dynamics."),
    tenant: str = typer.Option("small", help="small or medium.", callback=_tenant_size),
    seed: int = typer.Option(42),
    keep_running: bool = typer.Option(False, "--keep-running", help="Leave the sandboxes "
                                      "up afterwards, to look at them (Ctrl-C stops them)."),
) -> None:
    """A whole migration on the sandboxes: schema setup, extraction, gates, sample,
    production load, cutover delta, verification."""
    from bizstim_migrate.demo import DemoFailed, DemoSteps, run_demo

    workspace: Workspace = ctx.obj
    destination = _destination(to)
    # in a child process, as a real service is: the run does not share our GIL with them
    running = SandboxProcess.start(workspace.ensure().root, tenant=tenant, seed=seed)
    os.environ.update(running.env)
    shown = DemoSteps(extract=do_extract, transform=do_transform, preflight=do_preflight,
                      load=do_load, verify=do_verify, report=do_report,
                      scope=do_scope, admin=steps.admin_set_up)
    try:
        console.print(f"Sandboxes: Bizstim ({tenant}, seed {seed}) {running.bizstim.url}, "
                      f"Freshsales {running.freshsales.url}, Dataverse {running.dynamics.url}")
        outcome = run_demo(console, workspace, running, destination, shown)
        console.print(f"[bold green]Migrated to {destination} in {outcome.seconds:.0f} s.[/]")
        console.print("  " + ", ".join(f"{title.split('.')[0]}: {seconds:.0f} s"
                                      for title, seconds in outcome.steps.items())
                      + " (by step)")
        console.print(f"  warehouse (raw, staged marts, quarantine, reconciliation, ledger): "
                      f"{workspace.warehouse}")
        console.print(f"  runs: {', '.join(outcome.runs)} (undo one with "
                      "`bizstim-migrate rollback RUN_ID`)")
        console.print(f"  report: {outcome.report}")
        console.print(f"  sandbox credentials: {workspace.sandbox_env}")
        if keep_running:
            console.print("The sandboxes stay up; press Ctrl-C to stop them.")
            _wait_for_ctrl_c_or_sigterm()
    except DemoFailed as failed:
        err_console.print(f"[bold red]The demo stopped:[/] {escape(str(failed))}")
        raise typer.Exit(EXIT_FAILED)
    except BizstimError as error:
        _fail(error)
    finally:
        running.stop()


if __name__ == "__main__":
    app()
