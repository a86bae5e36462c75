"""The Dataverse client against the sandbox: tokens, upserts by key, $batch,
bulk messages, paging and metadata, over real HTTP."""

from __future__ import annotations

import pytest

from load.dynamics.auth import AuthError, DynamicsConfig
from load.dynamics.odata import BatchOp, DataverseClient, by_key
from load.http import ApiError, RetryPolicy
from sandbox.dynamics.server import DynamicsSandbox

FAST = RetryPolicy(backoff_base_seconds=0.01, floor_seconds=0.01)


@pytest.fixture
def dataverse():
    with DynamicsSandbox(time_scale=100.0).start() as sandbox:
        sandbox.add_attribute("contact", "new_bizstimclientid", "String", alternate_key=True)
        yield sandbox


def config_for(sandbox, secret=None) -> DynamicsConfig:
    creds = sandbox.credentials()
    return DynamicsConfig(base_url=sandbox.url, tenant_id=creds["tenant_id"],
                          client_id=creds["client_id"],
                          client_secret=secret or creds["client_secret"],
                          authority_host=sandbox.url, window_seconds=3.0)


def test_upsert_by_alternate_key_creates_once_then_updates(dataverse):
    client = DataverseClient(config_for(dataverse), FAST)
    path = by_key("contacts", "new_bizstimclientid", "O'Neil-1")
    first = client.upsert(path, {"lastname": "O'Neil", "firstname": "Ana"})
    second = client.upsert(path, {"firstname": "Anna"})
    assert first == second
    (row,) = dataverse.records("contacts")
    assert (row["firstname"], row["new_bizstimclientid"]) == ("Anna", "O'Neil-1")
    with pytest.raises(ApiError) as exists:
        client.upsert(path, {"lastname": "x"}, create_only=True)
    assert exists.value.status == 412


def test_batch_answers_each_operation_and_goes_on_past_a_failure(dataverse):
    client = DataverseClient(config_for(dataverse), FAST)
    results = client.batch([
        BatchOp("PATCH", by_key("contacts", "new_bizstimclientid", "1"), {"lastname": "One"}),
        BatchOp("PATCH", by_key("contacts", "new_bizstimclientid", "2"),
                {"lastname": "Two", "no_such_column": 1}),
        BatchOp("PATCH", by_key("contacts", "new_bizstimclientid", "3"), {"lastname": "Three"}),
    ])
    assert [r.ok for r in results] == [True, False, True]
    assert "no_such_column" in results[1].error
    assert sorted(r["lastname"] for r in dataverse.records("contacts")) == ["One", "Three"]


def test_upsert_multiple_and_paging_through_every_record(dataverse):
    client = DataverseClient(config_for(dataverse), FAST)
    targets = [{"@odata.id": by_key("contacts", "new_bizstimclientid", str(i)),
                "lastname": f"L{i}"} for i in range(1200)]
    for start in range(0, 1200, 500):
        client.upsert_multiple("contacts", "contact", targets[start:start + 500])
    rows = client.get_all("contacts", select=["lastname", "new_bizstimclientid"])
    assert len(rows) == 1200
    assert "new_bizstimclientid" in client.attributes("contact")
    assert ("new_bizstimclientid",) in client.alternate_keys("contact")


def test_an_expired_token_is_renewed_and_a_wrong_secret_is_explained(dataverse):
    client = DataverseClient(config_for(dataverse), FAST)
    client.get("WhoAmI")
    dataverse.expire_tokens()
    assert "UserId" in client.get("WhoAmI")
    assert client.tokens.issued == 2
    wrong = DataverseClient(config_for(dataverse, secret="not-the-secret"), FAST)
    with pytest.raises(AuthError, match="client credentials") as refused:
        wrong.get("WhoAmI")
    assert "not-the-secret" not in str(refused.value)
