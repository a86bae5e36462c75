"""Before a Freshsales load: the users (for owner resolution in dbt) and the
custom fields the marts use, which an admin must create first (Freshsales
has no API for either users or field creation)."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from load.freshsales.client import FreshsalesClient
from load.meta import store_table

META_SCHEMA = "freshsales_meta"
# the marts whose cf_ columns are Freshsales custom fields, by entity
MARTS_BY_ENTITY = {
    "contacts": "freshsales__contacts",
    "deals": "freshsales__deals",
    "products": "freshsales__products",
}
# the external key: a unique field, so upserts can name the record by it
UNIQUE_FIELDS = {("contacts", "cf_bizstim_client_id")}
FIELD_TYPES = {"VARCHAR": "text", "INTEGER": "number", "BIGINT": "number", "DATE": "date",
               "BOOLEAN": "checkbox", "DOUBLE": "number"}


@dataclass(frozen=True)
class CustomField:
    entity: str
    name: str
    field_type: str
    unique: bool

    def describe(self) -> str:
        return f"{self.entity}.{self.name} ({self.field_type}{', unique' if self.unique else ''})"


def store_users(client: FreshsalesClient, con: duckdb.DuckDBPyConnection) -> int:
    users = client.get("selector/owners").get("users", [])
    for user in users:
        user["id"] = str(user.get("id"))
    return store_table(con, META_SCHEMA, "users", users, {
        "id": pa.string(), "display_name": pa.string(), "email": pa.string(),
        "is_active": pa.bool_(),
    })


def required_fields(con: duckdb.DuckDBPyConnection) -> list[CustomField]:
    fields = []
    for entity, mart in MARTS_BY_ENTITY.items():
        rows = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'freshsales' and table_name = ? and column_name like 'cf\\_%' "
            "escape '\\' order by ordinal_position", [mart]).fetchall()
        for name, data_type in rows:
            kind = FIELD_TYPES.get(data_type.split("(")[0].upper(), "number"
                                   if data_type.upper().startswith("DECIMAL") else "text")
            fields.append(CustomField(entity, name, kind, (entity, name) in UNIQUE_FIELDS))
    return fields


def missing_fields(client: FreshsalesClient, required: list[CustomField]) -> list[CustomField]:
    existing: dict[str, set[str]] = {}
    for entity in sorted({f.entity for f in required}):
        listed = client.get(f"settings/{entity}/fields").get("fields", [])
        existing[entity] = {f.get("name") for f in listed}
    return [f for f in required if f.name not in existing[f.entity]]


def preflight(client: FreshsalesClient, con: duckdb.DuckDBPyConnection) -> list[str]:
    """Store the users; list what an admin must create. Empty when ready."""
    store_users(client, con)
    missing = missing_fields(client, required_fields(con))
    if not missing:
        return []
    return ["Create these custom fields in Freshsales (Admin Settings > Module customization) "
            "before loading: " + "; ".join(f.describe() for f in missing) + "."]
