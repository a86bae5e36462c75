"""What the writer looks up in the account's settings: the stage a deal closes
in (by name, in the default pipeline), currency ids, activity types and
outcomes by name, the product category choices. The names come from the marts
(dbt vars); each selector is read once per load, lazily."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from load.freshsales.client import FreshsalesClient


class AccountSettings:
    def __init__(self, client: FreshsalesClient) -> None:
        self.client = client
        self._selectors: dict[str, list[dict[str, Any]]] = {}

    def _selector(self, name: str) -> list[dict[str, Any]]:
        if name not in self._selectors:
            self._selectors[name] = self.client.get(f"selector/{name}").get(name, [])
        return self._selectors[name]

    def stage(self, name: str) -> tuple[str, str]:
        """(pipeline id, stage id) of the stage called `name` in the default pipeline
        (else of the one whose forecast type is `name`: "Won" finds "Closed Won")."""
        pipelines = self._selector("deal_pipelines")
        default = next((p for p in pipelines if p.get("is_default")), pipelines[0] if pipelines
                       else None)
        if default is None:
            raise LookupError("The Freshsales account has no deal pipeline.")
        stages = [s for s in self._selector("deal_stages")
                  if str(s.get("deal_pipeline_id")) == str(default["id"])]
        found = next((s for s in stages if _same(s.get("name"), name)), None) or next(
            (s for s in stages if _same(s.get("forecast_type"), name)), None)
        if found is None:
            raise LookupError(f"The default pipeline {default.get('name')!r} has no stage "
                              f"{name!r} (dbt var freshsales_won_stage).")
        return str(default["id"]), str(found["id"])

    @cached_property
    def currencies(self) -> dict[str, str]:
        """currency code -> currency id, for the currencies the account has enabled."""
        return {c["currency_code"]: str(c["id"]) for c in self._selector("currencies")}

    def named(self, selector: str, name: str) -> str:
        """The id of the `selector` entry called `name` (activity types, outcomes)."""
        found = next((str(r["id"]) for r in self._selector(selector)
                      if _same(r.get("name"), name)), None)
        if found is None:
            raise LookupError(f"The Freshsales account has no {selector.replace('_', ' ')[:-1]} "
                              f"{name!r}: add it in Admin Settings, or change the dbt var "
                              "that names it.")
        return found

    def category_choices(self, field: str) -> dict[str, str]:
        """Product category name -> choice id of the product field `field` (the
        admin manages its choices)."""
        fields = self.client.get("settings/products/fields").get("fields", [])
        category = next((f for f in fields if f.get("name") == field), None)
        if category is None:
            return {}
        return {str(c.get("value")): str(c.get("id")) for c in category.get("choices") or []}


def _same(value: Any, name: str) -> bool:
    return str(value or "").casefold() == name.casefold()
