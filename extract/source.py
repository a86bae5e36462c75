"""The dlt source `bizstim`: one resource per Bizstim endpoint.

Each resource fetches its share of work (list pages, or the ids that list
records reference) in parallel across keys under the key pool's pacing, and
yields Arrow tables (the fast path through dlt's normaliser). Beside the data
it yields a `_fetch_log` row for every page or id fetched, in the same load
package: a page counts as done exactly when its records are in the warehouse,
which is what makes a killed run resumable with every record exactly once.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import quote

import dlt
import pyarrow as pa

from extract import settings
from extract.client import BizstimClient, NotFound, RequestTally
from extract.errors import BizstimError
from extract.files import FileStore
from extract.rows import EXTRACTION_ID_COLUMN, records_to_table

# one row per page or id and extraction: a page fetched again after a crash
# replaces its row instead of adding one
FETCH_LOG_HINTS = dlt.mark.make_hints(
    table_name=settings.FETCH_LOG_TABLE,
    write_disposition="merge",
    primary_key=[EXTRACTION_ID_COLUMN, "endpoint", "ref"],
)
ACCOUNT_HINTS = dlt.mark.make_hints(
    table_name="_account", write_disposition="merge", primary_key="name"
)
# records Bizstim sent that cannot be stored as records (not an object, or no
# id): kept whole with the reason, so nothing disappears unseen
MALFORMED_HINTS = dlt.mark.make_hints(
    table_name="_malformed_records",
    write_disposition="merge",
    primary_key=[EXTRACTION_ID_COLUMN, "endpoint", "ref", "position"],
)
RAW_COLUMNS = {EXTRACTION_ID_COLUMN: {"data_type": "bigint"}}


@dataclass
class EndpointCounters:
    records: int = 0
    pages: int = 0
    not_found: int = 0
    vanished: int = 0
    malformed: int = 0
    max_total: int = 0
    tally: RequestTally = field(default_factory=RequestTally)


@dataclass
class WorkPlan:
    """What is left for one resource in the running extraction."""

    refs: list[str]  # page starts (as text; "99#1": its first re-read) or referenced ids
    total: int | None = None  # list endpoints: total from an earlier page
    # list endpoints: these refs re-read pages whose neighbour moved; `gaps`
    # says between which records (for the message if re-reading never ends)
    rereads: bool = False
    gaps: list[str] = field(default_factory=list)
    # single reads: the record a ref belongs to, when it is not the ref itself
    owners: dict[str, str] = field(default_factory=dict)


@dataclass
class ExtractionRun:
    """State shared by the resources during one dlt run (one checkpoint)."""

    client: BizstimClient
    extraction_id: int
    files: FileStore
    executor: ThreadPoolExecutor
    deadline: float = float("inf")
    max_records: int = settings.CHECKPOINT_RECORDS
    on_progress: Callable[[str, int], None] = lambda table, n: None
    counters: dict[str, EndpointCounters] = field(default_factory=dict)
    error: BizstimError | None = None
    timezone: str | None = None
    _records_this_run: int = 0

    def counter(self, table: str) -> EndpointCounters:
        return self.counters.setdefault(table, EndpointCounters())

    def should_stop(self) -> bool:
        return (
            self.error is not None
            or self._records_this_run >= self.max_records
            or time.monotonic() >= self.deadline
        )


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def _log_row(run: ExtractionRun, endpoint: str, ref: str, status: str, records: int,
             total: int | None = None, message: str = "",
             ids: list[str] | None = None) -> dict[str, Any]:
    row = {
        EXTRACTION_ID_COLUMN: run.extraction_id,
        "endpoint": endpoint,
        "ref": ref,
        "status": status,
        "records": records,
        "total": total,
        "message": message,
        "fetched_at": _now(),
    }
    if ids is not None:
        # a list page's ids in the order served: consecutive pages must share
        # one (workplan.py), which is how records sliding between pages show
        row["ids"] = json.dumps(ids)
    return row


class _Batcher:
    """Collects records and fetch-log rows; flushes them as Arrow tables."""

    def __init__(self, run: ExtractionRun, table: str) -> None:
        self.run, self.table = run, table
        self.records: list[dict[str, Any]] = []
        self.log: list[dict[str, Any]] = []
        self.malformed: list[dict[str, Any]] = []

    def add(self, records: list[Any], log_row: dict[str, Any]) -> None:
        good = []
        for position, record in enumerate(records):
            reason = _malformed_reason(record)
            if reason is None:
                good.append(record)
            else:
                self.malformed.append({
                    EXTRACTION_ID_COLUMN: self.run.extraction_id, "endpoint": log_row["endpoint"],
                    "ref": log_row["ref"], "position": position, "reason": reason,
                    "record_json": json.dumps(record, ensure_ascii=False, default=str),
                })
        self.records.extend(good)
        self.log.append(log_row)
        counter = self.run.counter(self.table)
        counter.records += len(good)
        counter.malformed += len(records) - len(good)
        self.run._records_this_run += len(records)
        self.run.on_progress(self.table, len(good))

    def full(self) -> bool:
        return len(self.records) >= settings.ARROW_BATCH_RECORDS

    def flush(self) -> Iterator[Any]:
        if self.records:
            yield records_to_table(self.records, self.run.extraction_id)
        if self.malformed:
            yield dlt.mark.with_hints(pa.Table.from_pylist(self.malformed), MALFORMED_HINTS,
                                      create_table_variant=True)
        if self.log:
            yield dlt.mark.with_hints(pa.Table.from_pylist(self.log), FETCH_LOG_HINTS,
                                      create_table_variant=True)
        self.records, self.log, self.malformed = [], [], []


def _malformed_reason(record: Any) -> str | None:
    if not isinstance(record, dict):
        return f"not a record but a JSON {type(record).__name__}"
    if record.get("id") is None or str(record.get("id")).strip() == "":
        return "the record has no id"
    return None


def _in_parallel(run: ExtractionRun, refs: Iterable[str], fetch_one: Callable[[str], Any]
                 ) -> Iterator[tuple[str, BaseException | None, Any]]:
    """Yield (ref, error, result) in completion order, keeping the pool busy
    until the run says stop (checkpoint reached or an error)."""
    width = run.client.concurrency
    pending = iter(refs)
    inflight: dict[Future, str] = {}

    def fill() -> None:
        while len(inflight) < width and not run.should_stop():
            ref = next(pending, None)
            if ref is None:
                return
            inflight[run.executor.submit(fetch_one, ref)] = ref

    fill()
    while inflight:
        done, _ = wait(inflight, return_when=FIRST_COMPLETED)
        for future in done:
            ref = inflight.pop(future)
            error = future.exception()
            yield ref, error, None if error else future.result()
        fill()


def _record_error(run: ExtractionRun, error: BaseException) -> None:
    if isinstance(error, BizstimError):
        if run.error is None:
            run.error = error
        return
    raise error


def list_resource(run: ExtractionRun, endpoint: settings.ListEndpoint, plan: WorkPlan
                  ) -> Iterator[Any]:
    """Pages of a plural method; the first page (start 0) tells the total."""
    limit = endpoint.max_limit
    batch = _Batcher(run, endpoint.table)
    counter = run.counter(endpoint.table)
    total = plan.total
    refs = list(plan.refs)

    def fetch(ref: str) -> dict[str, Any]:
        start = page_start(ref)
        return run.client.get_json(
            f"{endpoint.method}/{start}/{limit}", what=f"{endpoint.method} page at start={start}",
            tally=counter.tally,
        )

    def accept(start: str, envelope: dict[str, Any]) -> int:
        rows = envelope.get("response") or []
        if not isinstance(rows, list):
            # not a list of records: keep it (as a malformed record) rather than drop it
            rows = [rows]
        page_total = _as_int(envelope.get("total"))
        if envelope.get(settings.ENVELOPE_TIMEZONE_FIELD):
            run.timezone = str(envelope[settings.ENVELOPE_TIMEZONE_FIELD])
        counter.pages += 1
        counter.max_total = max(counter.max_total, page_total or 0)
        ids = [str(r["id"]) for r in rows if _malformed_reason(r) is None]
        batch.add(rows, _log_row(run, endpoint.method, start, "ok", len(rows), page_total,
                                 ids=ids))
        return page_total or 0

    if total is None:
        # the total is unknown until the first page answers
        refs = [r for r in refs if r != "0"]
        try:
            total = accept("0", fetch("0"))
        except BizstimError as error:
            _record_error(run, error)
            yield from batch.flush()
            return
        # the later pages first: a record deleted below a page read later only
        # moves that page down over its neighbour, so deletions while paging
        # open a gap only next to the pages read before them (workplan.py)
        refs += [str(start) for start in reversed(endpoint.planned_starts(total)) if start]
    for ref, error, envelope in _in_parallel(run, refs, fetch):
        if error is not None:
            _record_error(run, error)
            continue
        accept(ref, envelope)
        if batch.full():
            yield from batch.flush()
    if run.timezone:
        yield dlt.mark.with_hints(
            pa.Table.from_pylist([{"name": "timezone", "value": run.timezone,
                                   EXTRACTION_ID_COLUMN: run.extraction_id}]),
            ACCOUNT_HINTS,
            create_table_variant=True,
        )
    yield from batch.flush()


def page_start(ref: str) -> int:
    """The offset a list page's ref reads ("198", or "198#2" for a re-read)."""
    return int(ref.partition("#")[0])


class Vanished(Exception):
    """A record's own details answered 404 and so did the record itself: it
    was deleted after its list page was read. `owner` names it (method, id)
    when it is not the ref (the client of a file whose bytes answered 404)."""

    def __init__(self, message: str, owner: tuple[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.owner = owner


def _recheck_owner(run: ExtractionRun, endpoint: settings.SingleReadEndpoint, ref: str,
                   missing: NotFound, owners: dict[str, str], tally: RequestTally) -> NotFound:
    """After a 404 on a record's own details, read the record itself: raise
    Vanished when it is gone too; else answer the 404 to raise (a dangling
    reference, as before)."""
    if endpoint.vanishes_with is None:
        return missing
    owner, method = endpoint.vanishes_with
    owner_id = owners.get(ref) if endpoint.owner_of_ref else ref
    if not owner_id:
        return missing
    try:
        run.client.get_json(f"{method}/{quote(owner_id, safe='')}", what=f"{method} {owner_id!r}",
                            tally=tally)
    except NotFound as again:
        named = f"{owner} {owner_id}" + (f" (of {endpoint.table} {ref})" if owner_id != ref else "")
        raise Vanished(
            f"{named} vanished during the extraction: {endpoint.method}/{ref} answered 404 "
            f"({missing.message}) and so did {method}/{owner_id} ({again.message}) after the "
            f"{owner} list had shown it",
            owner=(method, owner_id) if owner_id != ref else None,
        ) from None
    return missing  # the record is there: its details are what is missing


def single_read_resource(run: ExtractionRun, endpoint: settings.SingleReadEndpoint,
                         plan: WorkPlan) -> Iterator[Any]:
    """Records read one id at a time (availability, calendar settings, files)."""
    batch = _Batcher(run, endpoint.table)
    counter = run.counter(endpoint.table)

    def fetch(ref: str) -> list[dict[str, Any]]:
        # the id comes from source data: quote it so it stays one path segment
        path = f"{endpoint.method}/{quote(ref, safe='')}"
        what = f"{endpoint.method} {ref!r}"
        if endpoint.kind == "bytes":
            try:
                sha256, size, temp = run.client.download(path, what=what, tally=counter.tally,
                                                        into_dir=run.files.incoming_dir)
            except NotFound as missing:
                raise _recheck_owner(run, endpoint, ref, missing, plan.owners,
                                     counter.tally) from None
            stored = run.files.adopt(temp, sha256)
            return [{"id": ref, "sha256": sha256, "size": str(size), "path": stored}]
        try:
            envelope = run.client.get_json(path, what=what, tally=counter.tally)
        except NotFound as missing:
            raise _recheck_owner(run, endpoint, ref, missing, plan.owners,
                                 counter.tally) from None
        body = envelope.get("response")
        if endpoint.kind == "records":
            rows = body if isinstance(body, list) else [body]
            # the files of a client: keep the client they belong to
            return [{**r, "client_id": r.get("client_id") or ref} if isinstance(r, dict) else r
                    for r in rows]
        return [body]

    for ref, error, rows in _in_parallel(run, plan.refs, fetch):
        if isinstance(error, Vanished):
            # kept out of the snapshot when the extraction closes (snapshot.py)
            counter.vanished += 1
            batch.add([], _log_row(run, endpoint.method, ref, "vanished", 0,
                                   message=error.message))
            if error.owner is not None:
                batch.add([], _log_row(run, error.owner[0], error.owner[1], "vanished", 0,
                                       message=error.message))
            continue
        if isinstance(error, NotFound):
            # a dangling reference: logged, so staging can quarantine its owner
            counter.not_found += 1
            batch.add([], _log_row(run, endpoint.method, ref, "not_found", 0,
                                   message=error.message))
            continue
        if error is not None:
            _record_error(run, error)
            continue
        batch.add(rows, _log_row(run, endpoint.method, ref, "ok", len(rows)))
        if batch.full():
            yield from batch.flush()
    yield from batch.flush()


def _as_int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


@dlt.source(name="bizstim", max_table_nesting=0)
def bizstim(run: ExtractionRun, plans: dict[str, WorkPlan]) -> list[Any]:
    """Every Bizstim endpoint as a resource into dataset `bizstim_raw`.

    Records are mutable and carry no timestamps, so every table merges on
    `id`; `_extraction_id` says which extraction last saw the record.
    """
    resources = []
    empty = WorkPlan(refs=[])
    for endpoint in settings.LIST_ENDPOINTS:
        resources.append(
            dlt.resource(
                list_resource(run, endpoint, plans.get(endpoint.table, empty)),
                name=endpoint.table,
                primary_key="id",
                write_disposition="merge",
                columns=RAW_COLUMNS,
            )
        )
    for single in settings.SINGLE_READ_ENDPOINTS:
        resources.append(
            dlt.resource(
                single_read_resource(run, single, plans.get(single.table, empty)),
                name=single.table,
                primary_key="id",
                write_disposition="merge",
                columns=RAW_COLUMNS,
            )
        )
    return resources
