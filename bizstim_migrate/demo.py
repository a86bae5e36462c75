"""The demo: a whole migration on the sandboxes, step by step as our product
pages promise: scope, schema setup, extraction, owner reconciliation, sample,
production load in dependency order, cutover delta, validation and hand-off.

Each step is the same function the matching command runs; the demo only plays
the parts a person plays on a real migration (the admin creating custom
fields, people editing Bizstim records during the migration)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from rich.console import Console
from rich.rule import Rule

from bizstim_migrate.sandboxes import SandboxProcess, expected_counts
from bizstim_migrate.workspace import Workspace

# records people change in Bizstim during the migration, before the cutover delta
CUTOVER_TOUCHES = {"clients": 12, "payments": 8, "sessions": 10}


class DemoFailed(Exception):
    pass


@dataclass
class DemoSteps:
    """The steps the demo runs, each shown as its command shows it (cli.py's do_*
    over bizstim_migrate/steps.py), and the admin's part (sandbox only)."""

    extract: Callable
    transform: Callable
    preflight: Callable
    load: Callable
    verify: Callable
    report: Callable
    scope: Callable
    admin: Callable


@dataclass
class DemoOutcome:
    runs: list[str] = field(default_factory=list)
    seconds: float = 0.0
    report: Path | None = None
    steps: dict[str, float] = field(default_factory=dict)  # title -> seconds it took


def run_demo(console: Console, workspace: Workspace, running: SandboxProcess,
             destination: str, steps: DemoSteps) -> DemoOutcome:
    started = time.perf_counter()
    outcome = DemoOutcome()
    current: list = []  # [title, start] of the step running

    def finish_step() -> None:
        if current:
            outcome.steps[current[0]] = time.perf_counter() - current[1]

    def step(title: str) -> None:
        finish_step()
        current[:] = [title, time.perf_counter()]
        console.print(Rule(f"[bold]{title}"))

    step("0. Scope: inventory, plan check, estimates")
    steps.scope(workspace)

    step("1. Schema setup (the admin creates the custom fields the preflight lists)")
    for item in steps.admin(workspace, destination):
        console.print(f"  admin created {item}")
    steps.preflight(workspace, destination)

    step("2. Extraction")
    report = steps.extract(workspace, "full")
    expected = expected_counts(running.bizstim.url)
    different = {t: n for t, n in expected.items() if report.stored.get(t, 0) != n}
    if different:
        raise DemoFailed(f"the extraction differs from the sandbox: {different}")
    console.print(f"[green]Every Bizstim record is in {workspace.warehouse}.[/]")

    step("3. Field map: proposed by the tool, confirmed (here automatically, by the demo)")
    from bizstim_migrate.mapping import confirm, propose

    proposed = propose(workspace, destination)
    confirmation = confirm(workspace, destination, by="the demo (automatic confirmation)")
    console.print(f"  proposed {proposed}; confirmed by {confirmation.by} at "
                  f"{confirmation.at} (source schema {confirmation.schema_hash[:12]})")
    console.print("  On a real migration a person reviews the file (`bizstim-migrate map diff`) "
                  "and runs `bizstim-migrate map confirm`.")

    step("4. Mapping and validation gates (dbt build) with owners reconciled by e-mail")
    if not steps.transform(workspace, destination):
        raise DemoFailed("the dbt gate is closed")
    if destination == "freshsales":  # the category choices the marts name
        for item in steps.admin(workspace, destination):
            console.print(f"  admin created {item}")
    if steps.preflight(workspace, destination):
        raise DemoFailed("the destination is not ready")

    step("5. Sample load, verified field by field")
    sample = steps.load(workspace, destination, sample=5)
    outcome.runs.append(sample.run_id)
    checked = steps.verify(workspace, destination, 5, 1)
    if checked.differences or checked.missing:
        raise DemoFailed("the sample does not match the marts")

    step("6. Production load in dependency order")
    full = steps.load(workspace, destination)
    outcome.runs.append(full.run_id)
    if full.failed:
        raise DemoFailed(f"{full.failed} records failed")

    step("7. Cutover delta (people kept working in Bizstim meanwhile)")
    for obj, count in CUTOVER_TOUCHES.items():
        touched = running.bizstim.touch(obj, changed=count - count // 4, added=count // 4)
        console.print(f"  in Bizstim: {len(touched['changed'])} {obj} changed, "
                      f"{len(touched['added'])} added")
    steps.extract(workspace, "delta")
    if not steps.transform(workspace, destination):
        raise DemoFailed("the dbt gate closed after the delta extraction")
    delta = steps.load(workspace, destination)
    outcome.runs.append(delta.run_id)

    step("8. Validation and hand-off")
    checked = steps.verify(workspace, destination, 25, 7)
    if checked.differences or checked.missing:
        raise DemoFailed("the destination does not match the marts")
    outcome.report = steps.report(workspace, destination).html
    finish_step()
    outcome.seconds = time.perf_counter() - started
    return outcome
