"""The control surface under /__sandbox__/ (no auth, JSON, never faulted or limited).

Tests and benchmarks use it to read what the account holds, inject faults,
change the plan, quota and speed of time, act as the account's admin
(custom fields, choices) or as a person editing a record in the UI, run
pending bulk jobs and reset. Each route calls the sandbox's public Python
method of the same meaning. Nothing in extract/ or load/ knows it exists.

    GET  /__sandbox__/                      info (counts, config, urls)
    GET  /__sandbox__/records/<object>      every record as the API shows it (?start=&limit=);
                                            contacts, sales_accounts, deals, products, notes, tasks,
                                            appointments, sales_activities, documents (with sha256),
                                            users, selectors (deal_stages, currencies, ...), fields, jobs
    GET  /__sandbox__/documents/<id>        the uploaded bytes
    GET  /__sandbox__/stats | faults | config | credentials
    POST /__sandbox__/faults   {"error_rate", "latency_ms", "drop_rate", "retry_after"}
    POST /__sandbox__/config   {"plan", "rate_limit_per_hour", "per_minute_limit", "time_scale",
                                "job_base_seconds", "job_seconds_per_record", "storage_bytes"}
    POST /__sandbox__/fields   {"entity", "name"?, "label"?, "type", "choices"?, "unique"?, "required"?}
    POST /__sandbox__/choices  {"entity", "field", "choices": [...]}
    POST /__sandbox__/edit     {"object", "id", "changes": {...}, "by"?: user id}
    POST /__sandbox__/jobs/run
    POST /__sandbox__/reset
"""

from __future__ import annotations

from typing import Any

from sandbox.freshsales import settings
from sandbox.freshsales.errors import ApiError
from sandbox.http_util import Request, Response, json_response, read_json_object


def _error(status: int, message: str) -> Response:
    return json_response(status, {"error": message})


class ControlSurface:
    def __init__(self, sandbox: Any) -> None:
        self.sandbox = sandbox

    def handle(self, request: Request) -> Response:
        route = request.path[len(settings.CONTROL_PREFIX):].strip("/") \
            if request.path.startswith(settings.CONTROL_PREFIX) else ""
        try:
            if request.method == "GET":
                return self._get(route, request)
            if request.method == "POST":
                return self._post(route, read_json_object(request))
        except ApiError as exc:  # an edit the service itself refuses: the API's own error body
            return exc.response()
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
        if route.startswith("documents/"):
            data = sb.document_bytes(route[len("documents/"):])
            return Response(200, data, content_type="application/octet-stream")
        simple = {"": sb.info, "info": sb.info, "stats": sb.stats, "faults": sb.faults, "config": sb.config,
                  "credentials": sb.credentials}
        if route in simple:
            return json_response(200, simple[route]())
        return _error(404, f"no control route GET {request.path}")

    def _post(self, route: str, body: dict[str, Any]) -> Response:
        sb = self.sandbox
        if route == "faults":
            return json_response(200, sb.set_faults(**body))
        if route == "config":
            return json_response(200, sb.configure(**body))
        if route == "fields":
            return json_response(200, sb.define_field(body.pop("entity"), **body))
        if route == "choices":
            return json_response(200, sb.add_choices(body["entity"], body["field"], body["choices"]))
        if route == "edit":
            return json_response(200, sb.edit(body["object"], body["id"], body["changes"], by=body.get("by")))
        if route == "jobs/run":
            return json_response(200, {"ran": sb.run_jobs()})
        if route == "reset":
            sb.reset()
            return json_response(200, {"reset": True})
        return _error(404, f"no control route POST /{route}")
