"""Preflight against the destination sandboxes: the users land where dbt's
owner resolution reads them, and every custom field the marts need is
checked before anything is written."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from load.freshsales.client import FreshsalesClient, FreshsalesConfig
from load.freshsales.preflight import preflight, required_fields
from load.http import RetryPolicy
from sandbox.freshsales.server import FreshsalesSandbox
from tests.conftest import query, run_cli


@pytest.fixture
def transformed(freshsales_staged):
    """The session's workspace, extracted and built for Freshsales against the
    customer's users of another account (each test copies it)."""
    return freshsales_staged[2]


def test_freshsales_preflight_lists_missing_fields_then_passes_and_feeds_owners(
        transformed, tmp_path):
    workspace = tmp_path / "ws"
    shutil.copytree(transformed, workspace)
    users = ["camille.novak@tutoring.example.com", "emma.jones@tutoring.example.com",
             "ana.lopez@tutoring.example.com", "wei.wang@tutoring.example.com"]
    with FreshsalesSandbox(users=users, time_scale=3600.0).start() as freshsales:
        creds = freshsales.credentials()
        client = FreshsalesClient(FreshsalesConfig(base_url=creds["base_url"],
                                                   api_key=creds["api_key"]),
                                  RetryPolicy(backoff_base_seconds=0.01))
        with duckdb.connect(str(workspace / "warehouse.duckdb")) as con:
            problems = preflight(client, con)
            assert len(problems) == 2
            owners, fields = problems
            # the marts were built against the seed's users, not this account's
            assert "owner ids in the marts are not users" in owners and "transform" in owners
            assert "contacts.cf_bizstim_client_id (text, unique)" in fields
            assert "contacts.cf_availability_min_time (text)" in fields
            # the admin creates them, as the message says
            for field in required_fields():
                freshsales.define_field(field.entity, name=field.name, type=field.field_type,
                                        unique=field.unique)
            assert preflight(client, con) == [owners]
        assert creds["api_key"] not in str(problems)
        # dbt's owner resolution now reads the real users, not the seed
        assert run_cli(["transform", "--to", "freshsales"], workspace).returncode == 0
        resolved = query(workspace, "select email from intermediate.int_owners__resolved_by_email "
                                    "where freshsales_resolution = 'resolved' order by email")
        assert [r[0] for r in resolved] == sorted(users)
        with duckdb.connect(str(workspace / "warehouse.duckdb")) as con:
            assert preflight(client, con) == []


def test_dynamics_preflight_lists_missing_columns_then_passes_and_feeds_owners(
        transformed, tmp_path):
    from load.dynamics.auth import DynamicsConfig
    from load.dynamics.odata import DataverseClient
    from load.dynamics.preflight import preflight as dynamics_preflight
    from load.dynamics.preflight import required_columns
    from sandbox.dynamics.server import DynamicsSandbox

    workspace = tmp_path / "ws"
    shutil.copytree(transformed, workspace)
    users = ["camille.novak@tutoring.example.com", "wei.wang@tutoring.example.com"]
    with DynamicsSandbox(users=users, time_scale=100.0).start() as dataverse:
        creds = dataverse.credentials()
        client = DataverseClient(DynamicsConfig(
            base_url=dataverse.url, tenant_id=creds["tenant_id"], client_id=creds["client_id"],
            client_secret=creds["client_secret"], authority_host=dataverse.url),
            RetryPolicy(backoff_base_seconds=0.01))
        with duckdb.connect(str(workspace / "warehouse.duckdb")) as con:
            problems = dynamics_preflight(client, con)
            assert "contact.new_bizstimclientid (String, alternate key)" in problems[0]
            assert "systemuser.new_practitionerwage (Money)" in problems[0]
            for column in required_columns("new_"):
                dataverse.add_attribute(column.table, column.logical_name,
                                        column.attribute_type, alternate_key=column.alternate_key)
            assert dynamics_preflight(client, con) == []
        assert creds["client_secret"] not in str(problems)
    assert run_cli(["transform", "--to", "dynamics"], workspace).returncode == 0
    resolved = query(workspace, "select email from intermediate.int_owners__resolved_by_email "
                                "where dynamics_resolution = 'resolved' order by email")
    assert [r[0] for r in resolved] == sorted(users)
