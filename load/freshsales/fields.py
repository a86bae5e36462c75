"""Mart rows to Freshsales fields, and Freshsales records back to the same
shape, as the mart contracts declare them (load/contract.py).

Both directions meet in one "flat" form: each contract field under its API
name (custom fields `cf_…` beside the others, not under `custom_field`; an
item of a list attribute as `<list>.<field>`, e.g. `product_pricings.unit_price`),
lookups as the ids they resolved to, ids as text, a deal's lines as a list.
The flat form is what the ledger keeps as a before-image, what verify compares
and what a rollback restores; `envelope()` turns it into a request body.

Nothing here names a field: which column lands where, and how its value is
sent (`value` in the contract: number, bool, id, id_list, email_list...), is
the contract's.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from load.contract import DestinationField, contracts
from load.freshsales import objects, settings

# how a value kind is read from a mart row into the flat form
Resolver = Callable[[DestinationField, Any], Any]


@dataclass(frozen=True)
class Lines:
    """A list attribute whose items are rows of another mart (a deal's products)."""

    field: str  # the list attribute
    column: str  # the column of the object's rows that carries the items
    fields: tuple[DestinationField, ...]


@dataclass(frozen=True)
class Shape:
    obj: str
    fields: tuple[DestinationField, ...]
    lines: Lines | None = None

    def written(self) -> tuple[DestinationField, ...]:
        return tuple(f for f in self.fields if f.write)

    @property
    def field_map(self) -> DestinationField | None:
        """The column carrying the custom fields the confirmed field map re-points."""
        return next((f for f in self.fields if f.is_field_map), None)

    @property
    def parent_field(self) -> DestinationField | None:
        """The lookup that attaches a record to its contact (notes, activities...)."""
        return next((f for f in self.fields if f.via == "parent:contacts"), None)

    @property
    def key_field(self) -> DestinationField:
        """The field the destination finds the record by (unique custom field,
        product code)."""
        found = next((f for f in self.fields if f.key), None)
        if found is None:
            raise LookupError(f"the contract of {objects.MODELS[self.obj]} names no key field")
        return found

    @property
    def resolved_extras(self) -> tuple[str, ...]:
        """Fields the writer sets beside a lookup (a stage's pipeline)."""
        return (settings.STAGE_PIPELINE_FIELD,) if any(
            f.via == "deal_stage" for f in self.fields) else ()


def flat_name(f: DestinationField) -> str:
    return f"{f.within}.{f.field}" if f.within else f.field


def value_kind(f: DestinationField) -> str:
    """How the field's value travels; a lookup holds an id unless it says otherwise."""
    return "id" if f.kind == "lookup" and f.value == "text" else f.value


@lru_cache(maxsize=64)
def _shape(obj: str, stamp: int) -> Shape:
    declared = contracts("freshsales")
    model = declared[objects.MODELS[obj]]
    lines = None
    for other in declared.models.values():
        if other.meta.get("lines_of") == model.name:
            lines = Lines(other.meta["field"], other.meta["field"], tuple(other.fields()))
    return Shape(obj, tuple(model.fields()), lines)


def shape(obj: str) -> Shape:
    # keyed by the contracts object, so an edited contract is read again
    return _shape(obj, id(contracts("freshsales").models))


# --- values -----------------------------------------------------------------------------

def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _id(value: Any) -> str | None:
    return None if value is None else str(value)


def to_flat(kind: str, value: Any) -> Any:
    """A mart value in the flat form."""
    if value is None:
        return None
    if kind == "number":
        return _number(value)
    if kind == "id":
        return _id(value)
    if kind == "bool":
        return bool(value)
    if kind in ("email_list", "id_list"):
        return sorted(str(v) for v in value) or None
    return value


def to_api(kind: str, value: Any) -> Any:
    """A flat value as the API takes it (ids as numbers)."""
    if value is None:
        return None
    if kind == "id":
        return int(value)
    if kind == "id_list":
        return [int(v) for v in value]
    return value


# --- mart row -> flat ---------------------------------------------------------------------

def from_row(obj: str, row: dict[str, Any], resolve: Resolver) -> dict[str, Any]:
    """The record as Freshsales should hold it. `resolve(field, value)` turns a
    lookup's mart value into the id (or {name: id} of several fields); it raises
    LookupError when the target is missing."""
    layout = shape(obj)
    flat: dict[str, Any] = {}
    for f in layout.written():
        value = row.get(f.column)
        if f.is_field_map:  # {destination field: value}, each a custom field of its own
            flat.update(json.loads(value) if value else {})
            continue
        if f.kind == "lookup":
            found = resolve(f, value) if value is not None else None
            if isinstance(found, dict):
                flat.update(found)
            else:
                flat[f.field] = to_flat(value_kind(f), [found] if f.value == "id_list" else found)
        else:
            flat[flat_name(f)] = to_flat(f.value, value)
    if layout.lines is not None:
        items = [from_row_line(layout.lines, item, resolve)
                 for item in row.get(layout.lines.column) or []]
        flat[layout.lines.field] = _sorted_lines(items) or None
    return flat


def from_row_line(lines: Lines, item: dict[str, Any], resolve: Resolver) -> dict[str, Any]:
    line = {}
    for f in lines.fields:
        value = item.get(f.column)
        if f.kind == "lookup":
            value = resolve(f, value) if value is not None else None
        line[f.field] = to_flat(value_kind(f), value)
    return line


def _sorted_lines(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda item: [str(item[k]) for k in sorted(item)])


# --- destination record -> flat -----------------------------------------------------------

def flat_record(obj: str, record: dict[str, Any], extra: tuple[str, ...] = ()
                ) -> dict[str, Any]:
    """The record in the flat form (every field the writer may write, and `extra`
    fields the writer itself resolves, such as a deal stage's pipeline)."""
    layout = shape(obj)
    custom = dict(record.get("custom_field") or {})
    flat: dict[str, Any] = {}
    named = {f.field for f in layout.fields if f.is_custom and not f.is_field_map}
    for f in layout.fields:
        if f.is_field_map:  # every other custom field the record holds
            flat.update({k: v for k, v in custom.items() if k not in named})
            continue
        if f.is_custom:
            value = custom.get(f.field)
        elif f.within:
            items = record.get(f.within) or []
            value = (items[0] if items and isinstance(items[0], dict) else {}).get(f.field)
        else:
            value = record.get(f.read_as or f.field)
        if f.value == "email_list":
            value = [e.get("value") for e in value or []
                     if isinstance(e, dict) and not e.get("is_primary")]
        flat[flat_name(f)] = to_flat(value_kind(f), value)
    for name in extra:
        flat[name] = _id(record.get(name))
    if layout.lines is not None and layout.lines.field in record:
        items = [{f.field: to_flat(value_kind(f), item.get(f.field)) for f in layout.lines.fields}
                 for item in record.get(layout.lines.field) or []]
        flat[layout.lines.field] = _sorted_lines(items) or None
    return flat


# --- flat -> request body -----------------------------------------------------------------

def envelope(obj: str, flat: dict[str, Any], *, clear: bool = False) -> dict[str, Any]:
    """The record's attributes as a request body expects them. Nulls are left out
    (an update never blanks a field) unless `clear` (a rollback restoring a
    before-image, where null is the value to put back)."""
    layout = shape(obj)
    declared = {flat_name(f): f for f in layout.fields}
    body: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    for name, value in flat.items():
        if value is None and not clear:
            continue
        f = declared.get(name)
        if layout.lines is not None and name == layout.lines.field:
            body[name] = [{k: to_api(_line_kind(layout.lines, k), v) for k, v in item.items()}
                          for item in value or []]
        elif f is None and name in layout.resolved_extras:  # e.g. the stage's pipeline
            body[name] = value if value is None else int(value)
        elif f is None and layout.field_map is not None:  # a re-pointed custom field
            custom[name] = value
        elif f is None:
            raise ValueError(f"{obj}: {name!r} is no field of the contract")
        elif f.is_custom:
            custom[f.field] = value
        elif f.within:
            items = body.setdefault(f.within, [{}])
            items[0][f.field] = value
        elif f.value == "email_list":
            primary = flat.get(f.primary) if f.primary else None
            if primary and (value or clear):
                body[f.field] = [{"value": primary, "is_primary": True}] + [
                    {"value": e, "is_primary": False} for e in value or []]
        else:
            body[f.field] = to_api(value_kind(f), value)
    for within in {f.within for f in layout.fields if f.within}:
        items = body.get(within)
        if items and any(v is None for v in items[0].values()) and not clear:
            del body[within]  # a price needs both its amount and its currency
    if custom:
        body["custom_field"] = custom
    return body


def _line_kind(lines: Lines, name: str) -> str:
    return next((value_kind(f) for f in lines.fields if f.field == name), "text")


# --- comparison ---------------------------------------------------------------------------

def normalise(value: Any) -> Any:
    """Equal things compare equal: numbers by value, instants in UTC, text trimmed."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float, decimal.Decimal)):
        return _number_text(decimal.Decimal(str(value)))
    if isinstance(value, dt.datetime):
        return _instant(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        text = value.strip()
        parsed = _parse_instant(text)
        if parsed is not None:
            return parsed
        try:
            return _number_text(decimal.Decimal(text)) if _looks_numeric(text) else text
        except decimal.InvalidOperation:
            return text
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        items = [normalise(v) for v in value]
        return sorted(items, key=repr) or None
    return value


def _looks_numeric(text: str) -> bool:
    return bool(text) and text.lstrip("-").replace(".", "", 1).isdigit()


def _number_text(value: decimal.Decimal) -> str:
    normal = value.normalize()
    return format(normal, "f") if normal != normal.to_integral() else str(int(normal))


def _instant(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).replace(microsecond=0).isoformat()


def _parse_instant(text: str) -> str | None:
    if len(text) < 16 or "T" not in text and " " not in text[10:11]:
        return None
    try:
        return _instant(dt.datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return None


def differences(want: dict[str, Any], got: dict[str, Any],
                same: Callable[[Any, Any], bool] | None = None) -> dict[str, tuple[Any, Any]]:
    """Fields of `want` (nulls skipped: never written) that the destination holds otherwise."""
    diff = {}
    for name, value in want.items():
        if value is None:
            continue
        if normalise(value) != normalise(got.get(name)):
            diff[name] = (value, got.get(name))
    return diff
