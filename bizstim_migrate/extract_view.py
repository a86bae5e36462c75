"""How an extraction looks on the terminal: progress while it runs, then the
per-object table (records, pages, requests, 429s, elapsed, quota wait)."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from extract.pipeline import EndpointStats, ExtractionReport


class ProgressObserver:
    """Feeds the extractor's events into a rich progress display."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("{task.description:<22}"),
            BarColumn(),
            TextColumn("{task.completed:>9,.0f} records"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        )
        self._tasks: dict[str, int] = {}

    def __enter__(self) -> "ProgressObserver":
        self.progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.__exit__(*exc)

    def endpoint_started(self, table: str) -> None:
        self._tasks[table] = self.progress.add_task(table, total=None)

    def advance(self, table: str, records: int) -> None:
        task = self._tasks.get(table)
        if task is not None:
            self.progress.advance(task, records)

    def endpoint_finished(self, table: str, stats: EndpointStats) -> None:
        task = self._tasks.get(table)
        if task is not None:
            self.progress.update(task, total=stats.records, completed=stats.records)


def extraction_table(report: ExtractionReport) -> Table:
    title = f"Extraction {report.extraction_id}" + (" (resumed)" if report.resumed else "")
    table = Table(title=title)
    for name in ("object", "records", "stored", "pages", "requests", "404s", "429s",
                 "elapsed s", "quota wait s"):
        table.add_column(name, justify="left" if name == "object" else "right")
    for s in report.endpoints:
        table.add_row(
            s.table, f"{s.records:,}", f"{report.stored.get(s.table, 0):,}", f"{s.pages:,}",
            f"{s.requests:,}", f"{s.not_found:,}", f"{s.rate_limited:,}",
            f"{s.elapsed_seconds:.1f}", f"{s.quota_wait_seconds:.1f}",
        )
    table.add_section()
    table.add_row(
        "total", f"{sum(s.records for s in report.endpoints):,}",
        f"{sum(report.stored.values()):,}", f"{sum(s.pages for s in report.endpoints):,}",
        f"{report.requests:,}", f"{sum(s.not_found for s in report.endpoints):,}",
        f"{report.rate_limited:,}", f"{report.elapsed_seconds:.1f}",
        f"{report.quota_wait_seconds:.1f}",
    )
    return table


def delta_table(report: ExtractionReport) -> Table | None:
    delta = report.delta
    if delta is None or delta.previous_extraction_id is None:
        return None
    table = Table(title=f"Delta since extraction {delta.previous_extraction_id}")
    for name in ("object", "new", "changed", "vanished"):
        table.add_column(name, justify="left" if name == "object" else "right")
    for obj, counts in delta.per_object.items():
        if any(counts.values()):
            table.add_row(obj, *(f"{counts.get(c, 0):,}" for c in ("new", "changed", "vanished")))
    table.add_section()
    table.add_row("total", *(f"{delta.total(c):,}" for c in ("new", "changed", "vanished")))
    return table
