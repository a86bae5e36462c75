"""Run one extraction: every endpoint into `bizstim_raw`, resumable.

An extraction is a sequence of dlt runs (checkpoints), endpoint by endpoint in
the brief's dependency order. A run killed at any point leaves the extraction
`running`; the next call resumes it: dlt first finishes any package it had
extracted, then the work plan (derived from the warehouse) fetches what is
missing. When every endpoint is complete the extraction is closed: hashes,
delta against the previous successful extraction, vanished records removed.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Protocol

import dlt
from dlt.pipeline.exceptions import PipelineStepFailed

from extract import settings
from extract.client import BizstimClient, ClientConfig
from extract.errors import BizstimError, PageShiftError
from extract.files import FileStore
from extract.snapshot import DeltaSummary, finalize
from extract.source import EndpointCounters, ExtractionRun, WorkPlan, bizstim
from extract.warehouse import RAW_SCHEMA, connect, ensure_bookkeeping, existing_tables
from extract.workplan import list_plan, single_read_plan

PIPELINE_NAME = "bizstim_extract"


class Observer(Protocol):
    def endpoint_started(self, table: str) -> None: ...
    def advance(self, table: str, records: int) -> None: ...
    def endpoint_finished(self, table: str, stats: "EndpointStats") -> None: ...


class _Silent:
    def endpoint_started(self, table: str) -> None:
        pass

    def advance(self, table: str, records: int) -> None:
        pass

    def endpoint_finished(self, table: str, stats: "EndpointStats") -> None:
        pass


@dataclass
class EndpointStats:
    table: str
    records: int = 0
    pages: int = 0
    requests: int = 0  # every request sent for it, retries included
    not_found: int = 0
    vanished: int = 0  # records whose own details and themselves answered 404
    malformed: int = 0
    rate_limited: int = 0
    elapsed_seconds: float = 0.0  # since its phase started
    # seconds its requests waited for quota, divided by the requests in flight
    quota_wait_seconds: float = 0.0
    dlt_runs: int = 0


@dataclass
class ExtractionReport:
    extraction_id: int
    resumed: bool
    kind: str
    endpoints: list[EndpointStats] = field(default_factory=list)
    delta: DeltaSummary | None = None
    elapsed_seconds: float = 0.0
    requests: int = 0
    rate_limited: int = 0
    quota_wait_seconds: float = 0.0
    normalize_rows: int = 0
    normalize_seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    stored: dict[str, int] = field(default_factory=dict)

    @property
    def rows_normalised_per_second(self) -> float:
        return self.normalize_rows / self.normalize_seconds if self.normalize_seconds else 0.0


def make_pipeline(warehouse: Path, pipelines_dir: Path) -> dlt.Pipeline:
    return dlt.pipeline(
        pipeline_name=PIPELINE_NAME,
        destination=dlt.destinations.duckdb(str(warehouse)),
        dataset_name=RAW_SCHEMA,
        pipelines_dir=str(pipelines_dir),
        progress=None,
    )


def run_extraction(
    *,
    warehouse: Path,
    files_dir: Path,
    pipelines_dir: Path,
    config: ClientConfig,
    kind: str = "full",
    observer: Observer | None = None,
    checkpoint_seconds: float = settings.CHECKPOINT_SECONDS,
    checkpoint_records: int = settings.CHECKPOINT_RECORDS,
) -> ExtractionReport:
    observer = observer or _Silent()
    started = time.monotonic()
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    pipeline = make_pipeline(warehouse, pipelines_dir)
    files = FileStore(files_dir)
    files.discard_partials()
    if pipeline.has_pending_data:
        # a killed run left a package extracted or half loaded: finish it first
        pipeline.normalize()
        pipeline.load()

    extraction_id, previous_id, resumed = _open_extraction(warehouse, kind)
    report = ExtractionReport(extraction_id=extraction_id, resumed=resumed, kind=kind)
    client = BizstimClient(config)
    attempt_started = datetime.now(timezone.utc)
    with ThreadPoolExecutor(max_workers=client.concurrency,
                            thread_name_prefix="bizstim") as executor:
        try:
            for phase in _phases():
                report.endpoints += _extract_phase(
                    pipeline, warehouse, client, executor, files, extraction_id, phase,
                    observer, report, checkpoint_seconds, checkpoint_records,
                )
        except BizstimError as error:
            _close_attempt(warehouse, report, attempt_started, client, started)
            _mark(warehouse, extraction_id, "running", str(error))
            raise
    with connect(warehouse) as con:
        tables = [t for t in _data_tables() if t in existing_tables(con)]
        report.delta = finalize(con, tables, extraction_id, previous_id)
        report.stored = {
            t: con.execute(f'select count(*) from {RAW_SCHEMA}."{t}"').fetchone()[0]
            for t in tables
        }
        report.warnings += _total_drift_warnings(con, extraction_id, report.stored)
        report.warnings += [
            f"{table}: {n} record(s) vanished during the extraction (listed, then their own "
            f"details and the record itself answered 404): kept out of the snapshot, with "
            f"the reason and their last JSON in bizstim_raw.{settings.VANISHED_TABLE}"
            for table, n in con.execute(
                f"select object, count(*) from {RAW_SCHEMA}.{settings.VANISHED_TABLE} "
                "where extraction_id = ? group by object order by object", [extraction_id]
            ).fetchall()
        ]
    report.warnings += [
        f"{s.table}: {s.malformed} record(s) were not records (no id, or not an object); "
        "they are kept with the reason in bizstim_raw._malformed_records"
        for s in report.endpoints if s.malformed
    ]
    _close_attempt(warehouse, report, attempt_started, client, started)
    _mark(warehouse, extraction_id, "succeeded", None, finished=True)
    return report


Planner = Callable[[object, int], "WorkPlan | None"]


def _phases() -> list[list[tuple[str, Planner]]]:
    """Endpoints grouped so that each group depends only on earlier ones:
    every list, then the reads the lists reference, then the reads those
    reference (file bytes). One dlt run serves a whole group, so small
    endpoints do not each pay a load's fixed cost while the quota idles."""
    phases: list[list[tuple[str, Planner]]] = [[
        (e.table, lambda con, x, e=e: list_plan(con, e, x)) for e in settings.LIST_ENDPOINTS
    ]]
    done = {e.table for e in settings.LIST_ENDPOINTS}
    singles = list(settings.SINGLE_READ_ENDPOINTS)
    while singles:
        ready = [s for s in singles if all(dep in done for dep in s.depends_on)]
        if not ready:
            raise ValueError(f"unresolvable dependencies: {[s.table for s in singles]}")
        phases.append([(s.table, lambda con, x, s=s: single_read_plan(con, s, x)) for s in ready])
        done |= {s.table for s in ready}
        singles = [s for s in singles if s not in ready]
    return phases


def _data_tables() -> list[str]:
    return [e.table for e in settings.LIST_ENDPOINTS] + [
        s.table for s in settings.SINGLE_READ_ENDPOINTS
    ]


def _extract_phase(pipeline, warehouse, client, executor, files, extraction_id, phase,
                   observer, report, checkpoint_seconds, checkpoint_records
                   ) -> list[EndpointStats]:
    """Run dlt until every endpoint of the phase has nothing left to fetch;
    each run is a checkpoint (at most checkpoint_seconds of fetching)."""
    stats = {table: EndpointStats(table=table) for table, _ in phase}
    reread_rounds = {table: 0 for table in stats}
    t0 = time.monotonic()
    for table in stats:
        observer.endpoint_started(table)
    while True:
        with connect(warehouse) as con:
            plans = {table: plan for table, planner in phase
                     if (plan := planner(con, extraction_id)) is not None}
        if not plans:
            break
        for table, plan in plans.items():
            if plan.rereads:
                reread_rounds[table] += 1
                if reread_rounds[table] > client.config.page_shift_reread_rounds:
                    report.endpoints += list(stats.values())
                    raise PageShiftError(_page_shift_message(
                        plan, client.config.page_shift_reread_rounds))
                report.warnings.append(
                    "; ".join(plan.gaps) + ": the account changed between the reads and "
                    f"records may have slid between those pages; re-read {len(plan.refs)} "
                    f"page(s) (round {reread_rounds[table]}) until consecutive pages share "
                    "a record again")
        run = ExtractionRun(
            client=client,
            extraction_id=extraction_id,
            files=files,
            executor=executor,
            deadline=time.monotonic() + checkpoint_seconds,
            max_records=checkpoint_records,
            on_progress=observer.advance,
        )
        source = bizstim(run, plans).with_resources(*plans)
        try:
            pipeline.run(source)
        except PipelineStepFailed as failure:
            cause = _bizstim_cause(failure)
            if cause is not None:
                raise cause from None
            raise
        _collect_normalize_figures(pipeline, report)
        for table, counters in run.counters.items():
            _add(stats[table], counters, time.monotonic() - t0, client.concurrency)
        if run.error is not None:
            # what was fetched before the error is loaded; the error ends the attempt
            report.endpoints += list(stats.values())
            raise run.error
    for table, s in stats.items():
        observer.endpoint_finished(table, s)
    return list(stats.values())


def _page_shift_message(plan: WorkPlan, rounds: int) -> str:
    return (
        "; ".join(plan.gaps) + f", after {rounds} round(s) of re-reading: the account "
        "keeps changing while it is paged, and records between "
        "those ids may have slid from one page onto another already read (Bizstim pages by "
        "offset). Nothing read so far is lost. Freeze writes in Bizstim and run "
        "`bizstim-migrate extract` again: it resumes and re-reads those pages."
    )


def _add(stats: EndpointStats, counters: EndpointCounters, elapsed: float, width: int) -> None:
    stats.dlt_runs += 1
    stats.records += counters.records
    stats.pages += counters.pages
    stats.not_found += counters.not_found
    stats.vanished += counters.vanished
    stats.malformed += counters.malformed
    stats.requests += counters.tally.requests
    stats.rate_limited += counters.tally.rate_limited
    # requests wait side by side: per worker, this is wall time
    stats.quota_wait_seconds += counters.tally.quota_wait_seconds / width
    stats.elapsed_seconds = elapsed


def _bizstim_cause(failure: BaseException) -> BizstimError | None:
    seen = set()
    error: BaseException | None = failure
    while error is not None and id(error) not in seen:
        if isinstance(error, BizstimError):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def _collect_normalize_figures(pipeline: dlt.Pipeline, report: ExtractionReport) -> None:
    trace = pipeline.last_trace
    if trace is None:
        return
    for step in trace.steps:
        if step.step == "normalize" and step.finished_at and step.started_at:
            report.normalize_seconds += (step.finished_at - step.started_at).total_seconds()
            info = step.step_info
            counts = getattr(info, "row_counts", None) or {}
            report.normalize_rows += sum(
                n for t, n in counts.items() if not t.startswith("_dlt")
            )


def _open_extraction(warehouse: Path, kind: str) -> tuple[int, int | None, bool]:
    """Resume the extraction a killed run left running, or start a new one."""
    with connect(warehouse) as con:
        ensure_bookkeeping(con)
        running = con.execute(
            f"select extraction_id from {RAW_SCHEMA}._extractions where status = 'running' "
            "order by extraction_id desc limit 1"
        ).fetchone()
        previous = con.execute(
            f"select max(extraction_id) from {RAW_SCHEMA}._extractions where status = 'succeeded'"
        ).fetchone()[0]
        if running is not None:
            con.execute(
                f"update {RAW_SCHEMA}._extractions set message = null where extraction_id = ?",
                [running[0]],
            )
            return running[0], previous, True
        new_id = con.execute(
            f"select coalesce(max(extraction_id), 0) + 1 from {RAW_SCHEMA}._extractions"
        ).fetchone()[0]
        con.execute(
            f"insert into {RAW_SCHEMA}._extractions values (?, ?, 'running', now(), null, ?, null)",
            [new_id, kind, previous],
        )
        return new_id, previous, False


def _mark(warehouse: Path, extraction_id: int, status: str, message: str | None,
          finished: bool = False) -> None:
    with connect(warehouse) as con:
        con.execute(
            f"update {RAW_SCHEMA}._extractions set status = ?, message = ?, "
            "finished_at = case when ? then now() else finished_at end where extraction_id = ?",
            [status, message, finished, extraction_id],
        )


def _close_attempt(warehouse: Path, report: ExtractionReport, attempt_started: datetime,
                   client: BizstimClient, started: float) -> None:
    report.elapsed_seconds = time.monotonic() - started
    report.requests = client.pool.stats.sent
    report.rate_limited = client.pool.stats.rate_limited
    report.quota_wait_seconds = client.pool.stats.quota_wait_seconds
    with connect(warehouse) as con:
        ensure_bookkeeping(con)
        for s in report.endpoints:
            con.execute(
                f"insert into {RAW_SCHEMA}._extraction_stats values (?,?,?,?,?,?,?,?,?,?)",
                [report.extraction_id, attempt_started, s.table, s.records, s.pages, s.requests,
                 s.not_found, s.rate_limited, s.elapsed_seconds, s.quota_wait_seconds],
            )


def _total_drift_warnings(con, extraction_id: int, stored: dict[str, int]) -> list[str]:
    """Bizstim pages by offset with no sort order: records added or deleted
    while paging can shift pages. Compare what was stored to the totals."""
    warnings = []
    for endpoint in settings.LIST_ENDPOINTS:
        if endpoint.table not in stored:
            continue
        row = con.execute(
            f"select min(total), max(total) from {RAW_SCHEMA}.{settings.FETCH_LOG_TABLE} "
            "where _extraction_id = ? and endpoint = ? and status = 'ok'",
            [extraction_id, endpoint.method],
        ).fetchone()
        low, high = row
        if high is not None and (low != high or stored[endpoint.table] != high):
            warnings.append(
                f"{endpoint.table}: Bizstim reported totals {low}..{high} while paging and "
                f"{stored[endpoint.table]} distinct records were stored; the account changed "
                "during the extraction. Freeze writes in Bizstim and extract again for cutover."
            )
    return warnings
