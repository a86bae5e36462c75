"""Before a Dynamics load: the system users (for owner resolution in dbt), and
the custom columns and alternate keys the marts need, which many customers
require an admin to create in the maker portal first."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from load.dynamics import settings
from load.dynamics.odata import DataverseClient
from load.meta import store_table

META_SCHEMA = "dynamics_meta"


@dataclass(frozen=True)
class CustomColumn:
    table: str
    logical_name: str
    attribute_type: str
    alternate_key: bool

    def describe(self) -> str:
        key = ", alternate key" if self.alternate_key else ""
        return f"{self.table}.{self.logical_name} ({self.attribute_type}{key})"


def logical_name(prefix: str, column: str) -> str:
    return prefix + column.replace("_", "")


def required_columns(prefix: str) -> list[CustomColumn]:
    return [CustomColumn(table, logical_name(prefix, column), kind, is_key)
            for table, columns in settings.CUSTOM_COLUMNS.items()
            for column, (kind, is_key) in columns.items()]


def store_users(client: DataverseClient, con: duckdb.DuckDBPyConnection) -> int:
    users = client.get_all("systemusers", select=[
        "systemuserid", "internalemailaddress", "fullname", "isdisabled"])
    return store_table(con, META_SCHEMA, "systemusers", users, {
        "systemuserid": pa.string(), "internalemailaddress": pa.string(),
        "fullname": pa.string(), "isdisabled": pa.bool_(),
    })


def missing_columns(client: DataverseClient, prefix: str) -> list[CustomColumn]:
    required = required_columns(prefix)
    missing = []
    for table in sorted({c.table for c in required}):
        attributes = client.attributes(table)
        keys = {name for key in client.alternate_keys(table) for name in key}
        for column in (c for c in required if c.table == table):
            if column.logical_name not in attributes or (
                    column.alternate_key and column.logical_name not in keys):
                missing.append(column)
    return missing


def preflight(client: DataverseClient, con: duckdb.DuckDBPyConnection) -> list[str]:
    """Store the users; list what an admin must create. Empty when ready."""
    store_users(client, con)
    missing = missing_columns(client, client.config.publisher_prefix)
    if not missing:
        return []
    return ["Create these custom columns (and alternate keys) in the Dynamics solution before "
            "loading: " + "; ".join(c.describe() for c in missing) + "."]
