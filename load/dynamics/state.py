"""What the writer knows about the destination: per phase, the records that
hold the phase's keys (read in bulk by prepare()), the ledger's view, the
currencies and the units of a unit group.

A record is found by its alternate key, by the id derived from its Bizstim
key (tables without one), or by its own id (system users). A unit group or a
price list the customer already has under the same name is adopted rather
than duplicated (the oldest of that name).
"""

from __future__ import annotations

import logging
from typing import Any

import duckdb

from load.dynamics import preflight as dynamics_preflight
from load.dynamics.objects import ObjectMap, Prepared
from load.dynamics.odata import DataverseClient
from load.dynamics.opportunities import lines_of
from load.dynamics.reader import Reader, fold

log = logging.getLogger("bizstim_migrate.load.dynamics")

DESTINATION = "dynamics"
CURRENCY_MARTS = ("dynamics__price_lists", "dynamics__price_list_items",
                  "dynamics__opportunities")
HEAVY_GROUP_BYTES = 8 * 1024 * 1024  # file bodies read back per request, at most


def active_currencies(rows: list[dict[str, Any]]) -> dict[str, str]:
    """ISO code -> id of every active currency."""
    return {str(r["isocurrencycode"]).upper(): r["transactioncurrencyid"]
            for r in rows if r.get("isocurrencycode") and r.get("statecode", 0) == 0}


class State:
    def __init__(self, client: DataverseClient, con: duckdb.DuckDBPyConnection,
                 reader: Reader) -> None:
        self.client = client
        self.con = con
        self.reader = reader
        self.prepared: dict[str, Prepared] = {}
        self.currencies: dict[str, str] | None = None
        self._units: dict[str, dict[str, str]] = {}

    # --- phases -------------------------------------------------------------------------
    def prepare(self, omap: ObjectMap, keys: list[str]) -> Prepared:
        prepared = Prepared(keys=set(keys))
        prepared.records = self.fetch(omap, keys)
        if omap.name == "opportunities":
            prepared.lines = lines_of(self.reader, [
                r[omap.primary_id] for r in prepared.records.values()])
        self.prepared[omap.name] = prepared
        return prepared

    def prepared_for(self, omap: ObjectMap, keys: list[str]) -> Prepared:
        """The phase's snapshot, read now for keys prepare() was not given."""
        prepared = self.prepared.get(omap.name)
        if prepared is None:
            prepared = self.prepared[omap.name] = Prepared()
        missing = [k for k in keys if k not in prepared.keys]
        if missing:
            found = self.fetch(omap, missing)
            prepared.records.update(found)
            prepared.keys |= set(missing)
            if omap.name == "opportunities":
                prepared.lines.update(lines_of(self.reader, [
                    r[omap.primary_id] for r in found.values()]))
        return prepared

    def fetch(self, omap: ObjectMap, keys: list[str]) -> dict[str, dict[str, Any]]:
        """Bizstim key -> the record the destination holds for it (bulk reads)."""
        keys = list(dict.fromkeys(keys))
        if not keys:
            return {}
        select = omap.select()
        if omap.address in ("key", "id"):
            column = omap.key_attribute if omap.address == "key" else omap.primary_id
            found = self.reader.by_values(omap.entity_set, column, keys, select)
            return {k: found[fold(k)][0] for k in keys if fold(k) in found}
        ids = {k: omap.derived_id(k) for k in keys}
        known = {k: i for k, i in self.ledger_ids(omap.name).items() if k in ids}
        names = self._mart_names(omap, keys) if omap.adopt_by_name else {}
        terms = [(omap.primary_id, i) for i in dict.fromkeys([*known.values(), *ids.values()])]
        terms += [("name", n) for n in dict.fromkeys(names.values())]
        rows = self.reader.any_of(omap.entity_set, terms,
                                  [*select, "name", "createdon"] if names else select)
        by_id = {fold(r[omap.primary_id]): r for r in rows}
        records = {}
        for key in keys:
            for candidate in (known.get(key), ids[key]):
                if candidate and fold(candidate) in by_id:
                    records[key] = by_id[fold(candidate)]
                    break
            else:
                same = sorted((r for r in rows if key in names
                               and fold(r.get("name")) == fold(names[key])),
                              key=lambda r: r.get("createdon") or "")
                if same:
                    records[key] = same[0]
                    log.info("adopting the existing %s %r for %s", omap.logical, names[key], key)
        return records

    def _mart_names(self, omap: ObjectMap, keys: list[str]) -> dict[str, str]:
        rows = self.con.execute(
            f"select {omap.spec.key}, name from {omap.spec.mart} "
            f"where {omap.spec.key} in ({', '.join('?' for _ in keys)})", keys).fetchall()
        return {str(key): name for key, name in rows if name}

    def fill_heavy(self, omap: ObjectMap, records: list[dict[str, Any]], name: str) -> None:
        """A column too big for a snapshot (a file's body), read for these records only."""
        group: list[dict[str, Any]] = []
        size = 0
        for index, record in enumerate(records):
            group.append(record)
            size += int((record.get("filesize") or 0) * 1.4) + 1000
            if size > HEAVY_GROUP_BYTES or index == len(records) - 1:
                found = self.reader.by_values(
                    omap.entity_set, omap.primary_id, [r[omap.primary_id] for r in group],
                    [omap.primary_id, name], chunk=len(group))
                for one in group:
                    one[name] = (found.get(fold(one[omap.primary_id])) or [{}])[0].get(name)
                group, size = [], 0

    # --- the ledger's view --------------------------------------------------------------
    def ledger_ids(self, obj: str) -> dict[str, str]:
        """Bizstim key -> destination id, as the ledger last left each record."""
        try:
            rows = self.con.execute(
                "select source_key, destination_id from ledger.current "
                "where destination = ? and object = ?", [DESTINATION, obj]).fetchall()
        except duckdb.Error:
            return {}
        return {key: dest for key, dest in rows if dest}

    # --- currencies and units -----------------------------------------------------------
    def currency_id(self, code: str) -> str | None:
        if self.currencies is None:
            self.currencies = active_currencies(self.client.get_all(
                "transactioncurrencies", select=dynamics_preflight.CURRENCY_COLUMNS))
        return self.currencies.get(code.upper())

    def currency_problems(self) -> list[str]:
        uses: dict[str, int] = {}
        for mart in CURRENCY_MARTS:
            try:
                rows = self.con.execute(
                    f"select upper(currency_code), count(*) from dynamics.{mart} "
                    "where currency_code is not null group by 1").fetchall()
            except duckdb.Error:
                continue
            for code, count in rows:
                uses[code] = uses.get(code, 0) + count
        return [f"Currency {code} is not set up (or not active) in Dynamics, and {count} "
                "records to load use it: add it under Settings > Business Management > "
                "Currencies before loading."
                for code, count in sorted(uses.items()) if self.currency_id(code) is None]

    def units_of(self, group_id: str) -> dict[str, str]:
        """Unit name (case-folded) -> id, in one unit group."""
        if group_id not in self._units:
            found = self.reader.by_values("uoms", "_uomscheduleid_value", [group_id],
                                          ["uomid", "name"], lookup_names=False)
            self._units[group_id] = {str(u["name"]).casefold(): u["uomid"]
                                     for u in found.get(fold(group_id), [])}
        return self._units[group_id]

    def forget_units(self, group_id: str | None = None) -> None:
        if group_id is None:
            self._units.clear()
        else:
            self._units.pop(group_id, None)
