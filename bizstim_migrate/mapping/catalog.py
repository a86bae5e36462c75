"""The destination's fields a proposal may point at: the standard fields the
writers use, the custom fields (columns) the marts need (what the preflight
asks an admin to create), and the deliverables' columns.

With credentials in the environment the types, choices and existence of each
field come from the destination's live metadata (Freshsales
`settings/<entity>/fields`, Dataverse `EntityDefinitions(...)/Attributes`);
without, from the marts' contracts and the writers' field lists.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Mapping

from bizstim_migrate.mapping import rules


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

    def of(self, objects: tuple[str, ...]) -> list[DestField]:
        return [f for f in self.fields.values() if f.obj in objects]

    def get(self, ref: str) -> DestField | None:
        return self.fields.get(ref)

    def resolve(self, target: str) -> str:
        """A synonym-table target with the publisher prefix filled in."""
        return target.replace("{p}", self.prefix)


def _has(env: Mapping[str, str], *names: str) -> bool:
    return all((env.get(name) or "").strip() for name in names)


def build_catalog(destination: str, env: Mapping[str, str] | None = None) -> Catalog:
    env = os.environ if env is None else env
    if destination == "freshsales":
        return _freshsales(env)
    if destination == "dynamics":
        return _dynamics(env)
    raise ValueError(f"unknown destination {destination!r}")


# --- Freshsales -----------------------------------------------------------------------------

def _freshsales(env: Mapping[str, str]) -> Catalog:
    from load.freshsales.preflight import required_fields

    fields: dict[str, DestField] = {}
    for obj, names in rules.FRESHSALES_STANDARD.items():
        origin = {"users": "read-only", "deliverables": "deliverable"}.get(obj, "standard")
        for name, kind in names.items():
            fields[f"{obj}.{name}"] = DestField(obj, name, kind, origin,
                                                label=rules.FIELD_LABELS.get(name, ""))
    for custom in required_fields():
        fields[f"{custom.entity}.{custom.name}"] = DestField(
            custom.entity, custom.name, custom.field_type, "custom")
    metadata = "contracts (no Freshsales credentials set: types from the marts' contracts)"
    if _has(env, "FRESHSALES_BASE_URL", "FRESHSALES_API_KEY"):
        metadata = _freshsales_live(env, fields)
    return Catalog("freshsales", fields, metadata)


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
        for ref, dest in fields.items():
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


# --- Dynamics -------------------------------------------------------------------------------

def _dynamics(env: Mapping[str, str]) -> Catalog:
    from load.dynamics import settings
    from load.dynamics.preflight import logical_name

    prefix = (env.get("DYNAMICS_PUBLISHER_PREFIX") or settings.DEFAULT_PUBLISHER_PREFIX).strip()
    fields: dict[str, DestField] = {}
    for obj, names in rules.DYNAMICS_STANDARD.items():
        origin = "deliverable" if obj == "deliverables" else "standard"
        for name, kind in names.items():
            fields[f"{obj}.{name}"] = DestField(obj, name, kind, origin,
                                                label=rules.FIELD_LABELS.get(name, ""))
    # the custom columns the marts fill (what `required_columns` lists), named from
    # the mart column they come from: new_bizstimclientid reads "bizstim client id"
    for table, columns in settings.CUSTOM_COLUMNS.items():
        for column, (kind, _key) in columns.items():
            name = logical_name(prefix, column)
            fields[f"{table}.{name}"] = DestField(table, name, kind, "custom",
                                                  label=column.replace("_", " "))
    metadata = "contracts (no Dynamics credentials set: types from the marts' custom columns)"
    if _has(env, "DYNAMICS_BASE_URL", "DYNAMICS_TENANT_ID", "DYNAMICS_CLIENT_ID",
            "DYNAMICS_CLIENT_SECRET"):
        metadata = _dynamics_live(env, fields)
    return Catalog("dynamics", fields, metadata, prefix)


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
