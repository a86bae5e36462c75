"""Which destination, with which credentials: read from the environment.

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


def _need(env: Mapping[str, str], name: str) -> str:
    value = (env.get(name) or "").strip()
    if not value:
        raise DestinationConfigError(
            f"{name} is not set. Set it in the environment (for the sandbox: "
            "`set -a; . <workspace>/sandbox.env; set +a`).")
    return value


def _number(env: Mapping[str, str], name: str) -> float | None:
    text = (env.get(name) or "").strip()
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
    plan = (env.get("FRESHSALES_PLAN") or "growth").strip().lower()
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
        authority_host=(env.get("DYNAMICS_AUTHORITY_HOST") or settings.AUTHORITY_HOST).strip(),
        publisher_prefix=(env.get("DYNAMICS_PUBLISHER_PREFIX")
                          or settings.DEFAULT_PUBLISHER_PREFIX).strip(),
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
