"""The extractor's own bookkeeping tables in the workspace DuckDB.

dlt owns the data tables of `bizstim_raw`; beside them the extractor keeps:
- `_extractions`: one row per extraction (running, succeeded, failed);
- `_fetch_log` (written by dlt with the data): every page and id fetched;
- `_record_hashes`: per extraction, a hash of each record's non-empty fields
  (the snapshot a delta is computed from, a few bytes per record);
- `_delta`: per extraction, the ids that are new, changed or vanished since
  the previous successful one (vanished ones with their last JSON);
- `_extraction_stats`: what each attempt fetched, sent and waited;
- `_vanished_records`: records a list showed but that were deleted before
  their own details were read (their details and the record answered 404):
  kept out of the snapshot, with the reason and their last JSON;
- `_finalized_tables`: the tables an extraction has closed (so closing again
  after a crash skips them).
Connections are opened per use and closed, so dlt can open the file between.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

RAW_SCHEMA = "bizstim_raw"

BOOKKEEPING_DDL = f"""
create schema if not exists {RAW_SCHEMA};
create table if not exists {RAW_SCHEMA}._extractions (
    extraction_id bigint primary key,
    kind varchar not null,
    status varchar not null,
    started_at timestamptz not null,
    finished_at timestamptz,
    previous_extraction_id bigint,
    message varchar
);
create table if not exists {RAW_SCHEMA}._record_hashes (
    extraction_id bigint not null,
    object varchar not null,
    id varchar not null,
    record_hash varchar not null
);
create table if not exists {RAW_SCHEMA}._delta (
    extraction_id bigint not null,
    previous_extraction_id bigint not null,
    object varchar not null,
    id varchar not null,
    change varchar not null,
    record_json varchar
);
create table if not exists {RAW_SCHEMA}._vanished_records (
    extraction_id bigint not null,
    object varchar not null,
    id varchar not null,
    reason varchar,
    record_json varchar
);
create table if not exists {RAW_SCHEMA}._finalized_tables (
    extraction_id bigint not null,
    object varchar not null
);
create table if not exists {RAW_SCHEMA}._extraction_stats (
    extraction_id bigint not null,
    attempt_started_at timestamptz not null,
    object varchar not null,
    records bigint,
    pages bigint,
    requests bigint,
    not_found bigint,
    rate_limited bigint,
    elapsed_seconds double,
    quota_wait_seconds double
);
"""


@contextmanager
def connect(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        yield con
    finally:
        con.close()


def ensure_bookkeeping(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(BOOKKEEPING_DDL)


def existing_tables(con: duckdb.DuckDBPyConnection, schema: str = RAW_SCHEMA) -> set[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = ?", [schema]
    ).fetchall()
    return {r[0] for r in rows}


def source_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The columns that came from Bizstim (not ours, not dlt's)."""
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = ? order by column_name",
        [RAW_SCHEMA, table],
    ).fetchall()
    return [r[0] for r in rows if not r[0].startswith("_")]


def quote_identifier(name: str) -> str:
    """Column names come from source data (custom fields): always quote."""
    return '"' + name.replace('"', '""') + '"'
