"""The sandbox's API keys, their plans, and the labels stats use instead of keys."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sandbox.bizstim import settings


@dataclass(frozen=True)
class KeyInfo:
    plan: str
    label: str  # key1, key2, ... in the order the keys were given

    @property
    def has_api_access(self) -> bool:
        return self.plan in settings.PLANS_WITH_API_ACCESS


def generate_keys() -> dict[str, str]:
    """Throwaway keys: two Enterprise keys and one on a plan without API access."""
    keys = {secrets.token_hex(settings.API_KEY_BYTES): "enterprise"
            for _ in range(settings.GENERATED_ENTERPRISE_KEYS)}
    keys[secrets.token_hex(settings.API_KEY_BYTES)] = settings.PLAN_WITHOUT_API_ACCESS
    return keys


class ApiKeys:
    def __init__(self, keys: dict[str, str] | None = None) -> None:
        given = generate_keys() if keys is None else dict(keys)
        self._info = {key: KeyInfo(plan, f"key{n}") for n, (key, plan) in enumerate(given.items(), 1)}

    def lookup(self, key: str | None) -> KeyInfo | None:
        return None if key is None else self._info.get(key)

    @property
    def with_api_access(self) -> list[str]:
        return [key for key, info in self._info.items() if info.has_api_access]

    @property
    def by_plan(self) -> dict[str, list[str]]:
        plans: dict[str, list[str]] = {}
        for key, info in self._info.items():
            plans.setdefault(info.plan, []).append(key)
        return plans

    def __repr__(self) -> str:  # never show a key, even in a debugger or log
        return f"ApiKeys({len(self._info)} keys: {', '.join(i.label + '=' + i.plan for i in self._info.values())})"
