"""`bizstim-migrate report`: everything a migration produced, for the customer and
the team, in `<workspace>/reports/`: the reconciliation per object and phase,
quarantine reasons with counts and examples, the verification diff, throughput
against the quota, the deliverables as CSV and Markdown, and one self-contained
HTML page with charts, linking dbt's documentation (lineage) when generated."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from bizstim_migrate.report import data as report_data
from bizstim_migrate.report.files import write_csv, write_markdown
from bizstim_migrate.report.page import render
from bizstim_migrate.workspace import Workspace


@dataclass
class ReportFiles:
    html: Path
    files: list[Path] = field(default_factory=list)
    dbt_docs: Path | None = None


def generate_dbt_docs(workspace: Workspace, destination: str) -> Path | None:
    """dbt's static documentation site (one file). It reuses the last build's
    manifest (no recompilation) and keeps that build's run_results.json and
    manifest.json, which the load gate reads (results, model checksums), as
    they were."""
    from bizstim_migrate.transform import run_dbt

    target = workspace.dbt_target
    build_artifacts = [target / "run_results.json", target / "manifest.json"]
    kept = {path: path.read_bytes() for path in build_artifacts if path.exists()}
    try:
        outcome = run_dbt(workspace, "docs generate", destination,
                          extra=["--static", "--no-compile"]
                          if build_artifacts[0] in kept else ["--static"])
    finally:
        for path, content in kept.items():
            path.write_bytes(content)
    page = target / "static_index.html"
    return page if outcome.success and page.exists() else None


def write_deliverables(workspace: Workspace, destination: str,
                       con: duckdb.DuckDBPyConnection | None = None) -> list[Path]:
    """What the destination cannot hold, for the customer's admin, as CSV and Markdown in
    `<workspace>/reports/<destination>/deliverables/` (the dbt deliverables schema)."""
    out = workspace.reports_dir / destination / "deliverables"
    out.mkdir(parents=True, exist_ok=True)
    own = con is None
    con = con or duckdb.connect(str(workspace.warehouse), read_only=True)
    try:
        tables = report_data.deliverables(con, destination)
    finally:
        if own:
            con.close()
    # each Markdown opens with what its model's description in the dbt project says
    intros = report_data.deliverable_descriptions(workspace.dbt_target / "manifest.json")
    written = []
    for name, rows in tables.items():
        title = name.replace("_", " ").capitalize()
        written.append(write_csv(out / f"{name}.csv", rows))
        written.append(write_markdown(out / f"{name}.md", title, rows, intros.get(name, "")))
    return written


def build_report(workspace: Workspace, destination: str, run_id: str | None = None,
                 dbt_docs: bool = True) -> ReportFiles:
    out = workspace.reports_dir / destination
    out.mkdir(parents=True, exist_ok=True)
    scope = workspace.reports_dir / "scope_estimate.json"
    estimate = json.loads(scope.read_text()).get(destination) if scope.exists() else None
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        data = report_data.read(con, destination, run_id, estimate)
    written: list[Path] = []
    tables = {
        "reconciliation": ("Reconciliation: extracted = ready + quarantined + excluded",
                           data.reconciliation),
        "quarantine_reasons": ("Quarantine by reason, with examples", data.quarantine_reasons),
        "load_phases": ("The load, phase by phase", data.phases),
        "load_failures": ("Records that failed or were skipped", data.failures),
        "verification": ("Verification summary", data.verification),
        "verification_differences": ("Verification: fields that differ", data.differences),
        "throughput": ("Requests and records over time", data.progress),
        "predicted_vs_achieved": ("The scope's estimate beside the run", data.predicted),
    }
    for name, (title, rows) in tables.items():
        written.append(write_csv(out / f"{name}.csv", rows))
        written.append(write_markdown(out / f"{name}.md", title, rows))
    written += write_deliverables(workspace, destination)
    links = {"deliverables (CSV and Markdown)": "deliverables/"}
    docs = generate_dbt_docs(workspace, destination) if dbt_docs else None
    if docs is not None:
        shutil.copyfile(docs, out / "dbt_docs.html")
        links["dbt documentation and lineage"] = "dbt_docs.html"
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    html_path = out / "report.html"
    html_path.write_text(render(data, links, stamp), encoding="utf-8")
    return ReportFiles(html=html_path, files=written,
                       dbt_docs=out / "dbt_docs.html" if docs else None)
