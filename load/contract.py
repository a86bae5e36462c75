"""The mapping, as the dbt mart contracts declare it.

Each mart column's yml entry says in `meta` where it lands in the
destination (docs/decisions.md, "The contract is the mapping"):

    - name: cf_slot_duration
      data_type: integer
      meta:
        field: cf_slot_duration   # the destination's API name
        kind: custom              # standard | custom | lookup | state
        type: number              # custom fields: the type an admin creates
        key: false                # true: the field the destination names the record by
        source: [client_settings.slot_duration]
        transform: minutes (number)

The writers, the preflights, `sandbox admin` and `map propose` read the
mapping from here, so a column added to a contract (SQL and yml, nothing
else) is created, sent, verified and shown in the field map. Python keeps only
what is not mapping: API paths, envelopes, ids resolved at run time.

The contracts are read from the yml files dbt itself reads, in the project
`BIZSTIM_MIGRATE_DBT_PROJECT` names (a copy a data engineer edits), else the
project shipped beside this package.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

PROJECT_ENV = "BIZSTIM_MIGRATE_DBT_PROJECT"
SHIPPED_PROJECT = Path(__file__).resolve().parents[1] / "dbt_project"

KINDS = ("standard", "custom", "lookup", "state")
# meta keys a destination field may carry (anything else is a typo: refused)
FIELD_KEYS = {"field", "kind", "type", "key", "value", "via", "target", "nav", "create_only",
              "read_as", "write", "states", "record", "within", "primary", "choices", "also"}
LINEAGE_KEYS = {"source", "transform"}


class ContractError(ValueError):
    """A contract's meta the loader cannot follow; the message names the column."""


def project_dir() -> Path:
    chosen = os.environ.get(PROJECT_ENV)
    return Path(chosen).resolve() if chosen else SHIPPED_PROJECT


@dataclass(frozen=True)
class DestinationField:
    """One destination field a mart column fills."""

    model: str
    column: str  # the mart column
    field: str  # the destination's API name (Dynamics custom: without the publisher prefix)
    kind: str = "standard"
    type: str | None = None  # custom fields: the destination type to create
    key: bool = False  # the unique field / alternate key the record is named by
    value: str = "text"  # how the value is sent (text, number, money, int, bool, date, ...)
    via: str | None = None  # lookups: how the target is found (parent:<object>, currency, ...)
    target: str | None = None  # lookups: the target table
    nav: str | None = None  # lookups: the navigation property (Dataverse)
    create_only: bool = False  # sent when the record is created, never on an update
    read_as: str | None = None  # the name a read shows it under, when not `field`
    write: bool = True  # False: compared by verify only (the service derives it)
    states: dict[Any, tuple[int, int]] | None = None  # kind state: mart value -> pair
    record: str | None = None  # a child record the field belongs to (an opportunity line)
    within: str | None = None  # an item of this list attribute (Freshsales product_pricings)
    primary: str | None = None  # email lists: the field holding the primary address
    choices: str | None = None  # a picklist whose choices are the rows of this mart

    @property
    def is_custom(self) -> bool:
        return self.kind == "custom"

    @property
    def is_field_map(self) -> bool:
        """A column holding {destination field: value} for fields the confirmed field
        map re-points (their names are in the data, not the contract)."""
        return self.value == "field_map"


@dataclass(frozen=True)
class Column:
    model: str
    name: str
    data_type: str
    description: str
    meta: dict[str, Any]
    fields: tuple[DestinationField, ...]

    @property
    def source(self) -> tuple[str, ...]:
        value = self.meta.get("source") or ()
        return (value,) if isinstance(value, str) else tuple(value)

    @property
    def transform(self) -> str:
        return str(self.meta.get("transform") or "")


@dataclass(frozen=True)
class Model:
    name: str
    description: str
    meta: dict[str, Any]
    columns: tuple[Column, ...]

    def fields(self, record: str | None = None) -> list[DestinationField]:
        """Every destination field of the model's records (or of a child record's)."""
        return [f for c in self.columns for f in c.fields if f.record == record]

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def key_field(self) -> DestinationField | None:
        return next((f for f in self.fields() if f.key), None)


@dataclass(frozen=True)
class Contracts:
    destination: str
    models: dict[str, Model] = field(default_factory=dict)

    def __getitem__(self, model: str) -> Model:
        try:
            return self.models[model]
        except KeyError:
            raise ContractError(f"no contract for the mart {model} in "
                                f"{project_dir()}") from None

    def custom_fields(self) -> list[DestinationField]:
        """The custom fields the contracts name (not the re-pointed ones: see
        `mapped_fields`)."""
        return [f for m in self.models.values() for f in m.fields()
                if f.is_custom and not f.is_field_map]


def mapped_fields(con: Any, destination: str, schema: str | None = None
                  ) -> list[tuple[DestinationField, str]]:
    """(the field-map column, a destination field it carries) for every field the
    built marts re-point (empty before they are built)."""
    import duckdb

    found = []
    for model in contracts(destination).models.values():
        for f in model.fields():
            if not f.is_field_map:
                continue
            try:
                keys = con.execute(
                    f"select distinct unnest(json_keys(cast({f.column} as json))) "
                    f"from {schema or destination}.{model.name} order by 1").fetchall()
            except duckdb.CatalogException:
                continue
            found += [(f, key) for (key,) in keys if key]
    return found


def _states(value: Any, where: str) -> dict[Any, tuple[int, int]] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ContractError(f"{where}: meta states must map a value to [statecode, statuscode]")
    # yml reads `true:` as a boolean; dbt's manifest (JSON) turns it into "true"
    named = {"true": True, "false": False}
    return {named.get(key, key) if isinstance(key, str) else key: tuple(int(v) for v in pair)
            for key, pair in value.items()}


def _field(model: str, column: str, spec: dict[str, Any]) -> DestinationField:
    where = f"{model}.{column}"
    unknown = set(spec) - FIELD_KEYS - LINEAGE_KEYS
    if unknown:
        raise ContractError(f"{where}: unknown meta {', '.join(sorted(unknown))}")
    kind = spec.get("kind", "standard")
    if kind not in KINDS:
        raise ContractError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    if kind != "state" and not spec.get("field"):
        raise ContractError(f"{where}: meta needs the destination `field`")
    if kind == "lookup" and not spec.get("via"):
        raise ContractError(f"{where}: a lookup needs `via` (how its target is found)")
    return DestinationField(
        model=model, column=column, field=str(spec.get("field") or ""), kind=kind,
        type=spec.get("type"), key=bool(spec.get("key", False)), value=str(spec.get("value") or "text"), via=spec.get("via"),
        target=spec.get("target"), nav=spec.get("nav"),
        create_only=bool(spec.get("create_only", False)), read_as=spec.get("read_as"),
        write=bool(spec.get("write", True)), states=_states(spec.get("states"), where),
        record=spec.get("record"), within=spec.get("within"), primary=spec.get("primary"),
        choices=spec.get("choices"))


def _column(model: str, entry: dict[str, Any]) -> Column:
    meta = dict(entry.get("meta") or (entry.get("config") or {}).get("meta") or {})
    specs = []
    if "field" in meta or meta.get("kind") == "state":
        specs.append({k: v for k, v in meta.items() if k != "also"})
    specs += list(meta.get("also") or [])
    name = entry["name"]
    return Column(model, name, str(entry.get("data_type") or ""),
                  " ".join(str(entry.get("description") or "").split()), meta,
                  tuple(_field(model, name, s) for s in specs))


@lru_cache(maxsize=8)
def _read(folder: str, stamp: tuple) -> dict[str, Model]:
    models = {}
    for path in sorted(Path(folder).glob("*.yml")):
        document = yaml.safe_load(path.read_text()) or {}
        for entry in document.get("models") or []:
            name = entry["name"]
            models[name] = Model(name, " ".join(str(entry.get("description") or "").split()),
                                 dict(entry.get("meta") or {}),
                                 tuple(_column(name, c) for c in entry.get("columns") or []))
    return models


def contracts(destination: str, project: Path | None = None) -> Contracts:
    """The destination's mart contracts (models/marts/<destination>/*.yml)."""
    folder = (project or project_dir()) / "models" / "marts" / destination
    if not folder.is_dir():
        raise ContractError(f"no marts for {destination!r} in {folder.parent}")
    # the files' times are part of the cache key: an edited contract is read again
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(folder.glob("*.yml")))
    return Contracts(destination, _read(str(folder), stamp))
