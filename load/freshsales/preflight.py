"""Before a Freshsales load: the users (for owner resolution in dbt) and the
custom fields the marts use, which an admin must create first (Freshsales
has no API for either users or field creation)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import yaml

from load.freshsales import settings
from load.freshsales.client import FreshsalesClient
from load.meta import store_table

META_SCHEMA = "freshsales_meta"
CONTRACTS = (Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "marts"
             / "freshsales" / "_freshsales__models.yml")
# the marts whose cf_ columns are Freshsales custom fields, by entity
MARTS_BY_ENTITY = {
    "contacts": "freshsales__contacts",
    "deals": "freshsales__deals",
    "products": "freshsales__products",
}
# the external key: a unique field, so upserts can name the record by it
UNIQUE_FIELDS = {(entity, name) for entity, name in settings.UPSERT_KEYS.items()}
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


def required_fields() -> list[CustomField]:
    """Every cf_ column of the marts' contracts: known before any data is
    extracted, so the schema can be set up first (as the brief promises)."""
    contracts = yaml.safe_load(CONTRACTS.read_text())
    models = {m["name"]: m for m in contracts.get("models", [])}
    fields = []
    for entity, mart in MARTS_BY_ENTITY.items():
        for column in models[mart].get("columns", []):
            name, data_type = column["name"], str(column.get("data_type") or "varchar")
            if not name.startswith("cf_"):
                continue
            kind = settings.FIELD_TYPE_OVERRIDES.get((entity, name)) or FIELD_TYPES.get(
                data_type.split("(")[0].upper(),
                "number" if data_type.upper().startswith("DECIMAL") else "text")
            fields.append(CustomField(entity, name, kind, (entity, name) in UNIQUE_FIELDS))
    return fields


def owners_not_users(con: duckdb.DuckDBPyConnection) -> int:
    """Owner ids in the marts that are not users of this account (the marts were
    built before the preflight read the users): 0 when the marts are current."""
    try:
        return con.execute(
            "select count(*) from (select owner_id from freshsales.freshsales__contacts "
            "union all select owner_id from freshsales.freshsales__activities) "
            "where owner_id is not null and owner_id not in "
            f"(select id from {META_SCHEMA}.users)").fetchone()[0]
    except duckdb.CatalogException:
        return 0


def missing_fields(client: FreshsalesClient, required: list[CustomField]) -> list[CustomField]:
    existing: dict[str, set[str]] = {}
    for entity in sorted({f.entity for f in required}):
        listed = client.get(f"settings/{entity}/fields").get("fields", [])
        existing[entity] = {f.get("name") for f in listed}
    return [f for f in required if f.name not in existing[f.entity]]


def preflight(client: FreshsalesClient, con: duckdb.DuckDBPyConnection) -> list[str]:
    """Store the users; list what an admin must create. Empty when ready."""
    store_users(client, con)
    problems = []
    stale = owners_not_users(con)
    if stale:
        problems.append(f"{stale} owner ids in the marts are not users of this Freshsales "
                        "account (the marts were built before its users were read): run "
                        "`bizstim-migrate transform --to freshsales` again.")
    missing = missing_fields(client, required_fields())
    if not missing:
        return problems
    return problems + ["Create these custom fields in Freshsales (Admin Settings > Module customization) "
            "before loading: " + "; ".join(f.describe() for f in missing) + "."]


def missing_categories(account, con: duckdb.DuckDBPyConnection) -> list[str]:
    """Product categories are choices of the product Category field, which only
    an admin can add (Admin Settings > Product fields)."""
    try:
        wanted = [r[0] for r in con.execute(
            "select distinct name from freshsales.freshsales__product_categories "
            "where name is not null order by 1").fetchall()]
    except duckdb.CatalogException:
        return []
    choices = account.category_choices()
    missing = [name for name in wanted if name not in choices]
    if not missing:
        return []
    return ["Add these choices to the product Category field in Freshsales (Admin Settings > "
            "Product fields > Category) before loading: " + "; ".join(missing) + "."]
