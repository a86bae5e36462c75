"""The scope document: inventory, plan check and the extraction estimate,
on the terminal and as Markdown in `<workspace>/reports/scope.md`."""

from __future__ import annotations

from datetime import datetime, timezone

from rich.table import Table

from bizstim_migrate.report.files import markdown_table

from extract import settings
from extract.inventory import Inventory
from load import estimate


def _hours(hours: float) -> str:
    return f"{hours:,.1f} h" if hours >= 1 else f"{hours * 60:,.0f} min"


def estimate_rows(inventory: Inventory, keys: int) -> list[tuple[str, int, str, str]]:
    per_hour = settings.RATE_LIMIT_PER_WINDOW
    rows = []
    for phase, requests in inventory.estimated_requests().items():
        rows.append((phase, requests, _hours(requests / per_hour),
                     _hours(requests / (per_hour * max(keys, 1)))))
    return rows


def load_estimates(inventory: Inventory, plan: str) -> dict[str, dict]:
    """Per destination: its quota and the estimate per load phase."""
    out = {}
    for destination, estimator in estimate.ESTIMATORS.items():
        per_hour = estimate.quota_per_hour(destination, plan)
        phases = estimator(inventory.totals, inventory.files_estimate)
        out[destination] = {
            "plan": plan if destination == "freshsales" else "service protection",
            "requests_per_hour": per_hour,
            "phases": [{"phase": p.phase, "records": p.records, "requests": p.requests,
                        "hours": estimate.hours(p.requests, per_hour)} for p in phases],
        }
    return out


def load_tables(estimates: dict[str, dict]) -> list[Table]:
    tables = []
    for destination, found in estimates.items():
        table = Table(title=f"Load estimate for {destination} ({found['plan']}: "
                            f"{found['requests_per_hour']:,.0f} requests/hour)")
        for name in ("phase", "records (at most)", "requests", "time"):
            table.add_column(name, justify="left" if name == "phase" else "right")
        for phase in found["phases"]:
            table.add_row(phase["phase"], f"{phase['records']:,}", f"{phase['requests']:,}",
                          _hours(phase["hours"]))
        total = sum(p["requests"] for p in found["phases"])
        table.add_section()
        table.add_row("total", "", f"{total:,}", _hours(sum(p["hours"]
                                                            for p in found["phases"])))
        tables.append(table)
    return tables


def load_markdown(estimates: dict[str, dict]) -> list[str]:
    lines = []
    for destination, found in estimates.items():
        lines += ["", f"## Load estimate for {destination} ({found['plan']}: "
                      f"{found['requests_per_hour']:,.0f} requests/hour)", "",
                  "| phase | records (at most) | requests | time |", "|---|---:|---:|---:|"]
        lines += [f"| {p['phase']} | {p['records']:,} | {p['requests']:,} | "
                  f"{_hours(p['hours'])} |" for p in found["phases"]]
    return lines


def scope_tables(inventory: Inventory, keys: int) -> list[Table]:
    plan = Table(title="Bizstim plan check")
    plan.add_column("key")
    plan.add_column("result")
    for check in inventory.keys:
        plan.add_row(check.label, ("[green]" if check.ok else "[red]") + check.message)
    objects = Table(title="Object inventory")
    objects.add_column("object")
    objects.add_column("records", justify="right")
    for table, total in inventory.totals.items():
        objects.add_row(table, f"{total:,}")
    objects.add_row("client files (estimated)", f"{inventory.files_estimate:,}")
    estimate = Table(title=f"Extraction estimate at {settings.RATE_LIMIT_PER_WINDOW:,} "
                           "requests/hour per key")
    for name in ("phase", "requests", "1 key", f"{keys} keys"):
        estimate.add_column(name, justify="left" if name == "phase" else "right")
    for phase, requests, one, many in estimate_rows(inventory, keys):
        estimate.add_row(phase, f"{requests:,}", one, many)
    total = sum(inventory.estimated_requests().values())
    estimate.add_section()
    estimate.add_row("total", f"{total:,}", _hours(inventory.estimated_hours(1)),
                     _hours(inventory.estimated_hours(keys)))
    return [plan, objects, estimate]


def scope_markdown(inventory: Inventory, keys: int,
                   estimates: dict[str, dict] | None = None) -> str:
    lines = [
        "# Migration scope",
        "",
        f"Taken {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC with "
        f"{inventory.requests_used} requests.",
        "",
        "## Bizstim plan check",
        "",
        # Bizstim's own words go through the report's safe cells (no live formula)
        markdown_table([{"key": c.label, "result": f"{'ok' if c.ok else 'refused'}: {c.message}"}
                        for c in inventory.keys]).rstrip("\n"),
        "",
        "## Object inventory",
        "",
        "| object | records |",
        "|---|---:|",
        *[f"| {t} | {n:,} |" for t, n in inventory.totals.items()],
        "",
        f"Client files: about {inventory.files_estimate:,} "
        f"({inventory.file_bytes_estimate / 1e6:,.1f} MB), estimated from the files of "
        f"{inventory.files_sampled_clients} sampled clients.",
        "",
        "Custom client fields found: " + (", ".join(f"`{c}`" for c in inventory.custom_fields)
                                          or "none") + ".",
        "",
        f"## Extraction estimate ({settings.RATE_LIMIT_PER_WINDOW:,} requests/hour per key)",
        "",
        f"| phase | requests | 1 key | {keys} keys |",
        "|---|---:|---:|---:|",
        *[f"| {p} | {r:,} | {a} | {b} |" for p, r, a, b in estimate_rows(inventory, keys)],
        "",
        "Single-record reads (settings, schedules, file lists, file contents) dominate: Bizstim "
        "has no bulk export. Over 50,000 records, ask Bizstim for a second Enterprise key.",
    ]
    if estimates:
        lines += load_markdown(estimates)
    return "\n".join(lines) + "\n"
