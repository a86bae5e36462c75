"""The loader's HTTP client for both destinations: pacing, retries, errors.

- Pacing: a `Pacer` sees every request before it goes and every response's
  headers after, and sleeps so a clean run stays under the destination's
  published limit (the destination's writer supplies the pacer).
- Retries: 429 and 5xx wait for Retry-After (a `0` still waits a floor) or an
  exponential backoff, and go again; the number of tries is bounded.
- Ambiguity: a request that may or may not have been applied (timeout, dropped
  connection, 5xx on a create) is retried automatically only when it is
  idempotent (GET, PUT, PATCH, DELETE, an upsert by key). A create raises
  `AmbiguousWrite` instead, and the writer looks the Bizstim key up in the
  destination before sending it again, so a retry never duplicates a record.
- Secrets: headers are never part of an exception, a log line or a repr.
"""

from __future__ import annotations

import logging
import os
import random
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Protocol

import requests

from load.errors import AmbiguousWrite, ApiError, GaveUp  # noqa: F401 - raised here

log = logging.getLogger("bizstim_migrate.load")

IDEMPOTENT_METHODS = frozenset({"GET", "PUT", "PATCH", "DELETE", "HEAD"})


class Pacer(Protocol):
    def before_request(self) -> None: ...
    def after_response(self, status: int, headers: Mapping[str, str]) -> None: ...


class NoPacing:
    def before_request(self) -> None:
        pass

    def after_response(self, status: int, headers: Mapping[str, str]) -> None:
        pass


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    max_rate_limited: int = 20
    backoff_base_seconds: float = 0.5
    backoff_cap_seconds: float = 60.0
    floor_seconds: float = 0.05
    connect_timeout: float = 10.0
    read_timeout: float = 120.0


ErrorParser = Callable[[requests.Response], tuple[str, str | None]]


def _default_error(response: requests.Response) -> tuple[str, str | None]:
    return (response.text or response.reason or "")[:500], None


class HttpClient:
    def __init__(
        self,
        base_url: str,
        auth_headers: Callable[[], dict[str, str]],
        *,
        pacer: Pacer | None = None,
        policy: RetryPolicy | None = None,
        parse_error: ErrorParser = _default_error,
        refresh_auth: Callable[[], None] | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._auth_headers = auth_headers
        self.pacer = pacer or NoPacing()
        self.policy = policy or RetryPolicy()
        self._parse_error = parse_error
        self._refresh_auth = refresh_auth
        self.session = _session(self.base_url)
        self.session.headers.update(default_headers or {})
        self.requests_sent = 0
        self.rate_limited = 0
        self.retries = 0
        self.last_elapsed = 0.0  # seconds the last attempt took (a timeout counts as its limit)

    def __repr__(self) -> str:
        return f"HttpClient({self.base_url!r})"

    def url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.base_url}/{path.lstrip('/')}"

    def request(self, method: str, path: str, *, idempotent: bool | None = None,
                what: str = "", **kwargs: Any) -> requests.Response:
        """Send with pacing and retries; return a 2xx response or raise."""
        method = method.upper()
        idempotent = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        failures = limited = 0
        refreshed = False
        headers = dict(kwargs.pop("headers", None) or {})
        what = what or f"{method} {path.split('?')[0]}"
        while True:
            self.pacer.before_request()
            self.requests_sent += 1
            try:
                response = self.session.request(
                    method, self.url(path), headers={**headers, **self._auth_headers()},
                    timeout=(self.policy.connect_timeout, self.policy.read_timeout), **kwargs,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                if isinstance(exc, requests.Timeout):
                    self.last_elapsed = self.policy.read_timeout
                if not idempotent:
                    raise AmbiguousWrite(f"{what}: {type(exc).__name__}") from None
                failures += 1
                self._give_up_after(failures, what, type(exc).__name__)
                self._sleep(self._backoff(failures, None))
                continue
            self.pacer.after_response(response.status_code, response.headers)
            self.last_elapsed = response.elapsed.total_seconds()
            status = response.status_code
            if status < 300:
                return response
            if status == 401 and self._refresh_auth is not None and not refreshed:
                refreshed = True
                self._refresh_auth()
                continue
            if status == 429:
                limited += 1
                self.rate_limited += 1
                if limited > self.policy.max_rate_limited:
                    raise GaveUp(f"{what}: the destination kept answering 429 ({limited} times); "
                                 "the run stopped cleanly and resumes where it stopped.")
                retry_after = _retry_after(response)
                if retry_after is not None:
                    self._sleep(retry_after)
                elif not getattr(self.pacer, "waits_out_429", False):
                    self._sleep(self._backoff(limited, None))
                # else the pacer saw the 429 and holds the next request until the
                # window resets (Freshsales sends no Retry-After)
                continue
            if status >= 500:
                if not idempotent:
                    raise AmbiguousWrite(f"{what}: HTTP {status}")
                failures += 1
                self._give_up_after(failures, what, f"HTTP {status}")
                self._sleep(self._backoff(failures, _retry_after(response)))
                continue
            message, code = self._parse_error(response)
            body = _json_or_none(response)
            raise ApiError(status, message, code, body)

    def _give_up_after(self, failures: int, what: str, problem: str) -> None:
        self.retries += 1
        if failures >= self.policy.max_attempts:
            raise GaveUp(f"{what}: still failing after {failures} attempts (last: {problem}); "
                         "the run stopped cleanly and resumes where it stopped.")

    def _backoff(self, failures: int, retry_after: float | None) -> float:
        computed = random.uniform(0, min(self.policy.backoff_cap_seconds,
                                         self.policy.backoff_base_seconds * 2 ** (failures - 1)))
        return max(computed, retry_after or 0.0, self.policy.floor_seconds)

    def _sleep(self, seconds: float) -> None:
        time.sleep(max(seconds, self.policy.floor_seconds))


def _session(base_url: str) -> requests.Session:
    """A session that reads the environment (proxies, CA bundle) once, not on
    every request: with `trust_env` requests looks up proxies and ~/.netrc per
    request, a third of its CPU time on a load of small requests."""
    session = requests.Session()
    session.proxies.update(requests.utils.get_environ_proxies(base_url))
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        session.verify = bundle
    session.trust_env = False
    return session


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
