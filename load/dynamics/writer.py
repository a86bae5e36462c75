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
way. Created or updated comes from that snapshot (and the runner's `resumed`,
for records a killed attempt of the run created); after_image_hash is the
record's versionnumber.

Before-images are taken before the request goes, from the same snapshot:
`before_images()` gives the runner, for the records the ledger knows, the
destination's values of every column a write of the table may change (an
opportunity's state and lines too), and the runner keeps them with the
pending ledger row, so a run killed between an update and its answer still
rolls back to the values the records held before it. A record the ledger
does not know yet but the destination holds (a system user, a unit group or
price list adopted by name) gets its image from the snapshot too, before the
request goes; it reaches the ledger with the write's result, since the runner
asks `before_images()` only for records it knows.

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
from urllib.parse import urlparse

import duckdb

from load.dynamics import preflight as dynamics_preflight
from load.dynamics import settings
from load.dynamics.auth import AuthError
from load.dynamics.objects import ObjectMap, Prepared, object_maps
from load.dynamics.odata import LOOKUP_NAME, BatchOp, DataverseClient
from load.dynamics.opportunities import OpportunityWriter, lines_view
from load.dynamics.payloads import (RowProblem, Targets, build_body, document_body,
                                    document_size, files_dir_of, has_document, restore_body)
from load.dynamics.reader import Reader, fold
from load.dynamics.sender import Item, Sender
from load.dynamics.state import DESTINATION, State, active_currencies
from load.dynamics.verify import compare
from load.http import ApiError, GaveUp
from load.ledger import RecordResult
from load.model import ObjectSpec, WriteBatch, Writer

log = logging.getLogger("bizstim_migrate.load.dynamics")

OWNER_NOTE = ("owner not resolved ({why}): owned by the migration's application user until "
              "the practitioner's user exists in Dynamics and the load runs again")


class DynamicsWriter(Writer):
    destination = DESTINATION

    def __init__(self, client: DataverseClient, con: duckdb.DuckDBPyConnection, *,
                 batch_size: int | None = None, files_dir: Path | None = None) -> None:
        """`batch_size`: records per runner batch (default: as many as one bulk request
        takes); `files_dir`: the workspace's files (default: beside the DuckDB file)."""
        self.client = client
        self.con = con
        self.maps = {m.name: m for m in object_maps(client.config.publisher_prefix, batch_size,
                                                    con)}
        self._account: str | None = None
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
    def account(self) -> str:
        """The organisation: its id from WhoAmI (documented), with the environment's host."""
        if self._account is None:
            organization = self.client.get("WhoAmI").get("OrganizationId")
            host = urlparse(self.client.config.base_url).netloc.lower()
            self._account = f"{host} (organization {organization})"
        return self._account

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
        return {k: prepared.records[k][omap.primary_id] for k in keys if k in prepared.records}

    def before_images(self, spec: ObjectSpec, ids: dict[str, str]) -> dict[str, dict[str, Any]]:
        """Source key -> the destination's values of every column a write of this table
        may change, for records about to be updated, read from the phase's snapshot
        (prepare()'s bulk read, before any write of the phase; a file's body is read in
        bulk for the notes that hold one). The runner keeps them with the pending ledger
        row before the request goes. A record the destination no longer holds has none:
        the write creates it again."""
        omap = self.maps[spec.name]
        prepared = self.state.prepared_for(omap, list(ids))
        return self._images(omap, prepared, [k for k in ids if k in prepared.records])

    def write(self, batch: WriteBatch) -> list[RecordResult]:
        omap = self.maps[batch.spec.name]
        if omap.name == "opportunities":
            return self.opportunities.write(omap, batch)
        keys = [str(r[omap.spec.key]) for r in batch.rows]
        prepared = self.state.prepared_for(omap, keys)
        results: dict[str, RecordResult] = {}
        items = []
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
            if omap.logical == "annotation" and has_document(row):
                item.attach = self._file_reader(row)
                item.attach_size = document_size(row)
            items.append(item)
        # records no ledger row names that the destination holds already: their
        # before-images, taken now, before the request goes (the others' are in the
        # ledger's pending rows: before_images())
        images = self._images(omap, prepared, [
            i.key for i in items if i.key in prepared.records
            and i.key not in batch.existing and i.key not in batch.resumed])
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
            results[item.key] = self.succeeded(omap, batch, item.key, prepared, record,
                                               images.get(item.key), notes.get(item.key))
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

    def dependants(self, spec: ObjectSpec, ids: list[str]) -> dict[str, list[str]]:
        """Records pointing at these in Dataverse, which deletes them with it
        (cascade): found through every lookup of the tables we load that targets
        this one (a person's note is an annotation, a later appointment one), in bulk."""
        target = self.maps[spec.name].logical
        pointing = {(omap.entity_set, f"_{f.attribute}_value"): omap
                    for omap in self.maps.values() for f in omap.fields
                    if f.kind == "lookup" and f.target == target}
        hits = self.reader.by_values_in(
            [(s, c, [omap.primary_id]) for (s, c), omap in pointing.items()], ids)
        found: dict[str, set[str]] = {}
        for query, by_value in hits.items():
            omap = pointing[query]
            for destination_id in ids:
                for record in by_value.get(fold(destination_id), []):
                    found.setdefault(destination_id, set()).add(
                        f"{omap.logical} {record[omap.primary_id]}")
        return {k: sorted(v) for k, v in found.items()}

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
        """Created: it was not there before this run (not in the phase's snapshot, or
        created by a killed attempt of this run: the runner's `resumed`); a system user
        never is. `before`, taken before the request went, is kept only for a record no
        ledger row named: the runner keeps the others' with their pending rows
        (before_images()), and the ledger never replaces those. For a record this run
        found pending and the ledger never knew, the snapshot was read after the killed
        attempt's write, so it is no before-image."""
        created = not omap.update_only and (key not in prepared.records or key in batch.resumed)
        image = None if created or key in batch.existing or key in batch.resumed else before
        return RecordResult(key, "created" if created else "updated", record[omap.primary_id],
                            batch.hashes[key], before_image=image,
                            after_image_hash=self.version(record), error=note)

    def _images(self, omap: ObjectMap, prepared: Prepared, keys: list[str]
                ) -> dict[str, dict[str, Any]]:
        """Before-images of these keys' records in the phase's snapshot: every column a
        write of the table may change (a restore puts them all back; those the write
        left alone get the value they hold), lookups with their target table."""
        records = {k: prepared.records[k] for k in keys}
        for name in omap.heavy:  # a file's body: read (in bulk) only for notes holding one
            self.state.fill_heavy(omap, [r for r in records.values() if name not in r
                                         and (r.get("filesize") or r.get("isdocument"))], name)
        images = {}
        for key, record in records.items():
            image: dict[str, Any] = {}
            for f in omap.fields:
                if not f.write or f.create_only or f.read_as:
                    continue
                for name in f.read_names:
                    image[name] = record.get(name)
                    if f.kind == "lookup":
                        image[name + LOOKUP_NAME] = record.get(name + LOOKUP_NAME)
            for name in omap.heavy:
                image[name] = record.get(name)
            if omap.name == "opportunities":  # reopened, rewritten and won again by a restore
                image["statecode"] = record.get("statecode")
                image["statuscode"] = record.get("statuscode")
                image["_lines"] = lines_view(
                    prepared.lines.get(fold(record[omap.primary_id]), []))
            images[key] = image
        return images

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
