"""Mart rows as Web API bodies, destination records as before-images, and
before-images back as bodies (rollback).

- A null mart value is never sent (load/payload.without_nulls): a load never
  blanks a destination column; only a restore writes nulls back.
- Lookups are bound (`<nav>@odata.bind: /<set>(<id>)`), never written as
  `_x_value`; a before-image keeps `_x_value` with its target table, which is
  how a restore binds it again.
- Files: `documentbody` is the base64 of the workspace file the mart points
  at, checked against the sha256 the extraction recorded.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path
from typing import Any, Callable

from load.dynamics import settings
from load.dynamics.objects import ENTITY_SETS, Field, ObjectMap
from load.dynamics.odata import LOOKUP_NAME
from load.dynamics.values import to_api
from load.payload import without_nulls

ParentIds = dict[str, dict[str, str]]


class RowProblem(Exception):
    """This row cannot be written as it is; the message says why (never a secret)."""


class Targets:
    """Finds the id a lookup points at."""

    def __init__(self, currency: Callable[[str], str | None],
                 units: Callable[[str], dict[str, str]]) -> None:
        self.currency = currency
        self.units = units

    def resolve(self, f: Field, row: dict[str, Any], value: Any, parents: ParentIds) -> str:
        via = f.via or "id"
        if via == "id":
            return str(value).lower()
        if via.startswith("parent:"):
            parent = via.split(":", 1)[1]
            found = parents.get(parent, {}).get(str(value))
            if found is None:
                raise RowProblem(f"its {parent} record {value} is not in dynamics")
            return found
        if via == "currency":
            found = self.currency(str(value))
            if found is None:
                raise RowProblem(f"currency {value} is not set up in Dynamics (add it under "
                                 "Settings > Business Management > Currencies)")
            return found
        if via.startswith("unit:"):
            group_key = row.get(via.split(":", 1)[1])
            group_id = parents.get("unit_groups", {}).get(str(group_key))
            if group_id is None:
                raise RowProblem(f"its unit group {group_key} is not in dynamics")
            found = self.units(group_id).get(str(value).casefold())
            if found is None:
                raise RowProblem(f"the unit group {group_key} has no unit named {value!r}")
            return found
        raise ValueError(f"unknown lookup source {via!r}")


def field_value(f: Field, row: dict[str, Any]) -> Any:
    value = row.get(f.column)
    if f.json_key is None:
        return value
    return json.loads(value).get(f.json_key) if value else None


def state_pair(f: Field, row: dict[str, Any]) -> tuple[int, int] | None:
    pair = (f.states or {}).get(row.get(f.column))
    return tuple(pair) if pair else None


def build_body(omap: ObjectMap, row: dict[str, Any], parents: ParentIds, targets: Targets,
               *, creating: bool, files_dir: Path | None = None,
               lazy_files: bool = False) -> dict[str, Any]:
    """The upsert body for one mart row (RowProblem when it cannot be written).
    `lazy_files`: leave a file's documentbody out (the sender attaches it just
    before its request goes, so a batch never holds every file in memory)."""
    body: dict[str, Any] = {}
    for f in omap.fields:
        if not f.write or (f.create_only and not creating):
            continue
        if f.kind == "state":
            pair = state_pair(f, row)
            if pair is not None:
                body["statecode"], body["statuscode"] = pair
            continue
        value = field_value(f, row)
        if value is None:
            continue
        if f.kind == "lookup":
            target_id = targets.resolve(f, row, value, parents)
            body[f"{f.nav_name}@odata.bind"] = f"/{ENTITY_SETS[f.target]}({target_id})"
        else:
            body[f.attribute] = to_api(f.kind, value)
    if omap.logical == "annotation" and not lazy_files:
        document = document_body(row, files_dir)
        if document is not None:
            body["documentbody"] = document
    if omap.logical == "appointment":
        body[f"{omap.logical}_activity_parties"] = parties(row, parents)
    return without_nulls(body)


def has_document(row: dict[str, Any]) -> bool:
    return bool(row.get("isdocument") and row.get("stored_path"))


def document_size(row: dict[str, Any]) -> int:
    """Bytes the base64 body of a row's file takes (from the mart, before reading it)."""
    return (int(row.get("size_bytes") or 0) + 2) // 3 * 4 if has_document(row) else 0


def document_body(row: dict[str, Any], files_dir: Path | None) -> str | None:
    stored = row.get("stored_path")
    if not has_document(row):
        return None
    path = Path(stored)
    if not path.is_absolute():
        if files_dir is None:
            raise RowProblem("the workspace's files folder is unknown, so the file cannot be read")
        path = files_dir / stored
    try:
        data = path.read_bytes()
    except OSError:
        raise RowProblem(f"the file {stored} is not in the workspace's files folder: "
                         "run `bizstim-migrate extract` again") from None
    expected = row.get("sha256")
    if expected and hashlib.sha256(data).hexdigest() != str(expected).lower():
        raise RowProblem(f"the file {stored} does not match the sha256 the extraction recorded: "
                         "run `bizstim-migrate extract` again")
    return base64.b64encode(data).decode("ascii")


def parties(row: dict[str, Any], parents: ParentIds) -> list[dict[str, Any]]:
    """The organizer (the owner) and the required attendee (the client)."""
    found = []
    owner = row.get("owner_systemuserid")
    if owner:
        found.append({"partyid_systemuser@odata.bind": f"/systemusers({str(owner).lower()})",
                      "participationtypemask": settings.PARTY_ORGANIZER})
    for column, parent, target in (("regarding_contact_id", "contacts", "contact"),
                                   ("regarding_lead_id", "leads", "lead")):
        key = row.get(column)
        person = parents.get(parent, {}).get(str(key)) if key is not None else None
        if person:
            found.append({f"partyid_{target}@odata.bind": f"/{ENTITY_SETS[target]}({person})",
                          "participationtypemask": settings.PARTY_REQUIRED})
    return found


def before_image(omap: ObjectMap, body: dict[str, Any], current: dict[str, Any]
                 ) -> dict[str, Any]:
    """The destination's values of the columns `body` is about to write."""
    before: dict[str, Any] = {}
    for f in omap.fields:
        if not f.write or f.create_only:
            continue
        if f.kind == "state":
            if "statecode" in body:
                before["statecode"] = current.get("statecode")
                before["statuscode"] = current.get("statuscode")
        elif f.kind == "lookup":
            if f"{f.nav_name}@odata.bind" in body:
                name = f"_{f.attribute}_value"
                before[name] = current.get(name)
                before[name + LOOKUP_NAME] = current.get(name + LOOKUP_NAME)
        elif f.attribute in body:
            before[f.attribute] = current.get(f.attribute)
    for name in omap.heavy:
        if name in body:
            before[name] = current.get(name)
    return before


def restore_body(omap: ObjectMap, before: dict[str, Any]) -> dict[str, Any]:
    """A before-image as an update body (nulls included: they were the values)."""
    body: dict[str, Any] = {}
    for name, value in before.items():
        if "@" in name or name.startswith("_lines"):
            continue
        if name.startswith("_") and name.endswith("_value"):
            attribute = name[1:-len("_value")]
            target = before.get(name + LOOKUP_NAME)
            nav = nav_for(omap, attribute, target)
            body[f"{nav}@odata.bind"] = (f"/{ENTITY_SETS.get(target, target + 's')}({value})"
                                         if value else None)
        else:
            body[name] = value
    return body


def nav_for(omap: ObjectMap, attribute: str, target: str | None) -> str:
    """The navigation property that binds `attribute` to a `target` record. A
    polymorphic lookup (customer, regarding) names the target in its navigation
    property: one the contract does not declare (a before-image pointing at an
    account) follows the pattern of one it does (customerid_contact ->
    customerid_account)."""
    candidates = [f for f in omap.fields if f.kind == "lookup" and f.attribute == attribute]
    for f in candidates:
        if target is None or f.target == target:
            return f.nav_name
    for f in candidates:
        if target and f.target and f.target in f.nav_name:
            return f.nav_name.replace(f.target, target, 1)
    return candidates[0].nav_name if candidates else attribute


def files_dir_of(con) -> Path | None:
    """The workspace's files folder: beside the warehouse DuckDB file."""
    try:
        row = con.execute("select path from duckdb_databases() "
                          "where database_name = current_database()").fetchone()
    except Exception:  # noqa: BLE001 - an older DuckDB: fall back to the environment
        row = None
    if row and row[0]:
        return Path(row[0]).resolve().parent / "files"
    workspace = os.environ.get("BIZSTIM_MIGRATE_WORKSPACE")
    return Path(workspace) / "files" if workspace else None
