"""OAuth 2.0 client credentials against Entra ID (or the sandbox's stand-in).

The flow by hand rather than through MSAL: MSAL refuses an http authority, so
it could not be tested against the loopback sandbox, and the form post is all
the client-credentials grant is. The secret is sent in the form body and
never appears in a log, an exception or a repr.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import requests

from load.dynamics import settings
from load.errors import AuthError  # noqa: F401 - raised here


@dataclass(frozen=True)
class DynamicsConfig:
    base_url: str  # https://<org>.crm.dynamics.com
    tenant_id: str
    client_id: str
    client_secret: str
    authority_host: str = settings.AUTHORITY_HOST
    scope: str | None = None  # default: <base_url>/.default
    publisher_prefix: str = settings.DEFAULT_PUBLISHER_PREFIX
    window_seconds: float = settings.WINDOW_SECONDS
    requests_per_window: int = settings.REQUESTS_PER_WINDOW

    def __repr__(self) -> str:
        return (f"DynamicsConfig(base_url={self.base_url!r}, tenant_id={self.tenant_id!r}, "
                f"client_id={self.client_id!r}, client_secret=***)")

    @property
    def api_base(self) -> str:
        return f"{self.base_url.rstrip('/')}/{settings.API_PATH}"

    @property
    def token_url(self) -> str:
        return f"{self.authority_host.rstrip('/')}/{self.tenant_id}/{settings.TOKEN_PATH}"

    @property
    def token_scope(self) -> str:
        return self.scope or f"{self.base_url.rstrip('/')}/.default"


class TokenProvider:
    def __init__(self, config: DynamicsConfig, session: requests.Session | None = None) -> None:
        self.config = config
        self._session = session or requests.Session()
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0
        self.issued = 0

    def headers(self) -> dict[str, str]:
        with self._lock:
            if self._token is None or time.monotonic() >= self._expires_at:
                self._fetch()
            return {"Authorization": f"Bearer {self._token}"}

    def invalidate(self) -> None:
        """A 401 from the API: the token expired early or was revoked."""
        with self._lock:
            self._token = None

    def _fetch(self) -> None:
        response = self._session.post(self.config.token_url, data={
            "grant_type": "client_credentials",
            "client_id": self.config.client_id,
            "client_secret": self.config.client_secret,
            "scope": self.config.token_scope,
        }, timeout=30)
        if response.status_code != 200:
            try:
                body = response.json()
                reason = f"{body.get('error')}: {str(body.get('error_description', ''))[:200]}"
            except ValueError:
                reason = f"HTTP {response.status_code}"
            raise AuthError(
                f"Entra ID refused the client credentials ({reason}). Check the tenant id, "
                "client id and client secret (DYNAMICS_CLIENT_SECRET) and that "
                "the app registration is an application user in the environment.")
        body = response.json()
        lifetime = float(body.get("expires_in", 3599))
        margin = min(settings.TOKEN_REFRESH_MARGIN_SECONDS, lifetime / 10)
        self._token = body["access_token"]
        self._expires_at = time.monotonic() + lifetime - margin
        self.issued += 1
