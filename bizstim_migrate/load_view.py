"""What `load`, `verify` and `rollback` show: a progress bar per phase, the
reconciliation line each phase ends with, and a summary table."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.markup import escape
from rich.table import Table

from load import LoadReport, ObjectSpec, Observer, PhaseLine, RollbackReport, VerifyReport

COUNTED = ("created", "updated", "unchanged", "failed", "skipped")


def phase_text(line: PhaseLine) -> str:
    counts = ", ".join(f"{name} {line.get(name)}" for name in COUNTED)
    balanced = sum(line.get(n) for n in COUNTED) == line.expected
    mark = "[green]balanced[/]" if balanced else "[red]does not balance[/]"
    text = f"phase {line.phase} {line.object}: expected {line.expected}: {counts} ({mark})"
    if line.get("not_in_marts"):
        text += (f"; [yellow]{line.get('not_in_marts')} loaded earlier, no longer in the "
                 "marts[/] (left in place; see ledger.phases)")
    return text


class ProgressObserver(Observer):
    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                                 transient=True)
        self._task = None

    def __enter__(self) -> "ProgressObserver":
        self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.stop()

    def phase_started(self, index: int, spec: ObjectSpec, to_send: int) -> None:
        self._task = self.progress.add_task(f"{index}. {spec.label or spec.name}",
                                            total=max(to_send, 1) if to_send else 0)

    def advance(self, spec: ObjectSpec, n: int) -> None:
        if self._task is not None:
            self.progress.advance(self._task, n)

    def phase_finished(self, line: PhaseLine) -> None:
        if self._task is not None:
            self.progress.remove_task(self._task)
            self._task = None
        self.console.print(phase_text(line))


def summary_table(report: LoadReport, destination: str) -> Table:
    title = f"{destination} {report.mode} run {report.run_id}"
    if report.resumed:
        title += " (resumed)"
    table = Table(title=title)
    table.add_column("phase")
    table.add_column("expected", justify="right")
    for name in COUNTED:
        table.add_column(name, justify="right")
    table.add_column("not in marts", justify="right")
    for line in report.lines:
        table.add_row(f"{line.phase}. {line.object}", str(line.expected),
                      *(str(line.get(n)) for n in COUNTED), str(line.get("not_in_marts")))
    return table


def dry_run_table(report: LoadReport, destination: str) -> Table:
    table = Table(title=f"{destination} dry run ({report.account}): what a load would do, "
                        "from the ledger and a read of the destination (nothing written)")
    for name in ("object", "create", "of them missing in the destination", "update",
                 "unchanged"):
        table.add_column(name, justify="left" if name == "object" else "right")
    for obj, counts in report.dry_run.items():
        table.add_row(obj, *(str(counts[n]) for n in ("create", "missing", "update",
                                                      "unchanged")))
    return table


def drift_lines(report: LoadReport, overwrite_edits: bool) -> list[str]:
    """What a resync found: records recreated, records people changed."""
    lines = []
    for obj, found in report.drift.items():
        if found["missing"]:
            lines.append(f"{obj}: {len(found['missing'])} deleted in the destination, created "
                         f"again (e.g. {', '.join(found['missing'][:5])})")
        if found["edited"]:
            what = "rewritten (--overwrite-edits)" if overwrite_edits else \
                "left as the person made them (--overwrite-edits rewrites them)"
            lines.append(f"{obj}: {len(found['edited'])} changed by people since our last "
                         f"write, {what} (e.g. {', '.join(found['edited'][:5])})")
    return [escape(line) for line in lines]


def verify_table(report: VerifyReport, destination: str) -> Table:
    table = Table(title=f"{destination}: a random sample read back and compared field by field")
    for name in ("object", "checked", "missing", "fields differing"):
        table.add_column(name, justify="left" if name == "object" else "right")
    for obj, checked in report.checked.items():
        missing = sum(1 for m in report.missing if m["object"] == obj)
        differing = sum(1 for d in report.differences if d["object"] == obj)
        table.add_row(obj, str(checked), str(missing), str(differing))
    return table


def differences_table(report: VerifyReport, limit: int = 20) -> Table:
    table = Table(title="Differences (first ones; all are in ledger.verifications)")
    for name in ("object", "Bizstim key", "field", "expected", "in the destination"):
        table.add_column(name)
    for diff in report.differences[:limit]:
        table.add_row(diff["object"], diff["source_key"], diff["field"],
                      str(diff["expected"])[:60], str(diff["actual"])[:60])
    return table


def rollback_lines(report: RollbackReport) -> list[str]:
    if report.nothing_to_undo:
        return [f"Nothing to undo: run {report.rolled_back} was rolled back already "
                f"(rollback run {report.run_id})."]
    lines = [line for later in report.cascaded for line in rollback_lines(later)]
    lines += [f"Rolled back run {report.rolled_back} (rollback run {report.run_id}): "
             f"{report.deleted} created records deleted, {report.restored} updated records "
             "restored."]
    for edited in report.edited_since:
        lines.append(f"[yellow]left as it is:[/] {edited['object']} {edited['source_key']} "
                     f"(id {edited['destination_id']}) was edited in the destination after the "
                     "run")
    for kept in report.kept:
        lines.append(f"[yellow]kept:[/] {kept['object']} {kept['source_key']} (id "
                     f"{kept['destination_id']}): {len(kept['held_by'])} records the run did "
                     f"not create point at it ({escape(', '.join(kept['held_by'][:3]))}); "
                     "move or delete them, then roll back again")
    for problem in report.mismatches:
        lines.append(f"[red]not back to its state before the run:[/] {problem}")
    if not report.mismatches:
        lines.append("[green]Checked:[/] every record the run touched is as it was before it "
                     "(records edited since excepted).")
    return lines
