"""The account's records in memory: one table per object, ids, unique indexes.

Records are never changed in place: a write stores a new dict (copy on
write), so a reader holding a record (an HTTP answer being encoded) never
sees half an update. One re-entrant lock guards every table and index; a
caller that validates and then writes holds it across both (`store.lock`),
so two requests cannot both claim the same unique value.
"""

from __future__ import annotations

import threading
from typing import Any, Iterator

from sandbox.freshsales import settings

Record = dict[str, Any]


class Store:
    def __init__(self, objects: tuple[str, ...]) -> None:
        self.objects = objects
        self.lock = threading.RLock()
        self._bases = {obj: settings.ID_BASE + n * settings.ID_STRIDE for n, obj in enumerate(objects, 1)}
        self.clear()

    def clear(self) -> None:
        with self.lock:
            self._tables: dict[str, dict[int, Record]] = {obj: {} for obj in self.objects}
            self._next: dict[str, int] = {obj: base + 1 for obj, base in self._bases.items()}
            # (obj, index name) -> normalised value -> record id
            self._unique: dict[tuple[str, str], dict[str, int]] = {}

    # --- records ------------------------------------------------------------------

    def new_id(self, obj: str) -> int:
        with self.lock:
            record_id = self._next[obj]
            self._next[obj] = record_id + 1
            return record_id

    def put(self, obj: str, record: Record) -> Record:
        with self.lock:
            self._tables[obj][record["id"]] = record
        return record

    def get(self, obj: str, record_id: Any) -> Record | None:
        rid = as_id(record_id)
        return None if rid is None else self._tables[obj].get(rid)

    def exists(self, obj: str, record_id: Any) -> bool:
        return self.get(obj, record_id) is not None

    def delete(self, obj: str, record_id: Any) -> Record | None:
        rid = as_id(record_id)
        with self.lock:
            return None if rid is None else self._tables[obj].pop(rid, None)

    def all(self, obj: str) -> list[Record]:
        """Every record of `obj` in creation (= id) order."""
        with self.lock:
            return list(self._tables[obj].values())

    def count(self, obj: str) -> int:
        return len(self._tables[obj])

    def iter(self, obj: str) -> Iterator[Record]:
        return iter(self.all(obj))

    # --- unique indexes -------------------------------------------------------------

    def unique_owner(self, obj: str, index: str, value: str) -> int | None:
        table = self._unique.get((obj, index))
        return None if table is None else table.get(value)

    def unique_set(self, obj: str, index: str, value: str, record_id: int) -> None:
        with self.lock:
            self._unique.setdefault((obj, index), {})[value] = record_id

    def unique_drop(self, obj: str, index: str, value: str, record_id: int) -> None:
        with self.lock:
            table = self._unique.get((obj, index))
            if table is not None and table.get(value) == record_id:
                del table[value]


def as_id(value: Any) -> int | None:
    """An id from JSON or a path: an int, or a string of digits; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.isascii() and value.strip().isdigit():
        return int(value.strip())
    return None
