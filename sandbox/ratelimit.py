"""A fixed-window request quota per bucket (for Bizstim: per HTTP method and key).

Generic on purpose (no Bizstim names): the Freshsales and Dynamics simulators
reuse it with their own buckets and limits. A window opens at a bucket's first
request and lasts `window_seconds` of real time; up to `limit` requests pass in
it. Refused requests do not consume quota. Limit and window can change live;
open windows keep their start and use the new values.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable, Hashable


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_in: float  # real seconds until the window ends, never negative


class FixedWindowLimiter:
    def __init__(self, limit: int, window_seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._check_values(limit, window_seconds)
        self.limit = limit
        self.window_seconds = window_seconds
        self._clock = clock
        self._windows: dict[Hashable, list[float]] = {}  # bucket -> [start, used]
        self._lock = threading.Lock()

    @staticmethod
    def _check_values(limit: int, window_seconds: float) -> None:
        if limit < 0 or window_seconds <= 0:
            raise ValueError(f"need limit >= 0 and window_seconds > 0, got {limit}, {window_seconds}")

    def configure(self, limit: int | None = None, window_seconds: float | None = None) -> None:
        with self._lock:
            new_limit = self.limit if limit is None else int(limit)
            new_window = self.window_seconds if window_seconds is None else float(window_seconds)
            self._check_values(new_limit, new_window)
            self.limit, self.window_seconds = new_limit, new_window

    def hit(self, bucket: Hashable) -> Decision:
        """Count one request in `bucket` if the quota allows it."""
        now = self._clock()
        with self._lock:
            window = self._windows.get(bucket)
            if window is None or now >= window[0] + self.window_seconds:
                window = self._windows[bucket] = [now, 0]
            reset_in = max(0.0, window[0] + self.window_seconds - now)
            if window[1] >= self.limit:
                return Decision(False, self.limit, 0, reset_in)
            window[1] += 1
            return Decision(True, self.limit, self.limit - int(window[1]), reset_in)

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()
