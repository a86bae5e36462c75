"""Extraction benchmark: how close the extractor gets to Bizstim's own limits.

Starts the Bizstim sandbox in its own process (`bizstim-migrate sandbox up`,
so the server does not share our interpreter), extracts the tenant into a
fresh workspace and prints:
- requests used / minimum possible (each list at its maximum page size, each
  referenced single record once);
- wall time / the quota's floor (minimum requests spread over every key at
  the quota's rate, under the chosen time scale);
- rows normalised per second by dlt.

    python benchmarks/extract.py --tenant medium --time-scale 1200
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bizstim_migrate.sandboxes import SandboxProcess  # noqa: E402
from extract import settings  # noqa: E402
from extract.config import resolve_client_config  # noqa: E402
from extract.pipeline import run_extraction  # noqa: E402


def minimum_requests(warehouse: Path, extraction_id: int) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        lists = 0
        for endpoint in settings.LIST_ENDPOINTS:
            total = con.execute(
                "select max(total) from bizstim_raw._fetch_log where _extraction_id = ? "
                "and endpoint = ?", [extraction_id, endpoint.method]).fetchone()[0] or 0
            lists += len(endpoint.planned_starts(total))  # pages overlap by a record
        singles = con.execute(
            "select count(distinct (endpoint, ref)) from bizstim_raw._fetch_log "
            "where _extraction_id = ? and endpoint in ({})".format(
                ", ".join(f"'{s.method}'" for s in settings.SINGLE_READ_ENDPOINTS)),
            [extraction_id]).fetchone()[0]
    return lists + singles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenant", default="medium")
    parser.add_argument("--time-scale", type=float, default=1200.0,
                        help="3600 / time-scale = real seconds in the sandbox's hour")
    parser.add_argument("--keys", type=int, default=2, help="API keys to use (1 or 2)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(tmp)
        server = SandboxProcess.start(workspace, tenant=args.tenant, time_scale=args.time_scale)
        try:
            env = server.env
            os.environ.update(env)
            os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")
            config = resolve_client_config()
            keys = config.api_keys[: args.keys]
            config = resolve_client_config(api_keys=list(keys))
            started = time.monotonic()
            report = run_extraction(
                warehouse=workspace / "warehouse.duckdb", files_dir=workspace / "files",
                pipelines_dir=workspace / ".dlt_pipelines", config=config,
            )
            wall = time.monotonic() - started
            stats = requests.get(f"{env['SOURCES__BIZSTIM__BASE_URL']}/__sandbox__/stats",
                                 timeout=30).json()
        finally:
            server.stop()
        minimum = minimum_requests(workspace / "warehouse.duckdb", report.extraction_id)

    window = 3600.0 / args.time_scale
    limit = config.rate_limit_per_window
    floor = minimum / (limit * len(keys)) * window
    records = sum(report.stored.values())
    print(f"machine            {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    print(f"tenant             {args.tenant}: {records:,} records stored, {len(keys)} key(s), "
          f"quota {limit}/window, window {window:.3f} s (time scale {args.time_scale:g})")
    print(f"requests           {stats['requests']:,} used / {minimum:,} minimum = "
          f"{stats['requests'] / minimum:.4f}  (429s: {stats['rate_limited']})")
    print(f"wall time          {wall:.1f} s / {floor:.1f} s quota floor = {wall / floor:.3f}")
    print(f"normalisation      {report.normalize_rows:,} rows in {report.normalize_seconds:.2f} s"
          f" = {report.rows_normalised_per_second:,.0f} rows/s")
    print(f"quota wait         {report.quota_wait_seconds:.1f} s of {wall:.1f} s")


if __name__ == "__main__":
    main()
