"""The source schema as extracted: the columns of the `bizstim_raw` tables
(custom fields that appeared in the data included), and its hash.

The hash covers every Bizstim object table and its columns with their types,
nothing else: a new extraction of the same schema has the same hash, a new
custom field (a new `custom_<id>` column) or a vanished column changes it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from bizstim_migrate.mapping import rules

RAW_SCHEMA = "bizstim_raw"


@dataclass(frozen=True)
class SourceSchema:
    tables: dict[str, dict[str, str]]  # table -> column -> DuckDB type, in column order
    extraction_id: int | None = None

    @property
    def hash(self) -> str:
        return schema_hash(self.tables)

    def columns(self) -> list[str]:
        return [f"{table}.{column}" for table, cols in sorted(self.tables.items())
                for column in cols]


class NoExtraction(Exception):
    """The warehouse holds no extraction yet."""


def schema_hash(tables: dict[str, dict[str, str]]) -> str:
    canonical = json.dumps({t: sorted(cols.items()) for t, cols in sorted(tables.items())},
                           separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


JSON_KEY = "JSON KEY"  # the type of a key found inside a JSON column


def is_custom_field(column: str) -> bool:
    """`custom_<id>` as Bizstim names a custom field, or a key of a
    `custom_fields` JSON object (`custom_fields.<key>`)."""
    return column.startswith("custom_")


def column_sql(column: str) -> str:
    """The SQL for a source column: a real column, or a key inside a JSON column
    (`custom_fields.instrument` reads `custom_fields->>'instrument'`)."""
    base, dot, key = column.partition(".")
    quoted = '"' + base.replace('"', '""') + '"'
    if not dot:
        return quoted
    path = '$."' + key.replace('"', '\\"').replace("'", "''") + '"'
    return (f"case when json_valid({quoted}) and starts_with(trim({quoted}), '{{') "
            f"then json_extract_string({quoted}, '{path}') end")


def _json_keys(con: duckdb.DuckDBPyConnection, table: str, column: str) -> list[str]:
    """The keys of the JSON objects a custom-field column holds (a value of
    another JSON type lands in raw as its JSON text), in first-seen order."""
    quoted = '"' + column.replace('"', '""') + '"'
    relation = f'{RAW_SCHEMA}."{table}"'
    try:
        rows = con.execute(
            f"select key, min(position) from ("
            f"select unnest(json_keys(v)) as key, row_number() over () as position from "
            f"(select trim({quoted}) as v from {relation}) "
            f"where starts_with(v, '{{') and json_valid(v)) group by key "
            f"order by 2, 1").fetchall()
    except duckdb.Error:
        return []
    return [str(key) for key, _ in rows]


def read_schema(con: duckdb.DuckDBPyConnection) -> SourceSchema:
    rows = con.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = ? order by table_name, ordinal_position", [RAW_SCHEMA]).fetchall()
    tables: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        if table.startswith("_") or table in rules.BOOKKEEPING_TABLES:
            continue
        if column in rules.BOOKKEEPING_COLUMNS or column.startswith("_dlt"):
            continue
        tables.setdefault(table, {})[column] = str(data_type)
    for table, columns in tables.items():
        for column in [c for c in columns if is_custom_field(c)]:
            for key in _json_keys(con, table, column):
                columns[f"{column}.{key}"] = JSON_KEY
    if not tables:
        raise NoExtraction(f"no Bizstim tables in schema {RAW_SCHEMA}")
    extraction_id = None
    try:
        found = con.execute(
            f"select max(extraction_id) from {RAW_SCHEMA}._extractions "
            "where status = 'succeeded'").fetchone()
        extraction_id = found[0] if found else None
    except duckdb.Error:
        pass
    return SourceSchema(tables, extraction_id)


def read_schema_from(warehouse: Path) -> SourceSchema:
    if not warehouse.exists():
        raise NoExtraction(f"no warehouse at {warehouse}")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return read_schema(con)


@dataclass(frozen=True)
class SchemaChange:
    added: list[str]
    removed: list[str]
    retyped: list[str]

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.retyped)

    def sentence(self) -> str:
        parts = []
        if self.added:
            parts.append("new columns " + ", ".join(self.added))
        if self.removed:
            parts.append("columns gone " + ", ".join(self.removed))
        if self.retyped:
            parts.append("columns whose type changed " + ", ".join(self.retyped))
        return "; ".join(parts)


def compare(before: dict[str, dict[str, str]], after: dict[str, dict[str, str]]
            ) -> SchemaChange:
    flat_before = {f"{t}.{c}": k for t, cols in before.items() for c, k in cols.items()}
    flat_after = {f"{t}.{c}": k for t, cols in after.items() for c, k in cols.items()}
    return SchemaChange(
        added=sorted(set(flat_after) - set(flat_before)),
        removed=sorted(set(flat_before) - set(flat_after)),
        retyped=sorted(f"{name} ({flat_before[name]} → {flat_after[name]})"
                       for name in set(flat_before) & set(flat_after)
                       if flat_before[name] != flat_after[name]),
    )
