"""The control surface under /__sandbox__/ (no auth, JSON, never faulted or limited).

Tests and benchmarks use it to read what the environment holds, inject faults,
change limits and the speed of time, add custom columns and keys as the
customer's admin would in the maker portal, edit a record as a person would,
and reset. Each route calls the sandbox's public Python method of the same
meaning, so both stay in step. Nothing in extract/ or load/ knows it exists.

    GET  /__sandbox__/                     info (counts, config)
    GET  /__sandbox__/records/<set|table>  rows as stored (?start=&limit=)
    GET  /__sandbox__/stats | faults | config | credentials
    GET  /__sandbox__/admitted             every admitted request: [real start, requests,
                                           execution seconds, real end] (benchmarks replay
                                           the limits)
    POST /__sandbox__/faults      {"error_rate", "latency_ms", "drop_rate", "retry_after"}
    POST /__sandbox__/config      {"time_scale", "requests_per_window", "execution_seconds_per_window",
                                   "concurrent_requests", "window_seconds", "token_lifetime_seconds",
                                   "batch_counts_each_request", "execution_ms": {...}}
    POST /__sandbox__/attributes  {"entity", "logical_name", "type", "max_length"?, "required"?,
                                   "display_name"?, "schema_name"?, "target"?, "alternate_key"?}
    POST /__sandbox__/keys        {"entity", "attributes": [...], "schema_name"?}
    POST /__sandbox__/edit        {"entity", "id" | "key": {...}, "changes": {...}}
    POST /__sandbox__/expire_tokens
    POST /__sandbox__/reset
"""

from __future__ import annotations

from typing import Any

from sandbox.dynamics import errors, settings
from sandbox.http_util import Request, Response, json_response, read_json_object


def _error(status: int, message: str) -> Response:
    return json_response(status, {"error": message})


class ControlSurface:
    def __init__(self, sandbox: Any) -> None:
        self.sandbox = sandbox

    def handle(self, request: Request) -> Response:
        route = request.path[len(settings.CONTROL_PREFIX):].strip("/")
        try:
            if request.method == "GET":
                return self._get(route, request)
            if request.method == "POST":
                return self._post(route, read_json_object(request))
        except errors.ODataError as exc:  # an edit the service itself refuses
            return json_response(exc.status, exc.body())
        except KeyError as exc:
            return _error(400, f"missing or unknown: {exc.args[0] if exc.args else exc}")
        except (ValueError, TypeError) as exc:
            return _error(400, str(exc))
        return _error(405, f"{request.method} is not supported on {request.path}")

    def _get(self, route: str, request: Request) -> Response:
        sb = self.sandbox
        if route.startswith("records/"):
            start = int(request.query.get("start", ["0"])[0])
            limit_text = request.query.get("limit", [None])[0]
            return json_response(200, sb.records(route[len("records/"):], start,
                                                 None if limit_text is None else int(limit_text)))
        simple = {"": sb.info, "info": sb.info, "stats": sb.stats, "faults": sb.faults, "config": sb.config,
                  "credentials": sb.credentials, "admitted": sb.limiter.admitted}
        if route in simple:
            return json_response(200, simple[route]())
        return _error(404, f"no control route GET {request.path}")

    def _post(self, route: str, body: dict[str, Any]) -> Response:
        sb = self.sandbox
        if route == "faults":
            return json_response(200, sb.set_faults(**body))
        if route == "config":
            return json_response(200, sb.configure(**body))
        if route == "attributes":
            return json_response(200, sb.add_attribute(
                body.pop("entity"), body.pop("logical_name"), body.pop("type", "String"), **body))
        if route == "keys":
            return json_response(200, sb.add_key(body["entity"], body["attributes"], body.get("schema_name")))
        if route == "edit":
            return json_response(200, sb.edit(body["entity"], record_id=body.get("id"), key=body.get("key"),
                                              changes=body.get("changes") or {}))
        if route == "expire_tokens":
            return json_response(200, {"expired": sb.expire_tokens()})
        if route == "reset":
            sb.reset()
            return json_response(200, {"reset": True})
        return _error(404, f"no control route POST /{route}")
