"""Switchable fault injection: server errors, added latency, dropped connections.

Generic on purpose (no Bizstim names), for reuse by the other simulators.
Draws come from a seeded generator, so a run with the same seed and the same
request order meets the same faults.
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, fields
from typing import Any

DEFAULT_ERROR_STATUSES = (500, 503)


@dataclass
class FaultConfig:
    error_rate: float = 0.0  # fraction of requests answered with a 5xx
    latency_ms: float = 0.0  # added to every request
    drop_rate: float = 0.0  # fraction of requests whose connection closes unanswered
    retry_after: float | None = None  # Retry-After sent with 5xx and 429s when set

    def validate(self) -> None:
        for name in ("error_rate", "drop_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        if self.latency_ms < 0:
            raise ValueError(f"latency_ms must be >= 0, got {self.latency_ms}")
        if self.retry_after is not None and self.retry_after < 0:
            raise ValueError(f"retry_after must be >= 0 or null, got {self.retry_after}")


@dataclass(frozen=True)
class Fault:
    """What to do to one request: wait, then drop it, fail it, or neither."""

    delay_seconds: float = 0.0
    drop: bool = False
    error_status: int | None = None


NO_FAULT = Fault()


class FaultInjector:
    def __init__(self, seed: int = 0, error_statuses: tuple[int, ...] = DEFAULT_ERROR_STATUSES) -> None:
        self._seed = seed
        self._error_statuses = error_statuses
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.config = FaultConfig()

    def update(self, **changes: Any) -> FaultConfig:
        """Change the named settings, keep the others; unknown names are an error."""
        known = {f.name for f in fields(FaultConfig)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown fault settings {sorted(unknown)}; known: {sorted(known)}")
        candidate = FaultConfig(**{**asdict(self.config), **changes})
        for name in ("error_rate", "drop_rate", "latency_ms"):
            setattr(candidate, name, float(getattr(candidate, name) or 0.0))
        if candidate.retry_after is not None:
            candidate.retry_after = float(candidate.retry_after)
        candidate.validate()
        with self._lock:
            self.config = candidate
        return candidate

    def reset(self) -> None:
        with self._lock:
            self.config = FaultConfig()
            self._rng = random.Random(self._seed)

    def draw(self) -> Fault:
        config = self.config
        if not (config.error_rate or config.drop_rate or config.latency_ms):
            return NO_FAULT  # the common case costs no lock and no draw
        with self._lock:
            drop = config.drop_rate > 0 and self._rng.random() < config.drop_rate
            error = None
            if not drop and config.error_rate > 0 and self._rng.random() < config.error_rate:
                error = self._error_statuses[int(self._rng.random() * len(self._error_statuses))]
        return Fault(config.latency_ms / 1000.0, drop, error)
