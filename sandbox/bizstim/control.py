"""The control surface under /__sandbox__/ (no auth, JSON, never faulted).

Tests and benchmarks use it to read what the account holds, inject faults,
change the quota, edit the account (touch, the bad-input corpus, page quirks,
live edits cued on a list page: `live_edits`) and reset it. Each route calls the same
public method of the sandbox that Python callers use, so both stay in step.
Nothing in extract/ or load/ knows this surface exists.
"""

from __future__ import annotations

from typing import Any, Protocol

from sandbox.bizstim import settings
from sandbox.http_util import Request, Response, json_response, read_json_object


class Controllable(Protocol):
    def records(self, obj: str, start: int = 0, limit: int | None = None) -> list[dict[str, str]]: ...
    def stats(self) -> dict[str, Any]: ...
    def set_faults(self, **changes: Any) -> dict[str, Any]: ...
    def faults(self) -> dict[str, Any]: ...
    def configure(self, rate_limit_per_hour: int | None = None, time_scale: float | None = None) -> dict[str, Any]: ...
    def config(self) -> dict[str, Any]: ...
    def touch(self, obj: str, count: int | None = None, changed: int | None = None,
              added: int | None = None, deleted: int | None = None) -> dict[str, Any]: ...
    def reset(self) -> None: ...
    def info(self) -> dict[str, Any]: ...
    def apply_corpus(self, kinds: list[str] | None = None) -> dict[str, Any]: ...
    def set_page_quirks(self, quirks: list[dict[str, Any]]) -> list[dict[str, Any]]: ...
    def page_quirks(self) -> list[dict[str, Any]]: ...
    def set_live_edits(self, edits: list[dict[str, Any]]) -> dict[str, Any]: ...
    def live_edits(self) -> dict[str, Any]: ...


def _error(status: int, message: str) -> Response:
    return json_response(status, {"error": message})


class ControlSurface:
    def __init__(self, sandbox: Controllable) -> None:
        self.sandbox = sandbox

    def handle(self, request: Request) -> Response:
        route = request.path[len(settings.CONTROL_PREFIX):].strip("/")
        try:
            if request.method == "GET":
                return self._get(route, request)
            if request.method == "POST":
                return self._post(route, read_json_object(request))
        except KeyError as exc:  # unknown object, or a required body field missing
            return _error(400, f"missing or unknown: {exc.args[0] if exc.args else exc}")
        except (ValueError, TypeError) as exc:
            return _error(400, str(exc))
        return _error(405, f"{request.method} is not supported on {request.path}")

    def _get(self, route: str, request: Request) -> Response:
        sb = self.sandbox
        if route.startswith("records/"):
            obj = route[len("records/"):]
            start = int(request.query.get("start", ["0"])[0])
            limit_text = request.query.get("limit", [None])[0]
            return json_response(200, sb.records(obj, start, None if limit_text is None else int(limit_text)))
        simple = {"stats": sb.stats, "faults": sb.faults, "config": sb.config, "": sb.info, "info": sb.info,
                  "page_quirks": sb.page_quirks, "corpus": lambda: sb.corpus_applied,
                  "live_edits": sb.live_edits}
        if route in simple:
            return json_response(200, simple[route]())
        return _error(404, f"no control route GET {request.path}")

    def _post(self, route: str, body: dict[str, Any]) -> Response:
        sb = self.sandbox
        if route == "faults":
            return json_response(200, sb.set_faults(**body))
        if route == "config":
            return json_response(200, sb.configure(**body))
        if route == "touch":
            return json_response(200, sb.touch(
                body.pop("object"), **{k: body[k] for k in ("count", "changed", "added", "deleted") if k in body}
            ))
        if route == "page_quirks":
            quirks = body.get("quirks")
            if not isinstance(quirks, list):
                raise ValueError('give {"quirks": [{"object", "action", ...}, ...]} ([] clears them)')
            return json_response(200, sb.set_page_quirks(quirks))
        if route == "live_edits":
            edits = body.get("edits")
            if not isinstance(edits, list):
                raise ValueError('give {"edits": [{"object", "after_start", "delete_ids", '
                                 '"delete_offsets", "add", "times"}, ...]} ([] disarms them)')
            return json_response(200, sb.set_live_edits(edits))
        if route == "corpus":
            kinds = body.get("kinds")
            if kinds is not None and not isinstance(kinds, list):
                raise ValueError('give {"kinds": [names]} or {} for every kind')
            return json_response(200, sb.apply_corpus(kinds))
        if route == "reset":
            sb.reset()
            return json_response(200, {"reset": True})
        return _error(404, f"no control route POST /{route}")
