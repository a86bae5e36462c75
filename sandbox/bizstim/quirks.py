"""Ways a list page can misbehave while an extraction pages through it.

A live Bizstim is a PHP application over MySQL with offset paging and no
sort order; these are the shapes of bad pages the extractor must survive,
switched on per object through `BizstimSandbox.set_page_quirks` (or
`POST /__sandbox__/page_quirks`). Each quirk names the object, what it does,
and from which offset (the position in the whole list) it applies; `ids`
narrows it to some records. The account itself is unchanged: the control
surface's records stay as they are, only what /api/ serves differs.

actions:
- `repeat_record`: the page holding offset `from_offset` carries the record
  `record_id` once more at that position (a duplicate id in a page, or on two
  pages when the record sits on another one, as offset paging on a live
  account does);
- `as_json_numbers`: `fields` go out as JSON numbers instead of strings (a
  field whose type changes mid-extraction);
- `add_field`: records carry `field` = `value` (a field that appears
  mid-extraction, e.g. a custom field created while the extraction runs);
- `insert_raw`: the page holding `from_offset` carries `raw` (any JSON value:
  a string, null, a record without an id) at that position;
- `latin1_bytes`: wherever the UTF-8 bytes of `text` appear in a page, they go
  out as Latin-1 bytes instead (a legacy row in a mixed-encoding database).
"""

from __future__ import annotations

import copy
import json
from dataclasses import asdict, dataclass
from typing import Any, Callable

ACTIONS = ("repeat_record", "as_json_numbers", "add_field", "insert_raw", "latin1_bytes")


@dataclass(frozen=True)
class PageQuirk:
    object: str
    action: str
    from_offset: int = 0
    ids: tuple[str, ...] = ()  # only these records (empty: every record from the offset)
    record_id: str | None = None  # repeat_record
    fields: tuple[str, ...] = ()  # as_json_numbers
    field: str | None = None  # add_field
    value: Any = None  # add_field
    raw: Any = None  # insert_raw
    text: str | None = None  # latin1_bytes

    @classmethod
    def from_dict(cls, spec: dict[str, Any]) -> "PageQuirk":
        unknown = set(spec) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown page quirk settings: {', '.join(sorted(unknown))}")
        values = dict(spec)
        for name in ("ids", "fields"):
            values[name] = tuple(str(v) for v in values.get(name) or ())
        quirk = cls(**values)
        quirk.check()
        return quirk

    def check(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"unknown page quirk {self.action!r}; known: {', '.join(ACTIONS)}")
        if int(self.from_offset) < 0:
            raise ValueError("from_offset must be >= 0")
        needs = {"repeat_record": self.record_id, "as_json_numbers": self.fields,
                 "add_field": self.field, "latin1_bytes": self.text}
        if self.action in needs and not needs[self.action]:
            raise ValueError(f"a {self.action} quirk needs its setting (see sandbox/bizstim/quirks.py)")
        if self.action == "latin1_bytes":
            try:
                self.text.encode("latin-1")
            except UnicodeEncodeError:
                raise ValueError(f"{self.text!r} has characters Latin-1 cannot hold") from None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ids"], data["fields"] = list(self.ids), list(self.fields)
        return data

    def _applies(self, offset: int, record: Any) -> bool:
        if offset < self.from_offset:
            return False
        return not self.ids or (isinstance(record, dict) and str(record.get("id")) in self.ids)


def apply_to_records(quirks: list[PageQuirk], obj: str, start: int, records: list[Any],
                     lookup: Callable[[str], dict[str, Any] | None]) -> list[Any]:
    """The page as served: `records` (from offset `start`) with the quirks applied.
    Records are copied before any change: the account's own stay as they are."""
    mine = [q for q in quirks if q.object == obj]
    if not mine:
        return records
    out: list[Any] = []
    for position, record in enumerate(records):
        offset = start + position
        for quirk in mine:
            if quirk.action in ("repeat_record", "insert_raw") and quirk.from_offset == offset:
                extra = lookup(quirk.record_id) if quirk.action == "repeat_record" else quirk.raw
                if quirk.action == "insert_raw" or extra is not None:
                    out.append(copy.deepcopy(extra))
        served = record
        for quirk in mine:
            if quirk.action not in ("as_json_numbers", "add_field") or not quirk._applies(offset, record):
                continue
            served = dict(served) if served is record else served
            if quirk.action == "add_field":
                served[quirk.field] = quirk.value
            else:
                for name in quirk.fields:
                    if name in served:
                        served[name] = _as_number(served[name])
        out.append(served)
    return out


def apply_to_body(quirks: list[PageQuirk], obj: str, body: bytes) -> bytes:
    """The page's bytes with `latin1_bytes` quirks applied."""
    for quirk in quirks:
        if quirk.object == obj and quirk.action == "latin1_bytes":
            # the text as it appears inside a JSON string (ensure_ascii=False)
            encoded = json.dumps(quirk.text, ensure_ascii=False)[1:-1]
            body = body.replace(encoded.encode("utf-8"), encoded.encode("latin-1"))
    return body


def _as_number(value: Any) -> Any:
    """"42" -> 42, "42.50" -> 42.5; anything else as it is."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return value
