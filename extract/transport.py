"""Keep-alive connections to Bizstim, one per thread and key, on urllib3.

Why not `requests`: an extraction is tens of thousands of small GETs, and a
`requests.Session` spends about 2 ms of CPU on each (environment proxy and
netrc lookups, cookie and hook machinery) against 0.7 ms for urllib3 alone
(0.9 ms with the client's pacing and parsing), measured against the medium
tenant's sandbox; with the GIL that was the extraction's ceiling.
What `requests` gave for free is kept here: proxies from the environment
(`HTTPS_PROXY`, `NO_PROXY`), certificates from `REQUESTS_CA_BUNDLE` or
certifi, and no automatic retries (the client retries, paced).
"""

from __future__ import annotations

import os
import urllib.request
from urllib.parse import urlsplit

import urllib3

# every failure below the HTTP status: refused or dropped connections,
# timeouts, a body cut short (urllib3's own retries are off)
TransportError = urllib3.exceptions.HTTPError
Response = urllib3.BaseHTTPResponse


def _ca_bundle() -> str | None:
    explicit = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if explicit:
        return explicit
    try:
        import certifi
    except ImportError:  # the system's store, through ssl's defaults
        return None
    return certifi.where()


class Connection:
    """One keep-alive connection to the base URL's host, or through the
    environment's proxy when one applies. `get` takes absolute URLs."""

    def __init__(self, base_url: str, connect_timeout: float, read_timeout: float) -> None:
        parts = urlsplit(base_url)
        options = dict(maxsize=1, timeout=urllib3.Timeout(connect=connect_timeout,
                                                          read=read_timeout), retries=False)
        if parts.scheme == "https":
            options["ca_certs"] = _ca_bundle()
        proxy = urllib.request.getproxies().get(parts.scheme)
        if proxy and not urllib.request.proxy_bypass(parts.hostname or ""):
            self._proxy = urllib3.ProxyManager(proxy, num_pools=1, **options)
            self._pool = None
        else:
            self._proxy = None
            self._pool = urllib3.connection_from_url(base_url, **options)

    def get(self, url: str, headers: dict[str, str], stream: bool) -> Response:
        if self._proxy is not None:
            return self._proxy.request("GET", url, headers=headers, preload_content=not stream,
                                       redirect=False)
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        return self._pool.urlopen("GET", target, headers=headers, preload_content=not stream,
                                  redirect=False)
