"""The ledger knows which account it wrote to: a workspace that loaded account A,
pointed at an empty account B (a rehearsal on a trial account, then production),
refuses to load or dry-run until the person says B is a new account; then
everything is created in B; a record someone deletes in B is found by
`load --resync` and created again, and the dry run sees it missing first."""

from __future__ import annotations

import requests

from sandbox.freshsales.server import FreshsalesSandbox
from tests.conftest import query
from tests.freshsales_story import Migration, assert_destination_matches_marts


def test_a_workspace_pointed_at_another_account_refuses_until_it_is_called_new(
        freshsales_staged, tmp_path):
    m = Migration(freshsales_staged, tmp_path)
    m.cli("load", "--to", "freshsales")
    contacts_in_a = len(m.records("contacts"))

    with FreshsalesSandbox(plan="growth", time_scale=3600.0,
                           users=m.fs.records("users")).start() as b:
        creds = b.credentials()
        env_b = {"FRESHSALES_BASE_URL": creds["base_url"], "FRESHSALES_API_KEY": creds["api_key"]}
        m.cli("sandbox", "admin", "--to", "freshsales", env=env_b)

        for args in (("load", "--to", "freshsales", "--dry-run"), ("load", "--to", "freshsales")):
            refused = m.cli(*args, ok=False, env=env_b)
            assert refused.returncode == 1
            assert "--new-account" in refused.output and "Traceback" not in refused.output
            assert not b.records("contacts"), "nothing may reach B before the person says so"

        dry = m.cli("load", "--to", "freshsales", "--dry-run", "--new-account", env=env_b)
        assert "New account" in dry.stdout and not b.records("contacts")
        m.cli("load", "--to", "freshsales", "--new-account", env=env_b)
        assert len(b.records("contacts")) == contacts_in_a
        b_view = _Account(m, b)
        assert_destination_matches_marts(b_view)
        # A's records stay in the ledger under A's name
        accounts = dict(query(m.workspace, "select account, count(*) from ledger.runs "
                                           "group by 1"))
        assert len(accounts) == 2

        # someone deletes a contact in B by hand: the dry run sees it, resync recreates it
        gone = b.records("contacts")[0]
        deleted = requests.delete(f"{creds['base_url']}/crm/sales/api/contacts/{gone['id']}",
                                  headers={"Authorization": f"Token token={creds['api_key']}"},
                                  timeout=30)
        assert deleted.status_code < 300
        dry = m.cli("load", "--to", "freshsales", "--dry-run", env=env_b)
        assert _dry_row(dry.stdout, "contacts")[:2] == ["1", "1"], dry.stdout  # create, missing
        resynced = m.cli("load", "--to", "freshsales", "--resync", env=env_b)
        assert "1 deleted in the destination, created again" in resynced.stdout
        assert len(b.records("contacts")) == contacts_in_a
        key = (gone.get("custom_field") or {}).get("cf_bizstim_client_id")
        again = next(c for c in b.records("contacts")
                     if (c.get("custom_field") or {}).get("cf_bizstim_client_id") == key)
        assert again["id"] != gone["id"]
        # what pointed at the deleted contact points at the new one: its deals (the
        # sandbox keeps a deleted contact's id on a deal, Freshsales documents nothing
        # either way: the old id may stay beside it), its notes and activities
        client_deals = [d for d in b.records("deals")
                        if (d.get("custom_field") or {}).get("cf_bizstim_deal_key")
                        == f"client:{key}"]
        assert all(again["id"] in d["contact_ids"]
                   and set(d["contact_ids"]) <= {again["id"], gone["id"]} for d in client_deals)
        for obj in ("notes", "sales_activities", "documents"):
            assert not [r for r in b.records(obj) if r.get("targetable_id") == gone["id"]], obj
        counts = dict(m.mart("select 'notes', count(*) from freshsales.freshsales__notes "
                             f"where bizstim_client_id = '{key}'"))
        assert len([n for n in b.records("notes") if n.get("targetable_id") == again["id"]]
                   ) == counts["notes"]


class _Account:
    """Migration's view of the destination, pointed at another sandbox."""

    def __init__(self, m: Migration, sandbox: FreshsalesSandbox) -> None:
        self._m, self._sandbox = m, sandbox

    def records(self, obj: str) -> list[dict]:
        return self._sandbox.records(obj)

    def mart(self, sql: str, params: list | None = None) -> list[tuple]:
        return self._m.mart(sql, params)


def _dry_row(stdout: str, obj: str) -> list[str]:
    """The dry run table's numbers for one object."""
    line = next(line for line in stdout.splitlines() if f" {obj} " in line)
    return [cell.strip() for cell in line.strip("│ ").split("│")[1:]]
