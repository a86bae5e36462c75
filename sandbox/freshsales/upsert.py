"""Upsert by a unique identifier: find the record, update it, or create it.

Identifiers (settings.UPSERT_BUILTIN_IDENTIFIERS): `id`, `emails` (contacts,
any of a contact's addresses, case-insensitive), `name` (accounts), or a
custom field the admin marked unique. A created record carries the
identifier's value (the e-mail, the cf_ value) even when the data omits it.
"""

from __future__ import annotations

from typing import Any

from sandbox.freshsales import settings
from sandbox.freshsales.errors import invalid, not_found
from sandbox.freshsales.records import Records
from sandbox.freshsales.store import Record, as_id


def upsert(records: Records, obj: str, identifier: Any, data: Any, actor_id: int) -> tuple[Record, bool]:
    """(record, created) for one upsert; ApiError when it cannot be done."""
    if not isinstance(identifier, dict) or len(identifier) != 1:
        raise invalid("unique_identifier must be an object with exactly one field, "
                      'e.g. {"emails": "a@b.com"} or {"cf_<unique field>": "…"}')
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise invalid("the record to upsert must be a JSON object")
    (name, value), = identifier.items()
    with records.store.lock:
        existing = find(records, obj, name, value)
        if existing is not None:
            return records.update(obj, existing["id"], data, actor_id), False
        if name == "id":
            raise not_found()
        return records.create(obj, _with_identifier(obj, name, value, data), actor_id), True


def find(records: Records, obj: str, name: str, value: Any) -> Record | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise invalid(f"unique_identifier {name} needs a value")
    builtin = settings.UPSERT_BUILTIN_IDENTIFIERS.get(obj, ())
    if name in builtin:
        if name == "id":
            rid = as_id(value)
            if rid is None:
                raise invalid(f"unique_identifier id must be a record id, got {value!r}")
            return records.store.get(obj, rid)
        if name in ("emails", "email"):
            if not isinstance(value, str):
                raise invalid(f"unique_identifier {name} must be one e-mail address, got {value!r}")
            return records.find_unique(obj, "email", value)
        return records.find_unique(obj, name, value)
    fdef = records.fields.get(obj, name)
    if fdef is None or not fdef.custom:
        raise invalid(settings.MESSAGE_UNKNOWN_CUSTOM_FIELD.format(name=name)
                      if name.startswith(settings.CUSTOM_FIELD_PREFIX)
                      else settings.MESSAGE_NOT_UNIQUE_IDENTIFIER.format(name=name))
    if not fdef.unique:
        raise invalid(settings.MESSAGE_NOT_UNIQUE_IDENTIFIER.format(name=name))
    return records.find_unique(obj, name, value)


def _with_identifier(obj: str, name: str, value: Any, data: dict[str, Any]) -> dict[str, Any]:
    """The data of a record about to be created, holding the identifier's value, so the next
    upsert with the same identifier finds it (a different value in the data loses to it)."""
    payload = dict(data)
    if name in ("emails", "email"):
        if not payload.get("email") and not payload.get("emails"):
            payload["email"] = value
        else:
            emails = payload.get("emails")
            emails = [emails] if isinstance(emails, str) else list(emails or [])
            if payload.get("email"):
                emails.insert(0, {"value": payload.pop("email"), "is_primary": True})
            if not any(str(e.get("value") if isinstance(e, dict) else e).strip().lower() == value.strip().lower()
                       for e in emails):
                emails.append(value)
            payload["emails"] = emails
    elif name == "name":
        payload["name"] = value
    elif name.startswith(settings.CUSTOM_FIELD_PREFIX):
        custom = dict(payload.get("custom_field") or {})
        custom.pop(name, None)
        payload.pop(name, None)
        custom[name] = value
        payload["custom_field"] = custom
    return payload
