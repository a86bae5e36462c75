"""The report's charts (plotly figures; the page embeds plotly.js once)."""

from __future__ import annotations

import math

import plotly.graph_objects as go

from bizstim_migrate.report.data import ReportData

LAYOUT = dict(template="plotly_white", height=360, margin=dict(l=60, r=20, t=50, b=60))


def reconciliation(data: ReportData) -> go.Figure | None:
    rows = data.reconciliation
    if not rows:
        return None
    objects = [r["object"] for r in rows]
    figure = go.Figure()
    for name, colour in (("ready", "#2e7d32"), ("quarantined", "#c62828"),
                         ("excluded_by_rule", "#9e9e9e")):
        figure.add_bar(name=name.replace("_", " "), x=objects,
                       y=[int(r.get(name) or 0) for r in rows], marker_color=colour)
    figure.update_layout(barmode="stack", title="Extracted = ready + quarantined + excluded",
                         **LAYOUT)
    return figure


def quarantine(data: ReportData) -> go.Figure | None:
    rows = data.quarantine_reasons[:15]
    if not rows:
        return None
    labels = [f"{r['object']}: {r['reason_code']}" for r in rows][::-1]
    figure = go.Figure(go.Bar(x=[r["records"] for r in rows][::-1], y=labels,
                              orientation="h", marker_color="#c62828"))
    figure.update_layout(title="Quarantine by reason", **{**LAYOUT, "margin": dict(
        l=260, r=20, t=50, b=40)})
    return figure


def phases(data: ReportData) -> go.Figure | None:
    if not data.phases:
        return None
    objects = [p["object"] for p in data.phases]
    figure = go.Figure()
    for name, colour in (("created", "#1565c0"), ("updated", "#6a1b9a"),
                         ("unchanged", "#9e9e9e"), ("failed", "#c62828"),
                         ("skipped", "#ef6c00")):
        figure.add_bar(name=name, x=objects, y=[p[name] for p in data.phases],
                       marker_color=colour)
    figure.update_layout(barmode="stack", title="The run, phase by phase", **LAYOUT)
    return figure


def throughput(data: ReportData) -> go.Figure | None:
    points = [p for p in data.progress if p.get("requests_sent") is not None]
    if not points or data.run is None:
        return None
    start = data.run["started_at"]
    seconds = [(p["recorded_at"] - start).total_seconds() for p in points]
    sent = [p["requests_sent"] for p in points]
    figure = go.Figure(go.Scatter(x=seconds, y=sent, mode="lines+markers",
                                  name="requests sent", line_color="#1565c0"))
    if data.quota:
        limit, window = data.quota["requests_per_window"], data.quota["window_seconds"]
        end = max(seconds[-1], window)
        steps = [i * window for i in range(int(math.ceil(end / window)) + 1)]
        figure.add_scatter(x=steps, y=[(i + 1) * limit for i in range(len(steps))],
                           mode="lines", line_shape="hv", name="the quota allows",
                           line=dict(color="#c62828", dash="dash"))
    figure.update_layout(title="Requests over time against the destination's quota",
                         xaxis_title="seconds since the run started",
                         yaxis_title="requests (cumulative)", **LAYOUT)
    return figure


def verification(data: ReportData) -> go.Figure | None:
    if not data.verification:
        return None
    objects = [v["object"] for v in data.verification]
    figure = go.Figure()
    figure.add_bar(name="checked", x=objects, y=[v["checked"] for v in data.verification],
                   marker_color="#2e7d32")
    figure.add_bar(name="fields differing", x=objects,
                   y=[v["fields_differing"] for v in data.verification], marker_color="#c62828")
    figure.add_bar(name="missing", x=objects, y=[v["missing"] for v in data.verification],
                   marker_color="#ef6c00")
    figure.update_layout(barmode="group", title="Verification: a random sample read back",
                         **LAYOUT)
    return figure


ALL = (("Reconciliation", reconciliation), ("Quarantine", quarantine), ("Load", phases),
       ("Throughput", throughput), ("Verification", verification))
