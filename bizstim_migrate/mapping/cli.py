"""`bizstim-migrate map propose|diff|confirm --to freshsales|dynamics`.

Registered by the main command with `app.add_typer(map_app, name="map")`; the
workspace comes from the main callback (`ctx.obj`).
"""

from __future__ import annotations

import getpass
import os
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from bizstim_migrate.mapping import store
from bizstim_migrate.mapping.workflow import MapError, confirm, diff, map_problems, propose
from bizstim_migrate.workspace import Workspace

map_app = typer.Typer(
    help="The field map: proposed by the tool, confirmed by a person before any record moves.",
    no_args_is_help=True,
)
console = Console()
err_console = Console(stderr=True)

EXIT_FAILED = 1
EXIT_CONFIG = 2

TO_HELP = "freshsales or dynamics"


def _workspace(ctx: typer.Context) -> Workspace:
    workspace = ctx.obj
    if not isinstance(workspace, Workspace):  # used outside the main command
        workspace = Workspace.resolve(None).ensure()
    return workspace


def _fail(error: Exception) -> None:
    err_console.print(f"[bold red]error:[/] {error}")
    raise typer.Exit(EXIT_CONFIG)


@map_app.command("propose")
def propose_command(ctx: typer.Context,
                    to: str = typer.Option(..., "--to", help=TO_HELP)) -> None:
    """Propose the field map from the extracted schema and the destination's fields."""
    workspace = _workspace(ctx)
    try:
        path = propose(workspace, to)
    except MapError as error:
        _fail(error)
    document = store.read(path) or {}
    console.print(objects_table(document))
    summary = document.get("summary") or {}
    for name, entry in (document.get("value_maps") or {}).items():
        values = ", ".join(f"{k} → {'(none)' if v is None else v}"
                           for k, v in (entry.get("values") or {}).items())
        line = f"value map [bold]{name}[/] ({entry.get('source')}): {values}"
        if entry.get("unmapped"):
            line += f" [yellow]unmapped: {', '.join(map(str, entry['unmapped']))}[/]"
        console.print(line, highlight=False)
    by_object: dict[str, list[str]] = {}
    for candidate in document.get("custom_field_candidates") or []:
        where = candidate.get("object") or "a reference spreadsheet (no API for custom fields)"
        by_object.setdefault(where, []).append(
            f"{candidate['source']} ({candidate.get('suggested_type')}"
            + (", new" if candidate.get("new_since_confirmation") else "") + ")")
    for where, names in by_object.items():
        console.print(f"custom-field candidates for [bold]{where}[/]: {', '.join(names)}",
                      highlight=False)
    console.print(f"Destination fields from {document.get('destination_metadata')}.")
    console.print(f"{summary.get('to_a_destination_field', 0)} of "
                  f"{summary.get('source_fields', 0)} source fields have a proposed "
                  f"destination field. Map written to {path}")
    if document.get("status") == "confirmed":
        block = document.get("confirmation") or {}
        console.print(f"[green]Unchanged since {block.get('by')} confirmed it[/] "
                      f"({block.get('at')}).")
    else:
        console.print(f"Review it, then: bizstim-migrate map confirm --to {to} --by NAME")


def objects_table(document: dict) -> Table:
    table = Table(title=f"Field map proposal for {document.get('destination')}")
    for column in ("Bizstim object", "destination", "fields", "declared", "high", "medium",
                   "low", "join keys / left out", "not migrated"):
        table.add_column(column, justify="left" if column in ("Bizstim object",
                                                              "destination") else "right")
    for obj in document.get("objects") or []:
        fields = obj.get("fields") or []
        placed = [f for f in fields if f.get("destination")]
        table.add_row(
            obj["source"], obj.get("destination", ""), str(len(fields)),
            *(str(sum(1 for f in placed if f.get("level") == lvl))
              for lvl in ("declared", "high", "medium", "low")),
            str(sum(1 for f in fields if f.get("role") in ("link", "left_out"))),
            str(sum(1 for f in fields if not f.get("destination")
                    and f.get("role") == "field")),
        )
    for obj in document.get("not_migrated") or []:
        table.add_row(obj["source"], "(not migrated)", str(len(obj.get("columns") or [])),
                      "", "", "", "", "", "")
    return table


@map_app.command("diff")
def diff_command(ctx: typer.Context, to: str = typer.Option(..., "--to", help=TO_HELP)) -> None:
    """What changed since the last confirmed map (source schema and decisions)."""
    workspace = _workspace(ctx)
    try:
        result = diff(workspace, to)
    except MapError as error:
        _fail(error)
    if result.confirmed_by:
        console.print(f"Compared with the map confirmed by {result.confirmed_by}.")
    for note in result.notes:
        console.print(note)
    sections = result.sections()
    if not sections:
        console.print("No changes since the confirmed map.")
    for title, lines in sections:
        console.print(f"[bold]{title}[/]")
        for line in lines:
            console.print(f"  {line}", highlight=False, markup=False)


@map_app.command("confirm")
def confirm_command(
    ctx: typer.Context,
    to: str = typer.Option(..., "--to", help=TO_HELP),
    by: Optional[str] = typer.Option(None, "--by", help="Who confirms (default: your login)."),
) -> None:
    """Confirm the map as it stands: records who, when, and the source schema's hash."""
    workspace = _workspace(ctx)
    who = by or os.environ.get("BIZSTIM_MIGRATE_USER") or getpass.getuser()
    try:
        confirmation = confirm(workspace, to, who)
    except MapError as error:
        _fail(error)
    console.print(f"[green]Field map for {to} confirmed[/] by {confirmation.by} at "
                  f"{confirmation.at} (source schema {confirmation.schema_hash[:19]}…).")
    document = store.read(confirmation.path) or {}
    unmapped = (document.get("summary") or {}).get("unmapped_values") or {}
    for name, values in unmapped.items():
        console.print(f"[yellow]note:[/] value map {name} leaves {', '.join(map(str, values))} "
                      "as they are (no destination value).")
    for problem in map_problems(workspace, to):
        console.print(f"[yellow]still:[/] {problem}")
