"""Look for secret values everywhere a run leaves traces: every text file of the
workspace (logs, reports, dbt artifacts, dlt state), every string column of
every table in the warehouse (the ledger included), and the command's output."""

from __future__ import annotations

from pathlib import Path

import duckdb

# the one file meant to hold them (mode 0600, written by `sandbox up`)
ALLOWED = ("sandbox.env",)


def scan(workspace: Path, secrets: list[str], outputs: list[str] = ()) -> list[str]:
    secrets = [s for s in secrets if s and len(s) >= 8]
    assert secrets, "nothing to look for"
    found = []
    for path in workspace.rglob("*"):
        if not path.is_file() or path.name in ALLOWED or path.suffix == ".duckdb":
            continue
        data = path.read_bytes()
        for secret in secrets:
            if secret.encode() in data:
                found.append(f"{path.relative_to(workspace)} holds a secret")
    with duckdb.connect(str(workspace / "warehouse.duckdb"), read_only=True) as con:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type = 'VARCHAR' or data_type like '%[]' or data_type like 'STRUCT%' "
            "or data_type = 'JSON'").fetchall()
        for schema, table, column in columns:
            for secret in secrets:
                hits = con.execute(
                    f'select count(*) from "{schema}"."{table}" '
                    f'where cast("{column}" as varchar) like ?', [f"%{secret}%"]).fetchone()[0]
                if hits:
                    found.append(f"{schema}.{table}.{column} holds a secret in {hits} rows")
    for index, text in enumerate(outputs):
        for secret in secrets:
            if secret in text:
                found.append(f"output {index} shows a secret")
    return found
