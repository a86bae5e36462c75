"""Resolve the Bizstim credentials and tuning through dlt's configuration.

dlt looks in environment variables (`SOURCES__BIZSTIM__API_KEY`, …) and in
`.dlt/secrets.toml` / `.dlt/config.toml` (`[sources.bizstim] api_key = …`).
Several keys (a second Enterprise key for large accounts) are given as a list:
`SOURCES__BIZSTIM__API_KEY='["key-one", "key-two"]'`.
"""

from __future__ import annotations

import json
from typing import Any

import dlt

from extract import settings
from extract.client import ClientConfig
from extract.errors import ConfigError

SECTION = "sources.bizstim"


def parse_api_keys(raw: Any) -> tuple[str, ...]:
    """A key, a list of keys, or a JSON / comma-separated list in a string."""
    if raw is None:
        return ()
    if isinstance(raw, (list, tuple)):
        keys = [str(k).strip() for k in raw]
    else:
        text = str(raw).strip()
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except ValueError:
                raise ConfigError(
                    "SOURCES__BIZSTIM__API_KEY looks like a list but is not valid JSON; "
                    'write it as ["first-key", "second-key"].'
                ) from None
            keys = [str(k).strip() for k in parsed]
        else:
            keys = [part.strip() for part in text.split(",")]
    return tuple(k for k in keys if k)


def _value(name: str, default: Any, cast: type) -> Any:
    raw = dlt.config.get(f"{SECTION}.{name}")
    if raw is None or raw == "":
        return default
    try:
        return cast(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"sources.bizstim.{name} must be a {cast.__name__}, got {raw!r}") from None


def resolve_client_config(**overrides: Any) -> ClientConfig:
    """Read dlt's config and secrets; explicit overrides win (tests, CLI flags)."""
    keys = parse_api_keys(overrides.pop("api_keys", None) or dlt.secrets.get(f"{SECTION}.api_key"))
    if not keys:
        raise ConfigError(
            "No Bizstim API key configured. Set SOURCES__BIZSTIM__API_KEY (one key, or a JSON "
            "list for several) or add api_key under [sources.bizstim] in .dlt/secrets.toml. "
            "For the local sandbox: `bizstim-migrate sandbox up` writes <workspace>/sandbox.env."
        )
    values = dict(
        base_url=_value("base_url", settings.DEFAULT_BASE_URL, str),
        rate_limit_per_window=_value("rate_limit_per_window", settings.RATE_LIMIT_PER_WINDOW, int),
        rate_limit_window_seconds=_value(
            "rate_limit_window_seconds", settings.RATE_LIMIT_WINDOW_SECONDS, float
        ),
        requests_in_flight_per_key=_value(
            "requests_in_flight_per_key", settings.REQUESTS_IN_FLIGHT_PER_KEY, int
        ),
        backoff_base_seconds=_value("backoff_base_seconds", settings.BACKOFF_BASE_SECONDS, float),
        max_attempts=_value("max_attempts", settings.MAX_ATTEMPTS, int),
        max_rate_limited_retries=_value(
            "max_rate_limited_retries", settings.MAX_RATE_LIMITED_RETRIES, int
        ),
        page_shift_reread_rounds=_value(
            "page_shift_reread_rounds", settings.PAGE_SHIFT_REREAD_ROUNDS, int
        ),
    )
    values.update({k: v for k, v in overrides.items() if v is not None})
    return ClientConfig(api_keys=keys, **values)


def resolve_checkpoint_seconds() -> float:
    """How often a long extraction commits what it fetched (a resume point)."""
    return _value("checkpoint_seconds", settings.CHECKPOINT_SECONDS, float)
