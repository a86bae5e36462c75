"""What a loader reads before it writes: users, field definitions, selectors.

    GET /api/selector/owners                 -> {"users": [{"id", "display_name", "email", "is_active",
                                                 "time_zone"}]}   (active users only)
    GET /api/selector/<name>                 -> {"<name>": [...]} for deal_pipelines, deal_stages
                                                 (each with deal_pipeline_id, forecast_type Open|Won|Lost),
                                                 currencies, sales_activity_types, sales_activity_outcomes,
                                                 contact_statuses, lifecycle_stages, lead_sources,
                                                 territories, deal_types, deal_reasons, deal_payment_statuses
    GET /api/settings/<contacts|sales_accounts|deals|products>/fields -> {"fields": [...]}
    GET /api/lookup?q=<value>&f=<field>&entities=contact[,sales_account,deal]
                                             -> {"contacts": {"contacts": [...]}, ...}
"""

from __future__ import annotations

from typing import Any

from sandbox.freshsales import settings
from sandbox.freshsales.entities import ENTITIES, WITH_FIELDS
from sandbox.freshsales.errors import invalid, not_found
from sandbox.freshsales.records import Records
from sandbox.freshsales.routing import Call, Router, ok
from sandbox.freshsales.store import Record
from sandbox.http_util import Response

_USER_FIELDS = ("id", "display_name", "email", "is_active", "time_zone")


class SettingsRoutes:
    def __init__(self, records: Records) -> None:
        self.records = records

    def register(self, router: Router) -> None:
        router.add("GET", f"selector/{settings.OWNERS_SELECTOR}", self._owners)
        router.add("GET", "selector/:name", self._selector)
        router.add("GET", "settings/:entity/fields", self._fields)
        router.add("GET", "lookup", self._lookup)

    def _owners(self, call: Call) -> Response:
        users = [{k: u.get(k) for k in _USER_FIELDS} for u in self.records.store.all("users") if u["is_active"]]
        return ok({"users": users})

    def _selector(self, call: Call) -> Response:
        name = call.params["name"]
        table = settings.SELECTORS.get(name)
        if table is None:
            raise not_found(settings.MESSAGE_NO_ROUTE)
        rows = self.records.store.all(table)
        pipeline = call.query("deal_pipeline_id")
        if name == "deal_stages" and pipeline:
            rows = [r for r in rows if str(r["deal_pipeline_id"]) == pipeline]
        return ok({name: [dict(r) for r in rows]})

    def _fields(self, call: Call) -> Response:
        entity = call.params["entity"]
        if entity not in WITH_FIELDS:
            raise not_found(settings.MESSAGE_NO_ROUTE)
        return ok({"fields": self.records.fields.list(entity)})

    # --- lookup ---------------------------------------------------------------------------

    def _lookup(self, call: Call) -> Response:
        q = call.query("q")
        if q is None or not q.strip():
            raise invalid("q is required")
        names = [n.strip() for n in (call.query("entities") or "contact,sales_account,deal").split(",") if n.strip()]
        unknown = [n for n in names if n not in settings.LOOKUP_ENTITIES]
        if unknown:
            raise invalid(f"unknown entities {unknown}; use {', '.join(settings.LOOKUP_ENTITIES)}")
        field = (call.query("f") or "").strip()
        answer: dict[str, Any] = {}
        for name in names:
            obj = settings.LOOKUP_ENTITIES[name]
            found = self._find(obj, field, q.strip())
            render = self.records.render
            answer[obj] = {obj: [render(obj, r) for r in found[:settings.LOOKUP_LIMIT]]}
        return ok(answer)

    def _find(self, obj: str, field: str, q: str) -> list[Record]:
        records = self.records
        if field in ("email", "emails") and obj == "contacts":
            hit = records.find_unique(obj, "email", q)
            return [] if hit is None else [hit]
        if field == "id":
            hit = records.store.get(obj, q)
            return [] if hit is None else [hit]
        if field.startswith(settings.CUSTOM_FIELD_PREFIX):
            fdef = records.fields.get(obj, field)
            if fdef is None or not fdef.custom:
                raise invalid(settings.MESSAGE_UNKNOWN_CUSTOM_FIELD.format(name=field))
            if fdef.unique:
                hit = records.find_unique(obj, field, q)
                return [] if hit is None else [hit]
            return [r for r in records.store.all(obj) if _equal((r.get("custom_field") or {}).get(field), q)]
        if field == "name" and obj in settings.UNIQUE_STANDARD and "name" in settings.UNIQUE_STANDARD[obj]:
            hit = records.find_unique(obj, "name", q)
            return [] if hit is None else [hit]
        if field:
            if ENTITIES[obj].attr(field) is None:
                return []
            return [r for r in records.store.all(obj) if _equal(r.get(field), q)]
        needle = q.lower()
        return [r for r in records.store.all(obj) if any(needle in str(v).lower() for v in _searchable(obj, r))]


def _equal(value: Any, q: str) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip().lower() == q.lower()
    return str(value) == q


def _searchable(obj: str, record: Record) -> list[Any]:
    if obj == "contacts":
        return [record.get("first_name"), record.get("last_name"), record.get("mobile_number"),
                *(e["value"] for e in record.get("emails") or ())]
    return [record.get("name")]
