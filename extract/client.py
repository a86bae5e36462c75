"""The HTTP client for Bizstim: one keep-alive session per key and thread,
pacing through the key pool, retries with backoff in one place.

Nothing here ever formats a key into a message: keys are named by their
position (key1, key2, …) in logs, errors and statistics.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import logging
import os
import random
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from extract import settings
from extract.errors import BizstimAuthError, BizstimPlanError, PageFetchError
from extract.pacing import KeyPool
from extract.transport import Connection, Response, TransportError

log = logging.getLogger("bizstim_migrate.extract")


@dataclass(frozen=True)
class ClientConfig:
    base_url: str
    api_keys: tuple[str, ...]
    rate_limit_per_window: int = settings.RATE_LIMIT_PER_WINDOW
    rate_limit_window_seconds: float = settings.RATE_LIMIT_WINDOW_SECONDS
    max_attempts: int = settings.MAX_ATTEMPTS
    max_rate_limited_retries: int = settings.MAX_RATE_LIMITED_RETRIES
    backoff_base_seconds: float = settings.BACKOFF_BASE_SECONDS
    requests_in_flight_per_key: int = settings.REQUESTS_IN_FLIGHT_PER_KEY
    # rounds of re-reading pages records slid between, per object and attempt
    page_shift_reread_rounds: int = settings.PAGE_SHIFT_REREAD_ROUNDS

    def __repr__(self) -> str:  # keys stay out of any repr that reaches a log
        return (
            f"ClientConfig(base_url={self.base_url!r}, keys={len(self.api_keys)}, "
            f"rate_limit={self.rate_limit_per_window}/{self.rate_limit_window_seconds}s)"
        )


class RequestTally:
    """What the requests made for one purpose (an endpoint) cost: sent
    (retries included), 429s, and seconds spent waiting for quota."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.rate_limited = 0
        self.quota_wait_seconds = 0.0

    def sent(self, waited: float) -> None:
        with self._lock:
            self.requests += 1
            self.quota_wait_seconds += waited

    def limited(self) -> None:
        with self._lock:
            self.rate_limited += 1


@dataclass
class Fetched:
    """One successful response."""

    status: int
    body: Any  # parsed JSON envelope, or for bytes a (sha256, size, path) tuple
    headers: dict[str, str]


class NotFound(Exception):
    """404 for a single-record read: a dangling reference, not a failure."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BizstimClient:
    def __init__(self, config: ClientConfig) -> None:
        self.config = config
        self.pool = KeyPool(
            list(config.api_keys),
            config.rate_limit_per_window,
            config.rate_limit_window_seconds,
        )
        self._local = threading.local()
        self._counter_lock = threading.Lock()
        self.retries = 0
        self.faults_seen = 0

    @property
    def concurrency(self) -> int:
        return self.pool.size * self.config.requests_in_flight_per_key

    # -- public -----------------------------------------------------------------
    def get_json(self, path: str, *, what: str, tally: RequestTally | None = None) -> Any:
        """GET /api/{path}; returns the parsed success envelope.

        Raises NotFound for a 404, BizstimAuthError / BizstimPlanError for a
        rejected key, PageFetchError when every retry failed. `what` names the
        request in messages ("clients page at start=2000").
        """
        return self._request(path, what=what, on_success=_parse_envelope, tally=tally).body

    def get_json_with_key(self, index: int, path: str, *, what: str) -> Any:
        """The same, on one given key (to check each key's access)."""
        return self._request(path, what=what, on_success=_parse_envelope, key_index=index).body

    def download(self, path: str, *, what: str, into_dir: str,
                 tally: RequestTally | None = None) -> tuple[str, int, str]:
        """GET raw bytes into a temporary file in into_dir, hashing as it
        streams; returns (sha256, size, temp path). The caller moves it."""

        def save(response: Response) -> tuple[str, int, str]:
            digest = hashlib.sha256()
            size = 0
            fd, tmp = tempfile.mkstemp(dir=into_dir, prefix=".partial-")
            try:
                with os.fdopen(fd, "wb") as out:
                    for chunk in response.stream(settings.FILE_CHUNK_BYTES):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
            except BaseException:
                os.unlink(tmp)
                raise
            return digest.hexdigest(), size, tmp

        return self._request(path, what=what, on_success=save, stream=True, tally=tally).body

    # -- internals ----------------------------------------------------------------
    def _connection(self, index: int) -> Connection:
        """This thread's keep-alive connection for key `index`."""
        connections = getattr(self._local, "connections", None)
        if connections is None:
            connections = self._local.connections = {}
        connection = connections.get(index)
        if connection is None:
            connection = connections[index] = Connection(
                self.config.base_url, settings.CONNECT_TIMEOUT_SECONDS,
                settings.READ_TIMEOUT_SECONDS)
        return connection

    def _request(
        self,
        path: str,
        *,
        what: str,
        on_success: Callable[[Response], Any],
        stream: bool = False,
        tally: RequestTally | None = None,
        key_index: int | None = None,
    ) -> Fetched:
        tally = tally or RequestTally()
        url = f"{self.config.base_url.rstrip('/')}{settings.API_PREFIX}/{path}"
        failures = 0
        rate_limited = 0
        last_problem = ""
        while True:
            index, key, waited = self.pool.acquire(key_index)
            tally.sent(waited)
            label = self.pool.label_of(index)
            try:
                response = self._connection(index).get(
                    url, {"Accept": "application/json", settings.API_KEY_HEADER: key}, stream)
            except TransportError as exc:
                # a dropped connection: urllib3 discards it and connects again next time
                failures += 1
                last_problem = f"connection failed ({type(exc).__name__})"
                self._note_fault()
                if failures >= self.config.max_attempts:
                    raise self._gave_up(what, failures, last_problem) from None
                self._sleep(_backoff(failures, self.config.backoff_base_seconds, None))
                continue

            try:
                self.pool.observe(index, response.headers)
                status = response.status
                if status == 200:
                    try:
                        body = on_success(response)
                    except TransportError:
                        failures += 1
                        last_problem = "connection dropped mid-body"
                        self._note_fault()
                        if failures >= self.config.max_attempts:
                            raise self._gave_up(what, failures, last_problem) from None
                        self._sleep(_backoff(failures, self.config.backoff_base_seconds, None))
                        continue
                    except ValueError:
                        failures += 1
                        last_problem = "the response was not valid JSON"
                        self._note_fault()
                        if failures >= self.config.max_attempts:
                            raise self._gave_up(what, failures, last_problem) from None
                        self._sleep(_backoff(failures, self.config.backoff_base_seconds, None))
                        continue
                    return Fetched(status, body, dict(response.headers))
                message = _failure_message(response)
                if status == settings.STATUS_BAD_KEY:
                    raise BizstimAuthError(
                        f"Bizstim rejected API key {label} ({status}: {message}). Generate a "
                        "key under SETTINGS > SYSTEM > API Settings and set it in "
                        "SOURCES__BIZSTIM__API_KEY or .dlt/secrets.toml."
                    )
                if status == settings.STATUS_PLAN_WITHOUT_API:
                    raise BizstimPlanError(
                        f"Bizstim refused API key {label} ({status}: {message}). API access "
                        "needs an active Enterprise (or trial) plan: upgrade the account "
                        "before extracting."
                    )
                if status == settings.STATUS_NOT_FOUND:
                    raise NotFound(message)
                if status == 429:
                    rate_limited += 1
                    tally.limited()
                    retry_after = _retry_after(response)
                    self.pool.rate_limited(index, retry_after)
                    if rate_limited > self.config.max_rate_limited_retries:
                        raise PageFetchError(
                            f"Bizstim kept answering 429 (rate limited) for {what}: "
                            f"{rate_limited} times in a row. The run stopped cleanly; run "
                            "`bizstim-migrate extract` again to resume where it stopped, or "
                            "add a second Enterprise key."
                        )
                    if retry_after is not None and retry_after <= 0:
                        self._sleep(settings.RETRY_FLOOR_SECONDS)
                    continue
                if status >= 500:
                    failures += 1
                    last_problem = f"HTTP {status}: {message}"
                    self._note_fault()
                    if failures >= self.config.max_attempts:
                        raise self._gave_up(what, failures, last_problem)
                    self._sleep(
                        _backoff(failures, self.config.backoff_base_seconds, _retry_after(response))
                    )
                    continue
                raise PageFetchError(
                    f"Bizstim answered HTTP {status} for {what}: {message}. This is not a "
                    "transient error; check the base URL (SOURCES__BIZSTIM__BASE_URL)."
                )
            finally:
                # a consumed body returns the connection to the keep-alive pool
                _release(response)

    def _note_fault(self) -> None:
        with self._counter_lock:
            self.retries += 1
            self.faults_seen += 1

    def _gave_up(self, what: str, attempts: int, problem: str) -> PageFetchError:
        return PageFetchError(
            f"Could not fetch {what} from Bizstim after {attempts} attempts (last: {problem}). "
            "Nothing fetched so far is lost: run `bizstim-migrate extract` again to resume."
        )

    @staticmethod
    def _sleep(seconds: float) -> None:
        time.sleep(max(seconds, settings.RETRY_FLOOR_SECONDS))


def _legacy_bytes(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: bytes that are not UTF-8 are read as Windows-1252
    (Latin-1 where Windows-1252 has no character). A legacy row in a MySQL
    database of mixed encodings sends "é" as the single byte 0xE9; decoding it
    as U+FFFD would load "Jos\ufffd" instead of "José"."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start:error.end]
    text = "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in bad)
    return text, error.end


codecs.register_error("bizstim_legacy_bytes", _legacy_bytes)


def decode_body(content: bytes, content_type: str | None) -> str:
    """The text of a JSON body: in the charset the response declares when it
    is not UTF-8, else UTF-8 with stray legacy bytes read as Windows-1252."""
    charset = None
    for part in (content_type or "").split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    if charset:
        try:
            if codecs.lookup(charset).name != "utf-8":
                return content.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
    if content.startswith(codecs.BOM_UTF8):
        content = content[len(codecs.BOM_UTF8):]
    return content.decode("utf-8", errors="bizstim_legacy_bytes")


def _release(response: Response) -> None:
    """Back to the pool; a body left unread (a streamed error) is drained first,
    and a connection that cannot be drained is dropped."""
    try:
        response.drain_conn()
    except TransportError:
        response.close()
    response.release_conn()


def _parse_envelope(response: Response) -> Any:
    envelope = json.loads(decode_body(response.data, response.headers.get("Content-Type")))
    if not isinstance(envelope, dict) or envelope.get("status") != "success":
        raise ValueError("not a success envelope")
    return envelope


def _failure_message(response: Response) -> str:
    try:
        envelope = json.loads(decode_body(response.data, response.headers.get("Content-Type")))
    except ValueError:
        return response.data.decode("utf-8", errors="replace")[:200]
    if isinstance(envelope, dict):
        return str(envelope.get("response", ""))[:200]
    return json.dumps(envelope)[:200]


def _retry_after(response: Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


def _backoff(failures: int, base: float, retry_after: float | None) -> float:
    """Exponential backoff with full jitter, never shorter than Retry-After."""
    computed = random.uniform(0, min(settings.BACKOFF_CAP_SECONDS, base * 2 ** (failures - 1)))
    return max(computed, retry_after or 0.0, settings.RETRY_FLOOR_SECONDS)
