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

A record the service refuses fails alone, with the service's message (a
refused UpsertMultiple is re-sent as a `$batch` of single upserts); a file
is read, checked against its sha256 and base64-encoded only when its
request is about to go.

A contact or lead whose owner did not resolve is loaded, owned by the
migration's application user (the default owner), and its result carries an
error string saying so; the brief's default keeps such clients in
quarantine, so this happens only with `owner_unresolved: load_unassigned`.

Rollback limits: an appointment's activity parties are rewritten by an
update but cannot be read back here (no `$expand`), so a restore leaves them
as the update made them; re-winning a restored opportunity adds an
opportunityclose activity, as reopening and winning does in the UI.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import duckdb

from load.dynamics import preflight as dynamics_preflight
from load.dynamics import settings
from load.dynamics.auth import AuthError
from load.dynamics.objects import ObjectMap, Prepared, object_maps
from load.dynamics.odata import BatchOp, DataverseClient
from load.dynamics.opportunities import OpportunityWriter
from load.dynamics.payloads import (RowProblem, Targets, before_image, build_body,
                                    document_body, document_size, files_dir_of, has_document,
                                    restore_body)
from load.dynamics.reader import Reader, fold
from load.dynamics.sender import Item, Sender
from load.dynamics.state import DESTINATION, State, active_currencies
from load.dynamics.verify import compare
from load.http import ApiError, GaveUp
from load.ledger import RecordResult
from load.model import ObjectSpec, WriteBatch

log = logging.getLogger("bizstim_migrate.load.dynamics")

OWNER_NOTE = ("owner not resolved ({why}): owned by the migration's application user until "
              "the practitioner's user exists in Dynamics and the load runs again")


class DynamicsWriter:
    destination = DESTINATION

    def __init__(self, client: DataverseClient, con: duckdb.DuckDBPyConnection, *,
                 batch_size: int | None = None, files_dir: Path | None = None) -> None:
        """`batch_size`: records per runner batch (default: as many as one bulk request
        takes); `files_dir`: the workspace's files (default: beside the DuckDB file)."""
        self.client = client
        self.con = con
        self.maps = {m.name: m for m in object_maps(client.config.publisher_prefix, batch_size)}
        self.reader = Reader(client)
        self.sender = Sender(client)
        self.state = State(client, con, self.reader)
        self.targets = Targets(self.state.currency_id, self.state.units_of)
        self.opportunities = OpportunityWriter(self)
        self._files_dir = files_dir or files_dir_of(con)

    def __repr__(self) -> str:  # never a secret
        return f"DynamicsWriter({self.client.config.base_url!r})"

    @property
    def requests_sent(self) -> int:
        """HTTP requests this writer has sent (retries included)."""
        return self.client.http.requests_sent

    # --- the Writer protocol ------------------------------------------------------------
    def objects(self) -> list[ObjectSpec]:
        return [m.spec for m in self.maps.values()]

    def preflight(self) -> list[str]:
        try:
            problems, environment = dynamics_preflight.check(self.client, self.con)
            self.state.currencies = active_currencies(environment.currencies)
            return problems + self.state.currency_problems()
        except AuthError as error:
            return [str(error)]
        except GaveUp as error:
            return [f"Dataverse did not answer the preflight reads: {error}"]
        except ApiError as error:
            return [f"Dataverse refused a preflight read (HTTP {error.status}: {error.message}). "
                    "Check that the application user has a security role that reads metadata, "
                    "system users and currencies."]

    def prepare(self, spec: ObjectSpec, keys: list[str]) -> None:
        self.state.prepare(self.maps[spec.name], keys)

    def lookup(self, spec: ObjectSpec, keys: list[str]) -> dict[str, str]:
        omap = self.maps[spec.name]
        prepared = self.state.prepared_for(omap, keys)
        found = {k: prepared.records[k][omap.primary_id] for k in keys if k in prepared.records}
        prepared.resumed |= set(found)  # pending from a killed run (the runner asks for those)
        return found

    def write(self, batch: WriteBatch) -> list[RecordResult]:
        omap = self.maps[batch.spec.name]
        if omap.name == "opportunities":
            return self.opportunities.write(omap, batch)
        keys = [str(r[omap.spec.key]) for r in batch.rows]
        prepared = self.state.prepared_for(omap, keys)
        results: dict[str, RecordResult] = {}
        items, befores = [], {}
        for row in batch.rows:
            key = str(row[omap.spec.key])
            current = prepared.records.get(key)
            if omap.update_only and current is None:
                results[key] = self.failed(batch, key, f"{omap.logical} {key} does not exist in "
                                           "Dynamics (users come from Entra ID; the loader never "
                                           "creates them)")
                continue
            try:
                body = build_body(omap, row, batch.parent_ids, self.targets,
                                  creating=current is None, lazy_files=True)
            except RowProblem as problem:
                results[key] = self.failed(batch, key, str(problem))
                continue
            known = current[omap.primary_id] if current else None
            if omap.address != "key":
                known = known or batch.existing.get(key)
            item = Item(key, omap.address_of(key, known), body,
                        {"If-Match": "*"} if omap.update_only else {})
            written = body
            if omap.logical == "annotation" and has_document(row):
                item.attach = self._file_reader(row)
                item.attach_size = document_size(row)
                written = {**body, "documentbody": True}
            items.append(item)
            if current is not None:
                befores[key] = (written, current)
        for name in omap.heavy:
            self.state.fill_heavy(omap, [c for b, c in befores.values() if name in b], name)
        outcomes = self.sender.upsert(omap, items)
        unread = [k for k, o in outcomes.items() if o.ok and not o.record]
        after = self.state.fetch(omap, unread) if unread else {}
        notes = self._notes(omap, batch)
        for item in items:
            outcome = outcomes[item.key]
            record = (outcome.record or after.get(item.key)) if outcome.ok else None
            if not outcome.ok or record is None:
                results[item.key] = self.failed(batch, item.key, outcome.error if not outcome.ok
                                                else "written, but not found when read back")
                continue
            before = before_image(omap, *befores[item.key]) if item.key in befores else None
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
        needed = {p.parent for p in spec.parents}
        if any(f.via and f.via.startswith("unit:") for f in omap.fields):
            needed.add("unit_groups")
        parents = {name: self.state.ledger_ids(name) for name in needed}
        return compare(omap, row, record, parents, self.targets)

    def delete(self, spec: ObjectSpec, destination_id: str) -> None:
        omap = self.maps[spec.name]
        if omap.update_only:
            raise RuntimeError(f"{omap.logical} records are never deleted by the loader")
        self.client.delete(f"{omap.entity_set}({destination_id})")
        if omap.logical == "uomschedule":
            self.state.forget_units(destination_id)  # its units went with it

    # --- rollback in bulk (the runner uses these when a writer has them) ------------------
    def current_versions(self, spec: ObjectSpec, ids: list[str]) -> dict[str, str]:
        """Destination id -> version, for those of `ids` the destination still holds:
        bulk reads (a few `$filter`s in one `$batch`), not a request per record."""
        omap = self.maps[spec.name]
        found = self.reader.by_values(omap.entity_set, omap.primary_id, ids,
                                      [omap.primary_id, "versionnumber"], lookup_names=False)
        return {i: self.version(found[fold(i)][0]) for i in ids if fold(i) in found}

    def delete_many(self, spec: ObjectSpec, ids: list[str]) -> dict[str, str]:
        """Delete these records in `$batch`es, in the order given; destination id -> the
        service's message for each it refused (one already gone counts as deleted)."""
        omap = self.maps[spec.name]
        if omap.update_only:
            raise RuntimeError(f"{omap.logical} records are never deleted by the loader")
        refused: dict[str, str] = {}
        remaining = list(ids)
        for _ in range(settings.DELETE_ROUNDS):
            results = self.sender.run(omap.entity_set, [
                BatchOp("DELETE", f"{omap.entity_set}({i})") for i in remaining])
            again = []
            for i, result in zip(remaining, results):
                if result.ok or result.status == 404:
                    refused.pop(i, None)
                    continue
                refused[i] = result.error
                if result.status >= 500 or result.status == 429:
                    again.append(i)  # the service's trouble, not the record's
            if not again:
                break
            remaining = again
        if omap.logical == "uomschedule":
            for i in ids:
                self.state.forget_units(i)  # its units went with it
        return refused

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
    def failed(self, batch: WriteBatch, key: str, error: str | None) -> RecordResult:
        return RecordResult(key, "failed", batch.existing.get(key), batch.hashes[key],
                            error=error or "refused")

    def succeeded(self, omap: ObjectMap, batch: WriteBatch, key: str, prepared: Prepared,
                  record: dict[str, Any], before: dict[str, Any] | None,
                  note: str | None = None) -> RecordResult:
        """Created: it was not there before this run (a killed attempt of this run that
        the runner found pending, and the ledger never knew, created it too)."""
        created = before is None or (key in prepared.resumed and key not in prepared.ledger_keys)
        return RecordResult(key, "created" if created else "updated", record[omap.primary_id],
                            batch.hashes[key], before_image=None if created else before,
                            after_image_hash=self.version(record), error=note)

    def _file_reader(self, row: dict[str, Any]):
        def read() -> dict[str, Any]:
            return {"documentbody": document_body(row, self._files_dir)}
        return read

    @staticmethod
    def _notes(omap: ObjectMap, batch: WriteBatch) -> dict[str, str]:
        """Rows loaded with the default owner because theirs did not resolve."""
        notes = {}
        for row in batch.rows:
            why = row.get("owner_resolution")
            if row.get("owner_systemuserid") is None and why not in (
                    None, "resolved", "no_practitioner"):
                notes[str(row[omap.spec.key])] = OWNER_NOTE.format(why=why)
        return notes
