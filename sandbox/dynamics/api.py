"""The simulated Web API under /api/data/v9.2/: auth, service protection, faults, routing.

Order of checks for a request (design, close to the Bizstim simulator's):
bearer token (401) -> service protection (429, per user: the app's
application user) -> latency fault -> dropped connection / injected 5xx ->
the resource. Faults come after admission on purpose: a real server counts a
request that then fails, and a slow request holds a concurrency slot. `dispatch` is the routing alone; `$batch`
calls it for each request inside, so those get the same semantics.

Every response carries `OData-Version: 4.0`, a `REQ_ID`, and the
`x-ms-ratelimit-burst-remaining-xrm-requests` /
`x-ms-ratelimit-time-remaining-xrm-requests` / `x-ms-dop-hint` headers
(documented / observed); every error is `{"error": {"code", "message"}}`.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from typing import Any, Callable
from urllib.parse import parse_qs

from sandbox.dynamics import actions, batch, errors, query, settings
from sandbox.dynamics.entities import Schema, Table
from sandbox.dynamics.metadata import Metadata
from sandbox.dynamics.odata import Segment, parse_key, parse_path, parse_prefer
from sandbox.dynamics.records import Context, Records
from sandbox.service_protection import SlidingWindowLimiter
from sandbox.dynamics.token import Identity, TokenIssuer
from sandbox.faults import FaultInjector
from sandbox.http_util import Headers, Request, Response
from sandbox.stats import RequestStats

NS = settings.SERVICE_NAMESPACE
JSON_TYPE = "application/json; odata.metadata=minimal"
_PREFIX_LENGTH = len(settings.API_PREFIX)


def _seconds_header(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.3f}"


def _json(status: int, payload: Any, headers: list[tuple[str, str]] | None = None) -> batch.Inner:
    return batch.Inner(status, headers or [], json.dumps(payload, ensure_ascii=False).encode("utf-8"), JSON_TYPE)


def _read_body(raw: bytes, entity_set: str) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise errors.payload_error(entity_set, f"The request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise errors.payload_error(entity_set, "The request body must be a JSON object.")
    return body


class WebApi:
    def __init__(self, schema: Schema, records: Records, metadata: Metadata, tokens: TokenIssuer,
                 limiter: SlidingWindowLimiter, faults: FaultInjector, stats: RequestStats,
                 api_base: Callable[[], str], business_unit_id: str, organization_id: str) -> None:
        self.schema = schema
        self.records = records
        self.metadata = metadata
        self.tokens = tokens
        self.limiter = limiter
        self.faults = faults
        self.stats = stats
        self.api_base = api_base
        self.business_unit_id = business_unit_id
        self.organization_id = organization_id
        self.batch_counts_each_request = settings.BATCH_COUNTS_EACH_REQUEST
        self.costs: dict[str, float] = dict(settings.EXECUTION_MS)
        self.counters: Counter[str] = Counter()

    # --- the pipeline ---------------------------------------------------------------

    def handle(self, request: Request) -> Response | None:
        path = request.path[_PREFIX_LENGTH:]
        self.stats.request(request.method, _endpoint_label(path))
        fault = self.faults.draw()
        identity = self.tokens.validate(request.headers.get("authorization"))
        if identity is None:
            self.stats.count("unauthorized")
            return self._unauthorized()
        self.stats.count("", identity.label)

        refusal, handle = self.limiter.begin(identity.user_id)
        if refusal is not None:
            self.stats.count("rate_limited")
            self.counters[f"rate_limited_{refusal.reason}"] += 1
            return self._too_many(refusal, identity)

        ctx = Context(identity.user_id, self.api_base(), costs=self.costs)
        extra_requests = 0
        try:
            if fault.delay_seconds:  # a slow request holds its concurrency slot, as a real one does
                self.stats.count("latency")
                time.sleep(fault.delay_seconds)
            retry_after = self.faults.config.retry_after
            if fault.drop:
                self.stats.count("drops")
                return None
            if fault.error_status is not None:
                self.stats.count("errors")
                headers = [] if retry_after is None else [(settings.HEADER_RETRY_AFTER, _seconds_header(retry_after))]
                error = errors.ODataError(fault.error_status, settings.CODE_UNEXPECTED, "An unexpected error occurred.",
                                          headers)
                inner = batch.error_inner(error)
            else:
                try:
                    ctx.prefer = parse_prefer(request.headers.get("prefer"))
                    if path.strip("/") == "$batch":
                        inner, inner_count = self._batch(request, ctx)
                        if self.batch_counts_each_request:
                            extra_requests = max(0, inner_count - 1)
                    else:
                        inner = self.dispatch(request.method, path, request.query, request.headers, request.body, ctx)
                except errors.ODataError as error:
                    inner = batch.error_inner(error)
                except Exception as exc:  # a simulator bug still answers in the service's error format
                    inner = batch.error_inner(errors.ODataError(500, settings.CODE_UNEXPECTED,
                                                                f"An unexpected error occurred (sandbox: {exc!r})."))
        finally:
            self.limiter.end(identity.user_id, handle, ctx.exec_ms / 1000.0, extra_requests)
            self.counters["operations"] += ctx.operations
            self.counters["execution_ms"] += ctx.exec_ms
        return self._finish(inner, identity)

    def _unauthorized(self) -> Response:
        authority = self.api_base()[: -len(settings.API_PREFIX)] + "/" + self.tokens.tenant_id
        challenge = (f"Bearer authorization_uri={authority}/oauth2/authorize, "
                     f"resource_id={self.tokens.resource}/")
        body = {"error": {"code": settings.CODE_UNAUTHORIZED, "message": settings.MESSAGE_UNAUTHORIZED}}
        return Response(401, json.dumps(body).encode(), JSON_TYPE,
                        [("WWW-Authenticate", challenge), ("OData-Version", "4.0"), ("REQ_ID", str(uuid.uuid4()))])

    def _too_many(self, refusal: Any, identity: Identity) -> Response:
        limiter = self.limiter
        window = int(limiter.window_seconds) if float(limiter.window_seconds).is_integer() else limiter.window_seconds
        if refusal.reason == "requests":
            code = settings.CODE_TOO_MANY_REQUESTS
            message = settings.MESSAGE_TOO_MANY_REQUESTS.format(limit=limiter.requests_limit, window=window)
        elif refusal.reason == "execution":
            code = settings.CODE_EXECUTION_TIME
            message = settings.MESSAGE_EXECUTION_TIME.format(limit_ms=int(limiter.execution_limit * 1000),
                                                             window=window)
        else:
            code = settings.CODE_CONCURRENCY
            message = settings.MESSAGE_CONCURRENCY.format(limit=limiter.concurrency_limit)
        retry_after = self.faults.config.retry_after
        wait = refusal.retry_after if retry_after is None else retry_after
        inner = batch.error_inner(errors.ODataError(429, code, message,
                                                    [(settings.HEADER_RETRY_AFTER, _seconds_header(wait))]))
        return self._finish(inner, identity)

    def _finish(self, inner: batch.Inner, identity: Identity) -> Response:
        budget = self.limiter.budget(identity.user_id)
        headers = list(inner.headers)
        headers += [
            ("OData-Version", "4.0"),
            ("REQ_ID", str(uuid.uuid4())),
            (settings.HEADER_BURST_REMAINING, str(budget.requests_remaining)),
            (settings.HEADER_TIME_REMAINING, f"{budget.execution_remaining:,.2f}"),
            (settings.HEADER_DOP_HINT, str(settings.DOP_HINT)),
        ]
        return Response(inner.status, inner.body, inner.content_type or JSON_TYPE, headers)

    # --- $batch -----------------------------------------------------------------------

    def _batch(self, request: Request, ctx: Context) -> tuple[batch.Inner, int]:
        if request.method != "POST":
            raise errors.method_not_allowed(request.method, "$batch")
        items = batch.parse(request.headers.get("content-type"), request.body)
        count = batch.count_requests(items)
        self.counters["batch_requests"] += count
        ctx.exec_ms += ctx.costs["batch_overhead"]

        def run(part: batch.Part) -> batch.Inner:
            path, params = self._inner_url(part.url, ctx)
            return self.dispatch(part.method, path, parse_qs(params) if params else {}, part.headers, part.body, ctx,
                                 content_id=part.content_id, nested=True)

        status, results = batch.execute(items, run, self.records.store.transaction, ctx.prefer.continue_on_error)
        content_type, body = batch.render(results)
        return batch.Inner(status, [], body, content_type), count

    def _inner_url(self, url: str, ctx: Context) -> tuple[str, str]:
        """A part's URL -> (path below the API prefix, query string)."""
        if url.startswith("$"):
            name = url.split("/", 1)[0].split("?", 1)[0]
            if name not in ctx.content_ids:
                raise errors.bad_query(f"Content-ID Reference: '{name}' does not exist in the batch context.")
            url = ctx.content_ids[name] + url[len(name):]
        marker = settings.API_PREFIX
        if marker in url:
            url = url.split(marker, 1)[1]
        path, _, params = url.partition("?")
        return "/" + path.lstrip("/"), params

    # --- routing ----------------------------------------------------------------------

    def dispatch(self, method: str, path: str, params: dict[str, list[str]], headers: Headers, body: bytes,
                 ctx: Context, *, content_id: str | None = None, nested: bool = False) -> batch.Inner:
        saved = ctx.prefer
        try:
            if nested:  # a part has its own Prefer header (or none)
                ctx.prefer = parse_prefer(headers.get("prefer"))
            inner = self._route(method, path, params, headers, body, ctx)
        except errors.ODataError as error:
            return batch.error_inner(error)
        finally:
            ctx.prefer = saved
        if content_id is not None and inner.status < 400:
            for name, value in inner.headers:
                if name == "OData-EntityId":
                    ctx.content_ids["$" + content_id] = value.split(settings.API_PREFIX + "/", 1)[-1]
        return inner

    def _route(self, method: str, path: str, params: dict[str, list[str]], headers: Headers, body: bytes,
               ctx: Context) -> batch.Inner:
        segments = parse_path(path)
        if not segments:
            if method != "GET":
                raise errors.method_not_allowed(method, "the service document")
            return _json(200, {"@odata.context": f"{ctx.api_base}/$metadata", "value": [
                {"name": t.entity_set, "kind": "EntitySet", "url": t.entity_set} for t in self.schema.tables.values()]})
        first = segments[0]
        if first.name == "$batch":
            raise errors.bad_query("A $batch request cannot contain another batch.")
        if first.name == "$metadata":
            raise errors.ODataError(501, settings.CODE_BAD_QUERY, "The CSDL $metadata document is not simulated "
                                    "by this sandbox; read EntityDefinitions instead.")
        if first.name == "WhoAmI":
            if method != "GET":
                raise errors.method_not_allowed(method, "WhoAmI")
            return _json(200, actions.who_am_i(ctx, self.business_unit_id, self.organization_id))
        if first.name == "WinOpportunity":
            if method != "POST":
                raise errors.method_not_allowed(method, "WinOpportunity")
            actions.win_opportunity(self.records, _read_body(body, "WinOpportunity"), ctx)
            return batch.Inner(204)
        if first.name == "EntityDefinitions":
            if method == "GET":
                return _json(200, self.metadata.get(segments, params, ctx))
            if method == "POST":
                location = self.metadata.post(segments, _read_body(body, "EntityDefinitions"), ctx)
                return batch.Inner(204, [("OData-EntityId", location)])
            raise errors.method_not_allowed(method, "EntityDefinitions")
        table = self.schema.by_set(first.name)
        if table is None:
            raise errors.segment_not_found(first.name)
        if len(segments) == 1:
            if first.key is None:
                return self._collection(method, table, params, body, ctx)
            return self._entity(method, table, first, params, headers, body, ctx)
        if len(segments) == 2:
            second = segments[1]
            if first.key is None and second.name == "$count":
                if method != "GET":
                    raise errors.method_not_allowed(method, "$count")
                return batch.Inner(200, [], str(query.count_rows(self.records, table, ctx)).encode(),
                                   "text/plain")
            if first.key is None and second.name.startswith(NS + "."):
                action = second.name[len(NS) + 1:]
                if action not in actions.BULK_ACTIONS:
                    raise errors.segment_not_found(second.name)
                if method != "POST":
                    raise errors.method_not_allowed(method, action)
                payload = _read_body(body, table.entity_set)
                targets = payload.get("Targets")
                self.counters["bulk_records"] += len(targets) if isinstance(targets, list) else 0
                result = actions.bulk(self.records, table, action, payload, ctx)
                return _json(200, result) if result is not None else batch.Inner(204)
            if first.key is not None:
                return self._property(method, table, first, second, body, ctx)
        raise errors.segment_not_found(segments[-1].name)

    def _collection(self, method: str, table: Table, params: dict[str, list[str]], body: bytes,
                    ctx: Context) -> batch.Inner:
        if method == "GET":
            payload, headers = query.read_many(self.records, table, params, ctx)
            return _json(200, payload, headers)
        if method != "POST":
            raise errors.method_not_allowed(method, table.entity_set)
        ctx.exec_ms += ctx.costs["write"]
        row = self.records.create(table, _read_body(body, table.entity_set), ctx)
        return self._written(table, row, params, ctx, created=True)

    def _entity(self, method: str, table: Table, segment: Segment, params: dict[str, list[str]],
                headers: Headers, body: bytes, ctx: Context) -> batch.Inner:
        key = parse_key(segment.key or "")
        if method == "GET":
            return _json(200, query.read_one(self.records, table, key, params, ctx))
        if method == "PATCH":
            ctx.exec_ms += ctx.costs["write"]
            created, row = self.records.upsert(table, key, _read_body(body, table.entity_set), ctx,
                                               if_match=headers.get("if-match"),
                                               if_none_match=_if_none_match(headers.get("if-none-match")))
            return self._written(table, row, params, ctx, created=created, update=not created)
        if method == "DELETE":
            ctx.exec_ms += ctx.costs["write"]
            self.records.delete(table, key, ctx, if_match=headers.get("if-match"))
            return batch.Inner(204)
        raise errors.method_not_allowed(method, f"a {table.logical_name} record")

    def _property(self, method: str, table: Table, segment: Segment, prop: Segment, body: bytes,
                  ctx: Context) -> batch.Inner:
        key = parse_key(segment.key or "")
        attr = table.value_names().get(prop.name)
        if attr is None:
            raise errors.segment_not_found(prop.name)
        row_id = self.records.locate(table, key)
        if row_id is None:
            raise self.records.not_found(table, key)
        if method == "GET":
            ctx.exec_ms += ctx.costs["read"]
            row = self.records.store.get(table.logical_name, row_id) or {}
            return _json(200, {"@odata.context": f"{ctx.api_base}/$metadata#{table.entity_set}({row_id})/{prop.name}",
                               "value": row.get(prop.name)})
        if attr.is_lookup:
            raise errors.bad_query("Set a lookup through its navigation property (@odata.bind), not by value.")
        ctx.exec_ms += ctx.costs["write"]
        if method == "PUT":
            value = _read_body(body, table.entity_set).get("value")
        elif method == "DELETE":
            value = None
        else:
            raise errors.method_not_allowed(method, f"the property {prop.name}")
        self.records.update(table, row_id, {prop.name: value}, ctx)
        return batch.Inner(204)

    def _written(self, table: Table, row: dict[str, Any], params: dict[str, list[str]], ctx: Context, *,
                 created: bool, update: bool = False) -> batch.Inner:
        entity_url = f"{ctx.api_base}/{table.entity_set}({row[table.primary_id]})"
        headers = [("OData-EntityId", entity_url)]
        if created:
            headers.append(("Location", entity_url))
        if not ctx.prefer.return_representation:
            return batch.Inner(204, headers)
        select = query.parse_select(table, params.get("$select", [None])[0])
        body = {"@odata.context": f"{ctx.api_base}/$metadata#{table.entity_set}/$entity",
                **self.records.render(table, row, select, ctx.prefer.annotations)}
        headers.append(("Preference-Applied", "return=representation"))
        headers.append(("ETag", body["@odata.etag"]))
        return _json(200 if update else 201, body, headers)


def _if_none_match(value: str | None) -> str | None:
    """`If-None-Match: null` (sent with every request, as documented) means no condition."""
    if value is None or value.strip().lower() == "null":
        return None
    return value


def _endpoint_label(path: str) -> str:
    head = path.strip("/").split("/", 1)[0]
    name = head.split("(", 1)[0]
    return name or "service"
