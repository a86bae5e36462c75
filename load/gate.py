"""The gate: the loader writes nothing unless the last `dbt build` passed on
the data as it is now.

It reads dbt's `run_results.json` from the workspace: any error-severity
test that failed, any model that errored, or a build older than the latest
extraction (the marts would describe data that has changed) closes it.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import duckdb

FAILED_STATUSES = ("error", "fail", "runtime error")


def gate_problems(run_results: Path, con: duckdb.DuckDBPyConnection,
                  destination: str | None = None) -> list[str]:
    if not run_results.exists():
        return ["No dbt build has run in this workspace: run `bizstim-migrate transform "
                "--to <destination>` first (it builds the marts and runs every gate)."]
    results = json.loads(run_results.read_text())
    problems = []
    args = results.get("args", {})
    if args.get("which") not in (None, "build"):
        problems.append(f"The last dbt command was `{args.get('which')}`, not `build`: run "
                        "`bizstim-migrate transform` so every test runs.")
    if destination is not None and not any(
            str(r.get("unique_id", "")).split(".")[-1].startswith(f"{destination}__")
            for r in results.get("results", [])):
        problems.append(f"The last dbt build did not build the {destination} marts: run "
                        f"`bizstim-migrate transform --to {destination}`.")
    failed = [r for r in results.get("results", []) if r.get("status") in FAILED_STATUSES]
    for result in failed[:20]:
        problems.append(f"dbt {result.get('status')}: {result.get('unique_id')}: "
                        f"{(result.get('message') or '').strip()[:300]}")
    if len(failed) > 20:
        problems.append(f"… and {len(failed) - 20} more dbt failures.")
    built_at = _parse_time(results.get("metadata", {}).get("generated_at"))
    extracted_at = _latest_extraction(con)
    if built_at and extracted_at and built_at < extracted_at:
        problems.append("The marts are older than the latest extraction: run `bizstim-migrate "
                        "transform` again so the gate checks the data you are about to load.")
    return problems


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _latest_extraction(con: duckdb.DuckDBPyConnection) -> datetime | None:
    try:
        row = con.execute(
            "select max(finished_at) from bizstim_raw._extractions where status = 'succeeded'"
        ).fetchone()
    except duckdb.CatalogException:
        return None
    value = row[0] if row else None
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
