"""Before a Freshsales load: the users (for owner resolution in dbt) and the
custom fields the marts use, which an admin must create first (Freshsales
has no API for either users or field creation)."""

from __future__ import annotations

from dataclasses import dataclass
import duckdb
import pyarrow as pa

from load.contract import contracts, mapped_fields
from load.freshsales import objects
from load.freshsales.client import FreshsalesClient
from load.meta import store_table

META_SCHEMA = "freshsales_meta"


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


def required_fields(con: duckdb.DuckDBPyConnection | None = None) -> list[CustomField]:
    """Every custom field the marts' contracts declare (known before any data is
    extracted, so the schema can be set up first, as the brief promises), and,
    once the marts are built (`con`), those the confirmed field map re-points."""
    declared = contracts("freshsales")
    entities = {model: entity for entity, model in objects.MODELS.items()}
    found = []
    for entity, model in objects.MODELS.items():
        for f in declared[model].fields():
            if f.is_custom and not f.is_field_map:
                found.append(CustomField(entity, f.field, str(f.type or "text"), f.key))
    if con is not None:
        for f, name in mapped_fields(con, "freshsales", objects.SCHEMA):
            found.append(CustomField(entities[f.model], name, str(f.type or "text"), False))
    return found


def category_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The product categories the marts name (empty before they are built)."""
    model = contracts("freshsales")[objects.MODELS["product_categories"]]
    (name,) = model.fields()
    try:
        return [r[0] for r in con.execute(
            f"select distinct {name.column} from {objects.SCHEMA}.{model.name} "
            f"where {name.column} is not null order by 1").fetchall()]
    except duckdb.CatalogException:
        return []


def category_field() -> str:
    """The product field whose choices are the categories (the contract says which
    mart holds its choices)."""
    return next(f.field for f in contracts("freshsales")[objects.MODELS["products"]].fields()
                if f.choices == objects.MODELS["product_categories"])


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
    missing = missing_fields(client, required_fields(con))
    if not missing:
        return problems
    return problems + ["Create these custom fields in Freshsales (Admin Settings > Module customization) "
            "before loading: " + "; ".join(f.describe() for f in missing) + "."]


def missing_categories(account, con: duckdb.DuckDBPyConnection) -> list[str]:
    """Product categories are choices of the product Category field, which only
    an admin can add (Admin Settings > Product fields)."""
    wanted = category_names(con)
    choices = account.category_choices(category_field())
    missing = [name for name in wanted if name not in choices]
    if not missing:
        return []
    return ["Add these choices to the product Category field in Freshsales (Admin Settings > "
            "Product fields > Category) before loading: " + "; ".join(missing) + "."]
