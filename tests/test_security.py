"""Nothing leaks and nothing escapes: the secret scan finds what it looks for;
servers bind loopback only; configurations, clients and errors never show a
key; a file path from source data cannot leave the workspace."""

from __future__ import annotations

import duckdb
import pytest

from bizstim_migrate.sandboxes import start_sandboxes
from load.destinations import dynamics_config, freshsales_config
from load.freshsales.account import AccountSettings
from load.freshsales.client import FreshsalesClient
from load.freshsales.rows import RowShaper
from load.http import ApiError, RetryPolicy
from sandbox.freshsales.server import FreshsalesSandbox
from tests.secret_scan import scan

SECRET = "s3cr3t-value-that-must-not-leak"


def test_the_scan_finds_a_secret_in_a_file_a_table_and_an_output(tmp_path):
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "run.log").write_text(f"Authorization: Token token={SECRET}\n")
    (tmp_path / "sandbox.env").write_text(f"KEY={SECRET}\n")  # the one allowed place
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute("create schema ledger")
        con.execute("create table ledger.records (error varchar)")
        con.execute("insert into ledger.records values (?)", [f"HTTP 401 with key {SECRET}"])
    found = scan(tmp_path, [SECRET], ["all good", f"oops {SECRET}"])
    assert found == ["logs/run.log holds a secret",
                     "ledger.records.error holds a secret in 1 rows",
                     "output 1 shows a secret"]


def test_every_sandbox_binds_loopback_only():
    running = start_sandboxes(tenant="small")
    try:
        for server in (running.bizstim, running.freshsales, running.dynamics):
            assert server.url.startswith("http://127.0.0.1:")
    finally:
        running.stop()
    with pytest.raises(ValueError, match="loopback"):
        FreshsalesSandbox(host="0.0.0.0")


def test_configurations_and_clients_never_show_a_secret():
    env = {"FRESHSALES_BASE_URL": "https://acme.myfreshworks.com", "FRESHSALES_API_KEY": SECRET,
           "DYNAMICS_BASE_URL": "https://acme.crm.dynamics.com", "DYNAMICS_TENANT_ID": "t",
           "DYNAMICS_CLIENT_ID": "c", "DYNAMICS_CLIENT_SECRET": SECRET}
    fs = freshsales_config(env)
    dv = dynamics_config(env)
    client = FreshsalesClient(fs)
    for thing in (fs, dv, client, client.http):
        assert SECRET not in repr(thing) and SECRET not in str(thing)


def test_a_refused_request_names_the_problem_not_the_key():
    sandbox = FreshsalesSandbox(time_scale=3600.0).start()
    try:
        config = freshsales_config({"FRESHSALES_BASE_URL": sandbox.url,
                                    "FRESHSALES_API_KEY": SECRET,
                                    "FRESHSALES_WINDOW_SECONDS": "1"})
        client = FreshsalesClient(config, RetryPolicy(max_attempts=1))
        with pytest.raises(ApiError) as refused:
            client.get("selector/owners")
        assert refused.value.status == 401
        assert SECRET not in str(refused.value) and SECRET not in repr(refused.value.body)
    finally:
        sandbox.stop()


@pytest.mark.parametrize("stored", ["../../etc/passwd", "/etc/passwd", "ab/../../outside"])
def test_a_stored_path_from_source_data_cannot_leave_the_files_folder(tmp_path, stored):
    files = tmp_path / "files"
    files.mkdir()
    (tmp_path / "outside").write_text("not yours")
    shaper = RowShaper(con=None, account=AccountSettings(client=None), files_dir=files)
    with pytest.raises(LookupError, match="leaves the workspace"):
        shaper.file_path({"stored_path": stored})
