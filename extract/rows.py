"""Turn API records into Arrow tables, the fast path into dlt.

Bizstim sends every value as a string; the raw layer keeps them as strings
(staging casts). A value of another JSON type (a live API that changes a
field's type mid-extraction) is kept as its JSON text rather than failing the
column's type, so nothing is dropped and staging sees exactly what came.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

import pyarrow as pa

EXTRACTION_ID_COLUMN = "_extraction_id"


def as_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def records_to_table(records: Iterable[dict[str, Any]], extraction_id: int) -> pa.Table:
    """One string column per key seen in any record (a key a record lacks is
    null there), plus the extraction id."""
    rows = list(records)
    if rows and all(record.keys() == rows[0].keys() for record in rows):
        arrays = {key: _string_array([r[key] for r in rows]) for key in rows[0]}
    else:
        arrays = {name: _string_array(values) for name, values in _union_columns(rows).items()}
    arrays[EXTRACTION_ID_COLUMN] = pa.array([extraction_id] * len(rows), type=pa.int64())
    return pa.table(arrays)


def _string_array(values: list[Any]) -> pa.Array:
    try:  # the common case: every value is a string already
        return pa.array(values, type=pa.string())
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return pa.array([as_text(v) for v in values], type=pa.string())


def _union_columns(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    columns: dict[str, list[Any]] = {}
    for position, record in enumerate(rows):
        for key, value in record.items():
            column = columns.get(key)
            if column is None:
                column = columns[key] = [None] * position
            column.append(value)
        for column in columns.values():
            if len(column) < position + 1:
                column.append(None)
    return columns
