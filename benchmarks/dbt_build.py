"""`dbt build` time and peak memory on a tenant (target: large < 60 s, < 4 GiB).

Fills a workspace with the tenant's raw tables (benchmarks/tenant_to_raw.py,
no HTTP) unless it already holds them, then runs `bizstim-migrate transform`
in a child process per destination and reads the child's peak RSS.

    python benchmarks/dbt_build.py --tenant large --workspace /tmp/large_ws
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.tenant_to_raw import load  # noqa: E402
from sandbox.tenant import Tenant  # noqa: E402


def build(workspace: Path, destination: str) -> tuple[float, float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.monotonic()
    process = subprocess.run(
        [sys.executable, "-m", "bizstim_migrate.cli", "--workspace", str(workspace),
         "transform", "--to", destination],
        cwd=ROOT, capture_output=True, text=True,
    )
    wall = time.monotonic() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if process.returncode != 0:
        print(process.stdout[-3000:], process.stderr[-3000:], sep="\n")
    # ru_maxrss of children is the largest child so far; each build is its own child
    return wall, max(peak_kib, before) / 1024 / 1024, process.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenant", default="large")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workspace", required=True, type=Path)
    parser.add_argument("--to", default="freshsales,dynamics")
    args = parser.parse_args()
    if not (args.workspace / "warehouse.duckdb").exists():
        started = time.monotonic()
        counts = load(Tenant(args.tenant, args.seed), args.workspace)
        print(f"raw: {sum(counts.values()):,} records written in "
              f"{time.monotonic() - started:.1f} s")
    print(f"machine  {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    for destination in args.to.split(","):
        wall, peak_gib, code = build(args.workspace, destination)
        status = "passed" if code == 0 else f"FAILED (exit {code})"
        print(f"dbt build --to {destination:<10} {wall:6.1f} s   peak RSS {peak_gib:.2f} GiB"
              f"   {status}")


if __name__ == "__main__":
    main()
