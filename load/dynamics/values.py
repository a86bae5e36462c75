"""Mart values as the Web API takes them, and both sides normalised for verify.

Mart rows reach the writer through `plain_row`: dates and times as ISO text,
decimals as text. Dataverse answers money as JSON numbers, date-times as
`YYYY-MM-DDTHH:MM:SSZ` (UTC) and lookups as lower-case guids; `normal`
brings both sides to one form so equal things compare equal.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

_CENTS = Decimal("0.0001")


def _as_datetime(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    else:
        text = str(value).strip().replace("Z", "+00:00").replace("z", "+00:00")
        parsed = datetime.fromisoformat(text if len(text) > 10 else text + "T00:00:00")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def to_api(kind: str, value: Any) -> Any:
    """A mart value as the JSON value the Web API takes for a column of `kind`."""
    if value is None:
        return None
    if kind == "money":
        return float(Decimal(str(value)))
    if kind == "int":
        return int(value)
    if kind == "bool":
        return bool(value)
    if kind == "datetime":
        return _as_datetime(value).strftime("%Y-%m-%dT%H:%M:%SZ")
    if kind == "date":
        return _as_datetime(value).strftime("%Y-%m-%d")
    return str(value)


def normal(kind: str, value: Any) -> Any:
    """One form for a mart value and a Dataverse value of the same column."""
    if value is None or value == "":
        return None
    if kind == "money":
        try:
            return Decimal(str(value)).quantize(_CENTS)
        except InvalidOperation:
            return str(value)
    if kind == "lookup":
        return str(value).lower()
    return to_api(kind, value)  # ints, flags, instants and text: the API's own form
    if kind == "int":
        return int(value)
    if kind == "bool":
        return bool(value)
    if kind == "datetime":
        return _as_datetime(value).strftime("%Y-%m-%dT%H:%M:%SZ")
    if kind == "date":
        return _as_datetime(value).strftime("%Y-%m-%d")
    if kind == "lookup":
        return str(value).lower()
    return str(value)


def shown(value: Any) -> Any:
    """A normalised value for a report (JSON-friendly)."""
    if isinstance(value, Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value)
    return value
