"""The API's error answer: `{"errors": {"code": <status>, "message": ["…", …]}}`.

Validation collects every problem of a record before answering, as the real
service does, so one 400 tells the loader all that is wrong with a row.
"""

from __future__ import annotations

from typing import Any

from sandbox.freshsales import settings
from sandbox.http_util import Response, json_body


class ApiError(Exception):
    def __init__(self, status: int, messages: str | list[str]) -> None:
        self.status = status
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("; ".join(self.messages))

    def body(self) -> dict[str, Any]:
        return {"errors": {"code": self.status, "message": self.messages}}

    def response(self, headers: list[tuple[str, str]] | None = None) -> Response:
        return Response(self.status, json_body(self.body()), headers=headers or [])


def invalid(messages: str | list[str]) -> ApiError:
    return ApiError(settings.STATUS_VALIDATION, messages)


def not_found(message: str = settings.MESSAGE_NOT_FOUND) -> ApiError:
    return ApiError(settings.STATUS_NOT_FOUND, message)


class Problems:
    """Collects validation messages; `raise_if_any` answers them all at once."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, message: str) -> None:
        self.messages.append(message)

    def __bool__(self) -> bool:
        return bool(self.messages)

    def raise_if_any(self) -> None:
        if self.messages:
            raise invalid(self.messages)
