"""A loopback Dynamics 365 Sales: Entra-like tokens, the Dataverse Web API, a control surface.

    from sandbox.dynamics.server import DynamicsSandbox
    with DynamicsSandbox(time_scale=60) as sb:
        token = requests.post(f"{sb.authority}/oauth2/v2.0/token", data={
            "grant_type": "client_credentials", "client_id": sb.client_id,
            "client_secret": sb.client_secret, "scope": f"{sb.resource}/.default"}).json()["access_token"]
        requests.get(f"{sb.api_base}/contacts", headers={"Authorization": f"Bearer {token}"})

or from a shell, until interrupted:

    python -m sandbox.dynamics.server --time-scale 60 --port 0 [--json]

Paths: `/<tenant>/oauth2/v2.0/token` and `/<tenant>/v2.0/.well-known/openid-configuration`
(the authority is `sb.authority`), `/api/data/v9.2/…` (`sb.api_base`), `/__sandbox__/…`.
MSAL refuses authorities that are not https, so a Python loader either posts
the client-credentials form itself (as above) or gives MSAL an http client.
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import signal
import string
import sys
import threading
import uuid
from dataclasses import asdict
from typing import Any

from sandbox.dynamics import errors, settings
from sandbox.dynamics.api import WebApi
from sandbox.dynamics.control import ControlSurface
from sandbox.dynamics.entities import Schema
from sandbox.dynamics.metadata import Metadata, attribute_metadata, key_metadata
from sandbox.dynamics.odata import KeySpec, parse_key
from sandbox.dynamics.records import Context, IdSource, Records
from sandbox.dynamics.seed import Seeder, normalise_users
from sandbox.service_protection import SlidingWindowLimiter
from sandbox.dynamics.store import Store
from sandbox.dynamics.token import TokenIssuer
from sandbox.faults import FaultInjector
from sandbox.http_util import LoopbackServer, Request, Response, json_response
from sandbox.stats import RequestStats

_SECRET_ALPHABET = string.ascii_letters + string.digits + "~._-"


def _positive(value: float, name: str) -> float:
    value = float(value)
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return value


class DynamicsSandbox(LoopbackServer):
    def __init__(self, time_scale: float = 1.0, users: list[Any] | None = None,
                 publisher_prefix: str = settings.DEFAULT_PUBLISHER_PREFIX, seed: int = 42,
                 host: str = "127.0.0.1", port: int = 0, *,
                 token_lifetime_seconds: float = settings.DEFAULT_TOKEN_LIFETIME_SECONDS) -> None:
        super().__init__(host, port)
        if not publisher_prefix or not publisher_prefix.endswith("_") or not publisher_prefix[:-1].isalnum():
            raise ValueError(f"a publisher prefix is 2-8 letters or digits and '_', got {publisher_prefix!r}")
        self.seed = seed
        self.publisher_prefix = publisher_prefix
        self.time_scale = _positive(time_scale, "time_scale")
        self._users = normalise_users(users)
        rng = random.Random(f"dynamics-identity-{seed}")
        self.tenant_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        self.client_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        self.client_secret = "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(3)) + "8Q~" + "".join(
            secrets.choice(_SECRET_ALPHABET) for _ in range(34))
        self.organization_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        self.business_unit_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        self._system_user_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        self.app_user_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))

        self.schema = Schema(publisher_prefix)
        self.store = Store(self.schema)
        self.ids = IdSource(seed)
        self._records = Records(self.schema, self.store, self.ids)
        self.metadata = Metadata(self.schema, self.store)
        self.tokens = TokenIssuer(self.tenant_id, self.client_id, self.client_secret, lambda: self.resource,
                                  self.app_user_id, token_lifetime_seconds)
        self.limiter = SlidingWindowLimiter(
            settings.REQUESTS_PER_WINDOW, settings.EXECUTION_SECONDS_PER_WINDOW, settings.CONCURRENT_REQUESTS,
            settings.WINDOW_SECONDS, self.time_scale, settings.CONCURRENCY_RETRY_AFTER_SECONDS)
        self._faults = FaultInjector(seed)
        self._stats = RequestStats()
        self.api = WebApi(self.schema, self._records, self.metadata, self.tokens, self.limiter, self._faults,
                          self._stats, lambda: self.api_base, self.business_unit_id, self.organization_id)
        self._control = ControlSurface(self)
        self._config_lock = threading.Lock()
        self._seed_ids: dict[str, str] = {}
        self._seed_environment()

    def __repr__(self) -> str:  # never the secret
        return f"DynamicsSandbox(seed={self.seed}, tenant={self.tenant_id}, client={self.client_id})"

    # --- addresses ----------------------------------------------------------------

    @property
    def api_base(self) -> str:
        return self.url + settings.API_PREFIX

    @property
    def authority(self) -> str:
        return f"{self.url}/{self.tenant_id}"

    @property
    def token_url(self) -> str:
        return f"{self.authority}{settings.TOKEN_PATH_SUFFIX}"

    @property
    def resource(self) -> str:
        """The scope resource: a token request asks for `<resource>/.default`."""
        return self.url

    @property
    def scope(self) -> str:
        return self.resource + settings.SCOPE_SUFFIX

    # --- HTTP -----------------------------------------------------------------------

    def handle(self, request: Request) -> Response | None:
        path = request.path
        if path.startswith(settings.API_PREFIX + "/") or path == settings.API_PREFIX:
            return self.api.handle(request)
        if path.startswith(settings.CONTROL_PREFIX) or path == settings.CONTROL_PREFIX.rstrip("/"):
            return self._control.handle(request)
        parts = path.strip("/").split("/", 1)
        if len(parts) == 2 and "/" + parts[1] == settings.TOKEN_PATH_SUFFIX:
            self._stats.request(request.method, "token")
            if request.method != "POST":
                return json_response(405, {"error": "invalid_request",
                                           "error_description": "The token endpoint takes POST."})
            return self.tokens.token_endpoint(request, parts[0])
        if len(parts) == 2 and "/" + parts[1] == settings.OPENID_CONFIGURATION_SUFFIX:
            return self.tokens.openid_configuration(f"{self.url}/{parts[0]}")
        error = errors.segment_not_found(path)
        return json_response(404, error.body())

    # --- credentials ----------------------------------------------------------------------

    def access_token(self) -> str:
        """A fresh bearer token without an HTTP round trip (for tests and scripts)."""
        return self.tokens.issue()[0]

    def credentials(self) -> dict[str, Any]:
        """What a loader's configuration needs (the secret included: loopback only)."""
        return {"tenant_id": self.tenant_id, "client_id": self.client_id, "client_secret": self.client_secret,
                "authority": self.authority, "token_url": self.token_url, "resource": self.resource,
                "scope": self.scope, "api_base": self.api_base, "publisher_prefix": self.publisher_prefix}

    def expire_tokens(self) -> int:
        """Expire every token handed out so far; the next API call with one gets 401."""
        return self.tokens.expire_all()

    # --- control (Python twins of /__sandbox__/ routes) --------------------------------

    def _table(self, entity: str):
        table = self.schema.by_set(entity) or self.schema.table(entity)
        if table is None:
            raise KeyError(f"unknown entity set or table {entity!r}; known: "
                           f"{', '.join(sorted(t.entity_set for t in self.schema.tables.values()))}")
        return table

    def records(self, entity: str, start: int = 0, limit: int | None = None) -> list[dict[str, Any]]:
        """Rows of an entity set (or table) as stored, in creation order: lookups as `_x_value`
        with their target table under `_x_value@Microsoft.Dynamics.CRM.lookuplogicalname`."""
        table = self._table(entity)
        with self.store.lock:
            rows = list(self.store.table_rows(table.logical_name).values())
        total = len(rows)
        limit = total - start if limit is None else limit
        if limit > settings.CONTROL_RECORDS_MAX:
            raise ValueError(f"{entity} has {total} rows; ask for at most {settings.CONTROL_RECORDS_MAX} at a "
                             "time with ?start=&limit=")
        return [dict(row) for row in rows[max(0, start):max(0, start) + max(0, limit)]]

    def stats(self) -> dict[str, Any]:
        snapshot = self._stats.snapshot()
        counters = self.api.counters
        snapshot["dataverse"] = {
            "data_operations": counters["operations"],  # what request entitlements count (batch items each)
            "batch_inner_requests": counters["batch_requests"],
            "bulk_records": counters["bulk_records"],
            # simulated server execution time the requests used (the other limit)
            "execution_seconds": counters["execution_ms"] / 1000.0,
            "rate_limited_by_reason": {k.removeprefix("rate_limited_"): v for k, v in counters.items()
                                       if k.startswith("rate_limited_")},
            "tokens_issued": self.tokens.issued,
            "tokens_refused": self.tokens.refused,
        }
        return snapshot

    def faults(self) -> dict[str, Any]:
        return asdict(self._faults.config)

    def set_faults(self, **changes: Any) -> dict[str, Any]:
        """Change error_rate, latency_ms, drop_rate and/or retry_after; others keep their values."""
        return asdict(self._faults.update(**changes))

    def clear_faults(self) -> dict[str, Any]:
        return self.set_faults(error_rate=0.0, latency_ms=0.0, drop_rate=0.0, retry_after=None)

    def config(self) -> dict[str, Any]:
        limiter = self.limiter
        return {
            "time_scale": self.time_scale,
            "window_seconds": limiter.window_seconds,
            "window_real_seconds": limiter.window_real,
            "requests_per_window": limiter.requests_limit,
            "execution_seconds_per_window": limiter.execution_limit,
            "concurrent_requests": limiter.concurrency_limit,
            "token_lifetime_seconds": self.tokens.lifetime_seconds,
            "batch_counts_each_request": self.api.batch_counts_each_request,
            "execution_ms": dict(self.api.costs),
        }

    def configure(self, time_scale: float | None = None, requests_per_window: int | None = None,
                  execution_seconds_per_window: float | None = None, concurrent_requests: int | None = None,
                  window_seconds: float | None = None, token_lifetime_seconds: float | None = None,
                  batch_counts_each_request: bool | None = None,
                  execution_ms: dict[str, float] | None = None) -> dict[str, Any]:
        """Change limits, the speed of time or the token lifetime; open windows keep their requests."""
        with self._config_lock:
            changes: dict[str, Any] = {}
            if time_scale is not None:
                changes["time_scale"] = _positive(time_scale, "time_scale")
            if requests_per_window is not None:
                changes["requests_limit"] = int(requests_per_window)
            if execution_seconds_per_window is not None:
                changes["execution_limit"] = float(execution_seconds_per_window)
            if concurrent_requests is not None:
                changes["concurrency_limit"] = int(concurrent_requests)
            if window_seconds is not None:
                changes["window_seconds"] = _positive(window_seconds, "window_seconds")
            if execution_ms is not None:
                unknown = set(execution_ms) - set(self.api.costs)
                if unknown:
                    raise ValueError(f"unknown execution_ms keys {sorted(unknown)}; known: {sorted(self.api.costs)}")
            if token_lifetime_seconds is not None:
                _positive(token_lifetime_seconds, "token_lifetime_seconds")
            self.limiter.configure(**changes)
            if time_scale is not None:
                self.time_scale = changes["time_scale"]
            if token_lifetime_seconds is not None:
                self.tokens.lifetime_seconds = float(token_lifetime_seconds)
            if batch_counts_each_request is not None:
                self.api.batch_counts_each_request = bool(batch_counts_each_request)
            if execution_ms is not None:
                self.api.costs.update({k: float(v) for k, v in execution_ms.items()})
        return self.config()

    def add_attribute(self, entity: str, logical_name: str, type: str = "String", *,
                      max_length: int | None = None, required: str = "None", display_name: str | None = None,
                      schema_name: str | None = None, target: str | None = None,
                      alternate_key: bool = False) -> dict[str, Any]:
        """Create a custom column (and optionally a one-column alternate key) as the admin would."""
        table = self._table(entity)
        with self.store.lock:
            attr = self.schema.add_attribute(table.logical_name, logical_name, type, max_length=max_length,
                                             required=required, display_name=display_name,
                                             schema_name=schema_name, target=target)
            result = {"attribute": attribute_metadata(table, attr)}
            if alternate_key:
                result["key"] = self.add_key(table.logical_name, [attr.logical_name])
            return result

    def add_key(self, entity: str, attributes: list[str], schema_name: str | None = None) -> dict[str, Any]:
        """Create an alternate key over existing columns (Active at once, Failed on duplicates)."""
        table = self._table(entity)
        with self.store.lock:
            key = self.schema.add_key(table.logical_name, attributes, schema_name)
            self.store.build_key(table, key)
            return key_metadata(table, key)

    def edit(self, entity: str, record_id: str | None = None, key: dict[str, Any] | None = None,
             changes: dict[str, Any] | None = None) -> dict[str, Any]:
        """Change a record as a person in the UI would: modifiedon, modifiedby and the version move."""
        table = self._table(entity)
        if record_id is not None:
            spec = parse_key(record_id)
        elif key:
            spec = KeySpec(values=tuple(key.items()))
        else:
            raise ValueError("edit needs the record's id or its alternate key values")
        person = self._seed_ids.get("first_person", self._system_user_id)
        ctx = Context(person, self.api_base, as_person=True)
        with self.store.lock:
            row_id = self._records.locate(table, spec)
            if row_id is None:
                raise self._records.not_found(table, spec)
            row = self._records.update(table, row_id, changes or {}, ctx)
            return dict(row)

    def reset(self) -> None:
        """A fresh environment: seed rows only, no custom columns, no faults, counts or windows.

        Credentials, issued tokens, limits and the time scale stay as they are."""
        with self.store.lock:
            self.schema.reset()
            self.store.clear()
            self.ids.reset()
            self._seed_environment()
        self._faults.reset()
        self._stats.reset()
        self.limiter.reset()
        self.api.counters.clear()

    def info(self) -> dict[str, Any]:
        with self.store.lock:
            counts = {t.entity_set: len(self.store.table_rows(t.logical_name)) for t in self.schema.tables.values()}
            custom = {t.logical_name: [a.logical_name for a in t.attributes.values() if a.custom]
                      for t in self.schema.tables.values() if any(a.custom for a in t.attributes.values())}
        return {"seed": self.seed, "publisher_prefix": self.publisher_prefix, "counts": counts,
                "custom_columns": custom, "application_user_id": self.app_user_id, **self.config()}

    def _seed_environment(self) -> None:
        api_base = self.api_base if self._httpd is not None else "http://127.0.0.1" + settings.API_PREFIX
        with self.store.lock:
            self._seed_ids = Seeder(self._records, api_base).run(
                self._users, self.client_id, self._system_user_id, self.app_user_id)

    @property
    def base_currency_id(self) -> str:
        return self._seed_ids["base_currency"]

    @property
    def default_unit_group_id(self) -> str:
        return self._seed_ids["default_unit_group"]

    def start(self) -> "DynamicsSandbox":
        super().start()
        return self

    def __enter__(self) -> "DynamicsSandbox":
        return self.start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run a loopback Dynamics 365 Sales (Dataverse Web API) until "
                                                 "interrupted.")
    parser.add_argument("--time-scale", type=float, default=1.0,
                        help="simulated seconds per real second (60: the 5-minute window lasts 5 real seconds)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--publisher-prefix", default=settings.DEFAULT_PUBLISHER_PREFIX)
    parser.add_argument("--token-lifetime", type=float, default=settings.DEFAULT_TOKEN_LIFETIME_SECONDS,
                        help="seconds a token stays valid")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--json", action="store_true", help="print one JSON line of credentials for scripts")
    args = parser.parse_args(argv)

    sandbox = DynamicsSandbox(args.time_scale, publisher_prefix=args.publisher_prefix, seed=args.seed,
                              host=args.host, port=args.port, token_lifetime_seconds=args.token_lifetime).start()
    if args.json:
        print(json.dumps({"url": sandbox.url, **sandbox.credentials()}), flush=True)
    else:
        print(f"Dynamics sandbox at {sandbox.api_base}/", flush=True)
        for name, value in sandbox.credentials().items():
            print(f"  {name}: {value}", flush=True)
        print(f"  control surface: {sandbox.url}{settings.CONTROL_PREFIX}   (Ctrl-C stops)", flush=True)
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    try:
        stopping.wait()
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
