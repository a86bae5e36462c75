"""The destination's fields a proposal may point at: every field a mart
contract fills (standard and custom), and the fields the sources' declarations
name outside the marts (the users a lookup matches, the deliverables' columns).

With credentials in the environment the types, choices and existence of each
field come from the destination's live metadata (Freshsales
`settings/<entity>/fields`, Dataverse `EntityDefinitions(...)/Attributes`);
without, from the contracts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Mapping

from bizstim_migrate.mapping import rules
from bizstim_migrate.mapping.declared import Declarations
from load.contract import DestinationField

# the type a contract's `value` (how the value travels) stands for, per destination
VALUE_TYPES = {
    "freshsales": {"number": "number", "money": "number", "int": "number", "bool": "checkbox",
                   "date": "date", "datetime": "date", "instant": "date", "id": "dropdown",
                   "id_list": "dropdown", "email_list": "text", "text": "text"},
    "dynamics": {"number": "Decimal", "money": "Money", "int": "Integer", "bool": "Boolean",
                 "date": "DateTime", "datetime": "DateTime", "instant": "DateTime",
                 "id": "Lookup", "id_list": "Lookup", "email_list": "String", "text": "String"},
}
# ... and a text value's, by the mart column's data type
DATA_TYPES = (("int", "int"), ("bigint", "int"), ("decimal", "money"), ("double", "number"),
              ("date", "date"), ("timestamp", "instant"), ("boolean", "bool"))
KIND_TYPES = {"freshsales": {"lookup": "dropdown", "state": "dropdown"},
              "dynamics": {"lookup": "Lookup", "state": "State"}}


@dataclass
class DestField:
    obj: str
    name: str
    type: str
    origin: str  # standard | custom | deliverable | read-only
    exists: bool | None = None  # None: not checked (no live metadata)
    required: bool = False
    choices: list[str] = field(default_factory=list)
    label: str = ""  # what the name says, in words (for the name similarity)
    filled_by: str | None = None  # the mart column that fills it (model.column)

    @property
    def ref(self) -> str:
        return f"{self.obj}.{self.name}"

    def describe(self) -> str:
        where = {"standard": "a standard field", "custom": "a custom field the marts fill",
                 "deliverable": "a deliverable's column (a document for the admin)",
                 "read-only": "read, not written (no API creates it)"}[self.origin]
        if self.exists is True:
            where += ", exists in the destination"
        elif self.exists is False and self.origin == "custom":
            where += ", not created yet (the preflight lists it for the admin)"
        return f"{self.ref} ({self.type}): {where}"


@dataclass
class Catalog:
    destination: str
    fields: dict[str, DestField]
    metadata: str  # where the types came from, for the map's header
    prefix: str = ""  # Dynamics publisher prefix
    declarations: Declarations | None = None

    def of(self, objects: tuple[str, ...]) -> list[DestField]:
        return [f for f in self.fields.values() if f.obj in objects]

    def get(self, ref: str) -> DestField | None:
        return self.fields.get(ref)


def _has(env: Mapping[str, str], *names: str) -> bool:
    return all((env.get(name) or "").strip() for name in names)


def publisher_prefix(env: Mapping[str, str]) -> str:
    from load.dynamics import settings

    return (env.get("DYNAMICS_PUBLISHER_PREFIX") or settings.DEFAULT_PUBLISHER_PREFIX).strip()


def field_type(destination: str, f: DestinationField, data_type: str) -> str:
    if f.is_custom and f.type:
        return str(f.type)
    if f.kind in KIND_TYPES[destination]:
        return KIND_TYPES[destination][f.kind]
    value = f.value
    if value == "text":
        lowered = data_type.lower()
        value = next((v for prefix, v in DATA_TYPES if lowered.startswith(prefix)), "text")
    return VALUE_TYPES[destination].get(value, VALUE_TYPES[destination]["text"])


def build_catalog(destination: str, env: Mapping[str, str] | None = None, live: bool = True,
                  declarations: Declarations | None = None) -> Catalog:
    """The fields of `destination`; `live=False` never asks the destination."""
    if destination not in rules.DESTINATIONS:
        raise ValueError(f"unknown destination {destination!r}")
    env = os.environ if env is None else env
    if declarations is not None:
        prefix = declarations.prefix
    else:
        prefix = publisher_prefix(env) if destination == "dynamics" else ""
    declared = declarations or Declarations(destination, prefix)
    fields: dict[str, DestField] = {}
    from load.contract import contracts

    data_types = {(m.name, c.name): c.data_type
                  for m in contracts(destination, declared.project).models.values()
                  for c in m.columns}
    for column in declared.mart_columns:
        for ref, f in zip(column.refs, column.fields):
            obj, name = ref.split(".", 1)
            if ref in fields:
                continue
            label = column.column.replace("_", " ") if column.column != f.field else ""
            fields[ref] = DestField(
                obj, name, field_type(destination, f, data_types.get((column.model,
                                                                      column.column), "")),
                "custom" if f.is_custom else "standard", label=label, filled_by=column.name)
    text = VALUE_TYPES[destination]["text"]
    for ref, role in declared.outside_targets().items():
        obj, _, name = ref.partition(".")
        origin = ("deliverable" if obj == "deliverables" else
                  "read-only" if role == rules.LOOKUP else "standard")
        fields.setdefault(ref, DestField(obj, name, text, origin))
    catalog = Catalog(destination, fields, "contracts (no live metadata read)", prefix, declared)
    if not live:
        return catalog
    if destination == "freshsales":
        catalog.metadata = ("contracts (no Freshsales credentials set: types from the marts' "
                            "contracts)")
        if _has(env, "FRESHSALES_BASE_URL", "FRESHSALES_API_KEY"):
            catalog.metadata = _freshsales_live(env, fields)
    else:
        catalog.metadata = ("contracts (no Dynamics credentials set: types from the marts' "
                            "contracts)")
        if _has(env, "DYNAMICS_BASE_URL", "DYNAMICS_TENANT_ID", "DYNAMICS_CLIENT_ID",
                "DYNAMICS_CLIENT_SECRET"):
            catalog.metadata = _dynamics_live(env, fields)
    return catalog


# --- live metadata ----------------------------------------------------------------------------

def _freshsales_live(env: Mapping[str, str], fields: dict[str, DestField]) -> str:
    from load.destinations import DestinationConfigError, freshsales_config, retry_policy
    from load.freshsales.client import FreshsalesClient
    from load.http import ApiError, GaveUp

    try:
        config = freshsales_config(env)
        client = FreshsalesClient(config, retry_policy(env))
        listed = {entity: client.get(f"settings/{entity}/fields").get("fields", [])
                  for entity in rules.FRESHSALES_METADATA_ENTITIES}
    except (DestinationConfigError, ApiError, GaveUp, OSError) as error:
        return f"contracts (the live field metadata could not be read: {error})"
    for entity, rows in listed.items():
        by_name = {row.get("name"): row for row in rows}
        for dest in fields.values():
            if dest.obj != entity:
                continue
            row = by_name.get(dest.name)
            if row is None:
                # writer attributes that are not form fields (other_emails, prices) stay unknown
                dest.exists = False if dest.origin == "custom" else None
                continue
            dest.exists = True
            dest.type = str(row.get("type") or dest.type)
            dest.required = bool(row.get("required"))
            dest.label = dest.label or str(row.get("label") or "")
            dest.choices = [str(c.get("value")) for c in row.get("choices") or []
                            if isinstance(c, dict)]
    return f"live: {config.base_url} (settings/<entity>/fields)"


def _dynamics_live(env: Mapping[str, str], fields: dict[str, DestField]) -> str:
    from load.destinations import DestinationConfigError, dynamics_config, retry_policy
    from load.dynamics.auth import AuthError
    from load.dynamics.odata import DataverseClient
    from load.http import ApiError, GaveUp

    try:
        config = dynamics_config(env)
        client = DataverseClient(config, retry_policy(env))
        listed = {table: client.get(f"EntityDefinitions(LogicalName='{table}')/Attributes",
                                    {"$select": "LogicalName,AttributeType"}).get("value", [])
                  for table in rules.DYNAMICS_METADATA_TABLES}
    except (DestinationConfigError, ApiError, GaveUp, AuthError, OSError) as error:
        return f"contracts (the live column metadata could not be read: {error})"
    for table, rows in listed.items():
        by_name = {row.get("LogicalName"): row for row in rows}
        for dest in fields.values():
            if dest.obj != table:
                continue
            row = by_name.get(dest.name)
            dest.exists = row is not None
            if row is not None and row.get("AttributeType"):
                dest.type = str(row["AttributeType"])
    return f"live: {config.base_url} (EntityDefinitions/Attributes)"
