"""Create, read, update and delete one record; lists and list views.

    POST   /api/<route>            {"<singular>": {...}}       -> 200 {"<singular>": {...}}
    GET    /api/<route>/:id[?include=products]                 -> 200 {"<singular>": {...}}
    PUT    /api/<route>/:id        {"<singular>": {...}}       -> 200 {"<singular>": {...}}
    DELETE /api/<route>/:id                                    -> 200 true
    GET    /api/<route>?page=&per_page=   (tasks, appointments, sales activities, cpq/products)
    GET    /api/<contacts|deals|sales_accounts>/filters        -> {"filters": [...]}
    GET    /api/<contacts|deals|sales_accounts>/view/:view_id?page=&per_page=&sort=&sort_type=

<route> is contacts, sales_accounts, deals, cpq/products, notes, tasks,
appointments or sales_activities (documents have their own upload route).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sandbox.freshsales import settings
from sandbox.freshsales.entities import ENTITIES, Entity
from sandbox.freshsales.errors import invalid, not_found
from sandbox.freshsales.records import Records, as_utc
from sandbox.freshsales.routing import Call, Router, ok
from sandbox.freshsales.store import as_id
from sandbox.freshsales.views import View, page_of, paging, sort_records, view_filter
from sandbox.http_util import Response, json_body

def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


# observed ?filter= values of the activity lists (Airbyte's Freshsales connector:
# tasks open|completed, appointments past|upcoming); their meanings are assumed.
_LIST_FILTERS = {
    "tasks": {"open": lambda r: not r.get("status"), "completed": lambda r: r.get("status") == 1},
    "appointments": {"past": lambda r: as_utc(r["end_date"]) < as_utc(_now()),
                     "upcoming": lambda r: as_utc(r["end_date"]) >= as_utc(_now())},
}


class RecordRoutes:
    def __init__(self, records: Records, views: dict[int, View], api_user: int) -> None:
        self.records = records
        self.views = views
        self.api_user = api_user

    def register(self, router: Router) -> None:
        for entity in ENTITIES.values():
            if entity.name == "documents":
                continue
            route = entity.route
            router.add("POST", route, self._create(entity))
            router.add("GET", f"{route}/:id", self._read(entity))
            router.add("PUT", f"{route}/:id", self._update(entity))
            router.add("DELETE", f"{route}/:id", self._delete(entity))
            if entity.listable:
                router.add("GET", route, self._list(entity))
        for obj in settings.VIEWS:
            router.add("GET", f"{ENTITIES[obj].route}/filters", self._filters(obj))
            router.add("GET", f"{ENTITIES[obj].route}/view/:view_id", self._view(obj))

    # --- one record -------------------------------------------------------------------

    def envelope(self, entity: Entity, call: Call) -> dict[str, Any]:
        body = call.object_body()
        if entity.singular not in body:
            raise invalid(f"the body must wrap the record: {{\"{entity.singular}\": {{...}}}}")
        return body[entity.singular]

    def one(self, entity: Entity, record: dict[str, Any], status: int = 200, include: tuple[str, ...] = ()) -> Response:
        return ok({entity.singular: self.records.render(entity.name, record, include)}, status)

    def _create(self, entity: Entity):
        def handle(call: Call) -> Response:
            record = self.records.create(entity.name, self.envelope(entity, call), call.actor_id)
            return self.one(entity, record, settings.STATUS_CREATED, ("products",))
        return handle

    def _read(self, entity: Entity):
        def handle(call: Call) -> Response:
            record = self.records.get(entity.name, _id(call))
            include = _include(call)
            body = {entity.singular: self.records.render(entity.name, record, include)}
            body.update(self._side_loads(entity, record, include))
            return ok(body)
        return handle

    def _side_loads(self, entity: Entity, record: dict[str, Any], include: tuple[str, ...]
                    ) -> dict[str, list[dict[str, Any]]]:
        """The records attached to this one that `include` asks for."""
        kind = next((k for k, table in settings.TARGETABLE_TYPES.items() if table == entity.name),
                    None)
        loads: dict[str, list[dict[str, Any]]] = {}
        for name in include:
            if name not in settings.SIDE_LOADS.get(kind or "", ()):
                continue
            loads[name] = [
                self.records.render(name, r) for r in self.records.store.all(name)
                if r.get("targetable_type") == kind and r.get("targetable_id") == record["id"]]
        return loads

    def _update(self, entity: Entity):
        def handle(call: Call) -> Response:
            rid = _id(call)
            self.records.get(entity.name, rid)  # 404 before 400 for a missing record
            record = self.records.update(entity.name, rid, self.envelope(entity, call), call.actor_id)
            return self.one(entity, record, include=("products",))
        return handle

    def _delete(self, entity: Entity):
        def handle(call: Call) -> Response:
            self.records.delete(entity.name, _id(call))
            return Response(200, json_body(settings.DELETE_BODY))
        return handle

    # --- lists ---------------------------------------------------------------------------

    def _list(self, entity: Entity):
        def handle(call: Call) -> Response:
            rows = self.records.store.all(entity.name)
            name = call.query("filter")
            if name:
                keep = _LIST_FILTERS.get(entity.name, {}).get(name)
                if keep is None:
                    raise invalid(f"unknown filter {name!r} for {entity.name}")
                rows = [r for r in rows if keep(r)]
            return self.page(entity, call, rows)
        return handle

    def page(self, entity: Entity, call: Call, rows: list[dict[str, Any]]) -> Response:
        page, per_page = paging(call.query("page"), call.query("per_page"))
        rows = sort_records(rows, call.query("sort"), call.query("sort_type"))
        chunk, meta = page_of(rows, page, per_page)
        render = self.records.render
        return ok({entity.name: [render(entity.name, r) for r in chunk], "meta": meta})

    def _filters(self, obj: str):
        def handle(call: Call) -> Response:
            stamp = "2024-01-01T00:00:00Z"
            return ok({"filters": [v.api(self.api_user, stamp) for v in self.views.values() if v.obj == obj]})
        return handle

    def _view(self, obj: str):
        def handle(call: Call) -> Response:
            view = self.views.get(as_id(call.params["view_id"]) or -1)
            if view is None or view.obj != obj:
                raise not_found("View not found")
            keep = view_filter(view, self.records.store, call.actor_id)
            rows = [r for r in self.records.store.all(obj) if keep(r)]
            return self.page(ENTITIES[obj], call, rows)
        return handle


def _id(call: Call) -> int:
    rid = as_id(call.params["id"])
    if rid is None:
        raise not_found()
    return rid


def _include(call: Call) -> tuple[str, ...]:
    text = call.query("include") or ""
    return tuple(part.strip() for part in text.split(",") if part.strip())
