"""A workspace folder holds one migration's state.

`--workspace DIR`, else `BIZSTIM_MIGRATE_WORKSPACE`, else `./workspace`.
`profiles.yml` reads the same variable, so dbt and the Python code open the
same DuckDB file; the CLI exports the resolved absolute path for dbt.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

WORKSPACE_ENV = "BIZSTIM_MIGRATE_WORKSPACE"
DEFAULT_WORKSPACE = "workspace"


@dataclass(frozen=True)
class Workspace:
    root: Path

    @classmethod
    def resolve(cls, explicit: str | os.PathLike | None = None) -> "Workspace":
        chosen = explicit or os.environ.get(WORKSPACE_ENV) or DEFAULT_WORKSPACE
        root = Path(chosen).expanduser().resolve()
        os.environ[WORKSPACE_ENV] = str(root)  # dbt (profiles.yml) reads it too
        return cls(root)

    def ensure(self) -> "Workspace":
        self.root.mkdir(parents=True, exist_ok=True)
        return self

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def files_dir(self) -> Path:
        return self.root / "files"

    @property
    def pipelines_dir(self) -> Path:
        return self.root / ".dlt_pipelines"

    @property
    def sandbox_env(self) -> Path:
        return self.root / "sandbox.env"

    @property
    def dbt_target(self) -> Path:
        """dbt's artifacts (run_results.json: the gate reads it)."""
        return self.root / "dbt_target"

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"
