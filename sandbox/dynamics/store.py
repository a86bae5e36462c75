"""Rows in memory, their indexes, and all-or-nothing transactions.

Every change goes through `put(table, id, row_or_None)`, which keeps three
indexes in step: alternate keys (unique, collation-folded), equality indexes
built on first use by `$filter … eq …` (so looking a record up by e-mail among
50 000 is a dict hit, not a scan), and reverse references (which rows point at
an id, for delete cascades). Inside `transaction()` each `put` records the row
it replaced; an exception rolls every one of them back, which is what makes a
change set or a CreateMultiple atomic.

One re-entrant lock guards everything; a transaction holds it throughout.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Iterator

from sandbox.dynamics.collation import fold
from sandbox.dynamics.entities import Key, Schema, Table

Row = dict[str, Any]


def key_values(table: Table, key: Key, row: Row) -> tuple | None:
    """The folded values of `key` in `row`, or None when a part is empty (not indexed)."""
    values = []
    for name in key.attributes:
        attr = table.attributes[name]
        value = row.get(attr.value_name)
        if value is None or value == "":
            return None
        values.append(fold(value))
    return tuple(values)


class Store:
    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.lock = threading.RLock()
        self.clear()

    def clear(self) -> None:
        with self.lock:
            self.rows: dict[str, dict[str, Row]] = {name: {} for name in self.schema.tables}
            self._keys: dict[tuple[str, str], dict[tuple, str]] = {}
            self._eq: dict[tuple[str, str], dict[Any, set[str]]] = {}
            self._refs: dict[str, set[tuple[str, str, str]]] = {}
            self._journals: list[list[tuple[str, str, Row | None]]] = []
            self._version = 1_000_000
            for table in self.schema.tables.values():
                for key in table.keys.values():
                    self._keys[(table.logical_name, key.logical_name)] = {}

    # --- reads -----------------------------------------------------------------

    def get(self, table: str, row_id: str) -> Row | None:
        return self.rows[table].get(row_id)

    def table_rows(self, table: str) -> dict[str, Row]:
        return self.rows[table]

    def find_by_key(self, table: Table, key: Key, values: tuple) -> str | None:
        index = self._keys.get((table.logical_name, key.logical_name))
        if index is None:
            return None
        return index.get(tuple(fold(v) for v in values))

    def key_conflict(self, table: Table, row: Row, row_id: str) -> Key | None:
        """The active alternate key another row already holds with `row`'s values."""
        for key in table.keys.values():
            if key.status != "Active":
                continue
            values = key_values(table, key, row)
            if values is None:
                continue
            holder = self._keys[(table.logical_name, key.logical_name)].get(values)
            if holder is not None and holder != row_id:
                return key
        return None

    def eq_lookup(self, table: str, prop: str, value: Any) -> set[str]:
        """Ids of rows whose `prop` equals `value` under the collation (index built on first use)."""
        index = self._eq.get((table, prop))
        if index is None:
            index = {}
            for row_id, row in self.rows[table].items():
                if row.get(prop) is not None:
                    index.setdefault(fold(row[prop]), set()).add(row_id)
            self._eq[(table, prop)] = index
        return index.get(fold(value), set())

    def referencing(self, row_id: str) -> list[tuple[str, str, str]]:
        """(table, id, attribute) of every row whose lookup points at `row_id`."""
        return sorted(self._refs.get(row_id, ()))

    def next_version(self) -> int:
        with self.lock:
            self._version += 1
            return self._version

    # --- writes ----------------------------------------------------------------

    def put(self, table: str, row_id: str, row: Row | None) -> None:
        """Replace (or with None, remove) one row, keeping indexes and the journal in step."""
        with self.lock:
            old = self.rows[table].get(row_id)
            if self._journals:
                self._journals[-1].append((table, row_id, old))
            self._apply(table, row_id, old, row)

    def _apply(self, table_name: str, row_id: str, old: Row | None, new: Row | None) -> None:
        table = self.schema.tables[table_name]
        if new is None:
            self.rows[table_name].pop(row_id, None)
        else:
            self.rows[table_name][row_id] = new
        for key in table.keys.values():
            index = self._keys.setdefault((table_name, key.logical_name), {})
            before = key_values(table, key, old) if old is not None else None
            after = key_values(table, key, new) if new is not None else None
            if before != after:
                if before is not None and index.get(before) == row_id:
                    del index[before]
                if after is not None:
                    index[after] = row_id
        for (index_table, prop), index in self._eq.items():
            if index_table != table_name:
                continue
            before = old.get(prop) if old is not None else None
            after = new.get(prop) if new is not None else None
            if before == after and (old is None) == (new is None):
                continue
            if before is not None:
                ids = index.get(fold(before))
                if ids is not None:
                    ids.discard(row_id)
            if after is not None:
                index.setdefault(fold(after), set()).add(row_id)
        before_refs = _refs_of(old)
        after_refs = _refs_of(new)
        for attr, target in before_refs.items():
            if after_refs.get(attr) != target:
                holders = self._refs.get(target)
                if holders is not None:
                    holders.discard((table_name, row_id, attr))
                    if not holders:
                        del self._refs[target]
        for attr, target in after_refs.items():
            if before_refs.get(attr) != target:
                self._refs.setdefault(target, set()).add((table_name, row_id, attr))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All puts inside succeed together or are undone together (re-entrant)."""
        with self.lock:
            self._journals.append([])
            try:
                yield
            except BaseException:
                journal = self._journals.pop()
                for table, row_id, old in reversed(journal):
                    current = self.rows[table].get(row_id)
                    self._apply(table, row_id, current, old)
                raise
            journal = self._journals.pop()
            if self._journals:  # nested: the outer transaction may still roll it back
                self._journals[-1].extend(journal)

    def build_key(self, table: Table, key: Key) -> bool:
        """Index an alternate key over existing rows; False (status Failed) on duplicates."""
        with self.lock:
            index: dict[tuple, str] = {}
            ok = True
            for row_id, row in self.rows[table.logical_name].items():
                values = key_values(table, key, row)
                if values is None:
                    continue
                if values in index:
                    ok = False
                    continue
                index[values] = row_id
            self._keys[(table.logical_name, key.logical_name)] = index
            key.status = "Active" if ok else "Failed"
            return ok


def _refs_of(row: Row | None) -> dict[str, str]:
    if row is None:
        return {}
    refs = {}
    for name, value in row.items():
        if name.startswith("_") and name.endswith("_value") and isinstance(value, str):
            refs[name[1:-6]] = value
    return refs
