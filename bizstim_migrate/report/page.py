"""One self-contained HTML page: tables and charts, plotly.js inlined once."""

from __future__ import annotations

import html
from typing import Any, Iterable

import plotly.io as pio
from plotly.offline import get_plotlyjs

from bizstim_migrate.report import charts
from bizstim_migrate.report.data import ReportData

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1100px;
color:#222;padding:0 1rem}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f5f5f5}td.n{text-align:right}h2{margin-top:2.5rem;border-bottom:1px solid #eee}
.chart{margin:1rem 0}.muted{color:#777}
"""


def table(rows: list[dict[str, Any]], columns: Iterable[str] | None = None,
          limit: int = 200) -> str:
    if not rows:
        return '<p class="muted">Nothing to show.</p>'
    columns = list(columns or rows[0].keys())
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
    body = []
    for row in rows[:limit]:
        cells = []
        for column in columns:
            value = row.get(column)
            kind = ' class="n"' if isinstance(value, (int, float)) else ""
            text = "" if value is None else str(value)
            cells.append(f"<td{kind}>{html.escape(text[:300])}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = (f'<p class="muted">… {len(rows) - limit} more rows in the CSV.</p>'
            if len(rows) > limit else "")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>{more}"


def render(data: ReportData, links: dict[str, str], generated_at: str) -> str:
    run = data.run
    parts = [f"<h1>Bizstim to {html.escape(data.destination)}: migration report</h1>",
             f'<p class="muted">Generated {html.escape(generated_at)}.'
             + (f" Run <code>{html.escape(run['run_id'])}</code> ({html.escape(run['mode'])}, "
                f"{html.escape(run['status'])})." if run else " No load has run yet.")
             + "</p>"]
    if links:
        parts.append("<p>" + " · ".join(f'<a href="{html.escape(href)}">{html.escape(name)}</a>'
                                         for name, href in links.items()) + "</p>")
    figures = {title: build(data) for title, build in charts.ALL}
    sections = [
        ("Reconciliation", table(data.reconciliation)),
        ("Quarantine", table(data.quarantine_reasons,
                             ["object", "reason_code", "records", "reason", "examples"])),
        ("Load", table(data.phases, ["phase", "object", "expected", "created", "updated",
                                     "unchanged", "failed", "skipped", "not_in_marts"])
         + (table(data.failures) if data.failures else "")),
        ("Throughput", table([data.quota] if data.quota else [])
         + ("<h3>The scope's estimate beside the run</h3>" + table(data.predicted)
            if data.predicted else "")),
        ("Verification", table(data.verification, ["object", "checked", "missing",
                                                   "fields_differing"])
         + (table(data.differences) if data.differences else "")),
    ]
    for title, body in sections:
        parts.append(f"<h2>{html.escape(title)}</h2>")
        figure = figures.get(title)
        if figure is not None:
            parts.append('<div class="chart">' + pio.to_html(
                figure, full_html=False, include_plotlyjs=False,
                config={"displaylogo": False, "responsive": True}) + "</div>")
        parts.append(body)
    parts.append("<h2>Deliverables for the customer's admin</h2>")
    for name, rows in data.deliverables.items():
        parts.append(f"<h3>{html.escape(name.replace('_', ' '))}</h3>" + table(rows, limit=50))
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>Bizstim to {html.escape(data.destination)}: migration report</title>"
            f"<style>{STYLE}</style><script type='text/javascript'>{get_plotlyjs()}</script>"
            "</head><body>" + "\n".join(parts) + "</body></html>")
