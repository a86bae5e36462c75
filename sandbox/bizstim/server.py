"""A loopback Bizstim: the REST API at /api/ and a control surface at /__sandbox__/.

    from sandbox.bizstim.server import BizstimSandbox
    with BizstimSandbox(tenant="small", seed=42, time_scale=3600) as sb:
        requests.get(sb.url + "/api/clients/0/100", headers={"x-api-key": sb.api_keys[0]})

or from a shell, until interrupted:

    python -m sandbox.bizstim.server --tenant small --seed 42 --time-scale 3600 --port 0
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from dataclasses import asdict
from typing import Any

from sandbox.bizstim import settings
from sandbox.bizstim.api import BizstimApi, failure
from sandbox.bizstim.auth import ApiKeys
from sandbox.bizstim.control import ControlSurface
from sandbox.faults import FaultInjector
from sandbox.ratelimit import FixedWindowLimiter
from sandbox.bizstim.state import LiveTenant
from sandbox.stats import RequestStats
from sandbox.bizstim import corpus as corpus_module
from sandbox.bizstim.live_edits import LiveEdits
from sandbox.bizstim.quirks import PageQuirk
from sandbox.bizstim.touch import touch as touch_records
from sandbox.http_util import LoopbackServer, Request, Response
from sandbox.tenant import OBJECTS, Tenant


class BizstimSandbox(LoopbackServer):
    def __init__(
        self,
        tenant: str | Tenant = "small",
        seed: int = 42,
        time_scale: float = 1.0,
        rate_limit_per_hour: int = settings.DEFAULT_RATE_LIMIT_PER_HOUR,
        keys: dict[str, str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        corpus: bool | list[str] = False,
    ) -> None:
        super().__init__(host, port)
        self.tenant = tenant if isinstance(tenant, Tenant) else Tenant(tenant, seed)
        self.seed = self.tenant.seed
        self.time_scale = _positive(time_scale, "time_scale")
        self.rate_limit_per_hour = int(rate_limit_per_hour)
        self.live = LiveTenant(self.tenant)
        self._keys = ApiKeys(keys)
        self._limiter = FixedWindowLimiter(self.rate_limit_per_hour, self._window_seconds())
        self._faults = FaultInjector(self.seed)
        self._stats = RequestStats()
        self._live_edits = LiveEdits()
        self._api = BizstimApi(self.live, self._keys, self._limiter, self._faults, self._stats,
                               self._live_edits)
        self._control = ControlSurface(self)
        self._config_lock = threading.Lock()
        # the bad-input corpus (sandbox/bizstim/corpus.py): part of the initial
        # account when asked for here (a reset brings it back), or added later
        self._initial_corpus: list[str] | None = None
        self.corpus_applied: dict[str, Any] = {}
        if corpus:
            self._initial_corpus = list(self.apply_corpus(None if corpus is True else list(corpus)))

    def __repr__(self) -> str:
        return f"BizstimSandbox(tenant={self.tenant.size!r}, seed={self.seed}, keys={self._keys!r})"

    # --- HTTP --------------------------------------------------------------------

    def handle(self, request: Request) -> Response | None:
        if request.path.startswith(settings.API_PREFIX):
            return self._api.handle(request)
        if request.path.startswith(settings.CONTROL_PREFIX):
            return self._control.handle(request)
        return failure(settings.STATUS_NOT_FOUND, settings.MESSAGE_UNKNOWN_METHOD)

    # --- keys ----------------------------------------------------------------------

    @property
    def api_keys(self) -> list[str]:
        """Keys whose plan may call the API (the Enterprise keys of a generated sandbox)."""
        return self._keys.with_api_access

    @property
    def keys_by_plan(self) -> dict[str, list[str]]:
        return self._keys.by_plan

    # --- control (Python twins of /__sandbox__/ routes) -----------------------------

    def records(self, obj: str, start: int = 0, limit: int | None = None) -> list[dict[str, str]]:
        """Records of `obj` as the API returns them now (after touches)."""
        if obj not in OBJECTS:
            raise KeyError(f"unknown object {obj!r}; known: {', '.join(OBJECTS)}")
        total = self.live.total(obj)
        limit = total - start if limit is None else limit
        if limit > settings.CONTROL_RECORDS_MAX:
            raise ValueError(
                f"{obj} has {total} records; ask for at most {settings.CONTROL_RECORDS_MAX} "
                "at a time with ?start=&limit="
            )
        start, limit = max(0, start), max(0, limit)
        if obj == "client_files":
            # a deleted client's files go with it, as the API answers 404 for them;
            # files number at most ~20 000, so filtering the whole list is cheap
            files = [f for f in self.live.page(obj, 0, total)
                     if self.live.get("clients", self.live.file_listed_under(f))]
            return files[start:start + limit]
        return self.live.page(obj, start, limit)

    def stats(self) -> dict[str, Any]:
        return self._stats.snapshot()

    def faults(self) -> dict[str, Any]:
        return asdict(self._faults.config)

    def set_faults(self, **changes: Any) -> dict[str, Any]:
        """Change error_rate, latency_ms, drop_rate and/or retry_after; others keep their values."""
        return asdict(self._faults.update(**changes))

    def clear_faults(self) -> dict[str, Any]:
        return self.set_faults(error_rate=0.0, latency_ms=0.0, drop_rate=0.0, retry_after=None)

    def config(self) -> dict[str, Any]:
        return {
            "rate_limit_per_hour": self.rate_limit_per_hour,
            "time_scale": self.time_scale,
            "window_seconds": self._window_seconds(),
        }

    def configure(self, rate_limit_per_hour: int | None = None,
                  time_scale: float | None = None) -> dict[str, Any]:
        """Change the quota and/or the speed of time; open windows keep their start."""
        with self._config_lock:
            if time_scale is not None:
                self.time_scale = _positive(time_scale, "time_scale")
            if rate_limit_per_hour is not None:
                self.rate_limit_per_hour = int(rate_limit_per_hour)
            self._limiter.configure(self.rate_limit_per_hour, self._window_seconds())
        return self.config()

    def touch(self, obj: str, count: int | None = None, changed: int | None = None,
              added: int | None = None, deleted: int | None = None) -> dict[str, Any]:
        """Change, add and delete records of `obj` as a live account would."""
        return touch_records(self.live, obj, count=count, changed=changed, added=added, deleted=deleted)

    def apply_corpus(self, kinds: list[str] | None = None) -> dict[str, Any]:
        """Add the bad-input corpus (every kind, or the named ones) to the account:
        {kind: {object, outcome, reason, ids, holds, ...}} (sandbox/bizstim/corpus.py).
        Applied again, a kind adds its records again (new ids); a reset removes
        it, unless the sandbox was started with it (`corpus=`)."""
        applied = corpus_module.apply_corpus(self.live, kinds)
        self.corpus_applied.update(applied)
        return applied

    def set_page_quirks(self, quirks: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Make list pages misbehave (sandbox/bizstim/quirks.py); replaces the quirks
        in force, [] clears them. Answers the quirks now in force."""
        parsed = [PageQuirk.from_dict(q) for q in quirks]
        with self.live.edit_lock:
            self.live.page_quirks[:] = parsed
        return self.page_quirks()

    def page_quirks(self) -> list[dict[str, Any]]:
        return [q.as_dict() for q in list(self.live.page_quirks)]

    def set_live_edits(self, edits: list[dict[str, Any]]) -> dict[str, Any]:
        """Arm edits that fire right after a list page is served (people working
        while an extraction reads; sandbox/bizstim/live_edits.py); replaces the
        armed ones, [] disarms them. Answers {armed, fired}."""
        self._live_edits.replace(edits)
        return self.live_edits()

    def live_edits(self) -> dict[str, Any]:
        """The edits still armed and what each firing deleted and added."""
        return self._live_edits.state()

    def reset(self) -> None:
        """Back to the initial tenant (with the corpus, when it was asked for at
        start): no edits, no faults, no counts, fresh windows."""
        self._live_edits.replace([])
        self.live.reset()
        self._faults.reset()
        self._stats.reset()
        self._limiter.reset()
        self.corpus_applied = {}
        if self._initial_corpus is not None:
            self.apply_corpus(self._initial_corpus)

    def info(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant.size,
            "seed": self.seed,
            "counts": {obj: self.live.total(obj) for obj in OBJECTS},
            "corpus": list(self.corpus_applied),
            **self.config(),
        }

    def _window_seconds(self) -> float:
        return settings.RATE_LIMIT_WINDOW_SECONDS / self.time_scale

    def start(self) -> "BizstimSandbox":
        super().start()
        return self

    def __enter__(self) -> "BizstimSandbox":
        return self.start()


def _positive(value: float, name: str) -> float:
    value = float(value)
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run a loopback Bizstim API until interrupted.")
    parser.add_argument("--tenant", default="small", choices=("small", "medium", "large"))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--time-scale", type=float, default=1.0,
                        help="simulated seconds per real second (3600: an hour's quota window per second)")
    parser.add_argument("--rate-limit", type=int, default=settings.DEFAULT_RATE_LIMIT_PER_HOUR,
                        help="requests per window per HTTP method per key")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--corpus", action="store_true",
                        help="add the bad-input corpus (sandbox/bizstim/corpus.py) to the tenant")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON line {url, keys_by_plan} for scripts instead of text")
    args = parser.parse_args(argv)

    sandbox = BizstimSandbox(args.tenant, args.seed, args.time_scale, args.rate_limit,
                             host=args.host, port=args.port, corpus=args.corpus).start()
    # Keys are throwaway and printed once here, never per request.
    if args.json:
        print(json.dumps({"url": sandbox.url, "keys_by_plan": sandbox.keys_by_plan}), flush=True)
    else:
        print(f"Bizstim sandbox ({args.tenant}, seed {args.seed}) at {sandbox.url}/api/", flush=True)
        for plan, keys in sandbox.keys_by_plan.items():
            for key in keys:
                print(f"  {plan} key: {key}", flush=True)
        print(f"  control surface: {sandbox.url}{settings.CONTROL_PREFIX}   (Ctrl-C stops)", flush=True)
    # Stop on Ctrl-C and on SIGTERM alike (a background job may ignore SIGINT).
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
