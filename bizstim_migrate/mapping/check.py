"""What a confirmed map changes, and what it cannot express.

The map file lets a person change three things, and each takes effect:

- leave a declared field out (its destination set to null): the mart columns
  its lineage feeds are nulled (dbt var `left_out_columns`, {mart: [column]});
- give a value of a value map another of the values the models understand
  (dbt var `bizstim_value_maps`);
- point a custom field found in the data (`clients.custom_<id>`) at a free
  custom field of the object its route takes custom fields on, or leave it out
  (dbt var `custom_field_targets`, {"clients.custom_21": "contacts.cf_school"};
  null: left out of the custom fields the marts carry). The field is created
  with its candidate's `suggested_type`.

Anything else is a change to a dbt model, and `map confirm` refuses it with a
sentence naming the model and column to edit: another destination for a
declared field, a transform or role edited, a key / not_null / lookup column
left out, a field leaving only part of a column built from several, a
destination no contract or source declaration knows, a value no model
understands.
"""

from __future__ import annotations

import fnmatch
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from bizstim_migrate.mapping import rules, store
from bizstim_migrate.mapping.catalog import Catalog
from bizstim_migrate.mapping.declared import Declared, MartColumn
from bizstim_migrate.mapping.propose import CUSTOM_TYPES, custom_home, json_object_transform, \
    suggested_name
from bizstim_migrate.mapping.source import is_custom_field


class Refused(ValueError):
    """The map says something the project cannot do; one sentence per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Applied:
    """What the confirmed map feeds dbt beyond its value maps."""

    left_out_columns: dict[str, list[str]] = field(default_factory=dict)
    custom_field_targets: dict[str, str | None] = field(default_factory=dict)
    custom_fields: list[dict[str, str]] = field(default_factory=list)  # source, object, field, type

    def as_block(self) -> dict[str, Any]:
        return {"left_out_columns": self.left_out_columns,
                "custom_field_targets": self.custom_field_targets,
                "custom_fields": self.custom_fields}


def _edit(declared: Declared) -> str:
    if declared.by_contract:
        return (f"edit the model {declared.columns[0].model} (its column "
                f"{declared.columns[0].column} and the column's meta)")
    return f"edit its entry in {declared.where}"


def _is_json_object(schema: dict[str, dict[str, str]], table: str, column: str) -> bool:
    return any(other.startswith(column + ".") for other in schema.get(table) or {})


class Checker:
    def __init__(self, document: dict[str, Any], catalog: Catalog):
        self.document = document
        self.catalog = catalog
        self.declarations = catalog.declarations
        self.destination = catalog.destination
        self.schema: dict[str, dict[str, str]] = document.get("source_schema") or {}
        self.routes = self.declarations.routes()
        self.entries = store.field_entries(document)
        self.problems: list[str] = []
        self.applied = Applied()
        self.left_out: set[str] = set()

    def run(self) -> Applied:
        routed = {f"{table}.{column}" for table, columns in self.schema.items()
                  if table in self.routes for column in columns}
        for source in sorted(routed - set(self.entries)):
            self.problems.append(f"{source} has no entry in the map: run `bizstim-migrate map "
                                 f"propose --to {self.destination}` again, or restore it.")
        for source in sorted(set(self.entries) - routed):
            self.problems.append(f"{source} is not a field of the extracted schema's mapped "
                                 "objects: remove its entry.")
        for source in sorted(routed & set(self.entries)):
            self._field(source, self.entries[source])
        self._left_out_columns()
        self._candidates()
        self._value_maps()
        if self.problems:
            raise Refused(self.problems)
        return self.applied

    # --- fields ---------------------------------------------------------------------------------

    def _field(self, source: str, entry: dict[str, Any]) -> None:
        table, column = source.split(".", 1)
        destination = entry.get("destination")
        json_object = _is_json_object(self.schema, table, column)
        declared = self.declarations.find(source)
        if is_custom_field(column) and not json_object and (declared is None
                                                            or declared.by_pattern):
            self._custom(source, entry, declared)
            return
        if declared is None:
            if destination is not None:
                self._not_carried(source, destination)
            elif entry.get("role") != rules.FIELD:
                self.problems.append(f"{source}: no model carries it, so its role stays "
                                     f"{rules.FIELD}; restore it.")
            return
        transform = (json_object_transform(declared.transform, declared.destination)
                     if json_object else declared.transform)
        if destination == declared.destination:
            changed = [what for what, now, was in (("role", entry.get("role"), declared.role),
                                                   ("transform", entry.get("transform"),
                                                    transform)) if now != was]
            if changed:
                verb = "are" if len(changed) > 1 else "is"
                self.problems.append(
                    f"{source}: the {' and '.join(changed)} {verb} what {declared.where} declares "
                    f"({declared.role}: {transform!r}); the map cannot change "
                    f"{'them' if len(changed) > 1 else 'it'}: "
                    f"{_edit(declared)}.")
            return
        if destination is None:
            if declared.by_contract:
                self.left_out.add(source)
            else:
                self.problems.append(
                    f"{source} is a {declared.role.replace('_', ' ')} ({declared.transform}), "
                    "not a destination field the map can leave out: edit "
                    f"{self.declarations.staging_column(source)} and the models that read it.")
            return
        if self.catalog.get(destination) is None:
            self.problems.append(
                f"{source} → {destination}: {destination} is no {self.destination} field this "
                "project declares (a mart contract fills or the sources name); to send "
                f"{source} there, {self._add_column(destination, source)}.")
        elif declared.destination is None:
            self.problems.append(
                f"{source} is a {declared.role.replace('_', ' ')} ({declared.transform}): no "
                f"model carries it to {destination}; {self._add_column(destination, source)}, "
                f"and remove its migrate meta in {declared.where.split(' ')[0]}.")
        else:
            self.problems.append(
                f"{source} lands in {declared.destination} ({declared.where}): the map cannot "
                f"re-point it to {destination}; {_edit(declared)} instead.")

    def _add_column(self, destination: str, source: str) -> str:
        obj, _, name = destination.partition(".")
        marts = " or ".join(self.declarations.marts_of(obj)) or f"the mart of {obj}"
        return f"add a column to {marts} (meta field: {name}, source: [{source}])"

    def _not_carried(self, source: str, destination: str) -> None:
        self.problems.append(f"{source}: no model carries it, so the map cannot send it to "
                             f"{destination}; {self._add_column(destination, source)}.")

    # --- left out -------------------------------------------------------------------------------

    def _uncovered(self, lineage: str) -> list[str]:
        """The fields of a lineage entry (a field or a pattern) still brought in:
        those of the extracted schema it names that the map does not leave out."""
        named = [f"{t}.{c}" for t, columns in self.schema.items() for c in columns
                 if fnmatch.fnmatchcase(f"{t}.{c}", lineage)]
        return [source for source in named if source not in self.left_out]

    def _left_out_columns(self) -> None:
        columns: dict[str, list[str]] = defaultdict(list)
        refused: set[tuple[str, str]] = set()
        for source in sorted(self.left_out):
            for column in self.declarations.columns_fed_by(source):
                problem = self._cannot_null(source, column)
                if problem:
                    if (column.name, problem) not in refused:
                        refused.add((column.name, problem))
                        self.problems.append(problem)
                elif column.column not in columns[column.model]:
                    columns[column.model].append(column.column)
        self.applied.left_out_columns = {model: cols for model, cols in sorted(columns.items())}

    def _cannot_null(self, source: str, column: MartColumn) -> str | None:
        if column.required:
            return (f"{source} cannot be left out: {column.name} needs it ({column.required}); "
                    f"to load without it, edit the model {column.model} (column "
                    f"{column.column}).")
        others = list(dict.fromkeys(s for lineage in column.sources
                                    for s in self._uncovered(lineage)))
        if others:
            return (f"{source} cannot be left out alone: {column.name} is built from "
                    f"{', '.join(column.sources)}; leave out {', '.join(others)} too, or edit "
                    f"the model {column.model} (column {column.column}).")
        return None

    # --- custom fields found in the data ---------------------------------------------------------

    def _custom(self, source: str, entry: dict[str, Any], declared: Declared | None) -> None:
        table, column = source.split(".", 1)
        destination = entry.get("destination")
        today = declared.destination if declared else None
        if destination == today:
            expected = declared.role if declared else rules.FIELD
            if entry.get("role") != expected:
                self.problems.append(f"{source}: its role is {expected}; restore it.")
            return
        if destination is None:
            if "." in column:
                self.problems.append(
                    f"{source} is a key inside the JSON column {column.split('.')[0]}: the map "
                    "cannot leave one key out; edit "
                    f"{self.declarations.staging_column(source)} instead.")
            else:
                self.applied.custom_field_targets[source] = None
            return
        home = custom_home(self.destination, self.routes[table].targets)
        obj, _, name = str(destination).partition(".")
        if home is None:
            self.problems.append(f"{source} → {destination}: no object of the {table} route "
                                 "takes custom fields through the API.")
            return
        pattern = (re.escape(rules.FRESHSALES_CUSTOM_PREFIX) + r"[a-z0-9_]+"
                   if self.destination == "freshsales" else
                   re.escape(self.catalog.prefix) + r"[a-z0-9]+")
        filled = self.catalog.get(destination)
        used = [s for s, d in self.applied.custom_field_targets.items() if d == destination]
        if obj != home:
            self.problems.append(f"{source} → {destination}: a custom field found in {table} "
                                 f"goes on {home} (e.g. {home}.{name}).")
        elif not re.fullmatch(pattern, name):
            self.problems.append(
                f"{source} → {destination}: {name} is not a custom field's name (Freshsales "
                f"cf_<name>; Dataverse the publisher prefix {self.catalog.prefix or '?'} and "
                "lower-case letters and digits); a standard field is not free for it.")
        elif filled is not None:
            self.problems.append(
                f"{source} → {destination}: {destination} is filled by "
                f"{filled.filled_by or 'the project'}; pick a free custom field.")
        elif used:
            self.problems.append(f"{source} → {destination}: {used[0]} goes there already; "
                                 "one custom field per source field.")
        else:
            candidate = next((c for c in self.document.get("custom_field_candidates") or []
                              if c.get("source") == source), {})
            kind = candidate.get("suggested_type")
            if kind not in CUSTOM_TYPES[self.destination]:
                self.problems.append(
                    f"{source} → {destination}: its candidate's suggested_type {kind!r} is not "
                    f"a type to create ({', '.join(sorted(CUSTOM_TYPES[self.destination]))}).")
                return
            self.applied.custom_field_targets[source] = destination
            self.applied.custom_fields.append({"source": source, "object": obj, "field": name,
                                               "type": str(kind)})

    def _candidates(self) -> None:
        for candidate in self.document.get("custom_field_candidates") or []:
            source = str(candidate.get("source") or "")
            home = candidate.get("object")
            if not home or source not in self.entries:
                continue
            expected = f"{home}.{suggested_name(source, self.destination, self.catalog.prefix)}"
            chosen = candidate.get("suggested_field")
            if chosen not in (expected, self.entries[source].get("destination")):
                table = source.split(".")[0]
                self.problems.append(
                    f"custom_field_candidates: {source}'s suggested_field is the tool's "
                    f"suggestion ({expected}); to send the field to {chosen}, set the "
                    f"destination of {source} (under objects, {table}) to it.")

    # --- value maps -----------------------------------------------------------------------------

    def _value_maps(self) -> None:
        domains = {d.name: d for d in self.declarations.value_domains()}
        for name, entry in (self.document.get("value_maps") or {}).items():
            domain = domains.get(name)
            if domain is None:
                self.problems.append(
                    f"value map {name} is declared nowhere: add a value_map meta named {name} "
                    "to its column in _bizstim__sources.yml and decode it in the staging model.")
                continue
            for value, target in store.value_map_values(entry).items():
                if target is not None and target not in domain.understood:
                    self.problems.append(
                        f"value map {name} gives {value!r} the value {target!r}, which the "
                        f"models do not understand ({', '.join(domain.understood)}); to add a "
                        f"value, edit {domain.staging or domain.source} and the models that "
                        "read it.")


def check(document: dict[str, Any], catalog: Catalog) -> Applied:
    """What the map changes (raises Refused with what it cannot express)."""
    return Checker(document, catalog).run()
