"""A newcomer's path: the demo in one command; the sandbox left running with
its credentials file, and the extraction run against it by hand."""

from __future__ import annotations

import json
import signal
import time

from bizstim_migrate.sandboxes import read_env_file
from tests.conftest import query, run_cli, start_cli
from tests.report_check import rendered_charts
from tests.secret_scan import scan


def test_demo_migrates_the_sandbox_tenant_end_to_end_in_one_command(workspace):
    result = run_cli(["demo", "--to", "freshsales"], workspace, timeout=900)
    assert result.returncode == 0, result.output
    for step in ("0. Scope", "1. Schema setup", "2. Extraction", "3. Field map",
                 "4. Mapping and validation gates", "5. Sample load", "6. Production load",
                 "7. Cutover delta", "8. Validation and hand-off", "Migrated to freshsales"):
        assert step in result.stdout, step
    assert "Every Bizstim record is in" in result.stdout
    assert "The gate is open" in result.stdout
    assert "confirmed by the demo (automatic confirmation)" in result.stdout
    assert query(workspace, "select kind, status from bizstim_raw._extractions "
                            "order by 1") == [("delta", "succeeded"), ("full", "succeeded")]
    runs = query(workspace, "select mode, status from ledger.runs order by started_at")
    assert runs == [("sample", "succeeded"), ("full", "succeeded"), ("delta", "succeeded")]
    # every contact row of the marts is in Freshsales, as the ledger records it
    assert query(workspace, "select count(*) from freshsales.freshsales__contacts c "
                            "anti join ledger.current l on l.object = 'contacts' "
                            "and l.source_key = c.bizstim_client_id") == [(0,)]
    assert query(workspace, "select count(*) from ledger.verifications") == [(0,)]

    # the report: one page with its charts drawn, the deliverables, dbt's docs linked
    page = workspace / "reports" / "freshsales" / "report.html"
    assert f"report: {page}" in result.stdout.replace("\n", "")
    charts, drawn = rendered_charts(page)
    assert charts == drawn >= 5  # reconciliation, quarantine, load, throughput, verification
    html = page.read_text()
    assert "The scope&#x27;s estimate beside the run" in html or "estimate beside" in html
    predicted = (page.parent / "predicted_vs_achieved.csv").read_text().splitlines()
    assert predicted[0].startswith("phase,") and any(
        line.startswith("contacts,") and not line.endswith(",") for line in predicted)
    assert "dbt_docs.html" in html and (page.parent / "dbt_docs.html").exists()
    for deliverable in ("provisioning_queue", "automation_inventory", "wage_reference"):
        assert (page.parent / "deliverables" / f"{deliverable}.csv").exists()
        assert (page.parent / "deliverables" / f"{deliverable}.md").exists()

    # no secret anywhere the run left a trace (but the credentials file itself)
    env = read_env_file(workspace / "sandbox.env")
    secrets = json.loads(env["SOURCES__BIZSTIM__API_KEY"]) + [
        env["FRESHSALES_API_KEY"], env["DYNAMICS_CLIENT_SECRET"]]
    assert scan(workspace, secrets, [result.stdout, result.stderr]) == []


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
        for url in ("SOURCES__BIZSTIM__BASE_URL", "FRESHSALES_BASE_URL", "DYNAMICS_BASE_URL"):
            assert env[url].startswith("http://127.0.0.1:")
        assert all(name.startswith(("SOURCES__BIZSTIM__", "FRESHSALES_", "DYNAMICS_"))
                   for name in env)
        assert oct(env_file.stat().st_mode & 0o777) == "0o600"

        result = run_cli(["extract"], workspace, env)
        assert result.returncode == 0, result.output
        assert query(workspace, "select count(*) from bizstim_raw.clients") == [(300,)]
    finally:
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=120)
    assert server.returncode == 0, err
    assert "Sandboxes stopped." in out
    secrets = json.loads(env["SOURCES__BIZSTIM__API_KEY"]) + [
        env["FRESHSALES_API_KEY"], env["DYNAMICS_CLIENT_SECRET"]]
    for secret in secrets:
        assert secret not in out + err


def test_scope_inventories_the_account_and_estimates_the_extraction(bizstim_sandbox, workspace):
    from tests.conftest import bizstim_env

    result = run_cli(["scope"], workspace, bizstim_env(bizstim_sandbox))
    assert result.returncode == 0, result.output
    scope = (workspace / "reports" / "scope.md").read_text()
    assert "| clients | 300 |" in scope
    assert "`custom_3`" in scope
    requests_used = bizstim_sandbox.stats()["requests"]
    assert requests_used < 60  # a scope costs a few dozen requests, not an extraction
    # the estimate is close to what the extraction then really needs
    extraction, _, load = scope.partition("## Load estimate")
    assert "for freshsales (growth: 1,000 requests/hour)" in load
    assert "## Load estimate for dynamics" in load and "| contacts | 300 |" in load
    estimated = sum(int(line.split("|")[2].replace(",", "")) for line in extraction.splitlines()
                    if line.startswith("| ") and line.count("|") == 5 and "requests" not in line
                    and "---" not in line)
    assert run_cli(["extract"], workspace, bizstim_env(bizstim_sandbox)).returncode == 0
    actual = bizstim_sandbox.stats()["requests"] - requests_used
    assert abs(estimated - actual) / actual < 0.15


def test_scope_reports_a_key_without_api_access(bizstim_sandbox, workspace):
    from tests.conftest import bizstim_env

    keys = bizstim_sandbox.api_keys[:1] + bizstim_sandbox.keys_by_plan["small_business"]
    result = run_cli(["scope"], workspace, bizstim_env(bizstim_sandbox, keys=keys))
    assert result.returncode == 3
    scope = (workspace / "reports" / "scope.md").read_text()
    assert "| key1 | ok" in scope and "| key2 | refused" in scope and "Enterprise" in scope


def test_a_newcomer_s_mistakes_get_one_clear_sentence_each(workspace):
    """Commands run in the wrong order or with a wrong value say what to do, in one
    sentence, with no traceback (and nothing of the message eaten as markup)."""
    too_early = run_cli(["transform", "--to", "freshsales"], workspace)
    assert too_early.returncode == 1
    assert "run `bizstim-migrate extract` first" in " ".join(too_early.stderr.split())
    huge = run_cli(["sandbox", "up", "--tenant", "huge"], workspace)
    assert huge.returncode == 2 and "is not a tenant size" in huge.output
    no_key = run_cli(["extract"], workspace, {"SOURCES__BIZSTIM__API_KEY": ""})
    assert no_key.returncode == 2 and "[sources.bizstim]" in " ".join(no_key.output.split())
    for result in (too_early, huge, no_key):
        assert "Traceback" not in result.output


def test_destination_credentials_can_come_from_dlt_secrets(tmp_path, workspace):
    """As for Bizstim's keys, `.dlt/secrets.toml` may hold the destination's: the
    environment first, then `[destination.freshsales]`."""
    import os
    import subprocess

    from sandbox.freshsales.server import FreshsalesSandbox
    from tests.conftest import cli_command

    with FreshsalesSandbox(plan="growth", time_scale=3600.0).start() as sandbox:
        creds = sandbox.credentials()
        project = tmp_path / "project"
        (project / ".dlt").mkdir(parents=True)
        (project / ".dlt" / "secrets.toml").write_text(
            f'[destination.freshsales]\nbase_url = "{creds["base_url"]}"\n'
            f'api_key = "{creds["api_key"]}"\n')
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("FRESHSALES_", "DYNAMICS_", "SOURCES__"))}
        env["BIZSTIM_MIGRATE_WORKSPACE"] = str(workspace)
        found = subprocess.run(cli_command() + ["preflight", "--to", "freshsales"], cwd=project,
                               env=env, capture_output=True, text=True, timeout=120)
        assert "credentials work" in found.stdout, found.stdout + found.stderr
        missing = subprocess.run(cli_command() + ["preflight", "--to", "freshsales"],
                                 cwd=tmp_path, env=env, capture_output=True, text=True,
                                 timeout=120)
        assert missing.returncode == 2
        assert "api_key under [destination.freshsales]" in " ".join(missing.stderr.split()) \
            or "base_url under [destination.freshsales]" in " ".join(missing.stderr.split())
        assert creds["api_key"] not in found.stdout + found.stderr + missing.stderr
