"""A small Dataverse Web API (OData v4) client: reads with paging, upserts by
alternate key, bulk messages, `$batch`, metadata. Every call goes through the
shared `HttpClient` (pacing, retries, token refresh)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Mapping

from load.dynamics import settings
from load.dynamics.auth import DynamicsConfig, TokenProvider
from load.http import ApiError, HttpClient, RetryPolicy

ODATA_HEADERS = {
    "OData-MaxVersion": "4.0",
    "OData-Version": "4.0",
    "Accept": "application/json",
    "Content-Type": "application/json; charset=utf-8",
}


def odata_error(response) -> tuple[str, str | None]:
    try:
        error = response.json().get("error", {})
        return str(error.get("message", ""))[:500], error.get("code")
    except (ValueError, AttributeError):
        return (response.text or "")[:500], None


def key_literal(value: Any) -> str:
    """An OData literal for an alternate-key value (strings quoted, ' doubled)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def by_key(entity_set: str, column: str, value: Any) -> str:
    return f"{entity_set}({column}={key_literal(value)})"


class ServiceProtectionPacer:
    """Keeps a clean run under the per-user sliding window: when the burst
    headers say the window is nearly spent, spread requests at the window's
    sustainable rate instead of running into 429s."""

    def __init__(self, config: DynamicsConfig) -> None:
        self._interval = config.window_seconds / config.requests_per_window
        self._lock = threading.Lock()
        self._remaining: int | None = None
        self.waited_seconds = 0.0
        # execution time left in the window (seconds), and the most ever seen
        # (the budget): a writer sizes its batches by them
        self.time_remaining: float | None = None
        self.time_budget: float | None = None

    def before_request(self) -> None:
        with self._lock:
            low = self._remaining is not None and self._remaining < settings.BURST_RESERVE
        if low:
            time.sleep(self._interval)
            self.waited_seconds += self._interval

    def after_response(self, status: int, headers: Mapping[str, str]) -> None:
        value = headers.get(settings.HEADER_BURST_REMAINING)
        if value is not None:
            try:
                with self._lock:
                    self._remaining = int(float(str(value).replace(",", "")))
            except ValueError:
                pass
        value = headers.get(settings.HEADER_TIME_REMAINING)
        if value is not None:
            try:
                seconds = float(str(value).replace(",", ""))
            except ValueError:
                return
            with self._lock:
                self.time_remaining = seconds
                self.time_budget = max(self.time_budget or 0.0, seconds)


@dataclass
class BatchOp:
    method: str
    url: str  # relative to the API base, e.g. "contacts(new_bizstimclientid='1')"
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class BatchResult:
    status: int
    headers: dict[str, str]
    body: Any

    @property
    def ok(self) -> bool:
        return self.status < 300

    @property
    def error(self) -> str:
        if isinstance(self.body, dict) and "error" in self.body:
            err = self.body["error"]
            return f"{err.get('code', '')} {err.get('message', '')}".strip()
        return f"HTTP {self.status}"


class _DataverseHttp(HttpClient):
    """The shared client, plus: a token revoked again while a request waited
    (a long Retry-After, a revocation) gets a fresh token, a bounded number of
    times (the shared client renews once per request)."""

    TOKEN_RENEWALS = 3

    def request(self, method: str, path: str, **kwargs: Any):
        for renewal in range(self.TOKEN_RENEWALS + 1):
            try:
                return super().request(method, path, **dict(kwargs))
            except ApiError as error:
                if error.status != 401 or renewal == self.TOKEN_RENEWALS \
                        or self._refresh_auth is None:
                    raise
                self._refresh_auth()
        raise AssertionError("unreachable")


class DataverseClient:
    def __init__(self, config: DynamicsConfig, policy: RetryPolicy | None = None) -> None:
        self.config = config
        self.tokens = TokenProvider(config)
        self.pacer = ServiceProtectionPacer(config)
        self.http = _DataverseHttp(
            config.api_base, self.tokens.headers, pacer=self.pacer, policy=policy,
            parse_error=odata_error, refresh_auth=self.tokens.invalidate,
            default_headers=ODATA_HEADERS,
        )

    # --- reads ------------------------------------------------------------------------
    def get(self, path: str, params: dict[str, Any] | None = None,
            headers: dict[str, str] | None = None) -> Any:
        return self.http.request("GET", path, params=params, headers=headers).json()

    def get_all(self, entity_set: str, select: list[str] | None = None,
                filter_: str | None = None, *, lookup_names: bool = False
                ) -> list[dict[str, Any]]:
        """Every row, page by page (`lookup_names`: each lookup's target table
        under `_x_value@Microsoft.Dynamics.CRM.lookuplogicalname`)."""
        params: dict[str, Any] = {}
        if select:
            params["$select"] = ",".join(select)
        if filter_:
            params["$filter"] = filter_
        headers = {"Prefer": prefer(page_size=settings.PAGE_SIZE, lookup_names=lookup_names)}
        rows: list[dict[str, Any]] = []
        page = self.get(entity_set, params or None, headers)
        while True:
            rows.extend(page.get("value", []))
            next_link = page.get("@odata.nextLink")
            if not next_link:
                return rows
            page = self.http.request("GET", next_link, headers=headers).json()

    def find(self, path: str, select: list[str] | None = None) -> dict[str, Any] | None:
        try:
            return self.get(path, {"$select": ",".join(select)} if select else None)
        except ApiError as error:
            if error.status == 404:
                return None
            raise

    # --- writes -----------------------------------------------------------------------
    def upsert(self, path: str, body: dict[str, Any], *, create_only: bool = False,
               update_only: bool = False) -> str | None:
        """PATCH by key; returns the record's id from OData-EntityId."""
        headers = {}
        if create_only:
            headers["If-None-Match"] = "*"
        if update_only:
            headers["If-Match"] = "*"
        response = self.http.request("PATCH", path, json=body, headers=headers)
        return entity_id(response.headers.get("OData-EntityId", ""))

    def create(self, entity_set: str, body: dict[str, Any]) -> str | None:
        response = self.http.request("POST", entity_set, json=body)
        return entity_id(response.headers.get("OData-EntityId", ""))

    def delete(self, path: str) -> None:
        try:
            self.http.request("DELETE", path)
        except ApiError as error:
            if error.status != 404:  # already gone is what we wanted
                raise

    def action(self, name: str, body: dict[str, Any]) -> Any:
        # an action is not idempotent in general; callers resolve ambiguity
        response = self.http.request("POST", name, json=body, idempotent=False)
        return response.json() if response.content else None

    def upsert_multiple(self, entity_set: str, logical_name: str,
                        targets: list[dict[str, Any]]) -> None:
        """Upsert by alternate key in one request (atomic for standard tables)."""
        body = {"Targets": [{"@odata.type": f"Microsoft.Dynamics.CRM.{logical_name}", **t}
                            for t in targets]}
        self.http.request("POST", f"{entity_set}/Microsoft.Dynamics.CRM.UpsertMultiple",
                          json=body, idempotent=True)

    def batch(self, ops: list[BatchOp]) -> list[BatchResult]:
        """Independent requests in one `$batch` (continue on error): one result
        per operation, in order."""
        if len(ops) > settings.MAX_BATCH_REQUESTS:
            raise ValueError(f"a $batch holds at most {settings.MAX_BATCH_REQUESTS} requests")
        boundary = f"batch_{uuid.uuid4().hex}"
        body = encode_batch(ops, boundary, self.config.api_base)
        response = self.http.request(
            "POST", "$batch", data=body.encode("utf-8"),
            headers={"Content-Type": f"multipart/mixed; boundary={boundary}",
                     "Prefer": "odata.continue-on-error"},
            idempotent=all(op.method in ("GET", "PATCH", "DELETE") for op in ops),
        )
        results = decode_batch(response.headers.get("Content-Type", ""), response.text)
        if len(results) != len(ops):
            raise ApiError(response.status_code, f"$batch answered {len(results)} parts for "
                                                 f"{len(ops)} requests")
        return results

    # --- metadata ---------------------------------------------------------------------
    def attributes(self, logical_name: str) -> set[str]:
        rows = self.get(f"EntityDefinitions(LogicalName='{logical_name}')/Attributes",
                        {"$select": "LogicalName"})
        return {r["LogicalName"] for r in rows.get("value", [])}

    def alternate_keys(self, logical_name: str) -> list[tuple[str, ...]]:
        rows = self.get(f"EntityDefinitions(LogicalName='{logical_name}')/Keys")
        return [tuple(r.get("KeyAttributes", [])) for r in rows.get("value", [])]


LOOKUP_NAME = "@Microsoft.Dynamics.CRM.lookuplogicalname"


def prefer(*, page_size: int | None = None, lookup_names: bool = False,
           representation: bool = False) -> str:
    """A `Prefer` header value."""
    parts = []
    if representation:
        parts.append("return=representation")
    if page_size:
        parts.append(f"odata.maxpagesize={page_size}")
    if lookup_names:
        parts.append('odata.include-annotations="Microsoft.Dynamics.CRM.lookuplogicalname"')
    return ",".join(parts)


def entity_id(odata_entity_id: str) -> str | None:
    """The guid in `<base>/contacts(<guid>)`."""
    if "(" not in odata_entity_id:
        return None
    inner = odata_entity_id.rsplit("(", 1)[1].rstrip(")")
    return inner if "=" not in inner else None


def encode_batch(ops: list[BatchOp], boundary: str, api_base: str) -> str:
    parts = []
    for index, op in enumerate(ops, start=1):
        lines = [
            f"--{boundary}",
            "Content-Type: application/http",
            "Content-Transfer-Encoding: binary",
            f"Content-ID: {index}",
            "",
            f"{op.method} {api_base}/{op.url} HTTP/1.1",
        ]
        headers = dict(op.headers)
        if op.body is not None:
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        lines += [f"{k}: {v}" for k, v in headers.items()]
        lines.append("")
        lines.append(json.dumps(op.body, ensure_ascii=False) if op.body is not None else "")
        parts.append("\r\n".join(lines))
    return "\r\n".join(parts) + f"\r\n--{boundary}--\r\n"


def decode_batch(content_type: str, text: str) -> list[BatchResult]:
    """Responses of a `$batch`, flattening change sets, in order."""
    boundary = _boundary(content_type)
    results: list[BatchResult] = []
    for part in text.split(f"--{boundary}"):
        part = part.strip("\r\n")
        if not part or part == "--":
            continue
        head, _, rest = _split_head(part)
        part_type = head.get("content-type", "")
        if part_type.startswith("multipart/mixed"):
            results += decode_batch(part_type, rest)
            continue
        status_line, _, http_rest = rest.partition("\r\n")
        if not status_line.startswith("HTTP/"):
            status_line, _, http_rest = rest.partition("\n")
        status = int(status_line.split()[1])
        headers, _, body = _split_head(http_rest)
        body = body.strip()
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = body
        results.append(BatchResult(status, headers, parsed))
    return results


def _boundary(content_type: str) -> str:
    for piece in content_type.split(";"):
        name, _, value = piece.strip().partition("=")
        if name.lower() == "boundary":
            return value.strip('"')
    raise ValueError(f"no boundary in {content_type!r}")


def _split_head(text: str) -> tuple[dict[str, str], str, str]:
    """Headers (lower-case names) and what follows the blank line."""
    separator = "\r\n\r\n" if "\r\n\r\n" in text else "\n\n"
    head, _, rest = text.partition(separator)
    headers = {}
    for line in head.splitlines():
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip()
    return headers, separator, rest
