"""Errors a migration engineer can act on. None of them ever carries a key."""

from __future__ import annotations


class BizstimError(RuntimeError):
    """Base class: the extraction cannot go on; the message says what to do."""


class BizstimAuthError(BizstimError):
    """Bizstim rejected an API key (401)."""


class BizstimPlanError(BizstimError):
    """The account's plan has no API access (403): Enterprise is required."""


class PageFetchError(BizstimError):
    """A request still failed after every retry; the run is resumable."""


class ConfigError(BizstimError):
    """Credentials or settings are missing or malformed."""


class PageShiftError(BizstimError):
    """Records slid between list pages (the account changed while it was
    paged) and re-reading could not close the gap; the run is resumable."""
