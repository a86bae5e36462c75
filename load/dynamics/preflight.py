"""Before a Dynamics load: the system users (for owner resolution in dbt), and
the custom columns and alternate keys the marts need, which many customers
require an admin to create in the maker portal first. Users, every table's
metadata and the currencies are read in one `$batch`."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from load.dynamics import settings
from load.dynamics.objects import custom_columns, logical_name
from load.dynamics.odata import BatchOp, DataverseClient, prefer
from load.http import ApiError
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


def required_columns(prefix: str, con: duckdb.DuckDBPyConnection | None = None
                     ) -> list[CustomColumn]:
    """Every custom column the mart contracts declare and, once the marts are built
    (`con`), those the confirmed field map re-points; once per table."""
    found = {(table, logical_name(prefix, f.field)): CustomColumn(
        table, logical_name(prefix, f.field), str(f.type or "String"), f.key)
        for table, f in custom_columns(prefix, con)}
    return list(found.values())


USER_COLUMNS = ["systemuserid", "internalemailaddress", "fullname", "isdisabled"]
CURRENCY_COLUMNS = ["transactioncurrencyid", "isocurrencycode", "statecode"]


@dataclass
class Environment:
    """What the preflight read: users, per table its columns and key statuses,
    and the currencies."""

    users: list[dict]
    metadata: dict[str, tuple[set[str], dict[str, str]]]
    currencies: list[dict]


def _all_pages(client: DataverseClient, first: dict) -> list[dict]:
    rows = list(first.get("value", []))
    next_link = first.get("@odata.nextLink")
    while next_link:
        page = client.http.request("GET", next_link, headers={
            "Prefer": prefer(page_size=settings.PAGE_SIZE)}).json()
        rows.extend(page.get("value", []))
        next_link = page.get("@odata.nextLink")
    return rows


def read_environment(client: DataverseClient, tables: list[str]) -> Environment:
    """The users, every table's columns and keys, and the currencies: one `$batch`."""
    paged = {"Prefer": prefer(page_size=settings.PAGE_SIZE)}
    ops = [BatchOp("GET", f"systemusers?$select={','.join(USER_COLUMNS)}", headers=dict(paged)),
           BatchOp("GET", f"transactioncurrencies?$select={','.join(CURRENCY_COLUMNS)}",
                   headers=dict(paged))]
    for table in tables:
        ops.append(BatchOp("GET", f"EntityDefinitions(LogicalName='{table}')/Attributes"
                                  "?$select=LogicalName"))
        ops.append(BatchOp("GET", f"EntityDefinitions(LogicalName='{table}')/Keys"))
    results = client.batch(ops)
    for op, result in zip(ops, results):
        if not result.ok:
            raise ApiError(result.status, f"reading {op.url.split('?')[0]}: {result.error}")
    metadata = {}
    for index, table in enumerate(tables):
        attributes, keys = results[2 + 2 * index], results[3 + 2 * index]
        names = {row["LogicalName"] for row in attributes.body.get("value", [])}
        statuses: dict[str, str] = {}
        for key in keys.body.get("value", []):
            columns = key.get("KeyAttributes") or []
            if len(columns) == 1:
                statuses[columns[0]] = str(key.get("EntityKeyIndexStatus") or "Active")
        metadata[table] = (names, statuses)
    return Environment(_all_pages(client, results[0].body), metadata,
                       _all_pages(client, results[1].body))


def store_users(client: DataverseClient, con: duckdb.DuckDBPyConnection,
                users: list[dict] | None = None) -> int:
    if users is None:
        users = client.get_all("systemusers", select=USER_COLUMNS)
    return store_table(con, META_SCHEMA, "systemusers", users, {
        "systemuserid": pa.string(), "internalemailaddress": pa.string(),
        "fullname": pa.string(), "isdisabled": pa.bool_(),
    })


def missing_columns(client: DataverseClient, prefix: str,
                    con: duckdb.DuckDBPyConnection | None = None) -> list[CustomColumn]:
    tables = sorted({c.table for c in required_columns(prefix, con)})
    return [column for column, _ in column_problems(read_environment(client, tables), prefix,
                                                    con)]


def column_problems(environment: Environment, prefix: str,
                    con: duckdb.DuckDBPyConnection | None = None
                    ) -> list[tuple[CustomColumn, str]]:
    """Custom columns (and alternate keys) that are missing or not usable yet,
    with what is wrong: "missing", "no key" or the key's index status."""
    problems = []
    for column in required_columns(prefix, con):
        names, keys = environment.metadata[column.table]
        if column.logical_name not in names:
            problems.append((column, "missing"))
        elif column.alternate_key and column.logical_name not in keys:
            problems.append((column, "no key"))
        elif column.alternate_key and keys[column.logical_name] != "Active":
            problems.append((column, keys[column.logical_name]))
    return problems


def check(client: DataverseClient, con: duckdb.DuckDBPyConnection
          ) -> tuple[list[str], Environment]:
    """Store the users; the sentences an admin acts on, and what was read."""
    prefix = client.config.publisher_prefix
    environment = read_environment(client, sorted({c.table for c in required_columns(prefix,
                                                                                      con)}))
    store_users(client, con, environment.users)
    problems = column_problems(environment, prefix, con)
    missing = [column for column, what in problems if what in ("missing", "no key")]
    pending = [(column, what) for column, what in problems if what not in ("missing", "no key")]
    sentences = []
    if missing:
        sentences.append(
            "Create these custom columns (and alternate keys) in the Dynamics solution before "
            "loading: " + "; ".join(c.describe() for c in missing) + ".")
    for column, status in pending:
        sentences.append(f"The alternate key on {column.table}.{column.logical_name} is "
                         f"{status}, not Active: wait for its index (or fix the duplicate values "
                         "that failed it) before loading.")
    return sentences, environment


def preflight(client: DataverseClient, con: duckdb.DuckDBPyConnection) -> list[str]:
    """Store the users; list what an admin must create. Empty when ready."""
    return check(client, con)[0]
