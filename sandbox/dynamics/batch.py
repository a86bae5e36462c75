"""`POST /$batch`: multipart/mixed requests, atomic change sets, continue-on-error.

Documented (execute-batch-operations-using-web-api.md, OData 4.0 §11.7):
- the body is `multipart/mixed; boundary=batch_…`; each part is
  `Content-Type: application/http` + `Content-Transfer-Encoding: binary` and
  holds one HTTP request; a part may instead be a change set
  (`multipart/mixed; boundary=changeset_…`) whose parts carry `Content-ID`;
- at most 1,000 requests, no batch inside a batch, no GET inside a change set;
- requests run in order, responses come back in the same order in a
  `batchresponse_…` multipart; a change set's responses in a nested
  `changesetresponse_…` part, with their Content-IDs;
- a change set is atomic: when one request fails, the rest are rolled back and
  the change set answers with that one failure;
- `$1` stands for the URL of the entity created by the request with
  Content-ID 1 (in a later URL or an @odata.bind value); an unknown one is 400;
- without `Prefer: odata.continue-on-error` the batch stops at the first
  failure and answers with that failure's status; with it, it goes on and
  answers 200.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Callable

from sandbox.dynamics import errors, settings
from sandbox.http_util import Headers

_BOUNDARY_RE = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)
_REASONS = {s.value: s.phrase for s in HTTPStatus}


@dataclass
class Inner:
    """One inner HTTP response (also what the dispatcher returns for a top-level request)."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    content_type: str | None = None


@dataclass
class Part:
    method: str
    url: str
    headers: Headers
    body: bytes
    content_id: str | None = None


@dataclass
class ChangeSet:
    parts: list[Part]


def boundary_of(content_type: str | None) -> str:
    match = _BOUNDARY_RE.search(content_type or "")
    if not content_type or not content_type.lower().startswith("multipart/mixed") or match is None:
        raise errors.ODataError(400, settings.CODE_BAD_QUERY,
                                "The content type of a $batch request must be multipart/mixed with a boundary.")
    return match.group(1)


def _split(text: str, boundary: str) -> list[str]:
    delimiter, closing = f"--{boundary}", f"--{boundary}--"
    parts, current, inside, closed = [], [], False, False
    for line in text.split("\n"):
        stripped = line.rstrip("\r")
        if stripped == closing:
            if inside:
                parts.append("\n".join(current))
            closed = True
            break
        if stripped == delimiter:
            if inside:
                parts.append("\n".join(current))
            current, inside = [], True
            continue
        if inside:
            current.append(stripped)
    if not closed:
        raise errors.ODataError(400, settings.CODE_BAD_QUERY,
                                f"The $batch body does not end with the closing delimiter '--{boundary}--'.")
    return parts


def _headers_and_rest(text: str) -> tuple[Headers, str]:
    """`Name: value` lines up to the first blank line, and what follows it."""
    headers = Headers()
    lines = text.split("\n")
    index = 0
    while index < len(lines) and lines[index].strip():
        name, colon, value = lines[index].partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip()
        index += 1
    return headers, "\n".join(lines[index + 1:])


def _request(part_headers: Headers, content: str) -> Part:
    if "application/http" not in part_headers.get("content-type", "application/http").lower():
        raise errors.ODataError(400, settings.CODE_BAD_QUERY, "Each $batch part must be application/http.")
    lines = content.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise errors.ODataError(400, settings.CODE_BAD_QUERY, "A $batch part holds no request.")
    words = lines[0].split()
    if len(words) < 2:
        raise errors.ODataError(400, settings.CODE_BAD_QUERY, f"Bad request line in a $batch part: '{lines[0]}'.")
    headers, body = _headers_and_rest("\n".join(lines[1:]))
    content_id = part_headers.get("content-id") or headers.get("content-id")
    return Part(words[0].upper(), words[1], headers, body.strip().encode("utf-8"), content_id)


def parse(content_type: str | None, body: bytes) -> list[Part | ChangeSet]:
    boundary = boundary_of(content_type)
    text = body.decode("utf-8", "replace").replace("\r\n", "\n")
    items: list[Part | ChangeSet] = []
    for raw in _split(text, boundary):
        part_headers, content = _headers_and_rest(raw)
        part_type = part_headers.get("content-type", "")
        if part_type.lower().startswith("multipart/mixed"):
            inner_boundary = boundary_of(part_type)
            parts = []
            for inner_raw in _split(content, inner_boundary):
                inner_headers, inner_content = _headers_and_rest(inner_raw)
                parts.append(_request(inner_headers, inner_content))
            items.append(ChangeSet(parts))
        else:
            items.append(_request(part_headers, content))
    return items


def count_requests(items: list[Part | ChangeSet]) -> int:
    return sum(len(item.parts) if isinstance(item, ChangeSet) else 1 for item in items)


class _Rollback(Exception):
    def __init__(self, response: Inner) -> None:
        self.response = response


Dispatch = Callable[[Part], Inner]


def execute(items: list[Part | ChangeSet], dispatch: Dispatch, transaction: Callable,
            continue_on_error: bool) -> tuple[int, list]:
    """Run the parts; (overall status, results) where a result is an Inner or a list of (content_id, Inner)."""
    total = count_requests(items)
    if total > settings.MAX_BATCH_REQUESTS:
        if any(isinstance(i, ChangeSet) and len(i.parts) > settings.MAX_BATCH_REQUESTS for i in items):
            raise errors.ODataError(400, settings.CODE_BATCH_TOO_LARGE, settings.MESSAGE_CHANGESET_TOO_LARGE)
        raise errors.ODataError(400, settings.CODE_BATCH_TOO_LARGE,
                                settings.MESSAGE_BATCH_TOO_LARGE.format(count=total))
    results: list = []
    for item in items:
        if isinstance(item, ChangeSet):
            outcome = _run_changeset(item, dispatch, transaction)
            results.append(outcome)
            failed = isinstance(outcome, Inner)
            status = outcome.status if failed else 200
        else:
            if item.method == "POST" and item.url.rstrip("/").endswith("$batch"):
                outcome = error_inner(errors.ODataError(400, settings.CODE_BAD_QUERY,
                                                        "A $batch request cannot contain another batch."))
            else:
                outcome = dispatch(item)
            results.append(outcome)
            failed, status = outcome.status >= 400, outcome.status
        if failed and not continue_on_error:
            return status, results
    return 200, results


def _run_changeset(changeset: ChangeSet, dispatch: Dispatch, transaction: Callable) -> Inner | list:
    for part in changeset.parts:
        if part.method == "GET":
            return error_inner(errors.ODataError(400, settings.CODE_BAD_QUERY,
                                                 "GET requests are not allowed in a change set."))
    try:
        with transaction():
            responses = []
            for part in changeset.parts:
                response = dispatch(part)
                if response.status >= 400:
                    raise _Rollback(response)
                responses.append((part.content_id, response))
            return responses
    except _Rollback as rollback:
        return rollback.response


def error_inner(error: errors.ODataError) -> Inner:
    return Inner(error.status, list(error.headers), json.dumps(error.body()).encode("utf-8"),
                 "application/json; odata.metadata=minimal")


def _http_part(response: Inner, content_id: str | None) -> str:
    lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if content_id is not None:
        lines.append(f"Content-ID: {content_id}")
    lines += ["", f"HTTP/1.1 {response.status} {_REASONS.get(response.status, 'Unknown')}"]
    if response.content_type and response.body:
        lines.append(f"Content-Type: {response.content_type}")
    lines.append("OData-Version: 4.0")
    lines += [f"{name}: {value}" for name, value in response.headers if name.lower() != "odata-version"]
    lines += ["", response.body.decode("utf-8") if response.body else ""]
    return "\r\n".join(lines)


def render(results: list) -> tuple[str, bytes]:
    """(content type, body) of the batch response."""
    boundary = f"batchresponse_{uuid.uuid4()}"
    chunks = []
    for result in results:
        chunks.append(f"--{boundary}")
        if isinstance(result, Inner):
            chunks.append(_http_part(result, None))
            continue
        inner = f"changesetresponse_{uuid.uuid4()}"
        chunks.append(f"Content-Type: multipart/mixed; boundary={inner}\r\n")
        for content_id, response in result:
            chunks.append(f"--{inner}")
            chunks.append(_http_part(response, content_id))
        chunks.append(f"--{inner}--")
    chunks.append(f"--{boundary}--")
    return f"multipart/mixed; boundary={boundary}", ("\r\n".join(chunks) + "\r\n").encode("utf-8")
