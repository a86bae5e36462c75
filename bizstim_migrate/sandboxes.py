"""Start the local stand-ins of the real services and describe them with the
same environment variables a user sets for the real ones."""

from __future__ import annotations

import csv
import json
import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from extract import settings
from sandbox.bizstim.server import BizstimSandbox
from sandbox.dynamics.server import DynamicsSandbox
from sandbox.freshsales.server import FreshsalesSandbox

SEEDS = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds"


@dataclass
class RunningSandboxes:
    bizstim: BizstimSandbox
    freshsales: FreshsalesSandbox
    dynamics: DynamicsSandbox
    time_scale: float
    env: dict[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        for server in (self.bizstim, self.freshsales, self.dynamics):
            server.stop()


def customer_users(destination: str) -> list[dict]:
    """The people the customer's admin has already invited to the destination
    (the dbt seeds hold the same list as the stand-in for the preflight's read)."""
    if destination == "freshsales":
        with open(SEEDS / "freshsales_users.csv", newline="") as handle:
            return [{"email": r["email"], "display_name": r["display_name"],
                     "is_active": r["is_active"] == "true"} for r in csv.DictReader(handle)]
    with open(SEEDS / "dynamics_systemusers.csv", newline="") as handle:
        return [{"internalemailaddress": r["internalemailaddress"],
                 "firstname": r["fullname"].partition(" ")[0],
                 "lastname": r["fullname"].partition(" ")[2] or r["fullname"],
                 "isdisabled": r["isdisabled"] == "true"} for r in csv.DictReader(handle)]


def start_sandboxes(tenant: str = "small", seed: int = 42, time_scale: float = 3600.0,
                    rate_limit_per_hour: int = 1000, freshsales_plan: str = "growth"
                    ) -> RunningSandboxes:
    bizstim = BizstimSandbox(
        tenant=tenant, seed=seed, time_scale=time_scale, rate_limit_per_hour=rate_limit_per_hour
    ).start()
    freshsales = FreshsalesSandbox(plan=freshsales_plan, time_scale=time_scale, seed=seed,
                                   users=customer_users("freshsales")).start()
    dynamics = DynamicsSandbox(time_scale=time_scale, seed=seed,
                               users=customer_users("dynamics")).start()
    fs = freshsales.credentials()
    dv = dynamics.credentials()
    env = {
        "SOURCES__BIZSTIM__BASE_URL": bizstim.url,
        "SOURCES__BIZSTIM__API_KEY": json.dumps(list(bizstim.api_keys)),
        # the sandbox's hour lasts 3600 / time_scale real seconds; a real
        # account leaves this unset (settings: 3600 s)
        "SOURCES__BIZSTIM__RATE_LIMIT_WINDOW_SECONDS": repr(3600.0 / time_scale),
        "SOURCES__BIZSTIM__RATE_LIMIT_PER_WINDOW": str(rate_limit_per_hour),
        "FRESHSALES_BASE_URL": fs["base_url"],
        "FRESHSALES_API_KEY": fs["api_key"],
        "FRESHSALES_PLAN": fs["plan"],
        "FRESHSALES_WINDOW_SECONDS": repr(fs["window_seconds"]),
        "DYNAMICS_BASE_URL": dynamics.url,
        "DYNAMICS_TENANT_ID": dv["tenant_id"],
        "DYNAMICS_CLIENT_ID": dv["client_id"],
        "DYNAMICS_CLIENT_SECRET": dv["client_secret"],
        "DYNAMICS_AUTHORITY_HOST": dynamics.url,
        "DYNAMICS_PUBLISHER_PREFIX": dv["publisher_prefix"],
        "DYNAMICS_WINDOW_SECONDS": repr(300.0 / time_scale),
    }
    return RunningSandboxes(bizstim=bizstim, freshsales=freshsales, dynamics=dynamics,
                            time_scale=time_scale, env=env)


def write_env_file(path: Path, env: dict[str, str]) -> None:
    """Written whole or not at all (a reader waiting for the file never sees half)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# Written by `bizstim-migrate sandbox up`: throwaway sandbox credentials.",
             "# Load with: set -a; . ./" + path.name + "; set +a"]
    lines += [f"{name}={shlex.quote(value)}" for name, value in env.items()]
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text("\n".join(lines) + "\n")
    partial.chmod(0o600)
    os.replace(partial, path)


@dataclass
class RemoteSandbox:
    """A sandbox in another process, through its URL and control surface."""

    url: str

    def touch(self, obj: str, **counts: int) -> dict:
        response = requests.post(f"{self.url}/__sandbox__/touch",
                                 json={"object": obj, **counts}, timeout=60)
        response.raise_for_status()
        return response.json()


@dataclass
class SandboxProcess:
    """The three sandboxes in a child process (`bizstim-migrate sandbox up`), so
    whatever runs against them does not share an interpreter, and its GIL, with
    their servers: the demo's extraction runs 20 % faster so."""

    process: subprocess.Popen
    env: dict[str, str]
    bizstim: RemoteSandbox
    freshsales: RemoteSandbox
    dynamics: RemoteSandbox

    @classmethod
    def start(cls, workspace: Path, tenant: str = "small", seed: int = 42,
              time_scale: float = 3600.0, timeout: float = 120.0) -> "SandboxProcess":
        env_file, log_file = workspace / "sandbox.env", workspace / "sandbox.log"
        env_file.unlink(missing_ok=True)
        workspace.mkdir(parents=True, exist_ok=True)
        with open(log_file, "w") as log:  # a file, not a pipe nobody reads: it never fills
            process = subprocess.Popen(
                [sys.executable, "-m", "bizstim_migrate.cli", "--workspace", str(workspace),
                 "sandbox", "up", "--tenant", tenant, "--seed", str(seed),
                 "--time-scale", repr(time_scale)],
                stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while not env_file.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                process.wait()
                raise RuntimeError(f"the sandboxes did not start:\n{log_file.read_text()[-2000:]}")
            time.sleep(0.05)
        env = read_env_file(env_file)
        return cls(process, env, RemoteSandbox(env["SOURCES__BIZSTIM__BASE_URL"]),
                   RemoteSandbox(env["FRESHSALES_BASE_URL"]), RemoteSandbox(env["DYNAMICS_BASE_URL"]))

    def stop(self) -> None:
        """SIGTERM: the child stops its servers and exits."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def read_env_file(path: Path) -> dict[str, str]:
    env = {}
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, value = line.partition("=")
        parsed = shlex.split(value)
        env[name.strip()] = parsed[0] if parsed else ""
    return env


def sandbox_records(base_url: str, obj: str) -> list[dict]:
    """Every record the Bizstim sandbox holds for an object (control surface)."""
    response = requests.get(f"{base_url}/__sandbox__/records/{obj}", timeout=60)
    response.raise_for_status()
    return response.json()


def referenced_ids(base_url: str) -> dict[str, set[str]]:
    """Single-record reads reach only what list records reference."""
    clients = sandbox_records(base_url, "clients")
    practitioners = sandbox_records(base_url, "practitioners")
    avail = {a.strip() for r in clients + practitioners for a in r["avail_id"].split(",")}
    return {
        "availability": avail - {""},
        "client_settings": {c["client_settings_id"].strip() for c in clients} - {""},
    }


def expected_records(base_url: str) -> dict[str, list[dict]]:
    """Per raw table, the records a complete extraction of the sandbox holds."""
    expected = {e.table: sandbox_records(base_url, e.method) for e in settings.LIST_ENDPOINTS}
    reachable = referenced_ids(base_url)
    for single in ("client_settings", "availability"):
        expected[single] = [r for r in sandbox_records(base_url, single)
                            if r["id"] in reachable[single]]
    expected["client_files"] = sandbox_records(base_url, "client_files")
    return expected


def expected_counts(base_url: str) -> dict[str, int]:
    counts = {table: len(records) for table, records in expected_records(base_url).items()}
    counts["file_contents"] = counts["client_files"]
    return counts
