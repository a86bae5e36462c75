"""The account's API quota: requests per hour by plan (and, when switched on,
per minute), one bucket for the whole account whatever the key or user.

Built on the generic FixedWindowLimiter; windows are real seconds, the
simulated hour divided by the time scale. The headers always describe the
hourly window; a request the per-minute cap refuses has already been
counted in the hour (a refused burst costs budget, as on a real server).
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.freshsales import settings
from sandbox.ratelimit import Decision, FixedWindowLimiter

_ACCOUNT = "account"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    hourly: Decision
    reset_in: float  # real seconds until the refusing window ends (the hour's when allowed)

    def headers(self) -> list[tuple[str, str]]:
        return [
            (settings.HEADER_LIMIT, str(self.hourly.limit)),
            (settings.HEADER_REMAINING, str(self.hourly.remaining)),
            (settings.HEADER_RESET, f"{self.hourly.reset_in:.3f}"),
        ]


class AccountQuota:
    def __init__(self, per_hour: int, per_minute: int | None, time_scale: float) -> None:
        self._hour = FixedWindowLimiter(per_hour, settings.RATE_LIMIT_WINDOW_SECONDS / time_scale)
        self._minute = FixedWindowLimiter(per_minute or 1, settings.MINUTE_WINDOW_SECONDS / time_scale)
        self.per_minute = per_minute

    def configure(self, per_hour: int, per_minute: int | None, time_scale: float) -> None:
        self._hour.configure(per_hour, settings.RATE_LIMIT_WINDOW_SECONDS / time_scale)
        self._minute.configure(per_minute or 1, settings.MINUTE_WINDOW_SECONDS / time_scale)
        self.per_minute = per_minute

    def hit(self) -> Verdict:
        hourly = self._hour.hit(_ACCOUNT)
        if not hourly.allowed:
            return Verdict(False, hourly, hourly.reset_in)
        if self.per_minute:
            minute = self._minute.hit(_ACCOUNT)
            if not minute.allowed:
                return Verdict(False, hourly, minute.reset_in)
        return Verdict(True, hourly, hourly.reset_in)

    def reset(self) -> None:
        self._hour.reset()
        self._minute.reset()
