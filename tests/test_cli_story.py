"""A newcomer's path: the demo in one command; the sandbox left running with
its credentials file, and the extraction run against it by hand."""

from __future__ import annotations

import json
import signal
import time

from bizstim_migrate.sandboxes import read_env_file
from tests.conftest import query, run_cli, start_cli


def test_demo_extracts_every_sandbox_record_in_one_command(workspace):
    result = run_cli(["demo"], workspace)
    assert result.returncode == 0, result.output
    assert "Every sandbox record is in" in result.stdout
    assert query(workspace, "select status from bizstim_raw._extractions") == [("succeeded",)]
    assert query(workspace, "select count(*) from bizstim_raw.clients") == [(300,)]


def test_sandbox_up_writes_the_credentials_a_real_user_would_set(workspace):
    server = start_cli(["sandbox", "up", "--tenant", "small", "--seed", "7"], workspace, {})
    try:
        env_file = workspace / "sandbox.env"
        deadline = time.monotonic() + 60
        while not env_file.exists() and time.monotonic() < deadline:
            assert server.poll() is None, server.stderr.read()
            time.sleep(0.1)
        env = read_env_file(env_file)
        assert env["SOURCES__BIZSTIM__BASE_URL"].startswith("http://127.0.0.1:")
        assert all(name.startswith("SOURCES__BIZSTIM__") for name in env)
        assert oct(env_file.stat().st_mode & 0o777) == "0o600"

        result = run_cli(["extract"], workspace, env)
        assert result.returncode == 0, result.output
        assert query(workspace, "select count(*) from bizstim_raw.clients") == [(300,)]
    finally:
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=30)
    assert server.returncode == 0, err
    assert "Sandboxes stopped." in out
    for key in json.loads(env["SOURCES__BIZSTIM__API_KEY"]):
        assert key not in out + err
