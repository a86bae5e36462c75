"""Sliding-window service protection: request count, execution time, concurrency.

Generic (no Dataverse names) so another simulator can reuse it; it differs
from `sandbox.ratelimit.FixedWindowLimiter` in three ways Dataverse documents
(api-limits.md): the window slides (a request counts for the 300 s after it
was made, not until a fixed reset), execution time is limited as well as the
number of requests, and requests in flight at once are limited.

Evaluation follows the documentation: the limits look at the *preceding*
window, so a client may overshoot a little before it is refused ("you can
expect to exceed the number of requests and execution time limits ... before
the service protection API limits take effect"); the concurrency limit refuses
at once. `retry_after` is the real time until enough of the window has slid
by for a request to pass again. Refused requests are not counted.

Time: the window and execution budget are in simulated seconds; `time_scale`
simulated seconds pass per real second, and every duration this class returns
is in real seconds (execution remaining excepted: it is budget, simulated).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Hashable


TRACE_LENGTH = 1_000_000  # admitted requests remembered (a few tens of MB at most)


@dataclass(frozen=True)
class Refusal:
    reason: str  # "requests" | "execution" | "concurrency"
    retry_after: float  # real seconds


@dataclass
class Budget:
    requests_remaining: int
    execution_remaining: float  # simulated seconds


@dataclass
class _Bucket:
    entries: deque = field(default_factory=deque)  # [real start, requests, execution seconds]
    requests: int = 0
    execution: float = 0.0
    in_flight: int = 0


class SlidingWindowLimiter:
    def __init__(self, requests_limit: int, execution_limit: float, concurrency_limit: int,
                 window_seconds: float, time_scale: float = 1.0, concurrency_retry_after: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[Hashable, _Bucket] = {}
        self.requests_limit = requests_limit
        self.execution_limit = execution_limit
        self.concurrency_limit = concurrency_limit
        self.window_seconds = window_seconds
        self.time_scale = time_scale
        self.concurrency_retry_after = concurrency_retry_after
        # every admitted request, in order: [window entry, real end] (the entry is the
        # list the window holds, [real start, requests, execution seconds], so the
        # execution charged at end() shows here too); a benchmark replays them to find
        # the least time the limits allowed
        self.trace: deque = deque(maxlen=TRACE_LENGTH)
        self._check()

    def _check(self) -> None:
        if self.requests_limit < 0 or self.execution_limit < 0 or self.concurrency_limit < 1:
            raise ValueError("limits must be >= 0 (concurrency >= 1)")
        if self.window_seconds <= 0 or self.time_scale <= 0:
            raise ValueError("window_seconds and time_scale must be > 0")

    @property
    def window_real(self) -> float:
        return self.window_seconds / self.time_scale

    def configure(self, **changes: float) -> None:
        with self._lock:
            old = {name: getattr(self, name) for name in changes}
            for name, value in changes.items():
                if name not in ("requests_limit", "execution_limit", "concurrency_limit", "window_seconds",
                                "time_scale", "concurrency_retry_after"):
                    raise ValueError(f"unknown limiter setting {name!r}")
                setattr(self, name, value)
            try:
                self._check()
            except ValueError:
                for name, value in old.items():
                    setattr(self, name, value)
                raise

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
            self.trace.clear()

    def admitted(self) -> list[tuple[float, int, float, float | None]]:
        """The trace: (real start, requests, simulated execution seconds, real end or None
        while in flight) per admitted request."""
        with self._lock:
            return [(entry[0], entry[1], entry[2], end) for entry, end in self.trace]

    def _expire(self, bucket: _Bucket, now: float) -> None:
        horizon = now - self.window_real
        entries = bucket.entries
        while entries and entries[0][0] <= horizon:
            _, requests, execution = entries.popleft()
            bucket.requests -= requests
            bucket.execution -= execution

    def _wait_until_below(self, bucket: _Bucket, now: float, index: int, limit: float) -> float:
        """Real seconds until the total of column `index` in the window falls below `limit`."""
        total = bucket.requests if index == 1 else bucket.execution
        for entry in bucket.entries:
            total -= entry[index]
            if total < limit:
                return max(0.0, entry[0] + self.window_real - now)
        return self.window_real

    def begin(self, key: Hashable, requests: int = 1) -> tuple[Refusal | None, tuple | None]:
        """Admit one HTTP request worth `requests`; (refusal, None) or (None, handle for end())."""
        now = self._clock()
        with self._lock:
            bucket = self._buckets.setdefault(key, _Bucket())
            self._expire(bucket, now)
            if bucket.in_flight >= self.concurrency_limit:
                return Refusal("concurrency", self.concurrency_retry_after / self.time_scale), None
            if bucket.requests >= self.requests_limit:
                return Refusal("requests", self._wait_until_below(bucket, now, 1, self.requests_limit)), None
            if bucket.execution >= self.execution_limit:
                return Refusal("execution", self._wait_until_below(bucket, now, 2, self.execution_limit)), None
            entry = [now, requests, 0.0]
            bucket.entries.append(entry)
            traced = [entry, None]
            self.trace.append(traced)
            bucket.requests += requests
            bucket.in_flight += 1
            return None, (bucket, entry, traced)

    def end(self, key: Hashable, handle: tuple, execution_seconds: float, extra_requests: int = 0) -> None:
        """The request finished: release its concurrency slot, charge its execution time and any
        requests it turned out to hold (e.g. the parts of a $batch)."""
        bucket, entry, traced = handle
        with self._lock:
            traced[1] = self._clock()
            bucket.in_flight = max(0, bucket.in_flight - 1)
            # still in the window (entries leave strictly in start order) and not reset meanwhile
            if self._buckets.get(key) is bucket and entry[0] > self._clock() - self.window_real:
                entry[2] += execution_seconds
                entry[1] += extra_requests
                bucket.execution += execution_seconds
                bucket.requests += extra_requests

    def budget(self, key: Hashable) -> Budget:
        now = self._clock()
        with self._lock:
            bucket = self._buckets.setdefault(key, _Bucket())
            self._expire(bucket, now)
            return Budget(max(0, self.requests_limit - bucket.requests),
                          max(0.0, self.execution_limit - bucket.execution))
