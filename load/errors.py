"""Every error the loader raises to its callers, in one place.

A `DestinationError` stops a run cleanly (the destination refused or did not
answer; the ledger holds what was done, and running the same command again
resumes); the others say what a person must fix before a run can start.
Messages never carry a credential.
"""

from __future__ import annotations

from typing import Any


class DestinationError(Exception):
    """The destination stopped the run; it resumes where it stopped."""


class ApiError(DestinationError):
    """The destination refused a request; `message` is its own words."""

    def __init__(self, status: int, message: str, code: str | None = None,
                 body: Any = None) -> None:
        super().__init__(f"HTTP {status}{f' {code}' if code else ''}: {message}")
        self.status = status
        self.message = message
        self.code = code
        self.body = body


class AmbiguousWrite(DestinationError):
    """A non-idempotent write may or may not have been applied."""


class GaveUp(DestinationError):
    """Retries exhausted (or a 429 storm longer than the retry budget)."""


class AuthError(DestinationError, RuntimeError):
    """The destination refused the credentials; the message says what to check."""


class JobTimedOut(DestinationError):
    """A destination's background job did not finish in the time allowed."""


class DestinationConfigError(Exception):
    """A variable is missing or malformed; the message names it (never its value)."""


class LoadRefused(Exception):
    """The load may not start; the message lists what to fix."""
