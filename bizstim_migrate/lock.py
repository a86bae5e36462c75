"""One command at a time writes a workspace.

Two loads on one workspace, or a transform while a load runs, would race on
the warehouse, the ledger and dbt's artifacts. Every step that writes them
(extract, transform, load, verify, rollback, preflight, report) holds the
workspace lock: `<workspace>/workspace.lock`, locked with `flock` for as long
as the command runs and holding who holds it (command, pid, start time).

The kernel releases a `flock` when its process ends, however it ends, so a
lock whose process is gone (killed, crashed, the machine restarted) is never
in the way: the next command takes it over and says so, from the details the
dead holder left in the file. A second command while the holder lives refuses
at once with one sentence, before it touches anything.

Within one process the lock is re-entrant (the demo runs step after step; a
step may call another).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

try:
    import fcntl
except ImportError:  # pragma: no cover - not a POSIX system: no lock, as before
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = "workspace.lock"


class WorkspaceBusy(Exception):
    """Another bizstim-migrate command holds the workspace; the message says
    which, and what to do."""


@dataclass(frozen=True)
class Holder:
    command: str
    pid: int
    started_at: str
    host: str = ""

    def sentence(self) -> str:
        return (f"another bizstim-migrate {self.command} is running on this workspace "
                f"(pid {self.pid}, started at {self.started_at}); wait for it or stop it")


@dataclass
class _Held:
    fd: int
    depth: int


_held: dict[Path, _Held] = {}
_guard = threading.Lock()


def _read_holder(fd: int) -> Holder | None:
    os.lseek(fd, 0, os.SEEK_SET)
    raw = b""
    while chunk := os.read(fd, 4096):
        raw += chunk
    try:
        found = json.loads(raw.decode("utf-8"))
        return Holder(str(found["command"]), int(found["pid"]), str(found["started_at"]),
                      str(found.get("host", "")))
    except (ValueError, KeyError, TypeError):
        return None


@contextlib.contextmanager
def workspace_lock(root: Path, command: str, notes: list[str] | None = None
                   ) -> Iterator[None]:
    """Hold the workspace for `command`; raise WorkspaceBusy when another process
    holds it. A stale holder's details go to `notes` (a sentence)."""
    path = (Path(root) / LOCK_NAME).resolve()
    with _guard:
        held = _held.get(path)
        if held is not None:
            held.depth += 1
    if held is not None:
        try:
            yield
        finally:
            with _guard:
                held.depth -= 1
        return
    if fcntl is None:  # pragma: no cover
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            if holder is None:  # it has the lock but has not written itself yet
                raise WorkspaceBusy("another bizstim-migrate command is running on this "
                                    "workspace; wait for it or stop it") from None
            raise WorkspaceBusy(holder.sentence()) from None
        stale = _read_holder(fd)
        if stale is not None and notes is not None:
            notes.append(f"took over the workspace lock of bizstim-migrate {stale.command} "
                         f"(pid {stale.pid}, started at {stale.started_at}), which is no "
                         "longer running")
        me = Holder(command, os.getpid(),
                    datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
                    socket.gethostname())
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps(me.__dict__).encode("utf-8"))
        with _guard:
            _held[path] = _Held(fd, 1)
        try:
            yield
        finally:
            with _guard:
                _held.pop(path, None)
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)  # a clean end leaves no holder behind
    finally:
        os.close(fd)  # releases the flock
