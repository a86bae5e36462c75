"""The account as it is now: the lazy base tenant plus a small overlay of edits.

A live account changes between two extractions. The overlay records those
changes per object (changed records by id, deleted base indexes, added records)
and nothing else, so the large tenant stays lazy: reading a page walks base
indexes, skips deleted ones (found with bisect on a sorted list), swaps in
changed records and appends added ones after the base records, in id order.
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from sandbox.tenant import Tenant

# Builds a new record from (fresh generator index, new id).
RecordFactory = Callable[[int, int], dict[str, str]]


@dataclass
class Overlay:
    deleted: list[int] = field(default_factory=list)  # sorted base indexes
    deleted_set: set[int] = field(default_factory=set)
    changed: dict[int, dict[str, str]] = field(default_factory=dict)  # base id -> record
    added_ids: list[int] = field(default_factory=list)  # sorted, parallel to `added`
    added: list[dict[str, str]] = field(default_factory=list)
    added_ever: int = 0  # records ever added: the next fresh generator index
    high_water_id: int = 0  # ids are never reused, even after a delete


class LiveTenant:
    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self._overlays: dict[str, Overlay] = {}
        self._lock = threading.RLock()
        self.touches = 0  # how many touches ran since the last reset (seeds the next)
        # Files added to the account (the bad-input corpus): their bytes by file
        # id (None: listed, but reading the bytes answers 404) and the client
        # each one is listed under (usually its client_id; not for an orphan).
        self.file_contents: dict[str, bytes | None] = {}
        self.files_listed_under: dict[str, list[str]] = {}
        # How list pages misbehave (sandbox/bizstim/quirks.py), in order.
        self.page_quirks: list[Any] = []

    @property
    def edit_lock(self) -> threading.RLock:
        """Held by a multi-step edit (a touch) so concurrent edits cannot interleave."""
        return self._lock

    def reset(self) -> None:
        with self._lock:
            self._overlays.clear()
            self.touches = 0
            self.file_contents.clear()
            self.files_listed_under.clear()
            self.page_quirks.clear()

    # --- reads -----------------------------------------------------------------

    def total(self, obj: str) -> int:
        n = self.tenant.count(obj)
        with self._lock:
            ov = self._overlays.get(obj)
            return n if ov is None else n - len(ov.deleted) + len(ov.added)

    def page(self, obj: str, start: int, limit: int) -> list[dict[str, str]]:
        """`limit` live records from offset `start`, base records first, by id."""
        tenant = self.tenant
        n = tenant.count(obj)
        # Untouched objects (the common case) need no lock: the base is immutable.
        if obj not in self._overlays:
            return list(tenant.iter_records(obj, start, start + limit))
        with self._lock:
            ov = self._overlays.get(obj)
            if ov is None:  # reset in the meantime
                return list(tenant.iter_records(obj, start, start + limit))
            out: list[dict[str, str]] = []
            base_live = n - len(ov.deleted)
            if start < base_live:
                index = self._base_index_at(ov, start)
                while len(out) < limit and index < n:
                    if index not in ov.deleted_set:
                        changed = ov.changed.get(tenant.id_of(index))
                        out.append(changed if changed is not None else tenant.record(obj, index))
                    index += 1
            if len(out) < limit:
                first_added = max(0, start - base_live)
                out.extend(ov.added[first_added:first_added + limit - len(out)])
            return out

    @staticmethod
    def _base_index_at(ov: Overlay, offset: int) -> int:
        """The base index of the live record at `offset` (the offset-th undeleted index)."""
        index = offset
        while True:
            candidate = offset + bisect.bisect_right(ov.deleted, index)
            if candidate == index:
                return index
            index = candidate

    def get(self, obj: str, record_id: int | str) -> dict[str, str] | None:
        rid = _as_int(record_id)
        if rid is None:
            return None
        if obj not in self._overlays:
            index = self.tenant.index_of(obj, rid)
            return None if index is None else self.tenant.record(obj, index)
        with self._lock:
            ov = self._overlays.get(obj)
            if ov is not None:
                if rid in ov.changed:
                    return ov.changed[rid]
                position = bisect.bisect_left(ov.added_ids, rid)
                if position < len(ov.added_ids) and ov.added_ids[position] == rid:
                    return ov.added[position]
            index = self.tenant.index_of(obj, rid)
            if index is None or (ov is not None and index in ov.deleted_set):
                return None
            return self.tenant.record(obj, index)

    def files_of_client(self, client_id: str) -> list[dict[str, str]] | None:
        """The file metadata Bizstim lists for a client: the tenant's, then any
        added ones listed under it; None for a client that does not exist."""
        client = self.get("clients", client_id)
        if client is None:
            return None
        files = list(self.tenant.files_of_client(client["id"]) or [])  # added clients: none
        with self._lock:
            added = list(self.files_listed_under.get(str(client["id"]), ()))
        files += [f for f in (self.get("client_files", fid) for fid in added) if f is not None]
        return files

    def file_listed_under(self, meta: dict[str, str]) -> str:
        """The client whose file list shows this file (its client_id, unless added otherwise)."""
        with self._lock:
            return next((c for c, ids in self.files_listed_under.items() if meta["id"] in ids),
                        meta["client_id"])

    def file_bytes(self, file_id: str) -> bytes | None:
        """A file's bytes; None when the file (or the client it is listed under) is gone."""
        meta = self.get("client_files", file_id)
        if meta is None:
            return None
        with self._lock:
            if meta["id"] in self.file_contents:
                if self.get("clients", self.file_listed_under(meta)) is None:
                    return None
                return self.file_contents[meta["id"]]
        # a deleted client's files go with it
        if self.get("clients", meta["client_id"]) is None:
            return None
        return self.tenant.file_bytes(meta["id"]) or b""

    def add_file(self, meta: dict[str, str], content: bytes | None,
                 listed_under: str | None = None) -> dict[str, str]:
        """Add a file (metadata as Bizstim lists it, and its bytes: None makes
        the bytes answer 404) under `listed_under` (default: its client_id)."""
        with self._lock:
            record = self.add("client_files", lambda _index, new_id: {**meta, "id": str(new_id)})
            self.file_contents[record["id"]] = content
            owner = str(listed_under if listed_under is not None else meta["client_id"])
            self.files_listed_under.setdefault(owner, []).append(record["id"])
            return record

    # --- edits (used by touch) -------------------------------------------------

    def _overlay(self, obj: str) -> Overlay:
        ov = self._overlays.get(obj)
        if ov is None:
            ov = self._overlays[obj] = Overlay(high_water_id=self.tenant.max_id(obj))
        return ov

    def replace(self, obj: str, record: dict[str, str]) -> None:
        rid = int(record["id"])
        with self._lock:
            ov = self._overlay(obj)
            position = bisect.bisect_left(ov.added_ids, rid)
            if position < len(ov.added_ids) and ov.added_ids[position] == rid:
                ov.added[position] = record
            else:
                ov.changed[rid] = record

    def delete(self, obj: str, record_id: int | str) -> bool:
        rid = _as_int(record_id)
        with self._lock:
            ov = self._overlay(obj)
            position = bisect.bisect_left(ov.added_ids, rid) if rid is not None else 0
            if rid is not None and position < len(ov.added_ids) and ov.added_ids[position] == rid:
                del ov.added_ids[position], ov.added[position]
                return True
            index = self.tenant.index_of(obj, rid) if rid is not None else None
            if index is None or index in ov.deleted_set:
                return False
            bisect.insort(ov.deleted, index)
            ov.deleted_set.add(index)
            ov.changed.pop(rid, None)
            return True

    def add(self, obj: str, make: RecordFactory) -> dict[str, str]:
        """Add a record built by `make(fresh_index, new_id)`; ids climb above any ever used."""
        with self._lock:
            ov = self._overlay(obj)
            new_id = ov.high_water_id + 1
            record = make(self.tenant.count(obj) + ov.added_ever, new_id)
            ov.added_ever += 1
            ov.high_water_id = new_id
            ov.added_ids.append(new_id)
            ov.added.append(record)
            return record


def _as_int(value: int | str | None) -> int | None:
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None
