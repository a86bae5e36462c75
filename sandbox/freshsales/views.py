"""List views (filters) and paging.

`GET /api/<contacts|deals|sales_accounts>/filters` lists the views;
`GET /api/<obj>/view/:view_id?page=N&per_page=K[&sort=<field>&sort_type=asc|desc]`
pages through one: `{"<obj>": [...], "meta": {"total_pages": N, "total": M}}`.
View names are documented; which records a view holds and the default
order are assumed (settings.VIEWS, DEFAULT_SORT).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from sandbox.freshsales import settings
from sandbox.freshsales.errors import invalid
from sandbox.freshsales.store import Record, Store

_MODEL = {"contacts": "Contact", "sales_accounts": "SalesAccount", "deals": "Deal"}


@dataclass(frozen=True)
class View:
    id: int
    obj: str
    name: str

    def api(self, api_user: int, updated_at: str) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "model_class_name": _MODEL[self.obj], "user_id": api_user,
                "is_default": self.name.startswith(("All", "My")), "is_public": True,
                "updated_at": updated_at}


def build_views() -> dict[int, View]:
    views: dict[int, View] = {}
    next_id = settings.ID_BASE - 3_000_000
    for obj, names in settings.VIEWS.items():
        for name in names:
            next_id += 1
            views[next_id] = View(next_id, obj, name)
    return views


def view_filter(view: View, store: Store, actor_id: int) -> Callable[[Record], bool]:
    name = view.name
    if name.startswith("All"):
        return lambda r: True
    if name.startswith("My"):
        return lambda r: r.get("owner_id") == actor_id
    if name == "Recently Modified":
        since = (datetime.now(timezone.utc) - timedelta(days=settings.RECENT_DAYS)).isoformat()
        return lambda r: r["updated_at"] >= since[:19]
    forecast = {"Open Deals": "Open", "Won Deals": "Won", "Lost Deals": "Lost"}.get(name)
    if forecast is not None:
        stages = {s["id"] for s in store.all("deal_stages") if s["forecast_type"] == forecast}
        return lambda r: r.get("deal_stage_id") in stages
    return lambda r: False


def paging(page_text: str | None, per_page_text: str | None) -> tuple[int, int]:
    """(page, per_page) from the query; per_page is clamped to the maximum."""
    try:
        page = int(page_text) if page_text not in (None, "") else 1
        per_page = int(per_page_text) if per_page_text not in (None, "") else settings.PER_PAGE_DEFAULT
    except ValueError:
        raise invalid("page and per_page must be whole numbers") from None
    if page < 1 or per_page < 1:
        raise invalid("page and per_page must be 1 or more")
    return page, min(per_page, settings.PER_PAGE_MAX)


def sort_records(records: list[Record], sort: str | None, sort_type: str | None) -> list[Record]:
    field = sort or settings.DEFAULT_SORT[0]
    descending = (sort_type or settings.DEFAULT_SORT[1]).lower() == "desc"
    if field in ("created_at", "id") and not descending:
        return records  # the store's order already
    if field in ("created_at", "id"):
        return records[::-1]

    def key(record: Record) -> tuple[bool, int, float, str]:
        value = record.get(field)
        if value is None and isinstance(record.get("custom_field"), dict):
            value = record["custom_field"].get(field)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return (False, 0, float(value), "")
        return (value is None, 1, 0.0, "" if value is None else str(value))

    return sorted(records, key=key, reverse=descending)


def page_of(records: list[Record], page: int, per_page: int) -> tuple[list[Record], dict[str, int]]:
    total = len(records)
    start = (page - 1) * per_page
    return records[start:start + per_page], {"total_pages": math.ceil(total / per_page), "total": total}
