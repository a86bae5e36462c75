"""An Entra-ID-shaped token endpoint and the bearer tokens it hands out.

`POST /<tenant>/oauth2/v2.0/token` with a form body (`grant_type=client_credentials`,
`client_id`, `client_secret`, `scope=<resource>/.default`) answers
`{"token_type": "Bearer", "expires_in": …, "ext_expires_in": …, "access_token": …}`
as Entra ID does (documented); failures answer Entra's error JSON
(`error`, `error_description` with the AADSTS number, `error_codes`,
`timestamp`, `trace_id`, `correlation_id`, `error_uri`) with 401 for a wrong
secret and 400 otherwise (observed). `GET /<tenant>/v2.0/.well-known/openid-configuration`
answers the discovery document MSAL reads.

Tokens look like JWTs (header.claims.signature, HMAC-signed with a key the
sandbox makes up) and are checked against the server's own table, so a token
from another sandbox, a tampered one or an expired one is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable
from urllib.parse import parse_qs

from sandbox.dynamics import settings
from sandbox.http_util import Request, Response, json_response


@dataclass(frozen=True)
class Identity:
    """Who a valid token speaks for."""

    client_id: str
    user_id: str  # the application user (systemuser) the app runs as
    label: str  # for stats: never the token or a secret


@dataclass
class _Issued:
    identity: Identity
    expires_at: float  # clock() time


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _seconds(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 3)


class TokenIssuer:
    def __init__(self, tenant_id: str, client_id: str, client_secret: str, resource: Callable[[], str],
                 user_id: str, lifetime_seconds: float = settings.DEFAULT_TOKEN_LIFETIME_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.tenant_id = tenant_id
        self.client_id = client_id
        self._secret = client_secret
        self._resource = resource  # a callable: the URL is known only once the server listens
        self.user_id = user_id
        self.lifetime_seconds = float(lifetime_seconds)
        self._clock = clock
        self._key = secrets.token_bytes(32)
        self._tokens: dict[str, _Issued] = {}
        self._lock = threading.Lock()
        self.issued = 0
        self.refused = 0

    def __repr__(self) -> str:  # never show the secret or a token
        return f"TokenIssuer(tenant={self.tenant_id}, client={self.client_id}, tokens={len(self._tokens)})"

    @property
    def resource(self) -> str:
        return self._resource()

    # --- HTTP ----------------------------------------------------------------------

    def openid_configuration(self, authority: str) -> Response:
        base = f"{authority}/oauth2/v2.0"
        return json_response(200, {
            "token_endpoint": f"{base}/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "authorization_endpoint": f"{base}/authorize",
            "issuer": f"{authority}/v2.0",
            "jwks_uri": f"{authority}/discovery/v2.0/keys",
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "tenant_region_scope": "NA",
            "cloud_instance_name": "microsoftonline.com",
        })

    def token_endpoint(self, request: Request, tenant: str) -> Response:
        form = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        basic = request.headers.get("authorization", "")
        if basic.lower().startswith("basic "):  # client_secret_basic
            try:
                user, _, password = base64.b64decode(basic[6:]).decode().partition(":")
                form.setdefault("client_id", user)
                form.setdefault("client_secret", password)
            except (ValueError, UnicodeDecodeError):
                pass
        if tenant not in (self.tenant_id, "organizations"):
            return self._refuse("unknown_tenant", tenant=tenant)
        for parameter in ("grant_type", "client_id", "scope"):
            if not form.get(parameter):
                return self._refuse("missing_parameter", parameter=parameter)
        if form["grant_type"] != settings.GRANT_TYPE_CLIENT_CREDENTIALS:
            return self._refuse("unsupported_grant", grant_type=form["grant_type"])
        if form["client_id"] != self.client_id:
            return self._refuse("unknown_client", client_id=form["client_id"], tenant=self.tenant_id)
        if not form.get("client_secret"):
            return self._refuse("missing_parameter", parameter="client_assertion' or 'client_secret")
        if not hmac.compare_digest(form["client_secret"], self._secret):
            return self._refuse("bad_secret", client_id=self.client_id)
        scope = form["scope"].strip()
        if not scope.endswith(settings.SCOPE_SUFFIX):
            return self._refuse("bad_scope_format", scope=scope)
        resource = scope[: -len(settings.SCOPE_SUFFIX)].rstrip("/")
        if resource != self.resource.rstrip("/"):
            return self._refuse("bad_scope", resource=resource, tenant=self.tenant_id)
        token, lifetime = self.issue()
        expires_in = _seconds(lifetime)
        return json_response(200, {"token_type": "Bearer", "expires_in": expires_in,
                                    "ext_expires_in": expires_in, "access_token": token})

    def _refuse(self, kind: str, **values: Any) -> Response:
        status, error, code, template = settings.AAD_ERRORS[kind]
        now = datetime.now(timezone.utc)
        trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
        description = (f"AADSTS{code}: {template.format(**values)}\r\nTrace ID: {trace}\r\nCorrelation ID: "
                       f"{correlation}\r\nTimestamp: {now:%Y-%m-%d %H:%M:%SZ}")
        with self._lock:
            self.refused += 1
        return json_response(status, {
            "error": error, "error_description": description, "error_codes": [code],
            "timestamp": f"{now:%Y-%m-%d %H:%M:%SZ}", "trace_id": trace, "correlation_id": correlation,
            "error_uri": settings.AAD_ERROR_URI.format(code=code),
        })

    # --- tokens --------------------------------------------------------------------

    def issue(self) -> tuple[str, float]:
        """A new bearer token and its lifetime in seconds."""
        now = time.time()
        lifetime = self.lifetime_seconds
        claims = {
            "aud": self.resource, "iss": f"https://sts.windows.net/{self.tenant_id}/",
            "iat": int(now), "nbf": int(now), "exp": int(now + math.ceil(lifetime)),
            "appid": self.client_id, "oid": self.user_id, "tid": self.tenant_id, "ver": "1.0",
            "uti": _b64(secrets.token_bytes(12)),
        }
        head = _b64(json.dumps({"typ": "JWT", "alg": "HS256"}).encode())
        body = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signature = _b64(hmac.new(self._key, f"{head}.{body}".encode(), hashlib.sha256).digest())
        token = f"{head}.{body}.{signature}"
        identity = Identity(self.client_id, self.user_id, "app1")
        with self._lock:
            self._drop_expired()
            self._tokens[token] = _Issued(identity, self._clock() + lifetime)
            self.issued += 1
        return token, lifetime

    def validate(self, authorization: str | None) -> Identity | None:
        """The identity behind an `Authorization: Bearer …` header, or None (401)."""
        if not authorization or not authorization[:7].lower() == "bearer ":
            return None
        token = authorization[7:].strip()
        with self._lock:
            issued = self._tokens.get(token)
        if issued is None or issued.expires_at <= self._clock():
            return None
        return issued.identity

    def expire_all(self) -> int:
        """Make every issued token expired at once (a control-surface twin for tests)."""
        with self._lock:
            count = len(self._tokens)
            for issued in self._tokens.values():
                issued.expires_at = self._clock() - 1
            return count

    def _drop_expired(self) -> None:
        if len(self._tokens) < 1000:
            return
        now = self._clock()
        for token in [t for t, i in self._tokens.items() if i.expires_at <= now - 3600]:
            del self._tokens[token]
