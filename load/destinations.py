"""Which destination, with which credentials: read from the environment first,
then from dlt's config and secrets as the Bizstim keys are (`.dlt/secrets.toml`:
`[destination.freshsales] api_key = "..."`, `[destination.dynamics]
client_secret = "..."`; `.dlt/config.toml` for the rest, e.g. `base_url`).

The same variables serve a real account and the sandbox (`sandbox up` writes
them to `<workspace>/sandbox.env`). Secrets are read here and handed to the
clients; they are never printed, logged or stored.

    FRESHSALES_BASE_URL        https://<bundle-alias>.myfreshworks.com
    FRESHSALES_API_KEY         the API key (Profile settings > API settings)
    FRESHSALES_PLAN            growth | pro | enterprise (sets the hourly quota)
    FRESHSALES_WINDOW_SECONDS  (sandbox only) how long the quota's hour lasts

    DYNAMICS_BASE_URL          https://<org>.crm.dynamics.com
    DYNAMICS_TENANT_ID / DYNAMICS_CLIENT_ID / DYNAMICS_CLIENT_SECRET
                               the app registration (client-credentials grant)
    DYNAMICS_AUTHORITY_HOST    default https://login.microsoftonline.com
    DYNAMICS_PUBLISHER_PREFIX  default new_
    DYNAMICS_WINDOW_SECONDS    (sandbox only) the service-protection window

    LOAD_BACKOFF_BASE_SECONDS  first wait before retrying a 5xx or a lost answer
                               (default 0.5; it doubles each time)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

import duckdb

from load.model import Writer
from load.errors import DestinationConfigError  # noqa: F401 - raised here

DESTINATIONS = ("freshsales", "dynamics")


# secrets among the variables: read from dlt's secrets, never its config
SECRET_NAMES = ("API_KEY", "CLIENT_SECRET")


def _dlt_place(name: str) -> tuple[str, str]:
    """FRESHSALES_API_KEY -> ("destination.freshsales", "api_key")."""
    destination, _, rest = name.partition("_")
    return f"destination.{destination.lower()}", rest.lower()


def _value(env: Mapping[str, str], name: str) -> str:
    """The environment first, then dlt's config and secrets (`.dlt/secrets.toml`,
    `[destination.freshsales] api_key = ...`), as the Bizstim keys are read."""
    value = (env.get(name) or "").strip()
    if value:
        return value
    import dlt

    section, key = _dlt_place(name)
    provider = dlt.secrets if name.endswith(SECRET_NAMES) else dlt.config
    try:
        found = provider.get(f"{section}.{key}")
    except Exception:  # noqa: BLE001 - an unreadable toml is "not set" here, said below
        found = None
    return str(found).strip() if found is not None else ""


def _need(env: Mapping[str, str], name: str) -> str:
    value = _value(env, name)
    if not value:
        section, key = _dlt_place(name)
        raise DestinationConfigError(
            f"{name} is not set. Set it in the environment (for the sandbox: "
            f"`set -a; . <workspace>/sandbox.env; set +a`), or as {key} under [{section}] in "
            f".dlt/{'secrets' if name.endswith(SECRET_NAMES) else 'config'}.toml.")
    return value


def _number(env: Mapping[str, str], name: str) -> float | None:
    text = _value(env, name)
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise DestinationConfigError(f"{name} must be a number of seconds") from None
    if value <= 0:
        raise DestinationConfigError(f"{name} must be more than 0")
    return value


def freshsales_config(env: Mapping[str, str] | None = None):
    from load.freshsales import settings
    from load.freshsales.client import FreshsalesConfig

    env = os.environ if env is None else env
    plan = (_value(env, "FRESHSALES_PLAN") or "growth").lower()
    if plan not in settings.PLAN_REQUESTS_PER_HOUR:
        raise DestinationConfigError(
            f"FRESHSALES_PLAN must be one of {', '.join(settings.PLAN_REQUESTS_PER_HOUR)}")
    window = _number(env, "FRESHSALES_WINDOW_SECONDS") or settings.WINDOW_SECONDS
    return FreshsalesConfig(base_url=_need(env, "FRESHSALES_BASE_URL"),
                            api_key=_need(env, "FRESHSALES_API_KEY"), plan=plan,
                            window_seconds=window)


def dynamics_config(env: Mapping[str, str] | None = None):
    from load.dynamics import settings
    from load.dynamics.auth import DynamicsConfig

    env = os.environ if env is None else env
    window = _number(env, "DYNAMICS_WINDOW_SECONDS") or settings.WINDOW_SECONDS
    return DynamicsConfig(
        base_url=_need(env, "DYNAMICS_BASE_URL"),
        tenant_id=_need(env, "DYNAMICS_TENANT_ID"),
        client_id=_need(env, "DYNAMICS_CLIENT_ID"),
        client_secret=_need(env, "DYNAMICS_CLIENT_SECRET"),
        authority_host=_value(env, "DYNAMICS_AUTHORITY_HOST") or settings.AUTHORITY_HOST,
        publisher_prefix=_value(env, "DYNAMICS_PUBLISHER_PREFIX")
        or settings.DEFAULT_PUBLISHER_PREFIX,
        window_seconds=window,
    )


def retry_policy(env: Mapping[str, str] | None = None):
    from load.http import RetryPolicy

    env = os.environ if env is None else env
    base = _number(env, "LOAD_BACKOFF_BASE_SECONDS")
    return RetryPolicy() if base is None else RetryPolicy(backoff_base_seconds=base)


def open_writer(destination: str, con: duckdb.DuckDBPyConnection,
                env: Mapping[str, str] | None = None, files_dir: Path | None = None) -> Writer:
    """The writer for a destination, configured from the environment. `files_dir`
    is where the extraction stored file contents (documents, attachments)."""
    if destination == "freshsales":
        from load.freshsales.client import FreshsalesClient
        from load.freshsales.writer import FreshsalesWriter

        return FreshsalesWriter(FreshsalesClient(freshsales_config(env), retry_policy(env)),
                                con, files_dir)
    if destination == "dynamics":
        from load.dynamics.odata import DataverseClient
        from load.dynamics.writer import DynamicsWriter

        return DynamicsWriter(DataverseClient(dynamics_config(env), retry_policy(env)), con,
                              files_dir=files_dir)
    raise DestinationConfigError(f"--to must be one of {', '.join(DESTINATIONS)}")
