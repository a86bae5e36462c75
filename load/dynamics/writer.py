"""The Dynamics 365 Sales writer: the marts of schema `dynamics` into Dataverse.

Phases (objects() order) and the request each one makes:
- systemusers: custom columns of the resolved users (`$batch` of PATCH by
  id with If-Match: *; users are never created);
- unit_groups, price_lists: UpsertMultiple by an id derived from the Bizstim
  key (a record of the same name the customer already has is adopted);
- products, contacts, leads: UpsertMultiple by alternate key; owners bound
  to the resolved system user; a product's unit group and unit bound by id;
- price_list_items: UpsertMultiple by derived id (price list, product, unit);
- opportunities: UpsertMultiple, then their line, then WinOpportunity
  (see opportunities.py);
- annotations, appointments (no bulk messages): `$batch` of PATCH by
  alternate key, each answering with its id and version.
prepare() reads the destination's state of a phase's keys in bulk; writes
read back ids and versions in bulk; nothing costs a request per record on the
way. Created or updated comes from that snapshot (and the ledger, for records
a killed run left pending); an update carries the before-image of the
columns it writes, and after_image_hash is the record's versionnumber.

A contact or lead whose owner did not resolve is loaded, owned by the
migration's application user (the default owner), and its result carries an
error string saying so; the brief's default keeps such clients in
quarantine, so this happens only with `owner_unresolved: load_unassigned`.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from typing import Any

import duckdb

from load.dynamics import preflight as dynamics_preflight
from load.dynamics.auth import AuthError
from load.dynamics.objects import ObjectMap, Prepared, line_id, object_maps
from load.dynamics.odata import DataverseClient
from load.dynamics.opportunities import LINE_MAP, OpportunityWriter
from load.dynamics.payloads import (RowProblem, Targets, before_image, build_body,
                                    files_dir_of, restore_body, state_pair, field_value)
from load.dynamics.reader import Reader, fold
from load.dynamics.sender import Item, Sender
from load.dynamics.values import normal, shown
from load.http import ApiError, GaveUp
from load.ledger import RecordResult
from load.model import ObjectSpec, WriteBatch

log = logging.getLogger("bizstim_migrate.load.dynamics")

DESTINATION = "dynamics"
CURRENCY_MARTS = ("dynamics__price_lists", "dynamics__price_list_items",
                  "dynamics__opportunities")
OWNER_NOTE = ("owner not resolved ({why}): owned by the migration's application user until "
              "the practitioner's user exists in Dynamics and the load runs again")


class DynamicsWriter:
    destination = DESTINATION

    def __init__(self, client: DataverseClient, con: duckdb.DuckDBPyConnection, *,
                 batch_size: int | None = None) -> None:
        self.client = client
        self.con = con
        self.maps = {m.name: m for m in object_maps(client.config.publisher_prefix, batch_size)}
        self.reader = Reader(client)
        self.sender = Sender(client)
        self.targets = Targets(self._currency_id, self._units_of)
        self.prepared: dict[str, Prepared] = {}
        self.opportunities = OpportunityWriter(self)
        self._currencies: dict[str, str] | None = None
        self._units: dict[str, dict[str, str]] = {}
        self._files_dir = files_dir_of(con)

    def __repr__(self) -> str:  # never a secret
        return f"DynamicsWriter({self.client.config.base_url!r})"

    # --- the Writer protocol ------------------------------------------------------------
    def objects(self) -> list[ObjectSpec]:
        return [m.spec for m in self.maps.values()]

    def preflight(self) -> list[str]:
        try:
            problems, environment = dynamics_preflight.check(self.client, self.con)
            self._currencies = _active_currencies(environment.currencies)
            return problems + self._currency_problems()
        except AuthError as error:
            return [str(error)]
        except GaveUp as error:
            return [f"Dataverse did not answer the preflight reads: {error}"]
        except ApiError as error:
            return [f"Dataverse refused a preflight read (HTTP {error.status}: {error.message}). "
                    "Check that the application user has a security role that reads metadata, "
                    "system users and currencies."]

    def prepare(self, spec: ObjectSpec, keys: list[str]) -> None:
        omap = self.maps[spec.name]
        prepared = Prepared(keys=set(keys), ledger_keys=self._ledger_keys(spec.name))
        prepared.records = self.fetch(omap, keys)
        if spec.name == "opportunities":
            prepared.lines = self.opportunities.lines_of(
                [r[omap.primary_id] for r in prepared.records.values()])
        self.prepared[spec.name] = prepared

    def lookup(self, spec: ObjectSpec, keys: list[str]) -> dict[str, str]:
        omap = self.maps[spec.name]
        prepared = self.prepared_for(omap, keys)
        found = {k: prepared.records[k][omap.primary_id] for k in keys if k in prepared.records}
        prepared.resumed |= set(found)
        return found

    def write(self, batch: WriteBatch) -> list[RecordResult]:
        omap = self.maps[batch.spec.name]
        if omap.name == "opportunities":
            return self.opportunities.write(omap, batch)
        keys = [str(r[omap.spec.key]) for r in batch.rows]
        prepared = self.prepared_for(omap, keys)
        results: dict[str, RecordResult] = {}
        items, befores = [], {}
        for row in batch.rows:
            key = str(row[omap.spec.key])
            current = prepared.records.get(key)
            if omap.update_only and current is None:
                results[key] = self.failed(batch, key, f"{omap.logical} {key} does not exist in "
                                           "Dynamics (users come from Entra ID and are never "
                                           "created by the loader)")
                continue
            try:
                body = build_body(omap, row, batch.parent_ids, self.targets,
                                  creating=current is None, files_dir=self._files_dir)
            except RowProblem as problem:
                results[key] = self.failed(batch, key, str(problem))
                continue
            known = current[omap.primary_id] if current else None
            if omap.address != "key":
                known = known or batch.existing.get(key)
            headers = {"If-Match": "*"} if omap.update_only else {}
            items.append(Item(key, omap.address_of(key, known), body, headers))
            if current is not None:
                befores[key] = (body, current)
        self._fill_heavy(omap, befores)
        outcomes = self.sender.upsert(omap, items)
        unread = [k for k, o in outcomes.items() if o.ok and not o.record]
        after = self.fetch(omap, unread) if unread else {}
        notes = self._notes(omap, batch)
        for item in items:
            outcome = outcomes[item.key]
            if not outcome.ok:
                results[item.key] = self.failed(batch, item.key, outcome.error or "refused")
                continue
            record = outcome.record or after.get(item.key)
            if record is None:
                results[item.key] = self.failed(batch, item.key,
                                                "written, but not found when read back")
                continue
            body_current = befores.get(item.key)
            before = before_image(omap, *body_current) if body_current else None
            results[item.key] = self.succeeded(omap, batch, item.key, prepared, record, before,
                                               notes.get(item.key))
        return [results[k] for k in keys]

    def read(self, spec: ObjectSpec, destination_id: str) -> dict[str, Any] | None:
        omap = self.maps[spec.name]
        record = self.reader.one(omap.entity_set, destination_id, omap.select(heavy=True))
        if record is not None and spec.name == "opportunities":
            record["_lines"] = self.opportunities.read_lines(destination_id)
        return record

    def version(self, record: dict[str, Any]) -> str:
        return str(record.get("versionnumber"))

    def comparable(self, spec: ObjectSpec, row: dict[str, Any], record: dict[str, Any]
                   ) -> dict[str, tuple[Any, Any]]:
        omap = self.maps[spec.name]
        parents = {p.parent: self._ledger_ids(p.parent) for p in spec.parents}
        if any(f.via and f.via.startswith("unit:") for f in omap.fields):
            parents.setdefault("unit_groups", self._ledger_ids("unit_groups"))
        diffs = _differences(omap, row, record, parents, self.targets)
        if omap.logical == "annotation" and row.get("isdocument") and row.get("sha256"):
            body = record.get("documentbody")
            got = hashlib.sha256(base64.b64decode(body)).hexdigest() if body is not None \
                else None
            if got != row["sha256"]:
                diffs["documentbody"] = (f"sha256 {row['sha256']}", f"sha256 {got}")
        if spec.name == "opportunities":
            wanted = {f.attribute: field_value(f, row) for f in LINE_MAP.fields}
            line = next((l for l in record.get("_lines") or []
                         if l["opportunityproductid"] == line_id(str(row[spec.key]))), None)
            diffs.update({f"line.{k}": v for k, v in _differences(
                LINE_MAP, row, line or {}, {}, self.targets).items()} if line else
                {"line": (wanted, None)})
            got = [record.get("statecode"), record.get("statuscode")]
            if got != [1, 3]:
                diffs["statecode"] = ([1, 3], got)
        return diffs

    def delete(self, spec: ObjectSpec, destination_id: str) -> None:
        omap = self.maps[spec.name]
        if omap.update_only:
            raise RuntimeError(f"{omap.logical} records are never deleted by the loader")
        self.client.delete(f"{omap.entity_set}({destination_id})")

    def restore(self, spec: ObjectSpec, destination_id: str, before_image: dict[str, Any]
                ) -> None:
        omap = self.maps[spec.name]
        if spec.name == "opportunities":
            self.opportunities.restore(omap, destination_id, before_image)
            return
        body = restore_body(omap, before_image)
        if body:
            self.client.upsert(f"{omap.entity_set}({destination_id})", body, update_only=True)

    # --- results ------------------------------------------------------------------------
    def failed(self, batch: WriteBatch, key: str, error: str) -> RecordResult:
        return RecordResult(key, "failed", batch.existing.get(key), batch.hashes[key],
                            error=error)

    def succeeded(self, omap: ObjectMap, batch: WriteBatch, key: str, prepared: Prepared,
                  record: dict[str, Any], before: dict[str, Any] | None,
                  note: str | None = None) -> RecordResult:
        created = before is None or (key in prepared.resumed and key not in prepared.ledger_keys)
        return RecordResult(key, "created" if created else "updated", record[omap.primary_id],
                            batch.hashes[key], before_image=None if created else before,
                            after_image_hash=self.version(record), error=note)

    def _notes(self, omap: ObjectMap, batch: WriteBatch) -> dict[str, str]:
        notes = {}
        for row in batch.rows:
            why = row.get("owner_resolution")
            if "owner_resolution" in row and row.get("owner_systemuserid") is None and \
                    why not in (None, "resolved", "no_practitioner"):
                notes[str(row[omap.spec.key])] = OWNER_NOTE.format(why=why)
        return notes

    # --- destination state --------------------------------------------------------------
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
        known = {k: i for k, i in self._ledger_ids(omap.name).items() if k in ids}
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
                # a record of the same name the customer already has: adopt the oldest
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

    def prepared_for(self, omap: ObjectMap, keys: list[str]) -> Prepared:
        prepared = self.prepared.get(omap.name)
        if prepared is None:
            prepared = self.prepared[omap.name] = Prepared(
                ledger_keys=self._ledger_keys(omap.name))
        missing = [k for k in keys if k not in prepared.keys]
        if missing:
            prepared.records.update(self.fetch(omap, missing))
            prepared.keys |= set(missing)
            if omap.name == "opportunities":
                prepared.lines.update(self.opportunities.lines_of(
                    [prepared.records[k][omap.primary_id] for k in missing
                     if k in prepared.records]))
        return prepared

    def _fill_heavy(self, omap: ObjectMap, befores: dict[str, tuple[dict, dict]]) -> None:
        """Columns too big for a snapshot (a file's body), read only for updates."""
        for name in omap.heavy:
            need = [(body, current) for body, current in befores.values() if name in body]
            group: list[dict] = []
            size = 0
            for index, (_, current) in enumerate(need):
                group.append(current)
                size += int((current.get("filesize") or 0) * 1.4) + 1000
                if size > 8 * 1024 * 1024 or index == len(need) - 1:
                    found = self.reader.by_values(
                        omap.entity_set, omap.primary_id, [c[omap.primary_id] for c in group],
                        [omap.primary_id, name], chunk=len(group))
                    for record in group:
                        record[name] = (found.get(fold(record[omap.primary_id])) or [{}])[0].get(
                            name)
                    group, size = [], 0

    def _ledger_keys(self, obj: str) -> set[str]:
        return set(self._ledger_ids(obj))

    def _ledger_ids(self, obj: str) -> dict[str, str]:
        try:
            rows = self.con.execute(
                "select source_key, destination_id from ledger.current "
                "where destination = ? and object = ?", [DESTINATION, obj]).fetchall()
        except duckdb.Error:
            return {}
        return {key: dest for key, dest in rows if dest}

    # --- currencies and units -----------------------------------------------------------
    def _load_currencies(self) -> dict[str, str]:
        if self._currencies is None:
            self._currencies = _active_currencies(self.client.get_all(
                "transactioncurrencies", select=dynamics_preflight.CURRENCY_COLUMNS))
        return self._currencies

    def _currency_id(self, code: str) -> str | None:
        return self._load_currencies().get(code.upper())

    def _currency_problems(self) -> list[str]:
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
        known = self._load_currencies()
        return [f"Currency {code} is not set up (or not active) in Dynamics, and {count} "
                "records to load use it: add it under Settings > Business Management > "
                "Currencies before loading."
                for code, count in sorted(uses.items()) if code not in known]

    def _units_of(self, group_id: str) -> dict[str, str]:
        if group_id not in self._units:
            found = self.reader.by_values("uoms", "_uomscheduleid_value", [group_id],
                                          ["uomid", "name"], lookup_names=False)
            self._units[group_id] = {str(u["name"]).casefold(): u["uomid"]
                                     for u in found.get(fold(group_id), [])}
        return self._units[group_id]


def _active_currencies(rows: list[dict[str, Any]]) -> dict[str, str]:
    """ISO code -> id of every active currency."""
    return {str(r["isocurrencycode"]).upper(): r["transactioncurrencyid"]
            for r in rows if r.get("isocurrencycode") and r.get("statecode", 0) == 0}


def _differences(omap: ObjectMap, row: dict[str, Any], record: dict[str, Any],
                 parents: dict[str, dict[str, str]], targets: Targets
                 ) -> dict[str, tuple[Any, Any]]:
    """Mart value vs destination value per mapped column, both normalised."""
    diffs: dict[str, tuple[Any, Any]] = {}
    for f in omap.fields:
        if f.kind == "state":
            pair = state_pair(f, row)
            got = (record.get("statecode"), record.get("statuscode"))
            if pair is not None and tuple(pair) != got:
                diffs["statecode"] = (list(pair), list(got))
            continue
        value = field_value(f, row)
        if value is None:  # a null is never written, so never a difference
            continue
        name = f.read_names[0]
        if f.kind == "lookup":
            try:
                want = targets.resolve(f, row, value, parents)
            except RowProblem as problem:
                want = f"({problem})"
        else:
            want = value
        kind = "lookup" if f.kind == "lookup" else f.kind
        if normal(kind, want) != normal(kind, record.get(name)):
            diffs[name] = (shown(normal(kind, want)), shown(normal(kind, record.get(name))))
    return diffs
