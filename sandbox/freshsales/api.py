"""The simulated Freshsales REST API under /crm/sales/api/: the request pipeline.

Order of checks (as the Bizstim simulator): latency fault -> token (401) ->
account quota (429, with x-ratelimit-* headers and no Retry-After unless the
faults set one) -> dropped connection / injected 5xx -> the route. Injected
faults come after the quota: a real server counts a call that then fails, so
retries cost budget. Every answer that passed the quota carries the headers.
"""

from __future__ import annotations

import hmac
import time

from sandbox.faults import FaultInjector
from sandbox.freshsales import settings
from sandbox.freshsales.errors import ApiError
from sandbox.freshsales.quota import AccountQuota
from sandbox.freshsales.routing import Call, Router, not_routed
from sandbox.http_util import Request, Response, json_body
from sandbox.stats import RequestStats

_PREFIX_LENGTH = len(settings.API_PREFIX)


def seconds_header(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.3f}"


class FreshsalesApi:
    def __init__(self, router: Router, api_key: str, api_user: int, quota: AccountQuota,
                 faults: FaultInjector, stats: RequestStats) -> None:
        self.router = router
        self._key = api_key.encode()
        self.api_user = api_user
        self.quota = quota
        self.faults = faults
        self.stats = stats

    def handle(self, request: Request) -> Response | None:
        segments = request.path[_PREFIX_LENGTH:].strip("/").split("/")
        label, handler, params, path_known = self.router.match(request.method, segments)
        self.stats.request(request.method, label if path_known else "unknown")

        fault = self.faults.draw()
        if fault.delay_seconds:
            self.stats.count("latency")
            time.sleep(fault.delay_seconds)

        if not self._authorised(request.headers.get(settings.AUTH_HEADER)):
            self.stats.count("unauthorized")
            return Response(401, json_body(settings.UNAUTHORIZED_BODY))
        self.stats.count("", "key1")

        verdict = self.quota.hit()
        headers = verdict.headers()
        retry_after = self.faults.config.retry_after
        if not verdict.allowed:
            self.stats.count("rate_limited")
            if retry_after is not None:
                headers.append((settings.HEADER_RETRY_AFTER, seconds_header(retry_after)))
            elif settings.RETRY_AFTER_ON_429:
                headers.append((settings.HEADER_RETRY_AFTER, seconds_header(round(verdict.reset_in, 3))))
            return ApiError(settings.STATUS_RATE_LIMITED, settings.MESSAGE_RATE_LIMITED).response(headers)

        if fault.drop:
            self.stats.count("drops")
            return None
        if fault.error_status is not None:
            self.stats.count("errors")
            if retry_after is not None:
                headers.append((settings.HEADER_RETRY_AFTER, seconds_header(retry_after)))
            return ApiError(fault.error_status, settings.MESSAGE_SERVER_ERROR).response(headers)

        try:
            if handler is None:
                raise not_routed(path_known)
            host = request.headers.get("host") or "127.0.0.1"
            call = Call(request, params, self.api_user, f"http://{host}{settings.API_PREFIX.rstrip('/')}")
            response = handler(call)
        except ApiError as exc:
            response = exc.response()
        response.headers.extend(headers)
        return response

    def _authorised(self, header: str | None) -> bool:
        if not header:
            return False
        scheme, _, rest = header.strip().partition(" ")
        if scheme != settings.AUTH_SCHEME:
            return False
        rest = rest.strip()
        if rest.startswith(settings.AUTH_TOKEN_PARAM):
            token = rest[len(settings.AUTH_TOKEN_PARAM):].strip().strip('"')
        elif settings.ACCEPT_BARE_TOKEN:
            token = rest
        else:
            return False
        return hmac.compare_digest(token.encode(), self._key)
