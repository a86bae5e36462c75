"""Request counters the control surface reports (`/__sandbox__/stats`).

Keys are counted under labels (key1, key2, ...), never under the key itself, so
a stats dump can be logged or attached to a report safely.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any


class RequestStats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.requests = 0
            self.by_method: Counter[str] = Counter()
            self.by_key: Counter[str] = Counter()
            self.by_endpoint: Counter[str] = Counter()
            self.rate_limited = 0
            self.errors = 0
            self.drops = 0
            self.latency = 0
            self.unauthorized = 0
            self.forbidden = 0

    def request(self, method: str, endpoint: str) -> None:
        with self._lock:
            self.requests += 1
            self.by_method[method] += 1
            self.by_endpoint[endpoint] += 1

    def count(self, what: str, key_label: str | None = None) -> None:
        """Add one to a named outcome (rate_limited, errors, ...) or to a key's tally."""
        with self._lock:
            if key_label is not None:
                self.by_key[key_label] += 1
            if what:
                setattr(self, what, getattr(self, what) + 1)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self.requests,
                "by_method": dict(self.by_method),
                "by_key": dict(self.by_key),
                "by_endpoint": dict(self.by_endpoint),
                "rate_limited": self.rate_limited,
                "faults": {"errors": self.errors, "drops": self.drops, "latency": self.latency},
                "unauthorized": self.unauthorized,
                "forbidden": self.forbidden,
            }
