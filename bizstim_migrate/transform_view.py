"""What a build means for a person: the reconciliation per object and the
quarantine by reason, read from the warehouse after `dbt build`."""

from __future__ import annotations

from pathlib import Path

import duckdb
from rich.table import Table


def reconciliation_table(warehouse: Path, destination: str) -> Table:
    table = Table(title=f"Reconciliation for {destination}: extracted = ready + quarantined "
                        "+ excluded by rule")
    for name in ("object", "extracted", "ready", "quarantined", "excluded", "rule"):
        table.add_column(name, justify="right" if name not in ("object", "rule") else "left")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            f"select object, extracted, ready, quarantined, excluded_by_rule, "
            f"coalesce(exclusion_rule, '') from reconciliation.reconciliation__{destination} "
            "order by object").fetchall()
    for obj, extracted, ready, quarantined, excluded, rule in rows:
        table.add_row(obj, f"{extracted:,}", f"{ready:,}", f"{quarantined:,}", f"{excluded:,}",
                      rule)
    return table


def quarantine_table(warehouse: Path, destination: str) -> Table:
    table = Table(title="Quarantine by reason (details: quarantine.quarantine__all)")
    for name in ("object", "reason", "rows", "example"):
        table.add_column(name, justify="right" if name == "rows" else "left", overflow="fold")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select object, reason_code, count(*), min(reason) from quarantine.quarantine__all "
            "where destination in ('all', ?) group by all order by 3 desc", [destination],
        ).fetchall()
    for obj, code, count, example in rows:
        table.add_row(obj, code, f"{count:,}", example)
    return table
