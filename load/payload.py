"""Payloads from mart rows: a stable hash, and no accidental null overwrite."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
from typing import Any, Iterable


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def plain_row(row: dict[str, Any]) -> dict[str, Any]:
    """JSON-safe values (dates as ISO text, decimals as text)."""
    return {k: _plain(v) for k, v in row.items()}


def payload_hash(row: dict[str, Any]) -> str:
    """Same row, same hash, whatever the column order."""
    text = json.dumps(plain_row(row), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def without_nulls(fields: dict[str, Any], may_clear: Iterable[str] = ()) -> dict[str, Any]:
    """Drop null values, so an update never blanks a destination field unless
    the confirmed map says that field may be cleared."""
    clearable = set(may_clear)
    return {k: v for k, v in fields.items() if v is not None or k in clearable}
