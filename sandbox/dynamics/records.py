"""Create, update, upsert, delete and read one row, with the Web API's semantics.

- create: 204 + OData-EntityId (the caller renders), id from the body's
  primary key when given, `overriddencreatedon` becomes `createdon` (and
  `overriddencreatedon` holds the migration time, as its description says),
  the owner defaults to the caller, SystemRequired columns are enforced.
- upsert (PATCH by id or alternate key): creates when absent, updates when
  present; `If-Match: *` refuses the create (404), `If-None-Match: *` refuses
  the update (412 "A record with matching key values already exists.");
  `If-Match: W/"n"` is optimistic concurrency (412 on a mismatch).
- delete: cascades, removes links or refuses (405) per lookup, as relationship
  behaviours do.
Every write runs inside a store transaction, so a failing business rule (see
`rules.py`) leaves nothing behind, and the caller can nest it in a larger one.
"""

from __future__ import annotations

import random
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from sandbox.dynamics import errors, rules, settings
from sandbox.dynamics.collation import fold
from sandbox.dynamics.entities import Key, Schema, Table
from sandbox.dynamics.odata import KeySpec, Prefer, parse_reference
from sandbox.dynamics.payload import LOOKUP_ANNOTATION, Changes, convert, read_payload, utc_now
from sandbox.dynamics.store import Row, Store


@dataclass
class Context:
    """Who is calling and what one HTTP request has cost so far."""

    user_id: str
    api_base: str
    prefer: Prefer = field(default_factory=Prefer)
    content_ids: dict[str, str] = field(default_factory=dict)  # "$1" -> "contacts(<guid>)"
    exec_ms: float = 0.0
    operations: int = 0  # data changes (what request entitlements count)
    costs: dict[str, float] = field(default_factory=lambda: dict(settings.EXECUTION_MS))  # simulated ms
    internal: bool = False  # the service itself (actions), not the caller's payload
    as_person: bool = False  # the control surface acting as a person in the UI


class IdSource:
    """GUIDs from a seeded generator, so a sandbox with the same seed hands out the same ids."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._rng = random.Random(self._seed)

    def new(self) -> str:
        with self._lock:
            return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))


class _Binds:
    def __init__(self, records: "Records", ctx: Context) -> None:
        self.records = records
        self.ctx = ctx

    def resolve(self, reference: str) -> tuple[str, str]:
        text = reference.strip()
        if text.startswith("$"):
            name = text.split("/", 1)[0]
            if name not in self.ctx.content_ids:
                raise errors.bad_query(f"Content-ID Reference: '{name}' does not exist in the batch context.")
            text = self.ctx.content_ids[name] + text[len(name):]
        try:
            entity_set, key = parse_reference(text)
        except ValueError:
            raise errors.bad_query(f"The @odata.bind value '{reference}' is not a valid entity reference; "
                                   "use '/<entityset>(<id>)'.") from None
        table = self.records.schema.by_set(entity_set)
        if table is None:
            raise errors.segment_not_found(entity_set)
        row_id = self.records.locate(table, key)
        if row_id is None:
            raise (errors.not_found(table.logical_name, key.id) if key.id is not None
                   else errors.key_not_found(table.logical_name))
        return table.logical_name, row_id


class Records:
    def __init__(self, schema: Schema, store: Store, ids: IdSource) -> None:
        self.schema = schema
        self.store = store
        self.ids = ids

    # --- locating -----------------------------------------------------------------

    def key_for(self, table: Table, names: set[str]) -> Key:
        for key in table.keys.values():
            if set(key.attributes) == names:
                if key.status != "Active":
                    raise errors.ODataError(400, settings.CODE_BAD_QUERY,
                                            f"The alternate key '{key.schema_name}' of {table.logical_name} is "
                                            f"not active (status {key.status}).")
                return key
        raise errors.bad_query(f"The key {', '.join(sorted(names))} is not an alternate key of entity "
                               f"'{table.logical_name}'; define it as an alternate key first.")

    def locate(self, table: Table, key: KeySpec) -> str | None:
        if key.id is not None:
            return key.id if self.store.get(table.logical_name, key.id) is not None else None
        names = dict(key.values)
        alt = self.key_for(table, set(names))
        values = []
        for name in alt.attributes:
            value = names[name]
            values.append(value.lower() if table.attributes[name].is_lookup and isinstance(value, str) else value)
        return self.store.find_by_key(table, alt, tuple(values))

    def not_found(self, table: Table, key: KeySpec) -> errors.ODataError:
        return errors.not_found(table.logical_name, key.id) if key.id is not None \
            else errors.key_not_found(table.logical_name)

    def binds(self, ctx: Context) -> _Binds:
        return _Binds(self, ctx)

    # --- writes -------------------------------------------------------------------

    def create(self, table: Table, body: dict[str, Any], ctx: Context, *, key: KeySpec | None = None,
               entity_set: str | None = None) -> Row:
        entity_set = entity_set or table.entity_set
        if not table.creatable and not ctx.internal:
            hint = (" Users come from Microsoft Entra ID: the customer's IT adds the user there and it "
                    "synchronises into the environment." if table.logical_name == "systemuser" else "")
            raise errors.ODataError(400, settings.CODE_MESSAGE_NOT_SUPPORTED,
                                    f"The 'Create' method does not support entities of type "
                                    f"'{table.logical_name}'.{hint}")
        with self.store.transaction():
            changes = read_payload(table, body, creating=True, resolver=self.binds(ctx), entity_set=entity_set)
            row_id = key.id if key is not None and key.id is not None else changes.record_id
            if row_id is not None and changes.record_id is not None and row_id != changes.record_id:
                raise errors.ODataError(400, settings.CODE_INVALID_ARGUMENT,
                                        "The primary key in the body differs from the one in the URL.")
            if key is not None and key.is_alternate:
                self._apply_key_values(table, key, changes, entity_set)
            row_id = row_id or self.ids.new()
            if self.store.get(table.logical_name, row_id) is not None:
                raise errors.duplicate()
            row = self._new_row(table, row_id, changes, ctx)
            self._check_required(table, row)
            rules.before_write(self, table, None, row, ctx)
            if self.store.key_conflict(table, row, row_id) is not None:
                raise errors.duplicate()
            self.store.put(table.logical_name, row_id, row)
            rules.after_write(self, table, None, row, ctx)
            ctx.operations += 1
            return row

    def update(self, table: Table, row_id: str, body: dict[str, Any], ctx: Context, *,
               if_match: str | None = None, entity_set: str | None = None) -> Row:
        entity_set = entity_set or table.entity_set
        with self.store.transaction():
            old = self.store.get(table.logical_name, row_id)
            if old is None:
                raise errors.not_found(table.logical_name, row_id)
            self._check_etag(old, if_match)
            changes = read_payload(table, body, creating=False, resolver=self.binds(ctx), entity_set=entity_set)
            if changes.record_id is not None and changes.record_id != row_id:
                raise errors.ODataError(400, settings.CODE_INVALID_ARGUMENT,
                                        "The primary key in the body differs from the record being updated.")
            return self.write_changes(table, row_id, changes.values, ctx, parties=changes.parties)

    def write_changes(self, table: Table, row_id: str, values: dict[str, Any], ctx: Context, *,
                      parties: list | None = None) -> Row:
        """Apply already-checked column values to an existing row (also used by actions)."""
        with self.store.transaction():
            old = self.store.get(table.logical_name, row_id)
            if old is None:
                raise errors.not_found(table.logical_name, row_id)
            for attr in table.required_on_create():
                if attr.value_name in values and values[attr.value_name] in (None, ""):
                    raise errors.ODataError(400, settings.CODE_REQUIRED_MISSING,
                                            f"The '{attr.logical_name}' column of {table.logical_name} is "
                                            f"required (RequiredLevel {attr.required}) and cannot be emptied.")
            new = dict(old)
            new.update(values)
            if parties is not None and table.party_property:
                new[table.party_property] = parties
            if table.states and "statecode" in values and "statuscode" not in values:
                new["statuscode"] = table.states.get(new["statecode"], (None,))[0]
            self._check_state(table, new)
            new["modifiedon"] = utc_now()
            new["_modifiedby_value"] = ctx.user_id
            new["_modifiedby_value" + LOOKUP_ANNOTATION] = "systemuser"
            new["versionnumber"] = self.store.next_version()
            rules.before_write(self, table, old, new, ctx)
            if self.store.key_conflict(table, new, row_id) is not None:
                raise errors.duplicate()
            self.store.put(table.logical_name, row_id, new)
            rules.after_write(self, table, old, new, ctx)
            ctx.operations += 1
            return new

    def upsert(self, table: Table, key: KeySpec, body: dict[str, Any], ctx: Context, *,
               if_match: str | None = None, if_none_match: str | None = None) -> tuple[bool, Row]:
        with self.store.transaction():
            row_id = self.locate(table, key)
            if row_id is not None:
                if if_none_match is not None and if_none_match.strip() == "*":
                    raise errors.duplicate()
                return False, self.update(table, row_id, body, ctx, if_match=if_match)
            if if_match is not None:
                raise self.not_found(table, key)
            return True, self.create(table, body, ctx, key=key)

    def delete(self, table: Table, key: KeySpec, ctx: Context, *, if_match: str | None = None) -> None:
        if not table.deletable:
            raise errors.ODataError(400, settings.CODE_MESSAGE_NOT_SUPPORTED,
                                    f"The 'Delete' method does not support entities of type "
                                    f"'{table.logical_name}'.")
        with self.store.transaction():
            row_id = self.locate(table, key)
            if row_id is None:
                raise self.not_found(table, key)
            self._check_etag(self.store.get(table.logical_name, row_id), if_match)
            self.delete_row(table, row_id, ctx)

    def delete_row(self, table: Table, row_id: str, ctx: Context, *, cascading: bool = False) -> None:
        row = self.store.get(table.logical_name, row_id)
        if row is None:
            return
        if not cascading:
            rules.before_delete(self, table, row, ctx)
        for ref_table_name, ref_id, attr_name in self.store.referencing(row_id):
            ref_table = self.schema.tables[ref_table_name]
            attr = ref_table.attributes.get(attr_name)
            if attr is None or attr_name in ("createdby", "modifiedby", "ownerid") or ref_id == row_id:
                continue
            if attr.on_delete == "cascade":
                self.delete_row(ref_table, ref_id, ctx, cascading=True)
            elif attr.on_delete == "restrict":
                raise errors.ODataError(405, settings.CODE_CANNOT_DELETE,
                                        f"The object you tried to delete is associated with another object and "
                                        f"cannot be deleted: {ref_table_name} {ref_id} refers to it through "
                                        f"{attr_name}.")
            else:
                ref_row = self.store.get(ref_table_name, ref_id)
                if ref_row is not None:
                    unlinked = dict(ref_row)
                    unlinked[attr.value_name] = None
                    unlinked[attr.value_name + LOOKUP_ANNOTATION] = None
                    unlinked["versionnumber"] = self.store.next_version()
                    self.store.put(ref_table_name, ref_id, unlinked)
        self.store.put(table.logical_name, row_id, None)
        ctx.operations += 1

    # --- helpers --------------------------------------------------------------------

    def _new_row(self, table: Table, row_id: str, changes: Changes, ctx: Context) -> Row:
        now = utc_now()
        row: Row = {table.primary_id: row_id}
        for attr in table.attributes.values():
            if attr.default is not None and attr.value_name not in changes.values:
                row[attr.value_name] = attr.default
        row.update(changes.values)
        if changes.parties is not None and table.party_property:
            row[table.party_property] = changes.parties
        if table.ownership == "UserOwned" and row.get("_ownerid_value") is None:
            row["_ownerid_value"] = ctx.user_id
            row["_ownerid_value" + LOOKUP_ANNOTATION] = "systemuser"
        if table.states:
            state = row.get("statecode")
            if state is None:
                state = row["statecode"] = table.default_state
            if row.get("statuscode") is None:
                row["statuscode"] = table.states.get(state, (None,))[0]
            self._check_state(table, row)
        overridden = row.pop("overriddencreatedon", None)
        row["createdon"] = overridden or now
        row["overriddencreatedon"] = now if overridden else None
        row["modifiedon"] = now
        for who in ("_createdby_value", "_modifiedby_value"):
            row[who] = ctx.user_id
            row[who + LOOKUP_ANNOTATION] = "systemuser"
        row["versionnumber"] = self.store.next_version()
        return row

    def _apply_key_values(self, table: Table, key: KeySpec, changes: Changes, entity_set: str) -> None:
        """An upsert by alternate key that creates: the key's values become the new row's columns."""
        for name, value in key.values:
            attr = table.attributes.get(name)
            if attr is None:
                raise errors.unknown_property(entity_set, table.logical_name, name)
            if attr.is_lookup:
                target = attr.targets[0]
                target_table = self.schema.tables[target]
                if self.store.get(target, str(value).lower()) is None:
                    raise errors.not_found(target_table.logical_name, str(value))
                changes.values[attr.value_name] = str(value).lower()
                changes.values[attr.value_name + LOOKUP_ANNOTATION] = target
                continue
            converted = convert(table, attr, value, entity_set)
            given = changes.values.get(name)
            if given is not None and fold(given) != fold(converted):
                raise errors.ODataError(400, settings.CODE_INVALID_ARGUMENT,
                                        f"The value of '{name}' in the body differs from the alternate key "
                                        "value in the URL.")
            changes.values[name] = converted

    def _check_required(self, table: Table, row: Row) -> None:
        for attr in table.required_on_create():
            if row.get(attr.value_name) in (None, ""):
                raise errors.ODataError(400, settings.CODE_REQUIRED_MISSING,
                                        f"The '{attr.logical_name}' column of {table.logical_name} is required "
                                        f"(RequiredLevel {attr.required}) but has no value.")

    def _check_state(self, table: Table, row: Row) -> None:
        if not table.states:
            return
        state, status = row.get("statecode"), row.get("statuscode")
        if not table.status_ok(state, status):
            raise errors.ODataError(400, settings.CODE_INVALID_STATE,
                                    f"{status} is not a valid status code for state code {state} on "
                                    f"{table.logical_name}.")

    @staticmethod
    def _check_etag(row: Row | None, if_match: str | None) -> None:
        if row is None or if_match is None or if_match.strip() == "*":
            return
        if if_match.strip() != etag(row):
            raise errors.ODataError(412, settings.CODE_VERSION_MISMATCH,
                                    "The version of the existing record doesn't match the RowVersion property "
                                    "provided.")

    # --- reads ----------------------------------------------------------------------

    def render(self, table: Table, row: Row, select: list[str] | None = None,
               annotations: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"@odata.etag": etag(row)}
        names = select if select else [a.value_name for a in table.attributes.values() if a.read]
        want_lookup_names = annotations is not None and (
            annotations == "*" or "lookuplogicalname" in annotations or annotations.endswith(".*"))
        for name in names:
            out[name] = row.get(name)
            if want_lookup_names and name.startswith("_") and name.endswith("_value"):
                out[name + LOOKUP_ANNOTATION] = row.get(name + LOOKUP_ANNOTATION)
        out[table.primary_id] = row[table.primary_id]
        return out


def etag(row: Row) -> str:
    return f'W/"{row["versionnumber"]}"'
