"""What is left to fetch in the running extraction, derived from the warehouse.

Nothing is remembered in memory between attempts: a list page is done when
its `_fetch_log` row is loaded (with its records, in the same dlt package);
an id is pending when a record of this extraction references it and no
`_fetch_log` row answers it yet. A restart after a kill therefore fetches
exactly what is missing.
"""

from __future__ import annotations

import duckdb

from extract import settings
from extract.source import WorkPlan
from extract.warehouse import RAW_SCHEMA, existing_tables


def list_plan(con: duckdb.DuckDBPyConnection, endpoint: settings.ListEndpoint,
              extraction_id: int) -> WorkPlan | None:
    """None when the endpoint is complete for this extraction."""
    if settings.FETCH_LOG_TABLE not in existing_tables(con):
        return WorkPlan(refs=[], total=None)
    rows = con.execute(
        f"select ref, total from {RAW_SCHEMA}.{settings.FETCH_LOG_TABLE} "
        "where _extraction_id = ? and endpoint = ? and status = 'ok'",
        [extraction_id, endpoint.method],
    ).fetchall()
    if not rows:
        return WorkPlan(refs=[], total=None)
    done = {ref for ref, _ in rows}
    total = max((t or 0) for _, t in rows)
    pending = [str(s) for s in range(0, total, endpoint.max_limit) if str(s) not in done]
    if "0" not in done:
        pending.insert(0, "0")
    return WorkPlan(refs=pending, total=total) if pending else None


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
    return WorkPlan(refs=refs) if refs else None
