"""Staging for the Dynamics stories: a workspace extracted from the small
tenant, the admin's custom columns created, the system users read by the
preflight, and `transform --to dynamics` run against them (session fixture
`dynamics_built` in conftest; every test copies it or only reads it), and
`AnswerLost`: a write Dataverse applies whose answer never comes back."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

import duckdb

from bizstim_migrate.sandboxes import start_sandboxes
from load.dynamics.auth import DynamicsConfig
from load.dynamics.odata import DataverseClient
from load.dynamics.preflight import required_columns
from load.dynamics.writer import DynamicsWriter
from load.http import RetryPolicy
from sandbox.dynamics.server import DynamicsSandbox
from sandbox.http_util import Request, Response
from tests.conftest import run_cli

FAST = RetryPolicy(backoff_base_seconds=0.01, floor_seconds=0.01, backoff_cap_seconds=0.2)
SEED = 42


def admin_creates_columns(dataverse: DynamicsSandbox) -> None:
    """What the preflight's sentence asks the customer's admin to create."""
    for column in required_columns(dataverse.publisher_prefix):
        dataverse.add_attribute(column.table, column.logical_name, column.attribute_type,
                                alternate_key=column.alternate_key)


def config_for(dataverse: DynamicsSandbox) -> DynamicsConfig:
    creds = dataverse.credentials()
    return DynamicsConfig(base_url=dataverse.url, tenant_id=creds["tenant_id"],
                          client_id=creds["client_id"], client_secret=creds["client_secret"],
                          authority_host=dataverse.url, publisher_prefix=creds["publisher_prefix"],
                          window_seconds=300.0 / dataverse.time_scale)


def stage_dynamics(tmp_path_factory) -> Path:
    workspace = tmp_path_factory.mktemp("dynamics") / "workspace"
    running = start_sandboxes(tenant="small", seed=SEED)
    try:
        assert run_cli(["extract"], workspace, running.env).returncode == 0
        admin_creates_columns(running.dynamics)
        with duckdb.connect(str(workspace / "warehouse.duckdb")) as con:
            client = DataverseClient(config_for(running.dynamics), FAST)
            assert DynamicsWriter(client, con).preflight() == []
        result = run_cli(["transform", "--to", "dynamics"], workspace, running.env)
        assert result.returncode == 0, result.output
    finally:
        running.stop()
    return workspace


class AnswerLost:
    """Dataverse applies a request and its answer never comes back: what a loader
    killed between sending a write and reading the answer leaves behind.

    The sandbox's own faults delay or drop a request *before* it is applied, so
    this wraps the sandbox's request handler: the first request `matches` picks
    is applied as usual, then `applied` is set and the answer held until
    `release()` (the connection is then dropped without a byte). Every other
    request is served as before. Use it as a context manager."""

    def __init__(self, dataverse: DynamicsSandbox, matches: Callable[[Request], bool]) -> None:
        self.dataverse = dataverse
        self.matches = matches
        self.applied = threading.Event()
        self._released = threading.Event()
        self._lock = threading.Lock()

    def _handle(self, request: Request) -> Response | None:
        response = type(self.dataverse).handle(self.dataverse, request)
        with self._lock:
            hold = not self.applied.is_set() and self.matches(request)
            if hold:
                self.applied.set()
        if not hold:
            return response
        self._released.wait(120)
        return None  # the answer is lost

    def release(self) -> None:
        self._released.set()

    def __enter__(self) -> "AnswerLost":
        self.dataverse.handle = self._handle  # the server calls the instance's handle
        return self

    def __exit__(self, *exc: object) -> None:
        del self.dataverse.handle
        self.release()
