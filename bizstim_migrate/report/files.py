"""The report's tables as CSV and Markdown, beside the HTML page.

Every CSV and Markdown table the tool writes goes through `write_csv` /
`markdown_table`, and so through `safe_cell`: text that a spreadsheet would
read as a formula (OWASP's CSV injection: a cell starting with `=`, `+`, `-`,
`@`, a tab or a carriage return, or their full-width forms) is prefixed with
a single quote, and its CSV field is quoted. The rule follows the column's
type as the warehouse gives it: a number the tool computed (an amount, a count) arrives
as an int, float or Decimal and is written as the number it is, negative or
not; text is text, so a Bizstim value "-5" or "+44 20 7946 0000" is shown as
text too, never evaluated.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

# what a spreadsheet evaluates at the start of a cell (OWASP), with the full-width
# forms some locales of Excel read the same way
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
NUMBERS = (int, float, Decimal)  # bool is an int: written True/False, harmless


def safe_cell(value: Any) -> Any:
    """The value as a cell: numbers as they are, None as empty, anything else
    as text, with a leading quote when it would start a formula."""
    if value is None:
        return ""
    if isinstance(value, NUMBERS):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_field(value: Any) -> str:
    """One CSV field: quoted when it holds a separator, a quote or a line break
    (as the csv module's minimal quoting does) and always when it was
    neutralised, so the leading quote stays part of the text."""
    cell = safe_cell(value)
    if isinstance(cell, NUMBERS):
        return str(cell)
    if cell.startswith("'") or any(c in cell for c in ',"\r\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    """Rows as CSV (RFC 4180, as `csv.reader` reads it): every cell through
    `safe_cell`; numbers bare."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        columns = _columns(rows)
        if columns:  # the header even when there is no row
            handle.write(",".join(_csv_field(c) for c in columns) + "\r\n")
            for row in rows:
                handle.write(",".join(_csv_field(row.get(c)) for c in columns) + "\r\n")
    return path


def _markdown_cell(value: Any) -> str:
    text = str(safe_cell(value))
    return text.replace("|", "\\|").replace("\r\n", " ").replace("\n", " ").replace("\r", " ")


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    """The rows' columns: the first row's, else those the query named (Rows)."""
    return list(rows[0]) if rows else list(getattr(rows, "columns", []))


def markdown_table(rows: list[dict[str, Any]]) -> str:
    columns = _columns(rows)
    if not columns:
        return "_Nothing to show._\n"
    lines = ["| " + " | ".join(_markdown_cell(c) for c in columns) + " |",
             "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_markdown_cell(r.get(c)) for c in columns) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def write_markdown(path: Path, title: str, rows: list[dict[str, Any]], intro: str = "") -> Path:
    path.write_text(f"# {title}\n\n{intro + chr(10) + chr(10) if intro else ''}"
                    f"{markdown_table(rows)}", encoding="utf-8")
    return path
