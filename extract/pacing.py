"""Keep every (HTTP method, API key) under Bizstim's hourly budget on our own.

Bizstim allows a number of requests per window per HTTP method per key. The
pool counts what it sends (its own count is the first authority, so a clean
run never sees a 429) and corrects itself from the rate-limit headers when the
server sends them (another process may share the key; the server knows when
its window resets). When every key is spent, callers wait for the earliest
reset; that waiting is measured, because it is the quota's share of the wall
time.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from extract import settings

# Requests issued this close to a window's end are counted in the next one by
# a server whose clock runs slightly ahead of ours; waiting this much longer
# after a reset costs little and avoids a 429 at every window boundary.
RESET_MARGIN_FRACTION = 0.002
RESET_MARGIN_CAP_SECONDS = 0.5


@dataclass
class KeyBudget:
    """What one key may still send in its current window."""

    label: str
    limit: int
    window_seconds: float
    remaining: int = -1
    reset_at: float | None = None  # monotonic time the window ends, if known
    window_started: float | None = None
    sent: int = 0
    rate_limited: int = 0
    disabled: bool = False  # refused by the server (no API access): never used again

    def __post_init__(self) -> None:
        if self.remaining < 0:
            self.remaining = self.limit

    def margin(self) -> float:
        return min(self.window_seconds * RESET_MARGIN_FRACTION, RESET_MARGIN_CAP_SECONDS)

    def roll(self, now: float) -> None:
        """Start a new window when the current one has ended."""
        end = self.window_end()
        if end is not None and now >= end:
            self.remaining = self.limit
            self.reset_at = None
            self.window_started = None

    def window_end(self) -> float | None:
        if self.reset_at is not None:
            return self.reset_at + self.margin()
        if self.window_started is not None:
            return self.window_started + self.window_seconds + self.margin()
        return None


@dataclass
class PoolStats:
    sent: int = 0
    rate_limited: int = 0
    # wall seconds during which no key had budget left and a caller waited
    quota_wait_seconds: float = 0.0
    per_key: dict[str, int] = field(default_factory=dict)


class KeyPool:
    """Hands out keys with budget left; blocks when all are spent."""

    def __init__(self, keys: list[str], limit: int, window_seconds: float) -> None:
        if not keys:
            raise ValueError("at least one API key is needed")
        self._keys = list(keys)
        self._budgets = [
            KeyBudget(label=f"key{i + 1}", limit=limit, window_seconds=window_seconds)
            for i in range(len(keys))
        ]
        self._cond = threading.Condition()
        self._blocked_since: float | None = None
        self._waiters = 0
        self.stats = PoolStats()

    @property
    def size(self) -> int:
        return len(self._keys)

    def label_of(self, index: int) -> str:
        return self._budgets[index].label

    def acquire(self, only: int | None = None) -> tuple[int, str, float]:
        """Reserve one request; returns (key index, key, seconds waited for
        budget). Blocks while every key (or key `only`) is spent."""
        asked = time.monotonic()
        with self._cond:
            while True:
                now = time.monotonic()
                best = None
                for i, budget in enumerate(self._budgets):
                    budget.roll(now)
                    if (only is not None and i != only) or budget.disabled:
                        continue
                    if budget.remaining > 0 and (
                        best is None or budget.remaining > self._budgets[best].remaining
                    ):
                        best = i
                if best is not None:
                    budget = self._budgets[best]
                    budget.remaining -= 1
                    budget.sent += 1
                    if budget.window_started is None:
                        budget.window_started = now
                    self.stats.sent += 1
                    self.stats.per_key[budget.label] = budget.sent
                    return best, self._keys[best], now - asked
                wake = min(
                    (end for b in self._budgets if (end := b.window_end()) is not None),
                    default=now + 0.05,
                )
                self._start_blocked(now)
                self._waiters += 1
                try:
                    self._cond.wait(timeout=max(wake - now, 0.001))
                finally:
                    self._waiters -= 1
                    self._stop_blocked(time.monotonic())

    def disable(self, index: int) -> None:
        """Stop using a key the server refused (the others carry on)."""
        with self._cond:
            self._budgets[index].disabled = True
            if all(b.disabled for b in self._budgets):
                raise ValueError("every API key was refused")

    def observe(self, index: int, headers: dict[str, str] | None) -> None:
        """Correct a key's budget from the rate-limit headers of a response."""
        if not headers:
            return
        limit = _int_header(headers, settings.HEADER_LIMIT)
        remaining = _int_header(headers, settings.HEADER_REMAINING)
        reset = _float_header(headers, settings.HEADER_RESET)
        with self._cond:
            budget = self._budgets[index]
            now = time.monotonic()
            if limit is not None and limit > 0:
                budget.limit = limit
            if reset is not None:
                budget.reset_at = now + max(reset, 0.0)
            if remaining is not None:
                budget.remaining = min(budget.remaining, max(remaining, 0))

    def rate_limited(self, index: int, retry_after: float | None) -> None:
        """A 429: this key is spent until the server says otherwise."""
        with self._cond:
            budget = self._budgets[index]
            budget.remaining = 0
            budget.rate_limited += 1
            self.stats.rate_limited += 1
            if retry_after is not None:
                budget.reset_at = time.monotonic() + max(retry_after, 0.0)
            elif budget.reset_at is None and budget.window_started is None:
                budget.window_started = time.monotonic()
            self._cond.notify_all()

    def _start_blocked(self, now: float) -> None:
        if self._blocked_since is None:
            self._blocked_since = now

    def _stop_blocked(self, now: float) -> None:
        # the blocked interval ends once nobody waits any more
        if self._waiters == 0 and self._blocked_since is not None:
            self.stats.quota_wait_seconds += now - self._blocked_since
            self._blocked_since = None


def _int_header(headers: dict[str, str], name: str) -> int | None:
    value = _header(headers, name)
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None


def _float_header(headers: dict[str, str], name: str) -> float | None:
    value = _header(headers, name)
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _header(headers: dict[str, str], name: str) -> str | None:
    # requests' headers are case-insensitive already; plain dicts are not
    value = headers.get(name)
    if value is None:
        value = headers.get(name.lower())
    return value
