"""The map files of a workspace, and what a confirmation records.

    <workspace>/mapping/<dest>.yml            the proposal (a person reviews and edits it)
    <workspace>/mapping/<dest>.confirmed.yml  the map as it was confirmed (transform uses it)
    <workspace>/mapping/confirmations.jsonl   every confirmation: who, when, hashes

The decisions hash covers what a person decides (each field's destination,
role and transform; the value maps' values; the custom-field candidates'
suggested fields and types), not the evidence or the confidences, so a
re-proposal on fresh data that changes no decision leaves it as it was.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml

from bizstim_migrate.workspace import Workspace

HEADER = """\
# The field map for {destination}: proposed by `bizstim-migrate map propose`, confirmed
# by a person with `bizstim-migrate map confirm --to {destination} --by NAME` before any
# record moves. What the dbt project declares (level: declared) loads as declared. You
# may: set a declared field's destination to null to leave it out (its mart columns are
# nulled); point a custom field found in the data (custom_<id>) at a free custom field,
# e.g. its candidate's suggested_field (created with the candidate's suggested_type), or
# set it to null to leave it out; give each value of a value map one of the values the
# models understand (`understood`). Another destination for a declared field, an edited
# transform, a field no model carries: those are model changes, and confirm refuses them
# naming the model to edit. `bizstim-migrate map diff --to {destination}` shows what
# changed since the last confirmation.
"""


def mapping_dir(workspace: Workspace) -> Path:
    return workspace.root / "mapping"


def map_path(workspace: Workspace, destination: str) -> Path:
    return mapping_dir(workspace) / f"{destination}.yml"


def confirmed_path(workspace: Workspace, destination: str) -> Path:
    return mapping_dir(workspace) / f"{destination}.confirmed.yml"


def log_path(workspace: Workspace) -> Path:
    return mapping_dir(workspace) / "confirmations.jsonl"


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump(document: dict[str, Any], destination: str) -> str:
    body = yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100,
                     default_flow_style=False)
    return HEADER.format(destination=destination) + body


def write(path: Path, document: dict[str, Any], destination: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".yml.tmp")
    temporary.write_text(dump(document, destination), encoding="utf-8")
    temporary.replace(path)  # a reader never sees half a map


class MapFileError(ValueError):
    """A map file a person edited into something that is not a map."""


def read(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise MapFileError(f"{path} is not valid YAML ({error}); fix it, or run "
                           "`bizstim-migrate map propose` again") from None
    if not isinstance(document, dict) or not isinstance(document.get("objects", []), list):
        raise MapFileError(f"{path} is not a field map (a YAML mapping with objects, "
                           "value_maps, custom_field_candidates)")
    return document


def _text(value: Any) -> str | None:
    """Map values as text: YAML may have read `1`, `yes` or `2.50` as numbers or booleans."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def value_map_values(entry: dict[str, Any]) -> dict[str, str | None]:
    return {_text(k): _text(v) for k, v in (entry.get("values") or {}).items()}


def field_entries(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["source"]: entry for obj in document.get("objects") or []
            for entry in obj.get("fields") or [] if entry.get("source")}


def decisions(document: dict[str, Any]) -> dict[str, Any]:
    return {
        "fields": {source: [entry.get("destination"), entry.get("role"),
                            entry.get("transform")]
                   for source, entry in sorted(field_entries(document).items())},
        "value_maps": {name: value_map_values(entry)
                       for name, entry in sorted((document.get("value_maps") or {}).items())},
        "custom_field_candidates": sorted(
            [c.get("source"), c.get("suggested_field"), c.get("suggested_type")]
            for c in document.get("custom_field_candidates") or []),
    }


def decisions_hash(document: dict[str, Any]) -> str:
    canonical = json.dumps(decisions(document), sort_keys=True, separators=(",", ":"),
                           ensure_ascii=False, default=str)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def append_log(workspace: Workspace, record: dict[str, Any]) -> None:
    path = log_path(workspace)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")
