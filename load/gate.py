"""The gate: the loader writes nothing unless the last `dbt build` passed on
the data as it is now.

It reads dbt's `run_results.json` from the workspace: any error-severity
test that failed, any model that errored, a build older than the latest
extraction (the marts would describe data that has changed), or a model whose
SQL changed since the build (the marts would not be what the project says:
stale) closes it. The last point compares each model and seed file of the
project (`BIZSTIM_MIGRATE_DBT_PROJECT`, else the shipped one) with the checksum
the build's `manifest.json` holds for it (the sha256 dbt itself takes of the
file's stripped text, so no `dbt parse` is needed), and each macro's text in
the manifest with its file; model and macro files the build did not know are
changes too. The yml files (descriptions, tests, the contracts' meta) are not
compared: the loader reads the contracts from them directly.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

import duckdb

FAILED_STATUSES = ("error", "fail", "runtime error")
PREVIOUS_RESULTS = "run_results.previous.json"  # set aside while a transform runs


def gate_problems(run_results: Path, con: duckdb.DuckDBPyConnection,
                  destination: str | None = None) -> list[str]:
    if not run_results.exists() and run_results.with_name(PREVIOUS_RESULTS).exists():
        return ["The last transform did not finish (it was stopped or killed): run "
                "`bizstim-migrate transform --to <destination>` again."]
    if not run_results.exists():
        return ["No dbt build has run in this workspace: run `bizstim-migrate transform "
                "--to <destination>` first (it builds the marts and runs every gate)."]
    results = json.loads(run_results.read_text())
    problems = []
    args = results.get("args", {})
    if args.get("which") not in (None, "build"):
        problems.append(f"The last dbt command was `{args.get('which')}`, not `build`: run "
                        "`bizstim-migrate transform` so every test runs.")
    if destination is not None and not any(
            str(r.get("unique_id", "")).split(".")[-1].startswith(f"{destination}__")
            for r in results.get("results", [])):
        problems.append(f"The last dbt build did not build the {destination} marts: run "
                        f"`bizstim-migrate transform --to {destination}`.")
    failed = [r for r in results.get("results", []) if r.get("status") in FAILED_STATUSES]
    for result in failed[:20]:
        problems.append(f"dbt {result.get('status')}: {result.get('unique_id')}: "
                        f"{(result.get('message') or '').strip()[:300]}")
    if len(failed) > 20:
        problems.append(f"… and {len(failed) - 20} more dbt failures.")
    built_at = _parse_time(results.get("metadata", {}).get("generated_at"))
    extracted_at = _latest_extraction(con)
    if built_at and extracted_at and built_at < extracted_at:
        problems.append("The marts are older than the latest extraction: run `bizstim-migrate "
                        "transform` again so the gate checks the data you are about to load.")
    changed = changed_models(run_results.with_name("manifest.json"))
    if changed:
        shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5
                                          else "")
        problems.append("A model changed since the last build: run `bizstim-migrate "
                        f"transform` so the marts are what the project says ({shown}).")
    return problems


MODEL_SUFFIXES = (".sql", ".py")
BUILT_FROM_FILES = ("model", "seed", "snapshot")  # nodes whose file dbt checksums


def changed_models(manifest_path: Path, project: Path | None = None) -> list[str]:
    """The project's files the marts are built from (models, seeds, macros;
    relative paths) that differ from the build's manifest: edited, added or
    removed since. Empty when there is no manifest (a build that never parsed:
    the other checks speak)."""
    from load.contract import project_dir

    if not manifest_path.exists():
        return []
    project = project or project_dir()
    manifest = json.loads(manifest_path.read_text())
    name = manifest.get("metadata", {}).get("project_name")
    built: dict[str, str | None] = {}
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") not in BUILT_FROM_FILES or node.get("package_name") != name:
            continue
        checksum = node.get("checksum") or {}
        built[node["original_file_path"]] = (checksum.get("checksum")
                                             if checksum.get("name") == "sha256" else None)
    for versions in manifest.get("disabled", {}).values():
        for node in versions:
            if node.get("resource_type") == "model" and node.get("package_name") == name:
                built.setdefault(node["original_file_path"], None)
    changed = []
    for relative, checksum in sorted(built.items()):
        path = project / relative
        if not path.exists():
            changed.append(f"{relative} removed")
        elif checksum is not None and _dbt_checksum(path) != checksum:
            changed.append(relative)
    # a macro's text is in the manifest as it was: each must still be in its file
    macros: dict[str, list[str]] = {}
    for macro in manifest.get("macros", {}).values():
        if macro.get("package_name") == name:
            macros.setdefault(macro["original_file_path"], []).append(macro.get("macro_sql", ""))
    for relative, texts in sorted(macros.items()):
        path = project / relative
        if not path.exists():
            changed.append(f"{relative} removed")
        elif any(text not in path.read_text(encoding="utf-8") for text in texts):
            changed.append(relative)
    config = _project_config(project)
    for folders, suffixes, known in ((config.get("model-paths") or ["models"], MODEL_SUFFIXES,
                                      built),
                                     (config.get("macro-paths") or ["macros"], (".sql",),
                                      macros)):
        for folder in folders:
            for path in sorted((project / folder).rglob("*")):
                relative = path.relative_to(project).as_posix()
                if path.suffix in suffixes and path.is_file() and relative not in known:
                    changed.append(f"{relative} added")
    return changed


def _dbt_checksum(path: Path) -> str:
    """dbt's checksum of a model file: sha256 of its text, stripped."""
    return hashlib.sha256(path.read_bytes().decode("utf-8").strip().encode("utf-8")).hexdigest()


def _project_config(project: Path) -> dict:
    import yaml

    try:
        return yaml.safe_load((project / "dbt_project.yml").read_text()) or {}
    except OSError:
        return {}


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _latest_extraction(con: duckdb.DuckDBPyConnection) -> datetime | None:
    try:
        row = con.execute(
            "select max(finished_at) from bizstim_raw._extractions where status = 'succeeded'"
        ).fetchone()
    except duckdb.CatalogException:
        return None
    value = row[0] if row else None
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
