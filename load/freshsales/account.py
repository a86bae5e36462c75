"""What the writer looks up once per load in the account's settings: the won
stage of the default pipeline, currency ids, the activity type and outcome,
the product category choices. Read lazily, one request each."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from load.freshsales import settings
from load.freshsales.client import FreshsalesClient


class AccountSettings:
    def __init__(self, client: FreshsalesClient) -> None:
        self.client = client

    def _selector(self, name: str) -> list[dict[str, Any]]:
        return self.client.get(f"selector/{name}").get(name, [])

    @cached_property
    def won_stage(self) -> tuple[str, str]:
        """(pipeline id, stage id) of the won stage in the default pipeline."""
        pipelines = self._selector("deal_pipelines")
        default = next((p for p in pipelines if p.get("is_default")), pipelines[0] if pipelines
                       else None)
        if default is None:
            raise LookupError("The Freshsales account has no deal pipeline.")
        stages = [s for s in self._selector("deal_stages")
                  if str(s.get("deal_pipeline_id")) == str(default["id"])]
        won = next((s for s in stages if s.get("forecast_type") == settings.WON_FORECAST_TYPE),
                   None)
        if won is None:
            raise LookupError(f"The default pipeline {default.get('name')!r} has no "
                              f"{settings.WON_FORECAST_TYPE} stage.")
        return str(default["id"]), str(won["id"])

    @cached_property
    def currencies(self) -> dict[str, str]:
        """currency code -> currency id, for the currencies the account has enabled."""
        return {c["currency_code"]: str(c["id"]) for c in self._selector("currencies")}

    def _named(self, selector: str, name: str) -> str | None:
        return next((str(r["id"]) for r in self._selector(selector)
                     if str(r.get("name", "")).lower() == name.lower()), None)

    @cached_property
    def activity_type(self) -> str:
        found = self._named("sales_activity_types", settings.ACTIVITY_TYPE)
        if found is None:
            raise LookupError(f"The Freshsales account has no sales activity type "
                              f"{settings.ACTIVITY_TYPE!r}.")
        return found

    @cached_property
    def confirmed_outcome(self) -> str | None:
        return self._named("sales_activity_outcomes", settings.CONFIRMED_OUTCOME)

    def category_choices(self) -> dict[str, str]:
        """Product category name -> choice id (the admin manages the choices)."""
        fields = self.client.get("settings/products/fields").get("fields", [])
        category = next((f for f in fields if f.get("name") == "category"), None)
        if category is None:
            return {}
        return {str(c.get("value")): str(c.get("id")) for c in category.get("choices") or []}
