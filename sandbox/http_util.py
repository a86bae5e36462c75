"""A small base for loopback HTTP simulators (Bizstim, Freshsales, Dynamics).

What every simulator needs and none should rewrite:
- `LoopbackServer`: a threaded HTTP/1.1 server bound to a loopback address,
  started in a background thread, stopped cleanly (open keep-alive connections
  included), usable as a context manager;
- `FastHandler`: a lean HTTP/1.1 keep-alive request loop that writes each
  response in one piece with a Content-Length (Nagle never delays a reply),
  logs nothing per request and can drop a connection without answering;
- `Response` and `json_response`: what a route returns.

Subclasses of `LoopbackServer` implement `handle(request) -> Response | None`
(None = drop the connection), and stay free of socket details.
"""

from __future__ import annotations

import json
import socket
import socketserver
import sys
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import ThreadingHTTPServer
from socketserver import StreamRequestHandler
from typing import Any
from urllib.parse import parse_qs

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost"})
# Idle keep-alive connections are closed after this long, so their threads end.
IDLE_CONNECTION_TIMEOUT_SECONDS = 120.0
# Bodies at least this big go out in a second write instead of being copied.
_COPY_BODY_LIMIT = 64 * 1024
_MAX_LINE = 65536
_MAX_HEADERS = 100
_REASONS = {status.value: status.phrase for status in HTTPStatus}


@dataclass
class Request:
    method: str
    path: str  # without the query string
    query: dict[str, list[str]]
    headers: "Headers"  # case-insensitive .get()
    body: bytes


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)


def json_body(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_response(status: int, payload: Any, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(status, json_body(payload), headers=headers or [])


class Headers(dict):
    """Request headers by lower-case name; `get` is case-insensitive."""

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        return dict.get(self, name.lower(), default)


class FastHandler(StreamRequestHandler):
    """A minimal HTTP/1.1 keep-alive loop: parse, call `server.simulator.handle`, write.

    The standard library's BaseHTTPRequestHandler parses headers with the email
    package, which costs more than everything a simulator does per request; this
    parser reads the request line and `Name: value` lines and nothing more.
    Each response goes out in one write with a Content-Length.
    """

    timeout = IDLE_CONNECTION_TIMEOUT_SECONDS
    server: "_ThreadingServer"

    def setup(self) -> None:
        super().setup()
        # one write per response already; NODELAY stops the 40 ms delayed-ACK stall
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def handle(self) -> None:
        try:
            while self._handle_one():
                pass
        except (ConnectionError, TimeoutError):
            pass  # the client went away or idled out: nothing left to answer

    def _handle_one(self) -> bool:
        """Serve one request; True when the connection stays open for the next."""
        line = self.rfile.readline(_MAX_LINE + 1)
        if not line:
            return False
        if line in (b"\r\n", b"\n"):
            return True  # stray line break between requests (RFC 9112 section 2.2)
        parts = line.split()
        if len(line) > _MAX_LINE or len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
            self._write("GET", _plain(400, "malformed request line"), keep_alive=False)
            return False
        method, target, version = (part.decode("latin-1") for part in parts)
        headers = Headers()
        for _ in range(_MAX_HEADERS + 1):
            header = self.rfile.readline(_MAX_LINE + 1)
            if header in (b"\r\n", b"\n", b""):
                break
            name, colon, value = header.decode("latin-1").partition(":")
            if not colon or len(header) > _MAX_LINE:
                self._write(method, _plain(400, "malformed header"), keep_alive=False)
                return False
            headers[name.strip().lower()] = value.strip()
        else:
            self._write(method, _plain(431, "too many headers"), keep_alive=False)
            return False
        connection = headers.get("connection", "").lower()
        keep_alive = connection != "close" if version == "HTTP/1.1" else connection == "keep-alive"
        length_text = headers.get("content-length", "0")
        if not length_text.isdigit():
            self._write(method, _plain(400, "bad Content-Length"), keep_alive=False)
            return False
        body = self.rfile.read(int(length_text)) if length_text != "0" else b""

        path, _, query = target.partition("?")
        request = Request(method, path, parse_qs(query) if query else {}, headers, body)
        try:
            response = self.server.simulator.handle(request)
        except Exception as exc:  # a simulator bug must answer, not hang the client
            response = json_response(500, {"status": "failure", "response": f"simulator error: {exc!r}"})
        if response is None:
            self._drop()
            return False
        self._write(method, response, keep_alive)
        return keep_alive

    def _write(self, method: str, response: Response, keep_alive: bool) -> None:
        lines = [
            f"HTTP/1.1 {response.status} {_REASONS.get(response.status, 'Unknown')}",
            f"Content-Type: {response.content_type}",
            f"Content-Length: {len(response.body)}",
        ]
        lines.extend(f"{name}: {value}" for name, value in response.headers)
        if not keep_alive:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        body = b"" if method == "HEAD" else response.body
        if len(body) < _COPY_BODY_LIMIT:
            self.wfile.write(head + body)
        else:
            self.wfile.write(head)
            self.wfile.write(body)

    def _drop(self) -> None:
        """Close the connection without a byte of response (a network fault)."""
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # the peer may already be gone; dropping is the goal anyway


def _plain(status: int, message: str) -> Response:
    return Response(status, message.encode(), content_type="text/plain; charset=utf-8")


class _ThreadingServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], simulator: "LoopbackServer") -> None:
        self.simulator = simulator
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, FastHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name (socket.getfqdn), which
        # can stall on a machine without DNS; a loopback server needs none of it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet for clients that hang up; loud for anything else."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)

    def close_open_connections(self) -> None:
        with self._open_lock:
            connections = list(self._open)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by the peer


class LoopbackServer:
    """Base of a simulator: serve `handle` on a loopback port in a background thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if host not in LOOPBACK_HOSTS:
            raise ValueError(f"simulators bind to loopback only; got host {host!r}")
        self.host = "127.0.0.1" if host == "localhost" else host
        self.port = port
        self._httpd: _ThreadingServer | None = None
        self._thread: threading.Thread | None = None

    def handle(self, request: Request) -> Response | None:
        raise NotImplementedError

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("server not started; call start() first")
        return f"http://{self.host}:{self._httpd.server_address[1]}"

    def start(self) -> "LoopbackServer":
        if self._httpd is not None:
            return self
        self._httpd = _ThreadingServer((self.host, self.port), self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"{type(self).__name__}:{self._httpd.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.close_open_connections()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "LoopbackServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def read_json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object ({} when empty); ValueError otherwise."""
    if not request.body.strip():
        return {}
    payload = json.loads(request.body)
    if not isinstance(payload, dict):
        raise ValueError("the body must be a JSON object")
    return payload
