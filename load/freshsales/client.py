"""A small Freshsales client: the token header, the JSON envelopes, the error
format, and pacing under the account's hourly quota from its headers."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Mapping

from load.freshsales import settings
from load.http import HttpClient, RetryPolicy


@dataclass(frozen=True)
class FreshsalesConfig:
    base_url: str  # https://<bundle-alias>.myfreshworks.com
    api_key: str
    plan: str = "growth"
    window_seconds: float = settings.WINDOW_SECONDS

    def __repr__(self) -> str:
        return f"FreshsalesConfig(base_url={self.base_url!r}, plan={self.plan!r}, api_key=***)"

    @property
    def api_base(self) -> str:
        return f"{self.base_url.rstrip('/')}/{settings.API_PATH}"

    @property
    def requests_per_window(self) -> int:
        return settings.PLAN_REQUESTS_PER_HOUR.get(self.plan, min(
            settings.PLAN_REQUESTS_PER_HOUR.values()))


def freshsales_error(response) -> tuple[str, str | None]:
    """`{"errors": {"code": 400, "message": ["…", …]}}` (or a plain message)."""
    try:
        body = response.json()
    except ValueError:
        return (response.text or "")[:500], None
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, dict):
        message = errors.get("message")
        if isinstance(message, list):
            message = "; ".join(str(m) for m in message)
        return str(message)[:500], str(errors.get("code")) if errors.get("code") else None
    if isinstance(body, dict) and "message" in body:
        return str(body["message"])[:500], None
    return str(body)[:500], None


class HourlyQuotaPacer:
    """Our own count first, the rate-limit headers second: when the quota is
    (nearly) spent, wait for the window's reset instead of meeting a 429."""

    waits_out_429 = True  # after a 429, before_request waits for the window's reset

    def __init__(self, limit: int, window_seconds: float) -> None:
        self._limit = limit
        self._window = window_seconds
        self._lock = threading.Lock()
        self._remaining = limit
        self._reset_at: float | None = None
        self._window_started: float | None = None
        self.waited_seconds = 0.0

    def before_request(self) -> None:
        while True:
            with self._lock:
                now = time.monotonic()
                end = self._window_end()
                if end is not None and now >= end:
                    self._remaining, self._reset_at, self._window_started = self._limit, None, None
                if self._remaining > settings.RESERVE:
                    self._remaining -= 1
                    if self._window_started is None:
                        self._window_started = now
                    return
                wait = (end - now) if end is not None else 0.05
            time.sleep(max(wait, 0.001))
            self.waited_seconds += max(wait, 0.001)

    def after_response(self, status: int, headers: Mapping[str, str]) -> None:
        limit = _number(headers.get(settings.HEADER_LIMIT))
        remaining = _number(headers.get(settings.HEADER_REMAINING))
        reset = _number(headers.get(settings.HEADER_RESET))
        with self._lock:
            if limit:
                self._limit = int(limit)
            if remaining is not None:
                self._remaining = min(self._remaining, int(remaining))
            if reset is not None:
                self._reset_at = time.monotonic() + reset
            if status == 429:
                self._remaining = 0

    def _window_end(self) -> float | None:
        if self._reset_at is not None:
            return self._reset_at
        if self._window_started is not None:
            return self._window_started + self._window
        return None


def _number(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class FreshsalesClient:
    def __init__(self, config: FreshsalesConfig, policy: RetryPolicy | None = None) -> None:
        self.config = config
        self.pacer = HourlyQuotaPacer(config.requests_per_window, config.window_seconds)
        key = config.api_key
        self.http = HttpClient(
            config.api_base,
            lambda: {settings.AUTH_HEADER: settings.AUTH_FORMAT.format(key=key)},
            pacer=self.pacer, policy=policy, parse_error=freshsales_error,
            default_headers={"Content-Type": "application/json", "Accept": "application/json"},
        )

    def __repr__(self) -> str:
        return f"FreshsalesClient({self.config!r})"

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.http.request("GET", path, params=params).json()

    def post(self, path: str, body: Any, *, idempotent: bool = False) -> Any:
        response = self.http.request("POST", path, json=body, idempotent=idempotent)
        return response.json() if response.content else None

    def put(self, path: str, body: Any) -> Any:
        response = self.http.request("PUT", path, json=body)
        return response.json() if response.content else None

    def delete(self, path: str) -> None:
        self.http.request("DELETE", path)
