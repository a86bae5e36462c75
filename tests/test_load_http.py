"""The loader's HTTP client: retries what is safe to retry, never a create."""

from __future__ import annotations

import time

import pytest

from load.http import AmbiguousWrite, ApiError, GaveUp, HttpClient, RetryPolicy
from sandbox.http_util import LoopbackServer, Response, json_response


class Scripted(LoopbackServer):
    """Answers each request with the next scripted response (None = drop)."""

    def __init__(self, script):
        super().__init__("127.0.0.1", 0)
        self.script = list(script)
        self.seen = []

    def handle(self, request):
        self.seen.append((request.method, request.path, request.headers.get("authorization")))
        return self.script.pop(0) if self.script else json_response(200, {"ok": True})


FAST = RetryPolicy(max_attempts=3, max_rate_limited=3, backoff_base_seconds=0.01,
                   floor_seconds=0.01)


@pytest.fixture
def serve():
    servers = []

    def start(script):
        server = Scripted(script)
        server.start()
        servers.append(server)
        return server, HttpClient(server.url, lambda: {"Authorization": "Token token=s3cret"},
                                  policy=FAST)

    yield start
    for server in servers:
        server.stop()


def test_429_and_5xx_are_retried_honouring_retry_after(serve):
    server, client = serve([
        Response(429, b"{}", headers=[("Retry-After", "0.2")]),
        Response(503, b"{}", headers=[("Retry-After", "0")]),
        json_response(200, {"contact": {"id": 1}}),
    ])
    started = time.monotonic()
    response = client.request("PUT", "/api/contacts/1", json={"contact": {}})
    assert response.json() == {"contact": {"id": 1}}
    assert time.monotonic() - started >= 0.2
    assert len(server.seen) == 3 and client.rate_limited == 1


def test_a_create_that_fails_ambiguously_is_not_retried(serve):
    server, client = serve([None])  # the connection drops without an answer
    with pytest.raises(AmbiguousWrite):
        client.request("POST", "/api/contacts", json={"contact": {}})
    assert len(server.seen) == 1


def test_a_refused_record_raises_the_destination_message_without_secrets(serve):
    server, client = serve([json_response(400, {"errors": {"code": 400,
                                                           "message": ["Email is invalid"]}})])
    with pytest.raises(ApiError) as refused:
        client.request("POST", "/api/contacts", json={"contact": {}})
    assert refused.value.status == 400 and "Email is invalid" in str(refused.value)
    assert "s3cret" not in str(refused.value) and "s3cret" not in repr(client)


def test_retries_are_bounded(serve):
    server, client = serve([Response(500, b"{}")] * 5)
    with pytest.raises(GaveUp, match="3 attempts"):
        client.request("GET", "/api/contacts/1")
    assert len(server.seen) == 3


def test_an_expired_token_is_refreshed_once(serve):
    server, client = serve([Response(401, b"{}"), json_response(200, {})])
    tokens = iter(["old", "new"])
    current = {"token": next(tokens)}
    client._auth_headers = lambda: {"Authorization": f"Bearer {current['token']}"}
    client._refresh_auth = lambda: current.update(token=next(tokens))
    client.request("GET", "/api/data/v9.2/contacts")
    assert [auth for _, _, auth in server.seen] == ["Bearer old", "Bearer new"]


def test_the_freshsales_pacer_waits_for_the_reset_when_the_quota_is_spent():
    from load.freshsales.client import HourlyQuotaPacer

    pacer = HourlyQuotaPacer(limit=1000, window_seconds=3600)
    pacer.before_request()
    pacer.after_response(200, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "0.2"})
    started = time.monotonic()
    pacer.before_request()
    assert time.monotonic() - started >= 0.19


def test_freshsales_errors_read_as_one_sentence(serve):
    from load.freshsales.client import freshsales_error

    server, client = serve([json_response(400, {"errors": {"code": 400, "message": [
        "Last name can't be blank", "Email is invalid"]}})])
    client._parse_error = freshsales_error
    with pytest.raises(ApiError) as refused:
        client.request("POST", "/api/contacts", json={"contact": {}})
    assert refused.value.message == "Last name can't be blank; Email is invalid"
    assert refused.value.code == "400"
