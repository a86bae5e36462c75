"""String comparison as Dataverse's SQL collation does it (case and accent insensitive).

One function, `fold`, turns a value into the key equality and ordering use in
$filter, alternate keys and indexes, so "Émma.Jones@X.com" finds
"emma.jones@x.com" the way the real service would.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

from sandbox.dynamics import settings


@lru_cache(maxsize=65536)
def _fold_text(text: str) -> str:
    if settings.CASE_INSENSITIVE:
        text = text.casefold()
    if settings.ACCENT_INSENSITIVE and not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return text


def fold(value: Any) -> Any:
    """The comparison key of a value: folded text for strings, the value itself otherwise."""
    if isinstance(value, str):
        return _fold_text(value)
    return value
