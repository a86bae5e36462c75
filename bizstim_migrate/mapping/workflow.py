"""Propose, diff, confirm: the field map's life in a workspace, and what the
other commands ask of it (`map_problems` before a transform or a load,
`dbt_vars` for the build, `custom_field_targets` for the custom fields a
confirmed map adds)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping

import duckdb

from bizstim_migrate.mapping import propose as proposal
from bizstim_migrate.mapping import rules, store
from bizstim_migrate.mapping.catalog import Catalog, build_catalog
from bizstim_migrate.mapping.check import Refused, check
from bizstim_migrate.mapping.declared import DeclarationError
from bizstim_migrate.mapping.profile import profile_schema, value_counts
from bizstim_migrate.mapping.source import (NoExtraction, SourceSchema, compare, is_custom_field,
                                            read_schema)
from bizstim_migrate.workspace import Workspace
from load.contract import ContractError

DBT_VAR = "bizstim_value_maps"
LEFT_OUT_VAR = "left_out_columns"
CUSTOM_FIELDS_VAR = "custom_field_targets"


class MapError(Exception):
    """Something the engineer must do first; the message says what."""


def _read(path: Path) -> dict[str, Any] | None:
    try:
        return store.read(path)
    except store.MapFileError as error:
        raise MapError(str(error)) from None


@dataclass(frozen=True)
class Confirmation:
    destination: str
    by: str
    at: str
    schema_hash: str
    map_hash: str
    path: Path

    def as_block(self) -> dict[str, str]:
        return {"by": self.by, "at": self.at, "schema_hash": self.schema_hash,
                "map_hash": self.map_hash}


def _check(destination: str) -> str:
    if destination not in rules.DESTINATIONS:
        raise MapError(f"--to must be one of {', '.join(rules.DESTINATIONS)}, "
                       f"not {destination!r}")
    return destination


@contextlib.contextmanager
def _warehouse(workspace: Workspace, con: duckdb.DuckDBPyConnection | None = None
               ) -> Iterator[duckdb.DuckDBPyConnection]:
    """The caller's connection, else a read-only one (a read-write one when this
    process already holds the file open read-write: DuckDB refuses to mix)."""
    if con is not None:
        yield con
        return
    if not workspace.warehouse.exists():
        raise NoExtraction(f"no warehouse at {workspace.warehouse}")
    try:
        try:
            opened = duckdb.connect(str(workspace.warehouse), read_only=True)
        except duckdb.ConnectionException:
            opened = duckdb.connect(str(workspace.warehouse))
    except duckdb.IOException as error:
        raise MapError(f"Cannot read {workspace.warehouse} ({error}): another bizstim-migrate "
                       "command is writing to it; run this again when it is done.") from None
    try:
        yield opened
    finally:
        opened.close()


def _no_extraction(workspace: Workspace, destination: str) -> str:
    return (f"Nothing extracted yet in {workspace.warehouse}: run `bizstim-migrate extract`, "
            f"then `bizstim-migrate map propose --to {destination}`.")


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


# --- propose --------------------------------------------------------------------------------

def propose(workspace: Workspace, destination: str, env: Mapping[str, str] | None = None,
            con: duckdb.DuckDBPyConnection | None = None) -> Path:
    """Read the extracted schema and the destination's fields, and write
    `<workspace>/mapping/<destination>.yml`. Decisions a person confirmed
    before are kept (and say so); fields new since then are marked."""
    _check(destination)
    try:
        catalog = build_catalog(destination, os.environ if env is None else env)
        domains = catalog.declarations.value_domains()
    except (DeclarationError, ContractError) as error:
        raise MapError(f"The dbt project's mapping declarations cannot be read: {error}") \
            from None
    try:
        with _warehouse(workspace, con) as connection:
            schema = read_schema(connection)
            profiles = profile_schema(connection, schema.tables)
            counts = {}
            for domain in domains:
                table, column = domain.source.split(".", 1)
                if column in schema.tables.get(table, {}):
                    counts[domain.name] = value_counts(connection, table, column,
                                                       lower=domain.normalise == "lower")
    except NoExtraction:
        raise MapError(_no_extraction(workspace, destination)) from None
    try:
        body = proposal.build(schema, profiles, catalog, counts)
    except (DeclarationError, ContractError) as error:
        raise MapError(f"The dbt project's mapping declarations cannot be read: {error}") \
            from None
    confirmed = _read(store.confirmed_path(workspace, destination))
    if confirmed is not None:
        _carry_over(body, confirmed)
    document: dict[str, Any] = {
        "destination": destination,
        "status": "proposed",
        "proposed_at": _now(),
        "destination_metadata": catalog.metadata,
        **({"publisher_prefix": catalog.prefix} if destination == "dynamics" else {}),
        "source": {"extraction_id": schema.extraction_id, "schema_hash": schema.hash,
                   "tables": len(schema.tables), "columns": len(schema.columns())},
        "summary": _summary(body),
        **body,
        "source_schema": schema.tables,
    }
    if confirmed is not None:
        block = confirmed.get("confirmation") or {}
        if (block.get("map_hash") == store.decisions_hash(document)
                and block.get("schema_hash") == schema.hash):
            document["status"] = "confirmed"
            document["confirmation"] = block
        else:
            document["last_confirmation"] = block
    path = store.map_path(workspace, destination)
    store.write(path, document, destination)
    return path


def _carry_over(body: dict[str, Any], confirmed: dict[str, Any]) -> None:
    """Keep what a person decided and the file can express (a declared field
    left out, a custom field re-pointed or left out, values of value maps);
    anything else follows the project's declarations as they are now."""
    block = confirmed.get("confirmation") or {}
    who = f"{block.get('by', 'someone')} on {str(block.get('at', ''))[:10]}"
    before = store.field_entries(confirmed)
    for obj in body["objects"]:
        for entry in obj["fields"]:
            old = before.get(entry["source"])
            if old is None:
                entry["new_since_confirmation"] = True
                continue
            decided = (old.get("destination"), old.get("role"), old.get("transform"))
            if decided == (entry["destination"], entry["role"], entry["transform"]):
                continue
            column = entry["source"].split(".", 1)[1]
            left_out = old.get("destination") is None and entry["destination"] is not None
            custom = is_custom_field(column) and old.get("role") == entry["role"]
            if (left_out and entry.get("level") == proposal.DECLARED) or custom:
                entry["evidence"] = [f"kept as confirmed by {who}; the project declares "
                                     f"{entry['destination']}"] + entry["evidence"]
                entry["destination"] = old.get("destination")
            else:
                entry["evidence"] = [f"changed since {who} confirmed it (then "
                                     f"{old.get('destination') or old.get('role')}): the "
                                     "project's declaration now"] + entry["evidence"]
    old_maps = confirmed.get("value_maps") or {}
    for name, entry in body["value_maps"].items():
        if name not in old_maps:
            continue
        decided = store.value_map_values(old_maps[name])
        entry["values"] = {**entry["values"], **decided}
        entry["unmapped"] = [v for v in entry["unmapped"] if v not in decided]
    old_candidates = {c.get("source"): c for c in confirmed.get("custom_field_candidates") or []}
    for candidate in body["custom_field_candidates"]:
        old = old_candidates.get(candidate["source"])
        if old is None:
            candidate["new_since_confirmation"] = True
            continue
        candidate["suggested_field"] = old.get("suggested_field")
        candidate["suggested_type"] = old.get("suggested_type")


def _summary(body: dict[str, Any]) -> dict[str, Any]:
    entries = [e for obj in body["objects"] for e in obj["fields"]]
    placed = [e for e in entries if e["destination"]]
    return {
        "source_fields": len(entries),
        "to_a_destination_field": len(placed),
        "confidence": {lvl: sum(1 for e in placed if e["level"] == lvl)
                       for lvl in (proposal.DECLARED, "high", "medium", "low")},
        "not_migrated_yet": sum(1 for e in entries if e.get("suggested_destination")),
        "join_keys_and_left_out": sum(1 for e in entries if e["role"] in
                                      (rules.LINK, rules.LEFT_OUT)),
        "custom_field_candidates": len(body["custom_field_candidates"]),
        "unmapped_values": {name: vm["unmapped"] for name, vm in body["value_maps"].items()
                            if vm["unmapped"]},
        "objects_not_migrated": [o["source"] for o in body["not_migrated"]],
    }


# --- confirm --------------------------------------------------------------------------------

def confirm(workspace: Workspace, destination: str, by: str,
            con: duckdb.DuckDBPyConnection | None = None) -> Confirmation:
    """Record that `by` confirmed the map as it stands: who, when, the source
    schema's hash and the decisions' hash. Refused when there is no map, or
    when the source schema changed since the map was proposed."""
    _check(destination)
    by = (by or "").strip()
    if not by:
        raise MapError("Say who confirms: --by NAME.")
    path = store.map_path(workspace, destination)
    document = _read(path)
    if document is None:
        raise MapError(f"No field map to confirm: run `bizstim-migrate map propose --to "
                       f"{destination}` and review {path} first.")
    try:
        with _warehouse(workspace, con) as connection:
            schema = read_schema(connection)
    except NoExtraction:
        raise MapError(_no_extraction(workspace, destination)) from None
    proposed_hash = (document.get("source") or {}).get("schema_hash")
    if proposed_hash != schema.hash:
        change = compare(document.get("source_schema") or {}, schema.tables)
        raise MapError(f"The Bizstim schema changed since this map was proposed "
                       f"({change.sentence() or 'different schema'}): run `bizstim-migrate "
                       f"map propose --to {destination}`, review it, then confirm.")
    try:
        applied = check(document, _offline_catalog(destination, document))
    except Refused as refused:
        raise MapError("The map asks for what only a model change can do; nothing was "
                       "confirmed:\n" + "\n".join(f"- {p}" for p in refused.problems)) from None
    except (DeclarationError, ContractError) as error:
        raise MapError(f"The dbt project's mapping declarations cannot be read: {error}") \
            from None
    for entry in (document.get("value_maps") or {}).values():
        decided = store.value_map_values(entry)
        entry["unmapped"] = [v for v in entry.get("unmapped") or [] if str(v) not in decided]
    summary = document.get("summary")
    if isinstance(summary, dict):
        summary["unmapped_values"] = {
            name: entry["unmapped"] for name, entry in (document.get("value_maps") or {}).items()
            if entry.get("unmapped")}
    confirmation = Confirmation(destination, by, _now(), schema.hash,
                                store.decisions_hash(document), path)
    document["status"] = "confirmed"
    document.pop("last_confirmation", None)
    document["confirmation"] = confirmation.as_block()
    document["applied"] = applied.as_block()
    store.write(path, document, destination)
    store.write(store.confirmed_path(workspace, destination), document, destination)
    store.append_log(workspace, {"destination": destination, **confirmation.as_block(),
                                 "extraction_id": (document.get("source") or {})
                                 .get("extraction_id")})
    return confirmation


# --- what other commands ask ------------------------------------------------------------------

def map_problems(workspace: Workspace, destination: str,
                 con: duckdb.DuckDBPyConnection | None = None) -> list[str]:
    """Empty when a confirmed map exists and the source schema still matches
    it; else the sentences to act on."""
    _check(destination)
    try:
        confirmed = _read(store.confirmed_path(workspace, destination))
        proposed = _read(store.map_path(workspace, destination))
    except MapError as error:
        return [str(error)]
    if confirmed is None:
        if proposed is None:
            return [f"No field map for {destination}: run `bizstim-migrate map propose --to "
                    f"{destination}`, review {store.map_path(workspace, destination)}, then "
                    f"`bizstim-migrate map confirm --to {destination} --by NAME`."]
        return [f"The field map for {destination} ({store.map_path(workspace, destination)}, "
                f"proposed {proposed.get('proposed_at', '')}) is not confirmed: review it, "
                f"then run `bizstim-migrate map confirm --to {destination} --by NAME`."]
    block = confirmed.get("confirmation") or {}
    who = f"{block.get('by', '?')} confirmed the field map for {destination} on " \
          f"{block.get('at', '?')}"
    problems = []
    try:
        with _warehouse(workspace, con) as connection:
            schema = read_schema(connection)
    except NoExtraction:
        return [_no_extraction(workspace, destination)]
    except MapError as error:
        return [str(error)]
    if schema.hash != block.get("schema_hash"):
        change = compare(confirmed.get("source_schema") or {}, schema.tables)
        problems.append(
            f"The Bizstim schema changed since {who}: {change.sentence() or 'different schema'}. "
            f"Run `bizstim-migrate map propose --to {destination}`, check `bizstim-migrate map "
            f"diff --to {destination}`, and confirm again.")
    if proposed is not None and store.decisions_hash(proposed) != block.get("map_hash"):
        changed = diff_documents(confirmed, proposed)
        problems.append(
            f"{store.map_path(workspace, destination)} differs from the map {who} "
            f"({changed.count()} decisions changed): run `bizstim-migrate map diff --to "
            f"{destination}`, then `bizstim-migrate map confirm --to {destination} --by NAME`.")
    return problems


def _offline_catalog(destination: str, document: dict[str, Any]) -> Catalog:
    """The project's fields, named with the prefix the map was proposed under."""
    env = {}
    if document.get("publisher_prefix"):
        env["DYNAMICS_PUBLISHER_PREFIX"] = str(document["publisher_prefix"])
    return build_catalog(destination, env, live=False)


def dbt_vars(workspace: Workspace, destination: str) -> dict[str, Any]:
    """What the confirmed map feeds dbt: `bizstim_value_maps`, per value map its
    values (normalised source value -> the value the models understand);
    `left_out_columns` ({mart: [column]}, nulled) and `custom_field_targets`
    ({"table.custom_<id>": "object.field", or null: left out}) when the map
    has any. Empty without a confirmed map (the models then decode as the
    sources declare)."""
    _check(destination)
    confirmed = _read(store.confirmed_path(workspace, destination))
    if confirmed is None:
        return {}
    maps = {}
    for name, entry in (confirmed.get("value_maps") or {}).items():
        values = store.value_map_values(entry)
        if "lower-cased" in str(entry.get("normalise") or ""):
            # the models compare with the normalised (lower-cased) value
            values = {(k.lower() if k is not None else k): v for k, v in values.items()}
        maps[name] = values
    variables: dict[str, Any] = {DBT_VAR: maps} if maps else {}
    applied = confirmed.get("applied") or {}
    if applied.get(LEFT_OUT_VAR):
        variables[LEFT_OUT_VAR] = applied[LEFT_OUT_VAR]
    if applied.get(CUSTOM_FIELDS_VAR):
        variables[CUSTOM_FIELDS_VAR] = applied[CUSTOM_FIELDS_VAR]
    return variables


def custom_field_targets(workspace: Workspace, destination: str) -> list[dict[str, str]]:
    """The custom fields the confirmed map sends custom fields found in the data
    to: [{source, object, field, type}] (type: the one to create), for the
    preflight and the writer."""
    _check(destination)
    confirmed = _read(store.confirmed_path(workspace, destination))
    if confirmed is None:
        return []
    return list((confirmed.get("applied") or {}).get("custom_fields") or [])


# --- diff -----------------------------------------------------------------------------------

@dataclass
class MapDiff:
    schema_added: list[str] = field(default_factory=list)
    schema_removed: list[str] = field(default_factory=list)
    schema_retyped: list[str] = field(default_factory=list)
    fields_added: list[str] = field(default_factory=list)
    fields_removed: list[str] = field(default_factory=list)
    fields_changed: list[str] = field(default_factory=list)
    values_changed: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    candidates_added: list[str] = field(default_factory=list)
    candidates_removed: list[str] = field(default_factory=list)
    confirmed_by: str | None = None
    notes: list[str] = field(default_factory=list)

    def count(self) -> int:
        return (len(self.fields_added) + len(self.fields_removed) + len(self.fields_changed)
                + len(self.values_changed) + len(self.candidates_added)
                + len(self.candidates_removed))

    def __bool__(self) -> bool:
        return bool(self.count() or self.schema_added or self.schema_removed
                    or self.schema_retyped)

    def sections(self) -> list[tuple[str, list[str]]]:
        return [(title, lines) for title, lines in (
            ("Source schema: new columns", [f"+ {c}" for c in self.schema_added]),
            ("Source schema: columns gone", [f"- {c}" for c in self.schema_removed]),
            ("Source schema: types changed", [f"~ {c}" for c in self.schema_retyped]),
            ("Fields new in the map", [f"+ {c}" for c in self.fields_added]),
            ("Fields no longer in the map", [f"- {c}" for c in self.fields_removed]),
            ("Fields whose decision changed", [f"~ {c}" for c in self.fields_changed]),
            ("Value maps", [f"~ {c}" for c in self.values_changed]),
            ("Values with no destination value", [f"! {c}" for c in self.unmapped]),
            ("Custom-field candidates new", [f"+ {c}" for c in self.candidates_added]),
            ("Custom-field candidates gone", [f"- {c}" for c in self.candidates_removed]),
        ) if lines]


def _decision_text(entry: dict[str, Any]) -> str:
    where = entry.get("destination") or f"({entry.get('role', 'no home')})"
    return f"{where} [{entry.get('transform') or ''}]"


def diff_documents(before: dict[str, Any] | None, after: dict[str, Any]) -> MapDiff:
    result = MapDiff()
    before = before or {}
    old_fields, new_fields = store.field_entries(before), store.field_entries(after)
    for source in sorted(set(new_fields) - set(old_fields)):
        result.fields_added.append(f"{source} → {_decision_text(new_fields[source])}")
    for source in sorted(set(old_fields) - set(new_fields)):
        result.fields_removed.append(f"{source} (was {_decision_text(old_fields[source])})")
    for source in sorted(set(old_fields) & set(new_fields)):
        old, new = old_fields[source], new_fields[source]
        if [old.get(k) for k in ("destination", "role", "transform")] != \
                [new.get(k) for k in ("destination", "role", "transform")]:
            result.fields_changed.append(
                f"{source}: {_decision_text(old)} → {_decision_text(new)}")
    old_maps, new_maps = before.get("value_maps") or {}, after.get("value_maps") or {}
    for name in sorted(set(old_maps) | set(new_maps)):
        old = store.value_map_values(old_maps.get(name) or {})
        new = store.value_map_values(new_maps.get(name) or {})
        for value in sorted(set(old) | set(new), key=str):
            if value not in new:
                result.values_changed.append(f"{name}: {value!r} no longer mapped "
                                             f"(was {old[value]!r})")
            elif value not in old:
                result.values_changed.append(f"{name}: {value!r} → {new[value]!r} (new)")
            elif old[value] != new[value]:
                result.values_changed.append(f"{name}: {value!r} → {new[value]!r} "
                                             f"(was {old[value]!r})")
        for value in (new_maps.get(name) or {}).get("unmapped") or []:
            result.unmapped.append(f"{name}: {value!r}")
    old_c = {c.get("source"): c for c in before.get("custom_field_candidates") or []}
    new_c = {c.get("source"): c for c in after.get("custom_field_candidates") or []}
    for source in sorted(set(new_c) - set(old_c)):
        c = new_c[source]
        result.candidates_added.append(
            f"{source}: {c.get('suggested_field') or '(no customizable object)'} "
            f"({c.get('suggested_type')})")
    for source in sorted(set(old_c) - set(new_c)):
        result.candidates_removed.append(source)
    return result


def diff(workspace: Workspace, destination: str,
         con: duckdb.DuckDBPyConnection | None = None) -> MapDiff:
    """What changed since the last confirmed map: the source schema as it is
    now, and the map file as it is now, each against the confirmed map."""
    _check(destination)
    confirmed = _read(store.confirmed_path(workspace, destination))
    proposed = _read(store.map_path(workspace, destination))
    if proposed is None and confirmed is None:
        raise MapError(f"No field map for {destination} yet: run `bizstim-migrate map propose "
                       f"--to {destination}`.")
    result = diff_documents(confirmed, proposed if proposed is not None else confirmed)
    if confirmed is None:
        result.notes.append("No confirmed map yet: everything in the proposal is new.")
    else:
        block = confirmed.get("confirmation") or {}
        result.confirmed_by = f"{block.get('by', '?')} on {block.get('at', '?')}"
    try:
        with _warehouse(workspace, con) as connection:
            schema: SourceSchema | None = read_schema(connection)
    except NoExtraction:
        schema = None
        result.notes.append("No extraction in the warehouse: the source schema was not read.")
    if schema is not None and confirmed is not None:
        change = compare(confirmed.get("source_schema") or {}, schema.tables)
        result.schema_added, result.schema_removed = change.added, change.removed
        result.schema_retyped = change.retyped
        mapped = set(store.field_entries(proposed or confirmed))
        missing = [c for c in change.added if c not in mapped]
        if missing:
            result.notes.append("Not in the map yet (run `bizstim-migrate map propose --to "
                                f"{destination}`): {', '.join(missing)}")
    return result
