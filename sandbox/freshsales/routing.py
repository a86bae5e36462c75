"""A tiny router for the API: (method, path pattern) -> handler.

Patterns are segment lists; `:x` captures a segment. A path that matches a
pattern under another method is a 405, no match at all a 404. The stats
label of a request is its pattern (`contacts/:id`), never a raw id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

from sandbox.freshsales import settings
from sandbox.freshsales.errors import ApiError, invalid
from sandbox.http_util import Request, Response, json_body


@dataclass
class Call:
    request: Request
    params: dict[str, str]
    actor_id: int
    base_url: str  # the API base as the client addressed it: http://host/crm/sales/api
    _body: Any = field(default=None, repr=False)
    _parsed: bool = field(default=False, repr=False)

    def query(self, name: str, default: str | None = None) -> str | None:
        values = self.request.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        if not self._parsed:
            raw = self.request.body
            try:
                self._body = json.loads(raw) if raw.strip() else {}
            except (ValueError, UnicodeDecodeError):
                raise invalid(settings.MESSAGE_BAD_JSON) from None
            self._parsed = True
        return self._body

    def object_body(self) -> dict[str, Any]:
        body = self.json()
        if not isinstance(body, dict):
            raise invalid("the request body must be a JSON object")
        return body


Handler = Callable[[Call], Response]


def ok(payload: Any, status: int = 200) -> Response:
    return Response(status, json_body(payload))


class Router:
    def __init__(self) -> None:
        # (segment count, first segment) -> routes: a request only tries its own bucket
        self._routes: dict[tuple[int, str], list[tuple[str, tuple[str, ...], Handler]]] = {}

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        parts = tuple(pattern.split("/"))
        if parts[0].startswith(":"):
            raise ValueError(f"a pattern starts with a literal segment: {pattern!r}")
        self._routes.setdefault((len(parts), parts[0]), []).append((method, parts, handler))

    def match(self, method: str, segments: list[str]) -> tuple[str, Handler | None, dict[str, str], bool]:
        """(label, handler, params, path_known) for a request."""
        best: tuple[int, str, Handler, dict[str, str]] | None = None
        path_known = False
        label = _label(segments)
        for route_method, pattern, handler in self._routes.get((len(segments), segments[0]), ()):
            params = _match(pattern, segments)
            if params is None:
                continue
            path_known = True
            if route_method == method or (method == "HEAD" and route_method == "GET"):
                # literal segments beat captures: contacts/filters before contacts/:id
                if best is None or len(params) < best[0]:
                    best = (len(params), "/".join(pattern), handler, params)
        if best is None:
            return label, None, {}, path_known
        return best[1], best[2], best[3], True


def _match(pattern: tuple[str, ...], segments: list[str]) -> dict[str, str] | None:
    if len(pattern) != len(segments):
        return None
    params: dict[str, str] = {}
    for part, segment in zip(pattern, segments):
        if part.startswith(":"):
            if not segment:
                return None
            params[part[1:]] = segment
        elif part != segment:
            return None
    return params


def _label(segments: list[str]) -> str:
    return "/".join(":id" if s.isdigit() else s for s in segments) or "(root)"


def not_routed(path_known: bool) -> ApiError:
    if path_known:
        return ApiError(settings.STATUS_METHOD_NOT_ALLOWED, "Method not allowed")
    return ApiError(settings.STATUS_NOT_FOUND, settings.MESSAGE_NO_ROUTE)
