"""OData URL grammar the Web API uses: resource paths, keys, query options, Prefer.

- `parse_path("contacts(new_key='A/1')/Microsoft.Dynamics.CRM.X")` splits a
  path into segments, respecting quotes, and each segment into a name and an
  optional key (`Segment`).
- `parse_key("00000000-…")` / `parse_key("new_a='x',new_b=2")` gives a
  `KeySpec`: a primary id or alternate-key values.
- `parse_reference("/contacts(…)")` reads an `@odata.bind` / `@odata.id` value.
- `parse_prefer` reads the Prefer header; paging cookies build and read
  `$skiptoken` values shaped like Dataverse's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

from sandbox.dynamics import errors, settings

GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_NUMBER_RE = re.compile(r"^-?\d+(\.\d+)?$")


def is_guid(text: str) -> bool:
    return bool(GUID_RE.match(text))


@dataclass(frozen=True)
class KeySpec:
    """A record named by primary id (`id`) or by alternate-key values (`values`)."""

    id: str | None = None
    values: tuple[tuple[str, Any], ...] = ()

    @property
    def is_alternate(self) -> bool:
        return self.id is None

    def text(self) -> str:
        if self.id is not None:
            return self.id
        return ",".join(f"{name}={format_literal(value)}" for name, value in self.values)


@dataclass
class Segment:
    name: str
    key: str | None = None  # the raw text between the parentheses


def split_outside_quotes(text: str, separator: str) -> list[str]:
    parts, current, quoted = [], [], False
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "'":
            if quoted and i + 1 < len(text) and text[i + 1] == "'":
                current.append("''")
                i += 2
                continue
            quoted = not quoted
        if ch == separator and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    if quoted:
        raise errors.bad_query("Bad Request - Error in query syntax: unterminated string literal.")
    parts.append("".join(current))
    return parts


def parse_path(path: str) -> list[Segment]:
    """`path` below the API prefix, percent-decoded, as segments."""
    text = unquote(path).strip("/")
    if not text:
        return []
    segments = []
    for raw in split_outside_quotes(text, "/"):
        if raw.endswith(")") and "(" in raw:
            name, _, key = raw.partition("(")
            segments.append(Segment(name, key[:-1]))
        else:
            segments.append(Segment(raw))
    return segments


def parse_literal(text: str) -> Any:
    text = text.strip()
    if len(text) >= 2 and text[0] == "'" and text[-1] == "'":
        return text[1:-1].replace("''", "'")
    if text == "null":
        return None
    if text in ("true", "false"):
        return text == "true"
    if is_guid(text):
        return text.lower()
    if _NUMBER_RE.match(text):
        return float(text) if "." in text else int(text)
    raise errors.bad_query(f"Bad Request - Error in query syntax: '{text}' is not a valid literal.")


def format_literal(value: Any) -> str:
    if isinstance(value, str) and not is_guid(value):
        return "'" + value.replace("'", "''") + "'"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_key(text: str) -> KeySpec:
    text = text.strip()
    if is_guid(text):
        return KeySpec(id=text.lower())
    if "=" not in text:
        raise errors.bad_query(f"Bad Request - Error in query syntax: the key '{text}' is neither a GUID "
                               "nor name='value' pairs.")
    values = []
    for part in split_outside_quotes(text, ","):
        name, eq, literal = part.partition("=")
        if not eq or not name.strip():
            raise errors.bad_query(f"Bad Request - Error in query syntax: bad key part '{part}'.")
        values.append((name.strip(), parse_literal(literal)))
    return KeySpec(values=tuple(values))


def parse_reference(text: str, api_base: str | None = None) -> tuple[str, KeySpec]:
    """`/contacts(<guid>)`, `contacts(new_key='1')` or a full URL -> (entity set, key)."""
    value = text.strip()
    marker = settings.API_PREFIX + "/"
    if marker in value:
        value = value.split(marker, 1)[1]
    value = value.lstrip("/")
    if not (value.endswith(")") and "(" in value):
        raise ValueError(f"not an entity reference: {text!r}")
    entity_set, _, key = value.partition("(")
    return entity_set, parse_key(key[:-1])


@dataclass
class Prefer:
    return_representation: bool = False
    max_page_size: int | None = None
    continue_on_error: bool = False
    annotations: str | None = None
    raw: list[str] = field(default_factory=list)


def parse_prefer(header: str | None) -> Prefer:
    prefer = Prefer()
    if not header:
        return prefer
    for part in split_outside_quotes(header.replace('"', "'"), ","):
        item = part.strip()
        if not item:
            continue
        prefer.raw.append(item)
        name, _, value = item.partition("=")
        name = name.strip().lower()
        if name == "return" and value.strip().lower() == "representation":
            prefer.return_representation = True
        elif name == "odata.maxpagesize":
            try:
                prefer.max_page_size = int(value.strip())
            except ValueError:
                raise errors.bad_query(f"The Prefer header value '{item}' is not valid.") from None
        elif name == "odata.continue-on-error":
            prefer.continue_on_error = value.strip().lower() not in ("false",)
        elif name == "odata.include-annotations":
            prefer.annotations = value.strip().strip("'")
    return prefer


# --- paging cookies (shaped like Dataverse's $skiptoken) --------------------------

_COOKIE_LAST = re.compile(r'last="\{?([0-9a-fA-F-]{36})\}?"')
_COOKIE_PAGE = re.compile(r'pagenumber="(\d+)"')


def make_skiptoken(page_number: int, first_id: str, last_id: str) -> str:
    inner = (f'<cookie page="{page_number - 1}"><id last="{{{last_id.upper()}}}" '
             f'first="{{{first_id.upper()}}}" /></cookie>')
    return f'<cookie pagenumber="{page_number}" pagingcookie="{quote(quote(inner))}" istracking="False" />'


def read_skiptoken(token: str) -> tuple[int, str | None]:
    """(page number, last id) from a $skiptoken value; 400 when it is not ours."""
    text = unquote(token)
    page = _COOKIE_PAGE.search(text)
    if page is None:
        raise errors.bad_query("The $skiptoken value is not valid. Use the @odata.nextLink URL as returned.")
    inner = unquote(unquote(text))
    last = _COOKIE_LAST.search(inner)
    return int(page.group(1)), (last.group(1).lower() if last else None)


def single(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise errors.bad_query(f"The query parameter '{name}' is specified more than once; "
                               "it must be specified at most once.")
    return values[0]
