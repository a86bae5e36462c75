"""Creating, changing and deleting records, with the checks the API makes.

One `write` path serves the API, the bulk jobs and the admin's edits:
payload -> changes (unknown attributes dropped, an unknown cf_ refused,
values checked by type, ids checked against their tables, targetables
resolved) -> the merged record checked as a whole (required fields, unique
values, deal stage and pipeline) -> stored with fresh timestamps. Every
problem of a record is answered in one 400.

Stored records keep what was set; `render` adds what the API shows besides
(every custom field of the object, null when unset; display names).
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from sandbox.freshsales import list_attributes, settings
from sandbox.freshsales.entities import ENTITIES, Entity
from sandbox.freshsales.errors import Problems, invalid, not_found
from sandbox.freshsales.fields import FieldRegistry, check_value
from sandbox.freshsales.store import Record, Store, as_id

_IGNORED = frozenset({"id", "created_at", "updated_at", "display_name", "creater_id", "updater_id"})
_TRAILING = frozenset({"custom_field", "created_at", "updated_at"})
_ACTIVITIES = frozenset({"notes", "tasks", "appointments", "sales_activities", "documents"})
# lists an object always shows (empty when nothing was set)
_LISTS = {
    "contacts": (("emails", []), ("sales_accounts", [])),
    "deals": (("contact_ids", []), ("products", [])),
    "products": (("product_pricings", []),),
    "appointments": (("appointment_attendees", []),),
}
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def stamp(moment: datetime) -> str:
    text = moment.astimezone(timezone.utc).isoformat(timespec=settings.TIMESTAMP_PRECISION)
    return text.replace("+00:00", "Z")


class Records:
    def __init__(self, store: Store, fields: FieldRegistry, clock: Clock = utc_now) -> None:
        self.store = store
        self.fields = fields
        self.clock = clock
        self.email_ids = itertools.count(settings.ID_BASE - 2_000_000)

    # --- reads --------------------------------------------------------------------

    def get(self, obj: str, record_id: Any) -> Record:
        record = self.store.get(obj, record_id)
        if record is None:
            raise not_found()
        return record

    def render(self, obj: str, record: Record, include: tuple[str, ...] = ()) -> dict[str, Any]:
        """The record as the API shows it: every standard attribute (null when unset), the
        object's lists, every custom field of the object (null when unset), timestamps."""
        entity = ENTITIES.get(obj)
        if entity is None:
            return {k: v for k, v in record.items() if not k.startswith("_")}
        out: dict[str, Any] = {"id": record["id"]}
        if obj == "contacts":
            name = " ".join(p for p in (record.get("first_name"), record.get("last_name")) if p)
            out["display_name"] = name or record.get("email") or ""
        for attr in entity.attrs:
            out[attr.name] = record.get(attr.name)
        for key, value in record.items():
            if key not in out and not key.startswith("_") and key not in _TRAILING:
                out[key] = value
        for key, default in _LISTS.get(obj, ()):
            out.setdefault(key, list(default))
        if obj == "deals":
            self._deal_money(record, out)
            if "products" not in include:
                out.pop("products", None)
        if obj in _ACTIVITIES:
            out["creater_id"] = record.get("_creator_id")
            out["updater_id"] = record.get("_updater_id")
        if entity.custom_fields:
            stored = record.get("custom_field") or {}
            out["custom_field"] = {f.name: stored.get(f.name) for f in self.fields.custom(obj)}
        out["created_at"] = record.get("created_at")
        out["updated_at"] = record.get("updated_at")
        return out

    def _deal_money(self, record: Record, out: dict[str, Any]) -> None:
        """Amounts as the API shows them (observed: strings such as "120.0"), in the deal's
        currency and converted to the account's base currency."""
        amount = record.get("amount")
        out["amount"] = _money(amount)
        currency = self.store.get("currencies", record.get("currency_id"))
        rate = float(currency["exchange_rate"]) if currency else 1.0
        out["base_currency_amount"] = None if amount is None else _money(round(float(amount) / rate, 2))
        out["has_products"] = bool(record.get("products"))

    # --- writes -----------------------------------------------------------------------

    def create(self, obj: str, payload: Any, actor_id: int) -> Record:
        with self.store.lock:
            record = self._write(ENTITIES[obj], payload, None, actor_id)
            return record

    def update(self, obj: str, record_id: Any, payload: Any, actor_id: int) -> Record:
        with self.store.lock:
            old = self.get(obj, record_id)
            return self._write(ENTITIES[obj], payload, old, actor_id)

    def delete(self, obj: str, record_id: Any) -> Record:
        with self.store.lock:
            record = self.get(obj, record_id)
            self._unindex(obj, record)
            self.store.delete(obj, record["id"])
            return record

    def find_unique(self, obj: str, index: str, value: Any) -> Record | None:
        """The record holding `value` in a unique index (emails, unique cf_ fields, account names)."""
        key = _unique_key(index, value)
        if key is None:
            return None
        record_id = self.store.unique_owner(obj, index, key)
        return None if record_id is None else self.store.get(obj, record_id)

    # --- the write path ------------------------------------------------------------------

    def _write(self, entity: Entity, payload: Any, old: Record | None, actor_id: int) -> Record:
        if not isinstance(payload, dict):
            raise invalid(f"{entity.singular} must be a JSON object")
        problems = Problems()
        changes, custom = self._changes(entity, payload, old, problems)
        merged = {**(old or {}), **changes}
        if custom or (old is not None and "custom_field" in old):
            merged["custom_field"] = {**((old or {}).get("custom_field") or {}), **custom}
        if entity.targetable:
            self._check_targetable(entity, merged, problems)
        if entity.name == "deals":
            self._deal_stage(merged, changes, problems)
        self._check_dates(entity, merged, problems)
        self._check_required(entity, merged, problems)
        self._check_unique(entity, merged, old, problems)
        problems.raise_if_any()

        now = self.clock()
        if old is None:
            merged["id"] = self.store.new_id(entity.name)
            merged["created_at"] = stamp(now)
            merged["updated_at"] = merged["created_at"]
            merged["_creator_id"] = actor_id
        else:
            merged["id"] = old["id"]
            merged["updated_at"] = _later(old["updated_at"], now)
            self._unindex(entity.name, old)
        merged["_updater_id"] = actor_id
        self.store.put(entity.name, merged)
        self._index(entity.name, merged)
        return merged

    def _changes(self, entity: Entity, payload: dict[str, Any], old: Record | None,
                 problems: Problems) -> tuple[dict[str, Any], dict[str, Any]]:
        changes: dict[str, Any] = {}
        custom: dict[str, Any] = {}
        for key, value in payload.items():
            if key in _IGNORED:
                continue  # created_at and friends are the server's
            if key == "custom_field":
                if not entity.custom_fields:
                    continue
                if value is None:
                    continue
                if not isinstance(value, dict):
                    problems.add("custom_field must be a JSON object")
                    continue
                for name, cf_value in value.items():
                    self._custom(entity, name, cf_value, custom, problems)
                continue
            if key.startswith(settings.CUSTOM_FIELD_PREFIX) and entity.custom_fields:
                self._custom(entity, key, value, custom, problems)
                continue
            attr = entity.attr(key)
            if attr is not None:
                changes[key] = self._standard(entity, attr, value, problems)
                continue
            if key in entity.extras:
                continue  # handled below, after the plain attributes
            if not settings.DROP_UNKNOWN_ATTRIBUTES:
                problems.add(f"Unknown attribute {key}")
        handler = list_attributes.HANDLERS.get(entity.name)
        if handler is not None:
            handler(self, payload, changes, old, problems)
        return changes, custom

    def _standard(self, entity: Entity, attr: Any, value: Any, problems: Problems) -> Any:
        if attr.type == "id":
            if value in (None, ""):
                return None
            rid = as_id(value)
            if rid is None or not self.store.exists(attr.ref, rid):
                problems.add(settings.MESSAGE_INVALID_REFERENCE.format(label=attr.label, value=value))
                return None
            if attr.ref == "users" and not self.store.get("users", rid).get("is_active"):
                problems.add(settings.MESSAGE_INVALID_REFERENCE.format(label=attr.label, value=value))
                return None
            return rid
        if attr.name == "targetable_id":
            rid = as_id(value)
            if value is not None and rid is None:
                problems.add(settings.MESSAGE_INVALID_VALUE.format(value=value, label=attr.label))
            return rid
        if attr.type == "dropdown":  # the product category: choices from the field settings
            fdef = self.fields.get(entity.name, attr.name)
            if value in (None, ""):
                return None
            return check_value("dropdown", attr.label, value, problems, fdef.choices if fdef else [])
        return check_value(attr.type, attr.label, value, problems)

    def _custom(self, entity: Entity, name: str, value: Any, custom: dict[str, Any], problems: Problems) -> None:
        fdef = self.fields.get(entity.name, name)
        if fdef is None or not fdef.custom:
            problems.add(settings.MESSAGE_UNKNOWN_CUSTOM_FIELD.format(name=name))
            return
        if value == "" and fdef.type not in ("text", "textarea", "url"):
            value = None
        custom[name] = check_value(fdef.type, fdef.label, value, problems, fdef.choices)

    # --- whole-record checks ---------------------------------------------------------------

    def _check_targetable(self, entity: Entity, merged: Record, problems: Problems) -> None:
        kind, rid = merged.get("targetable_type"), merged.get("targetable_id")
        if kind is None and rid is None:
            return  # the required check names them
        table = entity.targetable.get(kind) if isinstance(kind, str) else None
        if table is None:
            problems.add(settings.MESSAGE_INVALID_TARGETABLE_TYPE.format(
                value=kind, types=", ".join(entity.targetable)))
        elif rid is None or not self.store.exists(table, rid):
            problems.add(settings.MESSAGE_INVALID_TARGETABLE.format(value=merged.get("targetable_id"), type=kind))

    def _deal_stage(self, merged: Record, changes: dict[str, Any], problems: Problems) -> None:
        """A stage implies its pipeline; a pipeline alone (or nothing, on create) means its
        first stage; a pipeline sent with a stage of another pipeline is an error."""
        stage_id, pipeline_id = merged.get("deal_stage_id"), merged.get("deal_pipeline_id")
        stage = self.store.get("deal_stages", stage_id) if stage_id is not None else None
        if "deal_pipeline_id" in changes and "deal_stage_id" not in changes and stage is not None \
                and stage["deal_pipeline_id"] != pipeline_id:
            stage = stage_id = None  # a move to another pipeline starts at its first stage
        if stage is not None:
            if "deal_pipeline_id" in changes and pipeline_id is not None and stage["deal_pipeline_id"] != pipeline_id:
                problems.add(f"Deal stage {stage_id} does not belong to pipeline {pipeline_id}")
                return
            merged["deal_pipeline_id"] = stage["deal_pipeline_id"]
        elif stage_id is None and not problems:
            if pipeline_id is None:
                pipeline = next((p for p in self.store.all("deal_pipelines") if p["is_default"]), None)
                pipeline_id = None if pipeline is None else pipeline["id"]
            stages = [s for s in self.store.all("deal_stages") if s["deal_pipeline_id"] == pipeline_id]
            if stages:
                stage = min(stages, key=lambda s: s["position"])
                merged["deal_stage_id"], merged["deal_pipeline_id"] = stage["id"], pipeline_id
        if merged.get("currency_id") is None:
            base = next((c for c in self.store.all("currencies") if c["currency_type"] == 1), None)
            merged["currency_id"] = None if base is None else base["id"]
        if (settings.AUTO_CLOSED_DATE and stage is not None and stage["forecast_type"] in ("Won", "Lost")
                and not merged.get("closed_date")):
            merged["closed_date"] = self.clock().date().isoformat()

    @staticmethod
    def _check_dates(entity: Entity, merged: Record, problems: Problems) -> None:
        pairs = {"appointments": ("from_date", "end_date"), "sales_activities": ("start_date", "end_date")}
        pair = pairs.get(entity.name)
        if pair is None or not merged.get(pair[0]) or not merged.get(pair[1]):
            return
        start, end = (as_utc(merged[p]) for p in pair)
        if end < start:
            problems.add(f"{pair[1]} must be on or after {pair[0]}")

    @staticmethod
    def _check_required(entity: Entity, merged: Record, problems: Problems) -> None:
        for name in entity.required_all:
            if _blank(merged.get(name)):
                attr = entity.attr(name)
                problems.add(settings.MESSAGE_REQUIRED.format(label=attr.label if attr else name))
        if entity.required_any and all(_blank(merged.get(name)) for name in entity.required_any):
            labels = ", ".join(entity.attr(n).label if entity.attr(n) else n for n in entity.required_any)
            problems.add(settings.MESSAGE_REQUIRED_ANY.format(labels=labels))

    def _check_unique(self, entity: Entity, merged: Record, old: Record | None, problems: Problems) -> None:
        own = None if old is None else old["id"]
        for index, value in self._unique_values(entity.name, merged):
            holder = self.store.unique_owner(entity.name, index, value)
            if holder is not None and holder != own:
                if index == "email":
                    sent = next((e["value"] for e in merged.get("emails") or () if e["value"].lower() == value),
                                value)
                    problems.add(settings.MESSAGE_DUPLICATE_EMAIL.format(email=sent))
                else:
                    fdef = self.fields.get(entity.name, index)
                    label = fdef.label if fdef else index
                    problems.add(settings.MESSAGE_DUPLICATE_UNIQUE.format(label=label, value=value))

    # --- unique indexes --------------------------------------------------------------------

    def _unique_values(self, obj: str, record: Record) -> list[tuple[str, str]]:
        values: list[tuple[str, str]] = []
        if obj == "contacts":
            for email in record.get("emails") or ():
                key = _unique_key("email", email["value"])
                if key is not None:
                    values.append(("email", key))
        for name in settings.UNIQUE_STANDARD.get(obj, ()):
            key = _unique_key(name, record.get(name))
            if key is not None:
                values.append((name, key))
        stored = record.get("custom_field") or {}
        for fdef in self.fields.unique_custom(obj):
            key = _unique_key(fdef.name, stored.get(fdef.name))
            if key is not None:
                values.append((fdef.name, key))
        return values

    def _index(self, obj: str, record: Record) -> None:
        for index, value in self._unique_values(obj, record):
            self.store.unique_set(obj, index, value, record["id"])

    def _unindex(self, obj: str, record: Record) -> None:
        for index, value in self._unique_values(obj, record):
            self.store.unique_drop(obj, index, value, record["id"])


def _money(value: Any) -> str | None:
    return None if value is None else str(float(value))


def _unique_key(index: str, value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    if not text:
        return None
    return text.lower() if index in ("email", "name") else text


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def as_utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _later(previous: str, now: datetime) -> str:
    """`now`, or a millisecond after `previous` when the clock has not moved past it."""
    text = stamp(now)
    if text > previous:  # compared as shown (milliseconds), not as the clock's microseconds
        return text
    return stamp(as_utc(previous) + timedelta(milliseconds=1))
