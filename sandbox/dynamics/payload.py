"""A write's JSON body read the way the Web API reads it, into column changes.

- Columns are checked against the table (custom ones included): an unknown
  name is 400 0x80048d19 "The property 'x' does not exist on type …"
  (observed), a lookup written as `_x_value` is refused (observed wording), a
  value of the wrong type is "Cannot convert the literal …" (observed), a
  string longer than the column is 0x80044331 (documented).
- `<nav>@odata.bind` resolves to `_<lookup>_value` (+ the target table as the
  `Microsoft.Dynamics.CRM.lookuplogicalname` annotation); a nav name the table
  does not have is the observed "undeclared property … only has property
  annotations" error; a bind to a missing record is 404 0x80040217.
- Read-only columns (createdon, modifiedon, fullname …) are ignored, as are
  create-only columns on an update (overriddencreatedon).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

from sandbox.dynamics import errors, settings
from sandbox.dynamics.entities import PARTICIPATION_MASKS, Attribute, Table
from sandbox.dynamics.odata import is_guid

LOOKUP_ANNOTATION = "@Microsoft.Dynamics.CRM.lookuplogicalname"
_EDM = {"String": "Edm.String", "Memo": "Edm.String", "Integer": "Edm.Int32", "BigInt": "Edm.Int64",
        "Decimal": "Edm.Decimal", "Money": "Edm.Decimal", "Double": "Edm.Double", "Boolean": "Edm.Boolean",
        "DateTime": "Edm.DateTimeOffset", "Picklist": "Edm.Int32", "State": "Edm.Int32",
        "Status": "Edm.Int32", "Uniqueidentifier": "Edm.Guid", "EntityName": "Edm.String"}
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Resolver(Protocol):
    def resolve(self, reference: str) -> tuple[str, str]:
        """An @odata.bind value -> (table logical name, id); ODataError when it names nothing."""


@dataclass
class Changes:
    values: dict[str, Any] = field(default_factory=dict)
    parties: list[dict[str, Any]] | None = None
    record_id: str | None = None  # the primary key, when the body names it


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(text: str) -> str:
    """An ISO date or date-time -> "YYYY-MM-DDTHH:MM:SSZ" (UTC); ValueError otherwise."""
    text = text.strip()
    if len(text) == 10:
        parsed = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    else:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def convert(table: Table, attr: Attribute, value: Any, entity_set: str) -> Any:
    """A JSON value checked and normalised for `attr`; ODataError otherwise."""
    if value is None:
        return None

    def cannot() -> errors.ODataError:
        return errors.payload_error(entity_set, f"Cannot convert the literal '{value}' to the expected type "
                                                f"'{_EDM.get(attr.type, 'Edm.String')}'.")

    kind = attr.type
    if kind in ("String", "Memo", "EntityName"):
        if not isinstance(value, str):
            raise cannot()
        if attr.max_length is not None and len(value) > attr.max_length:
            raise errors.ODataError(400, settings.CODE_VALIDATION,
                                    f"A validation error occurred.  The length of the '{attr.logical_name}' "
                                    f"attribute of the '{table.logical_name}' entity exceeded the maximum "
                                    f"allowed length of '{attr.max_length}'.")
        if settings.VALIDATE_EMAIL_FORMAT and attr.format == "Email" and value and not _EMAIL_RE.match(value):
            raise errors.ODataError(400, settings.CODE_VALIDATION,
                                    f"A validation error occurred. '{value}' is not a valid e-mail address "
                                    f"for the '{attr.logical_name}' attribute.")
        return value
    if kind in ("Integer", "BigInt", "Picklist", "State", "Status"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise cannot()
        if kind == "Integer" and not -2_147_483_648 <= value <= 2_147_483_647:
            raise cannot()
        if attr.options is not None and value not in attr.options:
            raise errors.ODataError(400, settings.CODE_VALIDATION,
                                    f"A validation error occurred. The value {value} of '{attr.logical_name}' "
                                    f"on record of type '{table.logical_name}' is outside the valid range.")
        return value
    if kind in ("Decimal", "Money", "Double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise cannot()
        return value
    if kind == "Boolean":
        if not isinstance(value, bool):
            raise cannot()
        return value
    if kind == "DateTime":
        if not isinstance(value, str):
            raise cannot()
        try:
            return parse_datetime(value)
        except ValueError:
            raise cannot() from None
    if kind == "Uniqueidentifier":
        if not isinstance(value, str) or not is_guid(value):
            raise cannot()
        return value.lower()
    raise cannot()


def read_payload(table: Table, body: dict[str, Any], *, creating: bool, resolver: Resolver,
                 entity_set: str) -> Changes:
    """Column changes from a create / update / upsert body (see module doc)."""
    changes = Changes()
    value_names = {a.value_name: a for a in table.attributes.values() if a.is_lookup}
    for name, value in body.items():
        if name.startswith("@odata.") or name.startswith("@"):
            continue
        if name.endswith("@odata.bind"):
            _bind(table, name[: -len("@odata.bind")], value, changes, resolver, entity_set, creating)
            continue
        if "@" in name:
            continue  # other instance annotations (e.g. "…@OData.Community.Display.V1.FormattedValue")
        if table.party_property is not None and name == table.party_property:
            changes.parties = _parties(table, value, resolver, entity_set)
            continue
        if name in value_names:
            raise errors.ODataError(400, settings.CODE_BAD_QUERY,
                                    "CRM do not support direct update of Entity Reference properties, Use "
                                    "Navigation properties instead.")
        attr = table.attributes.get(name)
        if attr is None or attr.is_lookup:
            raise errors.unknown_property(entity_set, table.logical_name, name)
        if name == table.primary_id:
            if value is not None:
                changes.record_id = convert(table, attr, value, entity_set)
            continue
        if not (attr.create if creating else attr.update):
            continue  # read-only (or create-only on an update): ignored, as the service does
        changes.values[name] = convert(table, attr, value, entity_set)
    return changes


def _bind(table: Table, nav: str, value: Any, changes: Changes, resolver: Resolver, entity_set: str,
          creating: bool) -> None:
    entry = table.navigation.get(nav)
    if entry is None:
        raise errors.payload_error(
            entity_set,
            f"An undeclared property '{nav}' which only has property annotations in the payload but no property "
            "value was found in the payload. In OData, only declared navigation properties and declared named "
            "streams can be represented as properties without values.")
    attr_name, _ = entry
    attr = table.attributes[attr_name]
    if not (attr.create if creating else attr.update):
        return  # a create-only lookup (e.g. a line's opportunity) is ignored on an update, like a column
    if value is None:
        changes.values[attr.value_name] = None
        changes.values[attr.value_name + LOOKUP_ANNOTATION] = None
        return
    if not isinstance(value, str):
        raise errors.payload_error(entity_set, f"The value of '{nav}@odata.bind' must be a URL string.")
    target_table, target_id = resolver.resolve(value)
    allowed = table.nav_targets(nav)
    if target_table not in allowed:
        raise errors.ODataError(400, settings.CODE_INVALID_ARGUMENT,
                                f"The navigation property '{nav}' of '{table.logical_name}' refers to "
                                f"'{', '.join(allowed)}', not to '{target_table}'.")
    changes.values[attr.value_name] = target_id
    changes.values[attr.value_name + LOOKUP_ANNOTATION] = target_table


def _parties(table: Table, value: Any, resolver: Resolver, entity_set: str) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise errors.payload_error(entity_set, f"'{table.party_property}' must be a JSON array of activity parties.")
    parties = []
    for item in value:
        if not isinstance(item, dict):
            raise errors.payload_error(entity_set, "An activity party must be a JSON object.")
        party: dict[str, Any] = {}
        for name, part in item.items():
            if name.startswith("@"):
                continue
            if name.endswith("@odata.bind") and name.startswith("partyid_"):
                target = name[len("partyid_"): -len("@odata.bind")]
                if target not in table.party_targets:
                    raise errors.unknown_property(entity_set, "activityparty", name[: -len("@odata.bind")])
                target_table, target_id = resolver.resolve(part)
                if target_table != target:
                    raise errors.ODataError(400, settings.CODE_INVALID_ARGUMENT,
                                            f"'{name}' must refer to a {target}, not to a {target_table}.")
                party["_partyid_value"] = target_id
                party["_partyid_value" + LOOKUP_ANNOTATION] = target_table
            elif name == "participationtypemask":
                if isinstance(part, bool) or not isinstance(part, int) or part not in PARTICIPATION_MASKS:
                    raise errors.payload_error(entity_set, f"Cannot convert the literal '{part}' to the "
                                                           "expected type 'Edm.Int32'.")
                party["participationtypemask"] = part
            elif name == "addressused" and isinstance(part, str):
                party["addressused"] = part
            else:
                raise errors.unknown_property(entity_set, "activityparty", name.split("@")[0])
        if "participationtypemask" not in party:
            raise errors.ODataError(400, settings.CODE_REQUIRED_MISSING,
                                    "An activity party needs a participationtypemask.")
        parties.append(party)
    return parties


def check_document(body: str, entity_set: str, limit: int) -> int:
    """The decoded size of a base64 documentbody; ODataError when not base64 or too large."""
    try:
        size = len(base64.b64decode(body, validate=True))
    except (binascii.Error, ValueError):
        raise errors.payload_error(entity_set, "The value of 'documentbody' is not valid base64.") from None
    if size > limit:
        raise errors.ODataError(400, settings.CODE_ATTACHMENT,
                                f"The attachment is either not a valid type or is too large. It cannot be "
                                f"uploaded or downloaded. ({size} bytes; the limit is {limit} bytes)")
    return size
