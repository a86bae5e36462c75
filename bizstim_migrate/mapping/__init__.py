"""The field map: proposed by the tool, confirmed by a person, before any record moves.

For the other commands:

    from bizstim_migrate.mapping import map_app, propose, confirm, diff, map_problems, dbt_vars

    app.add_typer(map_app, name="map")            # map propose | diff | confirm --to DEST
    propose(workspace, "freshsales") -> Path      # <workspace>/mapping/freshsales.yml
    confirm(workspace, "freshsales", by="alice") -> Confirmation
    map_problems(workspace, "freshsales") -> list[str]   # [] when confirmed and current
    dbt_vars(workspace, "freshsales") -> dict     # {"bizstim_value_maps": {...},
                                                  #  "left_out_columns": {...},
                                                  #  "custom_field_targets": {...}} or {}
    custom_field_targets(workspace, "freshsales") -> list[dict]  # custom fields to create
"""

from bizstim_migrate.mapping.cli import map_app
from bizstim_migrate.mapping.store import confirmed_path, map_path
from bizstim_migrate.mapping.workflow import (
    DBT_VAR,
    Confirmation,
    MapDiff,
    custom_field_targets,
    MapError,
    confirm,
    dbt_vars,
    diff,
    map_problems,
    propose,
)

__all__ = [
    "DBT_VAR", "Confirmation", "MapDiff", "MapError", "confirm", "confirmed_path",
    "custom_field_targets", "dbt_vars",
    "diff", "map_app", "map_path", "map_problems", "propose",
]
