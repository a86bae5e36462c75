"""Write what a destination's preflight read into `<destination>_meta`, where
the dbt owner resolution finds it (`source_or_seed` prefers it to the seed)."""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa


def store_table(con: duckdb.DuckDBPyConnection, schema: str, table: str,
                rows: list[dict[str, Any]], columns: dict[str, pa.DataType]) -> int:
    """Replace `schema.table` with `rows` (only the named columns, typed)."""
    data = pa.table({name: pa.array([row.get(name) for row in rows], type=kind)
                     for name, kind in columns.items()})
    con.execute(f'create schema if not exists "{schema}"')
    con.register("incoming_rows", data)
    try:
        con.execute(f'create or replace table "{schema}"."{table}" as select * from incoming_rows')
    finally:
        con.unregister("incoming_rows")
    return len(rows)
