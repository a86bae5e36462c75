"""Mart rows to Freshsales fields, and Freshsales records back to the same shape.

Both directions meet in one "flat" form: the API's attribute names, custom
fields (`cf_…`) beside them rather than under `custom_field`, ids as text,
list attributes simplified (a contact's other e-mails, a deal's contact ids
and product lines, a product's price in its currency). The flat form is what
the ledger keeps as a before-image, what verify compares and what a rollback
restores; `envelope()` turns it into a request body.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any, Callable

from load.payload import without_nulls

CUSTOM_PREFIX = "cf_"

CONTACT_FIELDS = ("first_name", "last_name", "email", "other_emails", "mobile_number",
                  "work_number", "address", "city", "state", "zipcode", "country", "owner_id")
PRODUCT_FIELDS = ("name", "category", "product_code", "is_active", "description",
                  "currency_code", "unit_price")
DEAL_FIELDS = ("name", "amount", "currency_id", "deal_pipeline_id", "deal_stage_id",
               "closed_date", "expected_close", "owner_id", "contact_ids", "products")
NOTE_FIELDS = ("description", "targetable_type", "targetable_id")
ACTIVITY_FIELDS = ("title", "notes", "start_date", "end_date", "owner_id",
                   "sales_activity_type_id", "sales_activity_outcome_id",
                   "targetable_type", "targetable_id")
DOCUMENT_FIELDS = ("file_name", "targetable_type", "targetable_id")


def _id(value: Any) -> str | None:
    return None if value is None else str(value)


def _custom(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k.startswith(CUSTOM_PREFIX)}


# --- mart row -> flat ---------------------------------------------------------------------

def contact_from_row(row: dict[str, Any]) -> dict[str, Any]:
    flat = {name: row.get(name) for name in CONTACT_FIELDS if name != "other_emails"}
    flat["other_emails"] = sorted(row.get("other_emails") or []) or None
    flat.update(_custom(row))
    return flat


def product_from_row(row: dict[str, Any]) -> dict[str, Any]:
    flat = {name: row.get(name) for name in PRODUCT_FIELDS}
    flat.update(_custom(row))
    return flat


def note_from_row(row: dict[str, Any], contact_id: str) -> dict[str, Any]:
    return {"description": row["description"], "targetable_type": "Contact",
            "targetable_id": contact_id}


def document_from_row(row: dict[str, Any], contact_id: str) -> dict[str, Any]:
    return {"file_name": row["file_name"], "targetable_type": "Contact",
            "targetable_id": contact_id}


# --- destination record -> flat -----------------------------------------------------------

def flat_record(obj: str, record: dict[str, Any]) -> dict[str, Any]:
    """The record in the flat form (every field the writer may write)."""
    custom = dict(record.get("custom_field") or {})
    if obj == "contacts":
        flat = {name: record.get(name) for name in CONTACT_FIELDS}
        emails = record.get("emails") or []
        flat["other_emails"] = sorted(e["value"] for e in emails
                                      if isinstance(e, dict) and not e.get("is_primary")) or None
        flat["owner_id"] = _id(record.get("owner_id"))
        return flat | custom
    if obj == "products":
        flat = {name: record.get(name) for name in PRODUCT_FIELDS
                if name not in ("currency_code", "unit_price")}
        pricings = record.get("product_pricings") or []
        first = pricings[0] if pricings else {}
        flat["currency_code"] = first.get("currency_code")
        flat["unit_price"] = first.get("unit_price")
        return flat | custom
    if obj == "deals":
        flat = {name: record.get(name) for name in DEAL_FIELDS}
        for name in ("currency_id", "deal_pipeline_id", "deal_stage_id", "owner_id"):
            flat[name] = _id(record.get(name))
        flat["contact_ids"] = sorted(str(c) for c in record.get("contact_ids") or []) or None
        if "products" in record:
            flat["products"] = sorted(
                ({"id": str(p.get("id")), "quantity": p.get("quantity"),
                  "unit_price": p.get("unit_price")} for p in record.get("products") or []),
                key=lambda p: (p["id"], str(p["quantity"]), str(p["unit_price"]))) or None
        else:
            flat.pop("products")
        return flat | custom
    fields = {"notes": NOTE_FIELDS, "payment_notes": NOTE_FIELDS,
              "activities": ACTIVITY_FIELDS, "documents": DOCUMENT_FIELDS}[obj]
    flat = {name: record.get(name) for name in fields}
    for name in ("targetable_id", "owner_id", "sales_activity_type_id",
                 "sales_activity_outcome_id"):
        if name in flat:
            flat[name] = _id(flat[name])
    return flat


# --- flat -> request body -----------------------------------------------------------------

def envelope(obj: str, flat: dict[str, Any], *, clear: bool = False) -> dict[str, Any]:
    """The record's attributes as a request body expects them. Nulls are left out
    (an update never blanks a field) unless `clear` (a rollback restoring a
    before-image, where null is the value to put back)."""
    fields = dict(flat) if clear else without_nulls(flat)
    body = {k: v for k, v in fields.items() if not k.startswith(CUSTOM_PREFIX)}
    custom = {k: v for k, v in fields.items() if k.startswith(CUSTOM_PREFIX)}
    if custom:
        body["custom_field"] = custom
    if obj == "contacts":
        others = body.pop("other_emails", None) or []
        if body.get("email") and (others or clear):
            body["emails"] = [{"value": body["email"], "is_primary": True}] + [
                {"value": e, "is_primary": False} for e in others]
    elif obj == "products":
        code, price = body.pop("currency_code", None), body.pop("unit_price", None)
        if code is not None and price is not None:
            body["product_pricings"] = [{"currency_code": code, "unit_price": price}]
    elif obj == "deals":
        contact_ids = body.pop("contact_ids", None)
        if contact_ids:
            body["contacts_added_list"] = [int(c) for c in contact_ids]
        if "products" in body:
            body["products"] = [{"id": int(p["id"]), "quantity": p["quantity"],
                                 "unit_price": p["unit_price"]} for p in body["products"] or []]
    for name in ("owner_id", "targetable_id", "currency_id", "deal_pipeline_id",
                 "deal_stage_id", "sales_activity_type_id", "sales_activity_outcome_id"):
        if body.get(name) is not None:
            body[name] = int(body[name])
    return body


# --- comparison ---------------------------------------------------------------------------

def normalise(value: Any) -> Any:
    """Equal things compare equal: numbers by value, instants in UTC, text trimmed."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float, decimal.Decimal)):
        return _number(decimal.Decimal(str(value)))
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
            return _number(decimal.Decimal(text)) if _looks_numeric(text) else text
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


def _number(value: decimal.Decimal) -> str:
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
