"""What the report shows, read from the warehouse: reconciliation, quarantine,
the run's phases, throughput against the quota, verification, deliverables."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb


class Rows(list):
    """Rows as dicts, and their columns even when there is no row (a CSV of an
    empty table still has its header)."""

    def __init__(self, rows: list[dict[str, Any]], columns: list[str]) -> None:
        super().__init__(rows)
        self.columns = columns


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None
          ) -> list[dict[str, Any]]:
    try:
        cursor = con.execute(sql, params or [])
    except duckdb.CatalogException:
        return []
    names = [d[0] for d in cursor.description]
    return Rows([dict(zip(names, row)) for row in cursor.fetchall()], names)


@dataclass
class ReportData:
    destination: str
    run: dict[str, Any] | None
    reconciliation: list[dict[str, Any]] = field(default_factory=list)
    quarantine_reasons: list[dict[str, Any]] = field(default_factory=list)
    phases: list[dict[str, Any]] = field(default_factory=list)
    progress: list[dict[str, Any]] = field(default_factory=list)
    quota: dict[str, Any] | None = None
    verification: list[dict[str, Any]] = field(default_factory=list)
    differences: list[dict[str, Any]] = field(default_factory=list)
    deliverables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)
    predicted: list[dict[str, Any]] = field(default_factory=list)


def latest_run(con: duckdb.DuckDBPyConnection, destination: str | None) -> dict | None:
    where = "where mode in ('full', 'delta', 'sample')"
    params: list = []
    if destination:
        where += " and destination = ?"
        params.append(destination)
    runs = _rows(con, f"select * from ledger.runs {where} order by started_at desc limit 1",
                 params)
    return runs[0] if runs else None


def achieved_requests(progress: list[dict[str, Any]]) -> dict[str, int]:
    """Requests per phase from the run's progress (cumulative after each batch)."""
    per_phase: dict[str, int] = {}
    previous = 0
    for point in progress:
        sent = point.get("requests_sent")
        if sent is None:
            continue
        per_phase[point["object"]] = per_phase.get(point["object"], 0) + sent - previous
        previous = sent
    return per_phase


def predicted_beside_achieved(estimate: dict[str, Any] | None, data: "ReportData"
                              ) -> list[dict[str, Any]]:
    if not estimate:
        return []
    achieved = achieved_requests(data.progress)
    loaded = {p["object"]: p["created"] + p["updated"] + p["unchanged"] for p in data.phases}
    return [{"phase": p["phase"], "records predicted (at most)": p["records"],
             "records loaded": loaded.get(p["phase"]),
             "requests predicted": p["requests"], "requests achieved": achieved.get(p["phase"])}
            for p in estimate.get("phases", [])]


def read(con: duckdb.DuckDBPyConnection, destination: str, run_id: str | None,
         estimate: dict[str, Any] | None = None) -> ReportData:
    run = (_rows(con, "select * from ledger.runs where run_id = ?", [run_id]) or [None])[0] \
        if run_id else latest_run(con, destination)
    data = ReportData(destination=destination, run=run)
    data.reconciliation = _rows(
        con, f"select * from reconciliation.reconciliation__{destination} order by object")
    data.quarantine_reasons = _rows(con, """
        select object, reason_code, any_value(reason) as reason, count(*) as records,
               string_agg(source_id, ', ' order by source_id) filter (where rn <= 3) as examples
        from (select *, row_number() over (partition by object, reason_code
                                           order by source_id) as rn
              from quarantine.quarantine__all where destination = ?)
        group by object, reason_code order by records desc, object, reason_code""",
                                    [destination])
    if run is not None:
        rid = run["run_id"]
        data.phases = _rows(con, "select * from ledger.phases where run_id = ? order by phase",
                            [rid])
        data.progress = _rows(con, "select * from ledger.progress where run_id = ? "
                                   "order by recorded_at", [rid])
        data.quota = (_rows(con, "select * from ledger.run_quota where run_id = ?", [rid])
                      or [None])[0]
        data.failures = _rows(con, "select object, source_key, action, error "
                                   "from ledger.records where run_id = ? and action in "
                                   "('failed', 'skipped') order by object, source_key limit 200",
                              [rid])
    data.verification = _rows(con, """
        select * from ledger.verification_summary where destination = ?
        and checked_at = (select max(checked_at) from ledger.verification_summary
                          where destination = ?) order by object""", [destination, destination])
    if data.verification:
        data.differences = _rows(con, """
            select object, source_key, destination_id, field, expected, actual
            from ledger.verifications where destination = ? and checked_at >= ?
            order by object, source_key, field limit 500""",
                                 [destination, min(v["checked_at"] for v in data.verification)])
    data.predicted = predicted_beside_achieved(estimate, data)
    data.deliverables = deliverables(con, destination)
    return data


DESTINATIONS = ("freshsales", "dynamics")


def deliverables(con: duckdb.DuckDBPyConnection, destination: str | None = None
                 ) -> dict[str, list[dict[str, Any]]]:
    """Every table of the dbt deliverables schema, by its short name; for a
    destination, without those named for another one (deliverables__dynamics_*
    in a Freshsales report: a workspace built for both holds both)."""
    others = tuple(f"{other}_" for other in DESTINATIONS if destination and other != destination)
    found = {}
    for (table,) in con.execute(
            "select table_name from information_schema.tables where table_schema = "
            "'deliverables' order by 1").fetchall():
        name = table.removeprefix("deliverables__")
        if others and name.startswith(others):
            continue
        found[name] = _rows(con, f'select * from deliverables."{table}"')
    return found


def deliverable_descriptions(manifest: Path) -> dict[str, str]:
    """Each deliverable's description from the dbt project (the last build's
    manifest), by its short name: what the table is, for the top of its
    Markdown. Empty when there is no manifest."""
    try:
        loaded = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    # a model disabled for the last build's destination is under "disabled"
    nodes = [*loaded.get("nodes", {}).values(),
             *(node for versions in loaded.get("disabled", {}).values() for node in versions)]
    return {node["name"].removeprefix("deliverables__"): " ".join(node["description"].split())
            for node in nodes
            if node.get("resource_type") == "model" and node.get("description")
            and node.get("name", "").startswith("deliverables__")}
