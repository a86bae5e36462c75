"""The report's tables as CSV and Markdown, beside the HTML page."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        if rows:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return path


def markdown_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "_Nothing to show._\n"
    columns = list(rows[0])

    def cell(value: Any) -> str:
        return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(r.get(c)) for c in columns) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def write_markdown(path: Path, title: str, rows: list[dict[str, Any]], intro: str = "") -> Path:
    path.write_text(f"# {title}\n\n{intro + chr(10) + chr(10) if intro else ''}"
                    f"{markdown_table(rows)}", encoding="utf-8")
    return path
