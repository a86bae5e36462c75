"""What a new Freshsales account holds before the migration: the customer's
users (invited in the admin UI; the API cannot create them) and the
selectors (pipelines and stages, currencies, activity types, statuses, ...).
Values are in settings.py (assumed), written through the store directly.
"""

from __future__ import annotations

from typing import Any

from sandbox.freshsales import settings
from sandbox.freshsales.store import Store


def normalise_users(users: list[Any] | tuple[Any, ...] | None) -> list[dict[str, Any]]:
    """Users given as e-mail strings or dicts ({"email", "display_name"?, "is_active"?})."""
    if users is None:
        return [dict(u, is_active=True) for u in settings.DEFAULT_USERS]
    result: list[dict[str, Any]] = []
    for user in users:
        if isinstance(user, str):
            local = user.split("@", 1)[0]
            result.append({"display_name": " ".join(p.title() for p in local.replace("_", ".").split(".") if p),
                           "email": user, "is_active": True})
        elif isinstance(user, dict):
            if not user.get("email"):
                raise ValueError(f"a user needs an email: {user!r}")
            name = user.get("display_name") or " ".join(
                p for p in (user.get("first_name"), user.get("last_name")) if p) or user["email"]
            result.append({"display_name": name, "email": user["email"],
                           "is_active": bool(user.get("is_active", True))})
        else:
            raise TypeError(f"a user is an e-mail string or a dict, got {user!r}")
    if not any(u["is_active"] for u in result):
        raise ValueError("the account needs at least one active user (the API key's owner)")
    return result


def seed(store: Store, users: list[dict[str, Any]], now: str) -> int:
    """Write users and selectors; returns the id of the user whose API key the sandbox holds."""
    api_user = 0
    for user in users:
        record = {"id": store.new_id("users"), **user, "time_zone": "UTC",
                  "created_at": now, "updated_at": now}
        store.put("users", record)
        if not api_user and record["is_active"]:
            api_user = record["id"]
    for position, pipeline in enumerate(settings.DEAL_PIPELINES, 1):
        pipeline_id = store.new_id("deal_pipelines")
        store.put("deal_pipelines", {"id": pipeline_id, "name": pipeline["name"], "position": position,
                                     "is_default": pipeline["is_default"], "updated_at": now})
        for stage_position, (name, forecast, probability) in enumerate(pipeline["stages"], 1):
            store.put("deal_stages", {"id": store.new_id("deal_stages"), "name": name,
                                      "position": stage_position, "forecast_type": forecast,
                                      "probability": probability, "deal_pipeline_id": pipeline_id,
                                      "updated_at": now})
    for currency in settings.CURRENCIES:
        store.put("currencies", {"id": store.new_id("currencies"), **currency, "is_active": True})
    for position, name in enumerate(settings.SALES_ACTIVITY_TYPES, 1):
        store.put("sales_activity_types", {
            "id": store.new_id("sales_activity_types"), "name": name,
            "internal_name": name.lower().replace(" ", "_"), "position": position,
            "is_default": True, "show_in_conversation": True})
    simple = {
        "sales_activity_outcomes": settings.SALES_ACTIVITY_OUTCOMES,
        "contact_statuses": settings.CONTACT_STATUSES,
        "lifecycle_stages": settings.LIFECYCLE_STAGES,
        "lead_sources": settings.LEAD_SOURCES,
        "territories": settings.TERRITORIES,
        "deal_types": settings.DEAL_TYPES,
        "deal_reasons": settings.DEAL_REASONS,
        "deal_payment_statuses": settings.DEAL_PAYMENT_STATUSES,
    }
    for table, names in simple.items():
        for position, name in enumerate(names, 1):
            store.put(table, {"id": store.new_id(table), "name": name, "position": position,
                              "is_default": position == 1})
    return api_user
