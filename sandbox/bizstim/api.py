"""The simulated Bizstim REST API: auth, quota, faults, then the method itself.

Order of checks for a request under /api/ (design, see settings.py):
latency fault -> key (401) -> plan (403) -> quota (429, counted per HTTP method
and key) -> dropped connection / injected 5xx -> the method. Injected faults
come after the quota on purpose: a real server counts a call that then fails,
so retries cost budget and the extractor's pacing has to account for them.
"""

from __future__ import annotations

import time
from typing import Any

from sandbox.bizstim import quirks as quirks_module
from sandbox.bizstim import settings
from sandbox.bizstim.auth import ApiKeys
from sandbox.bizstim.live_edits import LiveEdits
from sandbox.faults import FaultInjector
from sandbox.ratelimit import FixedWindowLimiter
from sandbox.bizstim.state import LiveTenant
from sandbox.stats import RequestStats
from sandbox.http_util import Request, Response, json_body

_KNOWN_METHODS = (
    frozenset(settings.LIST_METHODS)
    | frozenset(settings.SINGLE_METHODS)
    | {settings.CLIENT_FILES_METHOD, settings.CLIENT_FILE_METHOD}
)
_PREFIX_LENGTH = len(settings.API_PREFIX)


def failure(status: int, message: str, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(status, json_body({"status": "failure", "response": message}), headers=headers or [])


def seconds_header(value: float) -> str:
    """Seconds as a header value: "0" for whole numbers, else three decimals."""
    return str(int(value)) if float(value).is_integer() else f"{value:.3f}"


class BizstimApi:
    def __init__(self, live: LiveTenant, keys: ApiKeys, limiter: FixedWindowLimiter,
                 faults: FaultInjector, stats: RequestStats,
                 live_edits: LiveEdits | None = None) -> None:
        self.live = live
        self.live_edits = live_edits
        self.keys = keys
        self.limiter = limiter
        self.faults = faults
        self.stats = stats

    def handle(self, request: Request) -> Response | None:
        parts = request.path[_PREFIX_LENGTH:].strip("/").split("/")
        method = parts[0]
        self.stats.request(request.method, method if method in _KNOWN_METHODS else "unknown")

        fault = self.faults.draw()
        if fault.delay_seconds:
            self.stats.count("latency")
            time.sleep(fault.delay_seconds)

        key = request.headers.get(settings.API_KEY_HEADER)
        info = self.keys.lookup(key)
        if info is None:
            self.stats.count("unauthorized")
            return failure(settings.STATUS_BAD_KEY, settings.MESSAGE_BAD_KEY)
        if not info.has_api_access:
            self.stats.count("forbidden", info.label)
            return failure(settings.STATUS_PLAN_WITHOUT_API, settings.MESSAGE_PLAN_WITHOUT_API)
        self.stats.count("", info.label)

        decision = self.limiter.hit((request.method, key))
        quota_headers = [
            (settings.HEADER_LIMIT, str(decision.limit)),
            (settings.HEADER_REMAINING, str(decision.remaining)),
            (settings.HEADER_RESET, f"{decision.reset_in:.3f}"),
        ]
        retry_after = self.faults.config.retry_after
        if not decision.allowed:
            self.stats.count("rate_limited")
            wait = decision.reset_in if retry_after is None else retry_after
            quota_headers.append((settings.HEADER_RETRY_AFTER, seconds_header(wait)))
            return failure(settings.STATUS_RATE_LIMITED, settings.MESSAGE_RATE_LIMITED, quota_headers)

        if fault.drop:
            self.stats.count("drops")
            return None
        if fault.error_status is not None:
            self.stats.count("errors")
            if retry_after is not None:
                quota_headers.append((settings.HEADER_RETRY_AFTER, seconds_header(retry_after)))
            return failure(fault.error_status, settings.MESSAGE_SERVER_ERROR, quota_headers)

        if request.method != "GET":
            response = failure(settings.STATUS_METHOD_NOT_ALLOWED, settings.MESSAGE_METHOD_NOT_ALLOWED)
        else:
            response = self._route(method, parts[1:])
        response.headers.extend(quota_headers)
        return response

    # --- methods ---------------------------------------------------------------

    def _route(self, method: str, params: list[str]) -> Response:
        if method in settings.LIST_METHODS:
            return self._list(method, params)
        if method in settings.SINGLE_METHODS:
            response = self._single(settings.SINGLE_METHODS[method], params)
        elif method == settings.CLIENT_FILES_METHOD:
            response = self._client_files(params)
        elif method == settings.CLIENT_FILE_METHOD:
            response = self._client_file(params)
        else:
            return failure(settings.STATUS_NOT_FOUND, settings.MESSAGE_UNKNOWN_METHOD)
        if self.live_edits is not None and response.status == 200:
            # people working in the account: edits cued on this read (live_edits.py)
            self.live_edits.read_served(self.live, "/".join([method, *params]))
        return response

    def _list(self, method: str, params: list[str]) -> Response:
        page_max = settings.PAGE_MAX_BY_METHOD.get(method, settings.PAGE_MAX_DEFAULT)
        paging = _paging(params, page_max)
        if paging is None:
            return failure(settings.STATUS_BAD_REQUEST, settings.MESSAGE_BAD_PAGING)
        start, limit = paging
        obj = settings.LIST_METHODS[method]
        total = self.live.total(obj)
        records = self.live.page(obj, start, min(limit, page_max)) if start < total else []
        quirks = list(self.live.page_quirks)
        if quirks:
            records = quirks_module.apply_to_records(quirks, obj, start, records,
                                                     lambda rid: self.live.get(obj, rid))
        envelope: dict[str, Any] = {"status": "success", "total": total}
        timezone = settings.TIMEZONE_BY_METHOD.get(method)
        if timezone is not None:
            envelope["timezone"] = timezone
        envelope["response"] = records
        body = json_body(envelope)
        if quirks:
            body = quirks_module.apply_to_body(quirks, obj, body)
        if self.live_edits is not None:
            # people working in the account: edits cued on this page (live_edits.py)
            self.live_edits.page_served(self.live, obj, start)
        return Response(200, body)

    def _single(self, obj: str, params: list[str]) -> Response:
        record = self.live.get(obj, params[0]) if len(params) == 1 else None
        if record is None:
            return failure(settings.STATUS_NOT_FOUND, settings.MESSAGE_NOT_FOUND)
        return Response(200, json_body({"status": "success", "response": record}))

    def _client_files(self, params: list[str]) -> Response:
        files = self.live.files_of_client(params[0]) if len(params) == 1 else None
        if files is None:
            return failure(settings.STATUS_NOT_FOUND, settings.MESSAGE_NOT_FOUND)
        return Response(200, json_body({"status": "success", "total": len(files), "response": files}))

    def _client_file(self, params: list[str]) -> Response:
        meta = self.live.get("client_files", params[0]) if len(params) == 1 else None
        # a deleted client's files go with it; an added file may have no bytes
        content = self.live.file_bytes(meta["id"]) if meta is not None else None
        if content is None:
            return failure(settings.STATUS_NOT_FOUND, settings.MESSAGE_NOT_FOUND)
        return Response(200, content, content_type=meta["content_type"] or "application/octet-stream")


def _paging(params: list[str], page_max: int) -> tuple[int, int] | None:
    """(start, limit) from the path, defaults 0 and the method's maximum; None if malformed."""
    if len(params) > 2:
        return None
    values = []
    for value in params:
        if not (value.isascii() and value.isdigit()):
            return None
        values.append(int(value))
    start = values[0] if values else 0
    limit = values[1] if len(values) > 1 else page_max
    return start, limit
