"""The deliverables the admin opens: a table with no row is still a CSV with its
header (and a Markdown table with its columns), never an empty file."""

from __future__ import annotations

import csv

import duckdb

from bizstim_migrate.report import write_deliverables
from bizstim_migrate.workspace import Workspace


def test_an_empty_deliverable_keeps_its_header(tmp_path):
    workspace = Workspace(tmp_path / "workspace").ensure()
    with duckdb.connect(str(workspace.warehouse)) as con:
        con.execute("create schema deliverables")
        con.execute("create table deliverables.deliverables__provisioning_queue "
                    "(person_key varchar, email varchar, reason_code varchar)")
        con.execute("create table deliverables.deliverables__wage_reference as "
                    "select 'p1' as person_key, 12.5 as practitioner_wage")
        written = write_deliverables(workspace, "freshsales", con=con)
    out = workspace.reports_dir / "freshsales" / "deliverables"
    assert {p.name for p in written} >= {"provisioning_queue.csv", "provisioning_queue.md"}
    with (out / "provisioning_queue.csv").open(newline="", encoding="utf-8") as handle:
        assert list(csv.reader(handle)) == [["person_key", "email", "reason_code"]]
    assert "| person_key | email | reason_code |" in (out / "provisioning_queue.md").read_text()
    with (out / "wage_reference.csv").open(newline="", encoding="utf-8") as handle:
        assert list(csv.reader(handle)) == [["person_key", "practitioner_wage"], ["p1", "12.5"]]
