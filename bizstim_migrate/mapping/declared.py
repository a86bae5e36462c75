"""What the dbt project declares about the mapping, as the field map reads it.

Two declarations, both in the dbt project the loader reads its contracts from
(`load.contract.project_dir()`):

- the mart contracts (`models/marts/<destination>/_<destination>__models.yml`,
  read through `load.contract`): every destination field a mart column fills,
  with its lineage (`meta: source` the Bizstim `table.column`s, `transform`);
- the sources (`models/staging/bizstim/_bizstim__sources.yml`): per table the
  brief's mapping row (or why it is not migrated); per column that is no
  destination field's value of its own, its role (a join key, a lookup input, a
  ledger key, a deliverable, left out) and per status or picklist column its
  value map, which the staging models decode with (macro `decoded_value`).

A source field's declaration is read from the sources first (a lookup input is
named in the lineage of the column it resolves, yet it is matched against a
destination field, not sent), then from the contracts (exact names before
patterns such as `clients.custom_*`). Nothing here names a destination field:
every name comes from the yml.
"""

from __future__ import annotations

import fnmatch
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from bizstim_migrate.mapping import rules
from bizstim_migrate.mapping.names import similarity, source_words, words
from load.contract import Column, ContractError, DestinationField, contracts, project_dir

SOURCES_FILE = Path("models") / "staging" / "bizstim" / "_bizstim__sources.yml"
STAGING_DIR = Path("models") / "staging" / "bizstim"
SOURCE_NAME = "bizstim"

ROLES = (rules.KEY, rules.FIELD, rules.LOOKUP, rules.LINK, rules.LEFT_OUT, rules.DELIVERABLE)
NEEDS_TARGET = {rules.LOOKUP, rules.DELIVERABLE, rules.FIELD}
NO_TARGET = {rules.LINK, rules.LEFT_OUT}
NOT_MIGRATED = "not_migrated"

# The destination object a mart's records are, where its name does not say it
# (otherwise: the name after `<destination>__`, and for Dataverse its singular).
# the marts the loader does not write as an object of their own (lines inside a deal,
# the users an admin provisions, an opportunity's line): the destination object
# the field map names them by; the others are the loader's (load_objects)
MART_OBJECTS = {
    "freshsales__deal_lines": "deal_products",
    "freshsales__users_to_provision": "users",
    "dynamics__opportunity_products": "opportunityproduct",
}
# a Dataverse state pair is written as this column (the contract declares the pair, no field)
STATE_ATTRIBUTE = "statecode"


class DeclarationError(ValueError):
    """A declaration the field map cannot follow; the message says where."""


@dataclass(frozen=True)
class Route:
    """A Bizstim object and the destination objects its fields land in."""

    source: str
    targets: tuple[str, ...]
    mapping_row: str


@dataclass(frozen=True)
class ValueDomain:
    """A status or picklist column: the values the models understand and what
    each Bizstim value decodes to (today's mapping), as the sources declare it."""

    name: str
    source: str  # table.column
    values: dict[str, str | None]
    normalise: str  # trim | lower
    otherwise: str  # keep | null: a value the map does not name
    synonyms: dict[str, str] = field(default_factory=dict)
    note: str = ""
    target: str | None = None  # the destination field it lands in or decides
    staging: str | None = None  # model.column that decodes it

    @property
    def normalise_text(self) -> str:
        return ("trimmed, lower-cased, '' → null" if self.normalise == "lower"
                else "trimmed, '' → null")

    @property
    def understood(self) -> list[str]:
        """The values the models understand (what a map may give a Bizstim value)."""
        return sorted({v for v in self.values.values() if v is not None})

    @property
    def otherwise_text(self) -> str:
        return ("the models keep it as it is" if self.otherwise == "keep"
                else "the models read it as null")


@dataclass(frozen=True)
class MartColumn:
    """A mart column that fills destination fields, with its lineage."""

    model: str
    column: str
    refs: tuple[str, ...]  # object.field of each destination field, the primary first
    fields: tuple[DestinationField, ...]
    sources: tuple[str, ...]
    transform: str
    required: str | None  # why the map may not null it (None: it may)
    order: int  # position among the destination's contract columns

    @property
    def name(self) -> str:
        return f"{self.model}.{self.column}"

    def matches(self, source: str) -> bool:
        return source in self.sources

    def matches_pattern(self, source: str) -> bool:
        return any(fnmatch.fnmatchcase(source, p) for p in self.sources if _is_pattern(p))


@dataclass(frozen=True)
class Declared:
    """What the project declares about one source field for one destination."""

    source: str
    destination: str | None
    role: str
    transform: str
    where: str  # the model.column, or the sources file and the column
    columns: tuple[MartColumn, ...] = ()  # the contract columns it feeds, the primary first
    also: tuple[str, ...] = ()  # more destination fields it reaches
    by_pattern: bool = False  # through a pattern of the lineage (clients.custom_*)

    @property
    def by_contract(self) -> bool:
        return bool(self.columns)

    def evidence(self) -> str:
        if self.by_contract:
            return f"declared in {self.where} (the mart contract)"
        return f"declared in {self.where}"


def _is_pattern(source: str) -> bool:
    return any(c in source for c in "*?[")


def load_objects(destination: str) -> dict[str, str]:
    """Mart -> the destination object the loader writes its rows as."""
    if destination == "dynamics":
        from load.dynamics.objects import TABLES

        return {table.mart: table.logical for table in TABLES}
    from load.freshsales.objects import MODELS

    return {mart: obj for obj, mart in MODELS.items()}


def object_of(destination: str, model: str) -> str:
    if model in MART_OBJECTS:
        return MART_OBJECTS[model]
    objects = load_objects(destination)
    if model not in objects:
        raise DeclarationError(f"{model}: no destination object is known for this mart "
                               "(bizstim_migrate/mapping/declared.py MART_OBJECTS)")
    return objects[model]


def logical_name(prefix: str, name: str) -> str:
    """A Dataverse custom column's logical name (as the Dynamics writer names it)."""
    from load.dynamics.objects import logical_name as writer_name

    return writer_name(prefix, name)


def _text(value: Any, destination: str) -> str:
    """A meta text, or the destination's text of a per-destination mapping."""
    if isinstance(value, dict):
        value = value.get(destination, "")
    return " ".join(str(value or "").split())


def _not_null(entry: dict[str, Any]) -> bool:
    tests = list(entry.get("data_tests") or []) + list(entry.get("tests") or [])
    return any(t == "not_null" or (isinstance(t, dict) and "not_null" in t) for t in tests)


def _meta(entry: dict[str, Any]) -> dict[str, Any]:
    return dict(entry.get("meta") or (entry.get("config") or {}).get("meta") or {})


class Declarations:
    """The declarations for one destination (custom fields under `prefix`)."""

    def __init__(self, destination: str, prefix: str = "", project: Path | None = None):
        if destination not in rules.DESTINATIONS:
            raise DeclarationError(f"unknown destination {destination!r}")
        self.destination = destination
        self.prefix = prefix
        self.project = project or project_dir()

    # --- the files -------------------------------------------------------------------------

    @cached_property
    def sources_path(self) -> Path:
        return self.project / SOURCES_FILE

    @cached_property
    def _source_tables(self) -> dict[str, dict[str, Any]]:
        """table -> {"meta": ..., "columns": {column: meta}}, in the file's order."""
        path = self.sources_path
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as error:
            raise DeclarationError(f"cannot read {path}: {error}") from None
        tables: dict[str, dict[str, Any]] = {}
        for source in document.get("sources") or []:
            if source.get("name") != SOURCE_NAME:
                continue
            for table in source.get("tables") or []:
                tables[table["name"]] = {
                    "meta": _meta(table),
                    "columns": {c["name"]: _meta(c) for c in table.get("columns") or []},
                }
        return tables

    @cached_property
    def _mart_tests(self) -> dict[tuple[str, str], bool]:
        """(model, column) -> whether a not_null test guards it."""
        folder = self.project / "models" / "marts" / self.destination
        found = {}
        for path in sorted(folder.glob("*.yml")):
            document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for model in document.get("models") or []:
                for column in model.get("columns") or []:
                    found[(model["name"], column["name"])] = _not_null(column)
        return found

    @cached_property
    def mart_columns(self) -> tuple[MartColumn, ...]:
        """Every contract column that fills a destination field, in the files' order."""
        try:
            declared = contracts(self.destination, self.project)
        except ContractError as error:
            raise DeclarationError(str(error)) from None
        columns = []
        for model in declared.models.values():
            obj = object_of(self.destination, model.name)
            for column in model.columns:
                if not column.fields:
                    continue
                columns.append(MartColumn(
                    model.name, column.name, tuple(self.ref(obj, f) for f in column.fields),
                    column.fields, column.source, column.transform,
                    self._required(model.name, column), len(columns)))
        return tuple(columns)

    def ref(self, obj: str, f: DestinationField) -> str:
        """`object.field` as the map shows it (Dataverse custom columns with the prefix)."""
        if f.kind == "state":
            name = STATE_ATTRIBUTE
        elif f.is_custom and self.destination == "dynamics":
            name = logical_name(self.prefix, f.field)
        else:
            name = f.field
        return f"{f.record or obj}.{name}"

    def _required(self, model: str, column: Column) -> str | None:
        if any(f.key for f in column.fields):
            return "the key the destination names the record by"
        if self._mart_tests.get((model, column.name)):
            return "a not_null test requires it"
        if any(f.kind == "lookup" for f in column.fields):
            return "a lookup the writer resolves"
        if any(f.kind == "state" for f in column.fields):
            return "the record's state"
        return None

    # --- the sources' roles ------------------------------------------------------------------

    def _role_spec(self, table: str, column: str) -> dict[str, Any] | None:
        """The sources' role entry for this destination: the column's, else its table's."""
        entry = self._source_tables.get(table)
        if entry is None:
            return None
        where = f"{SOURCES_FILE.name} ({table}.{column})"
        for meta, scope in ((entry["columns"].get(column) or {}, where),
                            (entry["meta"], f"{SOURCES_FILE.name} ({table})")):
            spec = self._spec(meta, scope)
            if spec is not None:
                return {**spec, "where": scope}
        return None

    def _spec(self, meta: dict[str, Any], where: str) -> dict[str, Any] | None:
        migrate = meta.get("migrate")
        if migrate is None or migrate == NOT_MIGRATED:
            return None
        if isinstance(migrate, dict):
            unknown = set(migrate) - set(rules.DESTINATIONS)
            if unknown:
                raise DeclarationError(f"{where}: migrate names no destination "
                                       f"{', '.join(sorted(unknown))}")
            spec = migrate.get(self.destination)
            if spec is None:
                return None
            if not isinstance(spec, dict):
                raise DeclarationError(f"{where}: migrate.{self.destination} must be a mapping "
                                       "with role, target and reason")
        else:
            spec = {"role": migrate, "target": meta.get("target"), "reason": meta.get("reason")}
        role = spec.get("role")
        if role not in ROLES:
            raise DeclarationError(f"{where}: migrate role {role!r} is not one of "
                                   f"{', '.join(ROLES)}")
        if role in NEEDS_TARGET and not spec.get("target"):
            raise DeclarationError(f"{where}: a {role} needs a target (object.field)")
        if role in NO_TARGET and spec.get("target"):
            raise DeclarationError(f"{where}: a {role} has no target")
        if not spec.get("reason"):
            raise DeclarationError(f"{where}: say why (reason)")
        return {"role": role, "target": spec.get("target"), "reason": _text(spec["reason"], "")}

    def outside_targets(self) -> dict[str, str]:
        """Destination fields the sources name that no mart fills: ref -> role."""
        filled = {ref for c in self.mart_columns for ref in c.refs}
        found: dict[str, str] = {}
        for table, entry in self._source_tables.items():
            specs = [self._spec(entry["meta"], table)]
            specs += [self._role_spec(table, column) for column in entry["columns"]]
            for spec in specs:
                if spec and spec.get("target") and spec["target"] not in filled:
                    found.setdefault(spec["target"], spec["role"])
        return found

    # --- one source field ----------------------------------------------------------------------

    def find(self, source: str) -> Declared | None:
        """What is declared for `table.column`, or None (the proposal measures it)."""
        table, _, column = source.partition(".")
        spec = self._role_spec(table, column)
        if spec is not None:
            return Declared(source, spec.get("target"), spec["role"], spec["reason"],
                            spec["where"])
        columns = [c for c in self.mart_columns if c.matches(source)]
        by_pattern = not columns
        if by_pattern:
            columns = [c for c in self.mart_columns if c.matches_pattern(source)]
        if not columns:
            return None
        home = self._home_counts(table)
        said = source_words(table, column)
        # the column made for this field first: built from it alone, on the object most of
        # the table's fields land in, the record's key, the column filling most fields, a
        # standard field before a custom one, then the closest name
        columns.sort(key=lambda c: (len(c.sources), -home[c.refs[0].split(".")[0]],
                                    not any(f.key for f in c.fields), -len(c.fields),
                                    c.fields[0].is_custom,
                                    -similarity(said, [words(c.refs[0].split(".", 1)[1],
                                                             self.prefix)]), c.order))
        primary = columns[0]
        f = primary.fields[0]
        role = rules.KEY if f.key else rules.LOOKUP if f.kind == "lookup" else rules.FIELD
        destination = primary.refs[0]
        also = tuple(dict.fromkeys(r for c in columns for r in c.refs if r != destination))
        transform = transform_for(source, primary)
        obj, name = destination.split(".", 1)
        twin = f"lead.{name}"
        if obj == "contact" and twin in also:  # Dynamics: a client that is not qualified
            transform += f" ({twin} when the client is a lead)"
        return Declared(source, destination, role, transform, primary.name, tuple(columns),
                        also, by_pattern)

    def _home_counts(self, table: str) -> Counter:
        """How many of the table's declared fields each destination object takes."""
        return Counter(c.refs[0].split(".")[0] for c in self.mart_columns
                       if any(s.split(".", 1)[0] == table for s in c.sources))

    def columns_fed_by(self, source: str) -> list[MartColumn]:
        """Every contract column whose lineage names the field (exactly or by pattern)."""
        return [c for c in self.mart_columns if c.matches(source) or c.matches_pattern(source)]

    def filled_by(self, ref: str) -> MartColumn | None:
        return next((c for c in self.mart_columns if ref in c.refs), None)

    def marts_of(self, obj: str) -> list[str]:
        return list(dict.fromkeys(c.model for c in self.mart_columns
                                  if c.refs[0].split(".")[0] == obj))

    # --- tables -------------------------------------------------------------------------------

    def routes(self) -> dict[str, Route]:
        """Bizstim object -> its route, in the sources' order."""
        found = {}
        for table, entry in self._source_tables.items():
            row = _text(entry["meta"].get("mapping_row"), self.destination)
            if not row:
                continue
            found[table] = Route(table, self._targets(table), row)
        return found

    def _targets(self, table: str) -> tuple[str, ...]:
        """The objects the table's declared fields land in, the most taken first:
        the contract columns built from this table alone (an owner built from the
        sessions, the practitioners and their logins is not where the sessions'
        fields land) and the sources' targets; else every column naming it."""
        counts: Counter = Counter()
        first: dict[str, int] = {}

        def count(obj: str, order: int) -> None:
            counts[obj] += 1
            first.setdefault(obj, order)

        for column in self.mart_columns:
            if column.sources and all(s.split(".", 1)[0] == table for s in column.sources):
                count(column.refs[0].split(".")[0], column.order)
        entry = self._source_tables.get(table) or {"meta": {}, "columns": {}}
        specs = [self._spec(entry["meta"], table)]
        specs += [self._role_spec(table, column) for column in entry["columns"]]
        for spec in specs:
            if spec and spec.get("target"):
                count(spec["target"].split(".")[0], 10_000 + len(first))
        if not counts:
            for column in self.mart_columns:
                if any(s.split(".", 1)[0] == table for s in column.sources):
                    count(column.refs[0].split(".")[0], column.order)
        return tuple(sorted(counts, key=lambda o: (-counts[o], first[o])))

    def not_migrated(self) -> dict[str, str]:
        return {table: _text(entry["meta"].get("reason"), self.destination)
                for table, entry in self._source_tables.items()
                if entry["meta"].get("migrate") == NOT_MIGRATED}

    def table_order(self) -> list[str]:
        return list(self._source_tables)

    # --- value maps ---------------------------------------------------------------------------

    def value_domains(self) -> list[ValueDomain]:
        domains = []
        names: set[str] = set()
        for table, entry in self._source_tables.items():
            for column, meta in entry["columns"].items():
                spec = meta.get("value_map")
                if not spec:
                    continue
                where = f"{SOURCES_FILE.name} ({table}.{column})"
                name = spec.get("name")
                values = spec.get("values")
                if not name or not isinstance(values, dict) or not values:
                    raise DeclarationError(f"{where}: a value_map needs a name and values")
                if name in names:
                    raise DeclarationError(f"{where}: a second value map named {name}")
                names.add(name)
                otherwise = "null" if spec.get("otherwise") in (None, "null") else \
                    spec.get("otherwise")
                if otherwise not in ("keep", "null") or \
                        spec.get("normalise", "trim") not in ("trim", "lower"):
                    raise DeclarationError(f"{where}: otherwise is keep or null, normalise "
                                           "trim or lower")
                source = f"{table}.{column}"
                declared = self.find(source)
                domains.append(ValueDomain(
                    str(name), source, {str(k): None if v is None else str(v)
                                        for k, v in values.items()},
                    spec.get("normalise", "trim"), otherwise,
                    {str(k): str(v) for k, v in (spec.get("synonyms") or {}).items()},
                    _text(spec.get("note"), self.destination),
                    declared.destination if declared else None,
                    self.decoded_in(table, column)))
        return domains

    @cached_property
    def _staging_sql(self) -> dict[str, str]:
        folder = self.project / STAGING_DIR
        return {p.stem: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.sql"))}

    def staging_model(self, table: str) -> str | None:
        """The staging model that reads bizstim.<table>."""
        pattern = re.compile(r"source\(\s*'" + SOURCE_NAME + r"'\s*,\s*'" + re.escape(table)
                             + r"'\s*\)")
        return next((model for model, sql in self._staging_sql.items() if pattern.search(sql)),
                    None)

    def decoded_in(self, table: str, column: str) -> str | None:
        """The staging model.column that decodes a value map's column."""
        pattern = re.compile(r"decoded_value\(\s*'" + re.escape(column) + r"'\s*,\s*'"
                             + re.escape(table) + r"'\s*\)\s*\}\}[^\n]*?\bas\s+(\w+)")
        for model, sql in self._staging_sql.items():
            match = pattern.search(sql)
            if match:
                return f"{model}.{match.group(1)}"
        return None

    def staging_column(self, source: str) -> str:
        """Where a source field enters the models: `stg_model.column` when the SQL says."""
        table, _, column = source.partition(".")
        model = self.staging_model(table)
        if model is None:
            return f"the staging model of bizstim.{table}"
        match = re.search(r"'" + re.escape(column) + r"'[^\n]*?\bas\s+(\w+)",
                          self._staging_sql[model])
        return f"{model}.{match.group(1)}" if match else model


def transform_for(source: str, column: MartColumn) -> str:
    """The part of a column's transform about one of its sources: a lineage of
    several sources reads `a: how a is used; b: how b is used`."""
    text = column.transform
    names = [s.split(".", 1)[1] for s in column.sources if "." in s]
    if len(column.sources) < 2 or not text:
        return text
    own = source.split(".", 1)[1]
    starts = []
    for name in names:
        match = re.search(r"(?:^|; )" + re.escape(name) + r": ", text)
        if match:
            starts.append((match.start(), match.end(), name))
    starts.sort()
    for index, (_, end, name) in enumerate(starts):
        if name == own or (_is_pattern(name) and fnmatch.fnmatchcase(own, name)):
            stop = starts[index + 1][0] if index + 1 < len(starts) else len(text)
            return text[end:stop].strip()
    return text
