"""Load benchmark: requests per record and wall time against the destination's
quota floor, for our loader and for a naive one (one request per record,
same pacing, same shaping) in the same run.

Starts the sandboxes in their own process (`bizstim-migrate sandbox up`),
extracts the tenant, sets the destination up as its admin would, builds the
marts, then loads them twice into an empty account: once with the loader,
once with the naive writer. For each it prints the records written, the
requests sent, requests per record, the wall time and the floor: for
Freshsales the requests at the quota's rate; for Dataverse the same admitted
requests replayed against its sliding-window limits (requests and execution
time) with a client that takes no time (`replay_floor`), and beside it the
serial floor: the same replay where each request also takes the time the
sandbox took to answer it (what no one-request-at-a-time client can beat).

    python benchmarks/load.py --tenant medium --to freshsales
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path
from typing import Any

import duckdb
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bizstim_migrate.sandboxes import SandboxProcess  # noqa: E402
from load.destinations import open_writer  # noqa: E402
from load.runner import Runner  # noqa: E402

from benchmarks.naive_writers import naive_writer  # noqa: E402


def cli(workspace: Path, env: dict[str, str], *args: str) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "bizstim_migrate.cli", "--workspace", str(workspace), *args],
        cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True)
    if completed.returncode != 0 and args[0] != "preflight":
        raise SystemExit(f"`{' '.join(args)}` failed:\n{completed.stdout}\n{completed.stderr}")


class Destination:
    """The destination sandbox's control surface, and its quota under the time scale."""

    def __init__(self, name: str, env: dict[str, str], time_scale: float,
                 execution_seconds: float | None = None) -> None:
        self.name = name
        self.execution_seconds = execution_seconds
        self.env = dict(env)
        base = env["FRESHSALES_BASE_URL" if name == "freshsales" else "DYNAMICS_BASE_URL"]
        self.control = base.rstrip("/") + "/__sandbox__"
        self.time_scale = time_scale

    def post(self, route: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = requests.post(f"{self.control}/{route}", json=body or {}, timeout=60)
        response.raise_for_status()
        return response.json()

    def get(self, route: str) -> Any:
        response = requests.get(f"{self.control}/{route}", timeout=60)
        response.raise_for_status()
        return response.json()

    def configure(self) -> None:
        if self.name == "freshsales":
            self.post("config", {"time_scale": self.time_scale})
            self.env["FRESHSALES_WINDOW_SECONDS"] = repr(3600.0 / self.time_scale)
        else:
            config: dict[str, Any] = {"time_scale": self.time_scale}
            if self.execution_seconds:
                config["execution_seconds_per_window"] = self.execution_seconds
            self.post("config", config)
            self.env["DYNAMICS_WINDOW_SECONDS"] = repr(300.0 / self.time_scale)

    def quota(self) -> tuple[int, float]:
        """(requests per window, window seconds in real time)."""
        config = self.get("config")
        if self.name == "freshsales":
            return int(config["rate_limit_per_hour"]), float(config["window_seconds"])
        return int(config["requests_per_window"]), float(config["window_real_seconds"])

    def execution(self) -> tuple[float, float]:
        """Dataverse only: (simulated execution seconds used so far, allowed per window)."""
        stats, config = self.get("stats"), self.get("config")
        return (float(stats["dataverse"]["execution_seconds"]),
                float(config["execution_seconds_per_window"]))

    def requests(self) -> int:
        return int(self.get("stats")["requests"])

    def refused(self) -> int:
        """429s answered so far (they are among the requests)."""
        return int(self.get("stats")["rate_limited"])

    def admitted(self) -> list[tuple[float, int, float, float | None]]:
        """Dataverse only: every request its limits admitted (start, requests, execution,
        end)."""
        return [tuple(entry) for entry in self.get("admitted")]

    def reset(self, workspace: Path) -> None:
        self.post("reset")
        self.configure()
        cli(workspace, self.env, "sandbox", "admin", "--to", self.name)


def quota_floor(name: str, sent: int, limit: int, window: float) -> float:
    """The least time `sent` requests can take under the quota. Freshsales counts
    in fixed hourly windows (a full window's worth can go at once, the rest waits
    for the next ones); Dataverse in a sliding window (the same bound holds)."""
    return max(0, math.ceil(sent / limit) - 1) * window


def replay_floor(admitted: list[tuple[float, int, float, float | None]], requests_limit: int,
                 execution_limit: float, window: float, serial: bool = False) -> float:
    """The least time the requests a load sent could take under Dataverse's limits:
    the same requests in the same order, each admitted the moment the rule allows
    (the preceding window under both the request and the execution limit; a request's
    execution counts from its start), the client taking no time at all.

    serial=False: the service takes no time either (the service-protection floor).
    serial=True: each request also takes the time the sandbox took to answer it
    before the next can start (the floor of a one-request-at-a-time client: what
    the service's own work adds, as the sandbox measured it).

    Why not (execution used / budget - 1) x window: the service admits a request
    while the preceding window is under the limit and charges its execution when
    it ends, so a window can hold the budget plus one request, and a loader that
    sends large requests beats that arithmetic (0.73 of it, measured)."""
    clock = 0.0
    live: deque[tuple[float, int, float]] = deque()
    requests = execution = 0.0
    for start, cost_requests, cost_execution, end in admitted:
        while True:
            while live and live[0][0] <= clock - window:
                _, gone_requests, gone_execution = live.popleft()
                requests -= gone_requests
                execution -= gone_execution
            if requests < requests_limit and execution < execution_limit:
                break
            clock = live[0][0] + window  # the moment the oldest request leaves the window
        live.append((clock, cost_requests, cost_execution))
        requests += cost_requests
        execution += cost_execution
        if serial and end is not None:
            clock += end - start
    return clock


def measure(label: str, destination: Destination, workspace: Path, naive: bool) -> dict:
    destination.reset(workspace)
    os.environ.update(destination.env)
    with duckdb.connect(str(workspace / "warehouse.duckdb")) as con:
        con.execute("drop schema if exists ledger cascade")
        writer = open_writer(destination.name, con, files_dir=workspace / "files")
        if naive:
            writer = naive_writer(writer)
        before, refused_before = destination.requests(), destination.refused()
        admitted_before = len(destination.admitted()) if destination.name == "dynamics" else 0
        started = time.perf_counter()
        report = Runner(con, writer).load()
        wall = time.perf_counter() - started
        phases = con.execute(
            "select object, finished_at from ledger.phases order by phase").fetchall()
    sent = destination.requests() - before
    previous = None
    for obj, finished in phases:
        if previous is not None:
            print(f"  {label} {obj}: {(finished - previous).total_seconds():.1f} s")
        previous = finished
    written = sum(line.get("created") + line.get("updated") for line in report.lines)
    failed = report.failed
    limit, window = destination.quota()
    floor, serial_floor = quota_floor(destination.name, sent, limit, window), None
    if destination.name == "dynamics":
        # both limits at once, under the service's own admission rule
        admitted = destination.admitted()[admitted_before:]
        budget = destination.execution()[1]
        floor = replay_floor(admitted, limit, budget, window)
        serial_floor = replay_floor(admitted, limit, budget, window, serial=True)
    return {"loader": label, "records": written, "failed": failed, "requests": sent,
            "refused": destination.refused() - refused_before,
            "per_record": sent / max(written, 1), "wall": wall, "floor": floor,
            "ratio": wall / floor if floor else float("nan"),
            "serial_floor": serial_floor}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenant", default="medium")
    parser.add_argument("--to", nargs="+", default=["freshsales"],
                        choices=["freshsales", "dynamics"])
    parser.add_argument("--time-scale", type=float, default=720.0,
                        help="how much faster than real time the quota window passes")
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--dynamics-execution-seconds", type=float, default=None,
                        help="execution time allowed per 5-minute window (default: the "
                        "documented 1,200 s); lower it to model an environment other "
                        "integrations share, so the limit binds")
    parser.add_argument("--workspace", type=Path, help="keep the workspace here; when it "
                        "already holds an extraction of the same tenant, reuse it")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="bench-load-"))
    workspace = args.workspace or root / "workspace"
    workspace.mkdir(parents=True, exist_ok=True)
    reuse = (workspace / "warehouse.duckdb").exists()
    sandboxes = SandboxProcess.start(workspace, tenant=args.tenant)
    env = {**sandboxes.env, "SOURCES__BIZSTIM__RATE_LIMIT_PER_WINDOW": os.environ.get(
        "SOURCES__BIZSTIM__RATE_LIMIT_PER_WINDOW", "1000")}
    try:
        started = time.perf_counter()
        if not reuse:
            cli(workspace, env, "extract")
            print(f"extracted the {args.tenant} tenant in {time.perf_counter() - started:.0f} s")
        rows = []
        for name in args.to:
            destination = Destination(name, env, args.time_scale,
                                      args.dynamics_execution_seconds)
            destination.reset(workspace)
            cli(workspace, destination.env, "preflight", "--to", name)
            started = time.perf_counter()
            cli(workspace, destination.env, "transform", "--to", name)
            print(f"dbt build for {name}: {time.perf_counter() - started:.0f} s")
            cli(workspace, destination.env, "sandbox", "admin", "--to", name)
            rows.append({"destination": name, **measure("ours", destination, workspace, False)})
            if not args.skip_naive:
                rows.append({"destination": name,
                             **measure("naive", destination, workspace, True)})
    finally:
        sandboxes.stop()
        shutil.rmtree(root, ignore_errors=True)

    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; tenant {args.tenant}; time scale {args.time_scale}")
    header = ("destination", "loader", "records", "failed", "requests", "429s", "req/record",
              "wall s", "floor s", "wall/floor", "serial floor s", "wall/serial floor")
    print(" | ".join(header))
    for row in rows:
        print(" | ".join([row["destination"], row["loader"], str(row["records"]),
                          str(row["failed"]), str(row["requests"]), str(row["refused"]),
                          f"{row['per_record']:.4f}", f"{row['wall']:.1f}",
                          f"{row['floor']:.1f}", f"{row['ratio']:.3f}",
                          *_serial_columns(row)]))


def _serial_columns(row: dict) -> list[str]:
    """Dataverse only (Freshsales counts requests, not their time)."""
    serial = row["serial_floor"]
    if not serial:
        return ["-", "-"]
    return [f"{serial:.1f}", f"{row['wall'] / serial:.3f}"]


if __name__ == "__main__":
    main()
