"""Attributes that hold lists, with their own rules.

- a contact's `email` (the primary address) and `emails` (all of them, each
  `{"id", "value", "is_primary", "label"}`; send `{"value", "_destroy": true}`
  to drop one), and its `sales_accounts` (`[{"id", "is_primary"}]`);
- a deal's contacts (`contacts_added_list` / `contacts_removed_list`, shown
  as `contact_ids`) and its `products` (deal_products.py);
- a product's `product_pricings`;
- an appointment's `appointment_attendees_attributes` (shown as
  `appointment_attendees`).
Each handler reads the payload and adds to `changes`; problems are collected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.freshsales import deal_products, settings
from sandbox.freshsales.errors import Problems
from sandbox.freshsales.fields import check_value
from sandbox.freshsales.store import Record, as_id

if TYPE_CHECKING:
    from sandbox.freshsales.records import Records


def contact(records: Records, payload: dict[str, Any], changes: dict[str, Any], old: Record | None,
            problems: Problems) -> None:
    emails = list((old or {}).get("emails") or [])
    if "emails" in payload:
        emails = _email_list(records, payload["emails"], problems)
    if "email" in changes:
        primary = changes["email"]
        rest = [e for e in emails if not e["is_primary"]]
        if primary:
            known = next((e for e in emails if e["value"].lower() == primary.lower()), None)
            rest = [e for e in rest if e is not known]
            emails = [{"id": known["id"] if known else next(records.email_ids), "value": primary,
                       "is_primary": True, "label": None}] + rest
        else:
            emails = rest
    if emails and not any(e["is_primary"] for e in emails):
        emails[0] = {**emails[0], "is_primary": True}
    if "emails" in payload or "email" in changes:
        changes["emails"] = emails
        changes["email"] = next((e["value"] for e in emails if e["is_primary"]), None)
    if "sales_accounts" in payload:
        accounts = payload["sales_accounts"]
        if not isinstance(accounts, list):
            problems.add("sales_accounts must be a list")
            return
        kept = []
        for item in accounts:
            rid = as_id(item.get("id")) if isinstance(item, dict) else as_id(item)
            if rid is None or not records.store.exists("sales_accounts", rid):
                problems.add(settings.MESSAGE_INVALID_REFERENCE.format(label="Account", value=item))
                continue
            kept.append({"id": rid, "is_primary": bool(isinstance(item, dict) and item.get("is_primary"))})
        if kept and not any(a["is_primary"] for a in kept):
            kept[0]["is_primary"] = True
        changes["sales_accounts"] = kept
        changes["sales_account_id"] = next((a["id"] for a in kept if a["is_primary"]), None)


def _email_list(records: Records, value: Any, problems: Problems) -> list[dict[str, Any]]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        problems.add("emails must be a list")
        return []
    result: list[dict[str, Any]] = []
    for item in value:
        if isinstance(item, dict):
            if item.get("_destroy"):
                continue
            text, primary, label = item.get("value"), bool(item.get("is_primary")), item.get("label")
        else:
            text, primary, label = item, False, None
        email = check_value("email", "Email", text, problems)
        if not email or any(e["value"].lower() == email.lower() for e in result):
            continue
        result.append({"id": next(records.email_ids), "value": email, "is_primary": primary, "label": label})
    if sum(e["is_primary"] for e in result) > 1:
        first = next(i for i, e in enumerate(result) if e["is_primary"])
        result = [{**e, "is_primary": i == first} for i, e in enumerate(result)]
    return result


def deal(records: Records, payload: dict[str, Any], changes: dict[str, Any], old: Record | None,
         problems: Problems) -> None:
    contact_ids = list((old or {}).get("contact_ids") or [])
    for key, adding in (("contacts_added_list", True), ("contacts_removed_list", False)):
        if key not in payload or payload[key] is None:
            continue
        ids = payload[key]
        if not isinstance(ids, list):
            problems.add(f"{key} must be a list of contact ids")
            continue
        for value in ids:
            rid = as_id(value)
            if adding and (rid is None or not records.store.exists("contacts", rid)):
                problems.add(settings.MESSAGE_INVALID_REFERENCE.format(label="Contact", value=value))
            elif adding and rid not in contact_ids:
                contact_ids.append(rid)
            elif not adding and rid in contact_ids:
                contact_ids.remove(rid)
    if "contacts_added_list" in payload or "contacts_removed_list" in payload:
        changes["contact_ids"] = contact_ids
    if "products" in payload:
        changes["products"] = deal_products.normalise(records.store, payload["products"], problems)


def product(records: Records, payload: dict[str, Any], changes: dict[str, Any], old: Record | None,
            problems: Problems) -> None:
    if "product_pricings" in payload:
        changes["product_pricings"] = deal_products.pricings(records.store, payload["product_pricings"], problems)
    if old is None and "is_active" not in changes:
        changes["is_active"] = True


def appointment(records: Records, payload: dict[str, Any], changes: dict[str, Any], old: Record | None,
                problems: Problems) -> None:
    attendees = payload.get("appointment_attendees_attributes")
    if attendees is None:
        return
    if not isinstance(attendees, list):
        problems.add("appointment_attendees_attributes must be a list")
        return
    kept = []
    for item in attendees:
        kind = item.get("attendee_type") if isinstance(item, dict) else None
        rid = as_id(item.get("attendee_id")) if isinstance(item, dict) else None
        table = settings.ATTENDEE_TYPES.get(kind) if isinstance(kind, str) else None
        if table is None or rid is None or not records.store.exists(table, rid):
            problems.add(settings.MESSAGE_INVALID_REFERENCE.format(label="Attendee", value=item))
            continue
        kept.append({"attendee_type": kind, "attendee_id": rid})
    changes["appointment_attendees"] = kept


HANDLERS = {"contacts": contact, "deals": deal, "products": product, "appointments": appointment}
