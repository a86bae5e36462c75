"""What is left to fetch in the running extraction, derived from the warehouse.

Nothing is remembered in memory between attempts: a list page is done when
its `_fetch_log` row is loaded (with its records, in the same dlt package);
an id is pending when a record of this extraction references it and no
`_fetch_log` row answers it yet. A restart after a kill therefore fetches
exactly what is missing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property

import duckdb

from extract import settings
from extract.source import WorkPlan, page_start
from extract.warehouse import RAW_SCHEMA, existing_tables


def list_plan(con: duckdb.DuckDBPyConnection, endpoint: settings.ListEndpoint,
              extraction_id: int) -> WorkPlan | None:
    """None when the endpoint is complete for this extraction.

    Complete means: every planned page was read, and the chain of pages from
    offset 0 to a page that reached the end of the list holds together (each
    page shares a record with the next; settings.PAGE_OVERLAP_RECORDS). With
    the list in a stable order, a record live for the whole extraction then
    lies on one of the pages, however the account changed between the reads.
    A gap (records deleted below a page between two reads) makes the older
    page of the pair be read again: the re-read shows the list as the newer
    one did, so the two share a record again and what slid is on it. Pages
    are read (and re-read) from the end of the list down: a page read after
    its upper neighbour can only have moved down over it when records were
    deleted, so deletions alone open a gap only next to page 0 (read first,
    for the total) and one re-read closes it.
    """
    if settings.FETCH_LOG_TABLE not in existing_tables(con):
        return WorkPlan(refs=[], total=None)
    log = f"{RAW_SCHEMA}.{settings.FETCH_LOG_TABLE}"
    rows = con.execute(
        f"select ref, total, records, fetched_at from {log} "
        "where _extraction_id = ? and endpoint = ? and status = 'ok'",
        [extraction_id, endpoint.method],
    ).fetchall()
    if not rows:
        return WorkPlan(refs=[], total=None)
    reads = [_PageRead(ref, page_start(ref), total or 0, records or 0, str(fetched_at))
             for ref, total, records, fetched_at in rows]
    total = max(r.total for r in reads)
    current: dict[int, _PageRead] = {}
    for read in sorted(reads, key=lambda r: (r.fetched_at, r.round)):
        current[read.start] = read  # the latest read of each page stands for it
    first = current.get(0)
    planned = endpoint.planned_starts(first.total if first is not None else total)
    # later pages first (see list_resource)
    pending = [str(s) for s in reversed(planned) if s not in current]
    if pending:
        return WorkPlan(refs=pending, total=total)
    # every planned page is in: read the ids of the pages that stand for them
    if "ids" not in _columns(con, settings.FETCH_LOG_TABLE):
        return None  # pages logged before page ids were kept: nothing to compare
    ids_of = dict(con.execute(
        f"select ref, ids from {log} where _extraction_id = ? and endpoint = ? "
        "and status = 'ok' and list_contains(?, ref)",
        [extraction_id, endpoint.method, [r.ref for r in current.values()]],
    ).fetchall())
    if any(ids_of.get(r.ref) is None for r in current.values()):
        return None
    for read in current.values():
        read.ids_json = ids_of[read.ref]

    chain = []
    start = 0
    while True:
        read = current.get(start)
        if read is None:
            # the list grew past the plan: one more page
            return WorkPlan(refs=[str(start)], total=total)
        chain.append(read)
        if read.reached_end:
            break
        start += endpoint.stride
    gaps = [(a, b) for a, b in zip(chain, chain[1:]) if not set(a.ids) & set(b.ids)]
    if not gaps:
        return None
    again = sorted({min(a, b, key=lambda r: (r.fetched_at, r.start)).start for a, b in gaps},
                   reverse=True)
    reads_at = {s: sum(1 for r in reads if r.start == s) for s in again}
    return WorkPlan(
        refs=[f"{s}#{reads_at[s]}" for s in again], total=total, rereads=True,
        gaps=[_describe_gap(endpoint, a, b) for a, b in gaps],
    )


@dataclass
class _PageRead:
    ref: str
    start: int
    total: int
    records: int
    fetched_at: str
    ids_json: str | None = None  # read only once every planned page is in

    @cached_property
    def ids(self) -> list[str]:
        """The page's ids in the order served."""
        return json.loads(self.ids_json or "[]")

    @property
    def round(self) -> int:
        return int(self.ref.partition("#")[2] or 0)

    @property
    def reached_end(self) -> bool:
        return self.start + self.records >= self.total


def _describe_gap(endpoint: settings.ListEndpoint, a: _PageRead, b: _PageRead) -> str:
    def edge(read: _PageRead, which: int, word: str) -> str:
        return f"{word} id {read.ids[which]}" if read.ids else "shows no record"

    return (f"{endpoint.table}: the pages at start {a.start} ({edge(a, -1, 'ends with')}) and "
            f"{b.start} ({edge(b, 0, 'begins with')}) share no record")


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = ?", [RAW_SCHEMA, table]).fetchall()
    return {r[0] for r in rows}


def single_read_plan(con: duckdb.DuckDBPyConnection, endpoint: settings.SingleReadEndpoint,
                     extraction_id: int) -> WorkPlan | None:
    tables = existing_tables(con)
    if not all(dep in tables for dep in endpoint.depends_on):
        return None  # nothing references this endpoint (no parent records)
    referenced = endpoint.referenced_by.format(raw=RAW_SCHEMA, x=int(extraction_id))
    if settings.FETCH_LOG_TABLE in tables:
        query = (
            f"select ref from ({referenced}) r where not exists ("
            f" select 1 from {RAW_SCHEMA}.{settings.FETCH_LOG_TABLE} f"
            " where f._extraction_id = ? and f.endpoint = ? and f.ref = r.ref) order by ref"
        )
        refs = [r[0] for r in con.execute(query, [extraction_id, endpoint.method]).fetchall()]
    else:
        refs = [r[0] for r in con.execute(f"{referenced} order by ref").fetchall()]
    if not refs:
        return None
    owners = {}
    if endpoint.owner_of_ref:
        sql = endpoint.owner_of_ref.format(raw=RAW_SCHEMA, x=int(extraction_id))
        owners = dict(con.execute(f"select ref, owner from ({sql})").fetchall())
    return WorkPlan(refs=refs, owners=owners)
