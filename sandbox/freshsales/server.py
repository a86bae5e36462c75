"""A loopback Freshsales (Freshworks CRM): the REST API under /crm/sales/api/
and a control surface at /__sandbox__/.

    from sandbox.freshsales.server import FreshsalesSandbox
    with FreshsalesSandbox(plan="growth", time_scale=3600) as sb:
        sb.define_field("contacts", "cf_bizstim_id", type="text", unique=True)   # the admin's part
        requests.post(f"{sb.api_base}/contacts/upsert",
                      headers={"Authorization": f"Token token={sb.api_key}"},
                      json={"unique_identifier": {"cf_bizstim_id": "17"},
                            "contact": {"last_name": "Ng", "email": "ng@example.com"}})

or from a shell, until interrupted:

    python -m sandbox.freshsales.server --plan growth --time-scale 3600 --port 0 [--json]
"""

from __future__ import annotations

import argparse
import json
import secrets
import signal
import sys
import threading
from dataclasses import asdict
from typing import Any

from sandbox.faults import FaultInjector
from sandbox.freshsales import seed as seeding
from sandbox.freshsales import settings
from sandbox.freshsales.api import FreshsalesApi
from sandbox.freshsales.api_documents import DocumentRoutes
from sandbox.freshsales.api_records import RecordRoutes
from sandbox.freshsales.api_settings import SettingsRoutes
from sandbox.freshsales.api_upsert import UpsertRoutes
from sandbox.freshsales.control import ControlSurface
from sandbox.freshsales.entities import ENTITIES, OBJECTS, WITH_FIELDS
from sandbox.freshsales.errors import ApiError
from sandbox.freshsales.fields import FieldRegistry
from sandbox.freshsales.jobs import BulkJobs
from sandbox.freshsales.quota import AccountQuota
from sandbox.freshsales.records import Records, stamp, utc_now
from sandbox.freshsales.routing import Router
from sandbox.freshsales.store import Store, as_id
from sandbox.freshsales.views import build_views
from sandbox.http_util import LoopbackServer, Request, Response
from sandbox.stats import RequestStats

_UNSET: Any = object()


def _positive(value: float, name: str) -> float:
    value = float(value)
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return value


def _plan(plan: str) -> str:
    if plan not in settings.PLAN_REQUESTS_PER_HOUR:
        raise ValueError(f"unknown plan {plan!r}; use one of {', '.join(settings.PLANS)}")
    return plan


class FreshsalesSandbox(LoopbackServer):
    def __init__(self, plan: str = "growth", time_scale: float = 1.0, users: list[Any] | None = None,
                 seed: int = 42, host: str = "127.0.0.1", port: int = 0, *,
                 rate_limit_per_hour: int | None = None,
                 per_minute_limit: int | None = settings.DEFAULT_PER_MINUTE_LIMIT,
                 storage_bytes: int | None = None) -> None:
        super().__init__(host, port)
        self.seed = seed
        self.plan = _plan(plan)
        self.time_scale = _positive(time_scale, "time_scale")
        self.rate_limit_per_hour = int(rate_limit_per_hour or settings.PLAN_REQUESTS_PER_HOUR[self.plan])
        self.per_minute_limit = per_minute_limit
        self.storage_bytes = storage_bytes
        self.job_base_seconds = settings.JOB_BASE_SECONDS
        self.job_seconds_per_record = settings.JOB_SECONDS_PER_RECORD
        self.api_key = secrets.token_urlsafe(settings.API_KEY_BYTES)
        self._user_specs = seeding.normalise_users(users)

        self.store = Store(OBJECTS)
        self.fields = FieldRegistry()
        self._records = Records(self.store, self.fields)
        self.jobs = BulkJobs(self._records)
        self.quota = AccountQuota(self.rate_limit_per_hour, self.per_minute_limit, self.time_scale)
        self._faults = FaultInjector(seed, settings.INJECTED_ERROR_STATUSES)
        self._stats = RequestStats()
        self.api_user_id = seeding.seed(self.store, self._user_specs, stamp(utc_now()))
        self._views = build_views()
        self._documents = DocumentRoutes(self._records, self._storage_limit)

        router = Router()
        RecordRoutes(self._records, self._views, self.api_user_id).register(router)
        UpsertRoutes(self._records, self.jobs, self._job_delay).register(router)
        SettingsRoutes(self._records).register(router)
        self._documents.register(router)
        self._api = FreshsalesApi(router, self.api_key, self.api_user_id, self.quota, self._faults, self._stats)
        self._control = ControlSurface(self)
        self._config_lock = threading.Lock()

    def __repr__(self) -> str:  # never the key
        return f"FreshsalesSandbox(plan={self.plan!r}, time_scale={self.time_scale}, users={len(self._user_specs)})"

    # --- addresses ---------------------------------------------------------------------

    @property
    def api_base(self) -> str:
        return self.url + settings.API_PREFIX.rstrip("/")

    @property
    def users(self) -> list[dict[str, Any]]:
        """The account's users (the loader's owners), inactive ones included."""
        return [dict(u) for u in self.store.all("users")]

    def credentials(self) -> dict[str, Any]:
        """What a loader's configuration needs: base_url is the bundle-alias URL (the client
        appends /crm/sales/api), window_seconds the sandbox's "hour" in real seconds."""
        return {"base_url": self.url, "api_base": self.api_base, "api_key": self.api_key, "plan": self.plan,
                "window_seconds": settings.RATE_LIMIT_WINDOW_SECONDS / self.time_scale}

    # --- HTTP ---------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response | None:
        if request.path.startswith(settings.API_PREFIX):
            return self._api.handle(request)
        if request.path.startswith(settings.CONTROL_PREFIX) or request.path == settings.CONTROL_PREFIX.rstrip("/"):
            return self._control.handle(request)
        return ApiError(settings.STATUS_NOT_FOUND, settings.MESSAGE_NO_ROUTE).response()

    def start(self) -> "FreshsalesSandbox":
        super().start()
        self.jobs.start()
        return self

    def stop(self) -> None:
        self.jobs.stop()
        super().stop()

    def __enter__(self) -> "FreshsalesSandbox":
        return self.start()

    # --- control (Python twins of /__sandbox__/ routes) ---------------------------------------

    def records(self, obj: str, start: int = 0, limit: int | None = None) -> list[dict[str, Any]]:
        """Every record of `obj` as the API shows it, in creation order."""
        if obj == "jobs":
            rows = [job.body()["job_status"] for job in self.jobs.all()]
        elif obj == "fields":
            rows = [{"entity": entity, **f} for entity in WITH_FIELDS for f in self.fields.list(entity)]
        elif obj in OBJECTS:
            rows = self.store.all(obj)
        else:
            raise KeyError(f"unknown object {obj!r}; known: {', '.join((*OBJECTS, 'fields', 'jobs'))}")
        total = len(rows)
        limit = total - start if limit is None else limit
        if limit > settings.CONTROL_RECORDS_MAX:
            raise ValueError(f"{obj} has {total} records; ask for at most {settings.CONTROL_RECORDS_MAX} "
                             "at a time with ?start=&limit=")
        rows = rows[max(0, start):max(0, start) + max(0, limit)]
        if obj in ENTITIES:
            render = self._records.render
            out = [render(obj, r, ("products",)) for r in rows]
            if obj == "documents":
                for shown, stored in zip(out, rows):
                    shown["sha256"] = stored.get("_sha256")
            return out
        return [dict(r) for r in rows]

    def document_bytes(self, document_id: Any) -> bytes:
        record = self.store.get("documents", document_id)
        if record is None:
            raise KeyError(f"no document {document_id!r}")
        return record.get("_data", b"")

    def stats(self) -> dict[str, Any]:
        snapshot = self._stats.snapshot()
        snapshot["bulk_jobs"] = {"submitted": len(self.jobs.all()), "pending": self.jobs.pending()}
        return snapshot

    def faults(self) -> dict[str, Any]:
        return asdict(self._faults.config)

    def set_faults(self, **changes: Any) -> dict[str, Any]:
        """Change error_rate, latency_ms, drop_rate and/or retry_after; others keep their values."""
        return asdict(self._faults.update(**changes))

    def clear_faults(self) -> dict[str, Any]:
        return self.set_faults(error_rate=0.0, latency_ms=0.0, drop_rate=0.0, retry_after=None)

    def config(self) -> dict[str, Any]:
        return {
            "plan": self.plan,
            "rate_limit_per_hour": self.rate_limit_per_hour,
            "per_minute_limit": self.per_minute_limit,
            "time_scale": self.time_scale,
            "window_seconds": settings.RATE_LIMIT_WINDOW_SECONDS / self.time_scale,
            "job_base_seconds": self.job_base_seconds,
            "job_seconds_per_record": self.job_seconds_per_record,
            "storage_bytes": self._storage_limit(),
        }

    def configure(self, plan: str | None = None, rate_limit_per_hour: int | None = None,
                  per_minute_limit: Any = _UNSET, time_scale: float | None = None,
                  job_base_seconds: float | None = None, job_seconds_per_record: float | None = None,
                  storage_bytes: Any = _UNSET) -> dict[str, Any]:
        """Change the plan (and with it the hourly quota), the quota itself, the per-minute cap
        (None: off), the speed of time, bulk job durations or the storage limit (None: the plan's).
        Open rate-limit windows keep their start."""
        with self._config_lock:
            if time_scale is not None:
                self.time_scale = _positive(time_scale, "time_scale")
            if plan is not None:
                self.plan = _plan(plan)
                self.rate_limit_per_hour = settings.PLAN_REQUESTS_PER_HOUR[self.plan]
            if rate_limit_per_hour is not None:
                if int(rate_limit_per_hour) < 0:
                    raise ValueError("rate_limit_per_hour must be >= 0")
                self.rate_limit_per_hour = int(rate_limit_per_hour)
            if per_minute_limit is not _UNSET:
                self.per_minute_limit = None if per_minute_limit is None else int(per_minute_limit)
            if job_base_seconds is not None:
                self.job_base_seconds = max(0.0, float(job_base_seconds))
            if job_seconds_per_record is not None:
                self.job_seconds_per_record = max(0.0, float(job_seconds_per_record))
            if storage_bytes is not _UNSET:
                self.storage_bytes = None if storage_bytes is None else int(storage_bytes)
            self.quota.configure(self.rate_limit_per_hour, self.per_minute_limit, self.time_scale)
        return self.config()

    def define_field(self, entity: str, name: str | None = None, label: str | None = None, type: str = "text",
                     choices: list[Any] | None = None, unique: bool = False,
                     required: bool = False) -> dict[str, Any]:
        """Create a custom field (cf_…) as the account's admin does in the UI; the API cannot."""
        return self.fields.define(entity, name, label, type, choices, unique, required)

    def add_choices(self, entity: str, field: str, choices: list[Any]) -> dict[str, Any]:
        """Add choices to a choice field, e.g. product categories: add_choices("products", "category", [...])."""
        return self.fields.add_choices(entity, field, choices)

    def edit(self, obj: str, record_id: Any, changes: dict[str, Any], by: Any = None) -> dict[str, Any]:
        """Change a record as a person in the UI would: same checks as the API, updated_at moves."""
        if obj not in ENTITIES:
            raise KeyError(f"unknown object {obj!r}; editable: {', '.join(ENTITIES)}")
        if not isinstance(changes, dict) or not changes:
            raise ValueError("changes must be a non-empty object")
        actor = as_id(by) if by is not None else self._a_person()
        if actor is None or not self.store.exists("users", actor):
            raise ValueError(f"by must be a user id, got {by!r}")
        if self.store.get(obj, record_id) is None:
            raise KeyError(f"no {obj} record {record_id!r}")
        record = self._records.update(obj, record_id, changes, actor)
        return self._records.render(obj, record, ("products",))

    def run_jobs(self) -> int:
        """Run every pending bulk job now; returns how many ran."""
        return self.jobs.run_all()

    def reset(self) -> None:
        """Back to a new account: seeded users and selectors, standard fields only, no records,
        no jobs, no faults, no counts, fresh quota windows. The configuration stays."""
        with self.store.lock:
            self.store.clear()
            self.fields.reset()
            self.jobs.reset()
            seeding.seed(self.store, self._user_specs, stamp(utc_now()))
        self._faults.reset()
        self._stats.reset()
        self.quota.reset()

    def info(self) -> dict[str, Any]:
        return {
            "api_base": self.api_base if self._httpd is not None else None,
            "counts": {obj: self.store.count(obj) for obj in OBJECTS},
            "custom_fields": {e: [f.name for f in self.fields.custom(e)] for e in WITH_FIELDS},
            "storage_used_bytes": self._documents.used_bytes(),
            **self.config(),
        }

    # --- internals ---------------------------------------------------------------------------

    def _job_delay(self, records: int) -> float:
        return (self.job_base_seconds + records * self.job_seconds_per_record) / self.time_scale

    def _storage_limit(self) -> int:
        if self.storage_bytes is not None:
            return self.storage_bytes
        active = sum(1 for u in self._user_specs if u["is_active"])
        return settings.PLAN_STORAGE_BYTES_PER_USER[self.plan] * active

    def _a_person(self) -> int:
        """Someone other than the API key's owner, as a UI edit usually is."""
        others = [u["id"] for u in self.store.all("users") if u["is_active"] and u["id"] != self.api_user_id]
        return others[0] if others else self.api_user_id


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run a loopback Freshsales API until interrupted.")
    parser.add_argument("--plan", default="growth", choices=settings.PLANS)
    parser.add_argument("--time-scale", type=float, default=1.0,
                        help="simulated seconds per real second (3600: an hour's quota window per second)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON line {url, api_base, api_key} for scripts instead of text")
    args = parser.parse_args(argv)

    sandbox = FreshsalesSandbox(args.plan, args.time_scale, seed=args.seed, host=args.host, port=args.port).start()
    # The key is throwaway and printed once here, never per request.
    if args.json:
        print(json.dumps({"url": sandbox.url, "api_base": sandbox.api_base, "api_key": sandbox.api_key}), flush=True)
    else:
        print(f"Freshsales sandbox ({args.plan}) at {sandbox.api_base}", flush=True)
        print(f"  API key: {sandbox.api_key}", flush=True)
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
