"""The Freshsales writer: the runner's phases, as Freshsales requests.

- product categories: checked, not written (categories.py: the admin manages
  the choices of the product category field; the preflight lists the missing ones);
- contacts and deals: `bulk_upsert` by their unique Bizstim-key custom field
  (bulk.py), ids read back from the list views;
- products, notes, documents and sales activities: one request a record
  (the API has no bulk create for them); a create whose answer was lost is
  looked up on its contact before it is sent again (attached.py).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import urlparse
from typing import Any

import duckdb

from load.freshsales import bulk, categories, fields, objects, preflight, settings
from load.freshsales.account import AccountSettings
from load.freshsales.attached import AttachedRecords
from load.freshsales.categories import CategoryChoices
from load.freshsales.client import FreshsalesClient
from load.freshsales.rows import RowShaper
from load.errors import AmbiguousWrite, ApiError, AuthError, GaveUp
from load.ledger import RecordResult
from load.model import ObjectSpec, WriteBatch, Writer, delete_one_by_one, versions_one_by_one

BULK = ("contacts", "deals")


class FreshsalesWriter(Writer):
    destination = "freshsales"

    def __init__(self, client: FreshsalesClient, con: duckdb.DuckDBPyConnection,
                 files_dir: Path | None = None) -> None:
        self.client = client
        self.con = con
        self.settings = AccountSettings(client)
        self.views = bulk.Views(client)
        self.shaper = RowShaper(con, self.settings, files_dir)
        self.attached = AttachedRecords(client, con, self.shaper)
        self.categories = CategoryChoices(self.settings, self.shaper)
        self._snapshot: dict[str, dict[str, dict[str, Any]]] = {}  # object -> key -> record

    def __repr__(self) -> str:
        return f"FreshsalesWriter({self.client!r})"

    def account(self) -> str:
        """The account's domain: Freshsales documents no endpoint that returns an
        account id, and a bundle alias (or legacy domain) names one account."""
        return urlparse(self.client.config.base_url).netloc.lower()

    @property
    def requests_sent(self) -> int:
        return self.client.http.requests_sent

    def quota(self) -> tuple[int, float]:
        """(requests per window, window seconds): the plan's hourly quota."""
        config = self.client.config
        return config.requests_per_window, config.window_seconds

    def objects(self) -> list[ObjectSpec]:
        return objects.all_specs()

    def preflight(self) -> list[str]:
        return preflight.preflight(self.client, self.con) + preflight.missing_categories(
            self.settings, self.con)

    # --- reading the destination --------------------------------------------------------
    def prepare(self, spec: ObjectSpec, keys: list[str]) -> None:
        """Contacts, deals and products: one listing of the destination per phase."""
        layout = fields.shape(spec.name)
        if spec.name in BULK:
            key_field = layout.key_field.field
            self._snapshot[spec.name] = {
                k: r for r in self.views.records(spec.name)
                if (k := bulk.key_of(r, key_field)) is not None}
        elif spec.name == "products":
            key_field = layout.key_field
            codes = self.shaper.keys_by_field(spec, key_field)
            by_code = {r.get(key_field.field): r for r in self._list("cpq/products", "products")}
            self._snapshot["products"] = {k: by_code[c] for k, c in codes.items()
                                          if c in by_code}
        elif spec.name == categories.OBJECT:
            self.categories.prepare(spec)

    def _list(self, route: str, name: str) -> list[dict[str, Any]]:
        records, page = [], 1
        while True:
            answer = self.client.get(route, {"page": page, "per_page": settings.PER_PAGE})
            records += answer.get(name, [])
            if page >= int((answer.get("meta") or {}).get("total_pages") or 0):
                return records
            page += 1

    def lookup(self, spec: ObjectSpec, keys: list[str]) -> dict[str, str]:
        if spec.name == categories.OBJECT:
            return self.categories.lookup(keys)
        if spec.name in self._snapshot:
            known = self._snapshot[spec.name]
            return {k: str(known[k]["id"]) for k in keys if k in known}
        return self.attached.find(spec, keys)

    def read(self, spec: ObjectSpec, destination_id: str) -> dict[str, Any] | None:
        if spec.name == categories.OBJECT:
            return self.categories.read(destination_id)
        layout = fields.shape(spec.name)
        route, name = objects.ROUTES[spec.name]
        params = {"include": layout.lines.field} if layout.lines else None
        try:
            record = self.client.get(f"{route}/{destination_id}", params).get(name)
        except ApiError as error:
            if error.status == 404:
                return None
            raise
        return None if record is None else {
            **fields.flat_record(spec.name, record, layout.resolved_extras),
            "updated_at": record.get("updated_at")}

    def version(self, record: dict[str, Any]) -> str:
        return str(record.get("updated_at"))

    def before_images(self, spec: ObjectSpec, ids: dict[str, str]) -> dict[str, dict[str, Any]]:
        if spec.name == categories.OBJECT:  # nothing is written
            return {}
        images = {}
        known = self._snapshot.get(spec.name, {})
        for key, destination_id in ids.items():
            record = known.get(key)
            if record is not None and spec.name in ("contacts", "products"):
                images[key] = fields.flat_record(spec.name, record,
                                                 fields.shape(spec.name).resolved_extras)
                continue
            destination_id = destination_id or (str(record["id"]) if record else None)
            if destination_id is None:  # not in Freshsales before this write
                continue
            current = self.read(spec, destination_id)
            if current is not None:
                current.pop("updated_at", None)
                images[key] = current
        return images

    def comparable(self, spec: ObjectSpec, row: dict[str, Any], record: dict[str, Any]
                   ) -> dict[str, tuple[Any, Any]]:
        if spec.name == categories.OBJECT:
            return self.categories.differences(row, record)
        want = self.shaper.flat(spec, row, self.shaper.parent_ids_for(spec))
        if want is None:
            return {"(row)": ("loadable", "its parent is not in Freshsales")}
        return fields.differences(want, record)

    # --- writing --------------------------------------------------------------------------
    def write(self, batch: WriteBatch) -> list[RecordResult]:
        name = batch.spec.name
        if name == categories.OBJECT:
            return self.categories.check(batch)
        shaped, results = [], []
        for row in batch.rows:
            key = str(row[batch.spec.key])
            try:
                flat = self.shaper.flat(batch.spec, row, batch.parent_ids)
            except LookupError as error:
                results.append(RecordResult(key, "failed", payload_hash=batch.hashes[key],
                                            error=str(error)))
                continue
            shaped.append((key, row, flat))
        if name in BULK:
            return results + self._write_bulk(batch, shaped)
        return results + [self._write_one(batch, key, row, flat) for key, row, flat in shaped]

    def _action(self, batch: WriteBatch, key: str, pre_existing: dict[str, Any] | None
                ) -> tuple[str, dict[str, Any] | None]:
        """created or updated, and the before-image of a record nobody's ledger knew."""
        if key in batch.existing:
            return "updated", None
        if key in batch.resumed or pre_existing is None:
            return "created", None
        return "updated", fields.flat_record(batch.spec.name, pre_existing,
                                             fields.shape(batch.spec.name).resolved_extras)

    def _write_bulk(self, batch: WriteBatch, shaped: list[tuple[str, dict, dict]]
                    ) -> list[RecordResult]:
        name = batch.spec.name
        if not shaped:
            return []
        key_field = fields.shape(name).key_field.field
        snapshot = self._snapshot.setdefault(name, {})
        before = {key: snapshot.get(key) for key, _, _ in shaped}
        items = [(key, fields.envelope(name, flat)) for key, _, flat in shaped]
        try:
            outcome = bulk.run_bulk_upsert(self.client, name, key_field, items)
        except ApiError as error:
            refused_access(error)
            # the whole request was refused: the records go one by one, so only
            # the bad ones fail
            if len(shaped) == 1:
                key = shaped[0][0]
                return [RecordResult(key, "failed", payload_hash=batch.hashes[key],
                                     error=error.message)]
            half = len(shaped) // 2
            return (self._write_bulk(batch, shaped[:half])
                    + self._write_bulk(batch, shaped[half:]))
        results = []
        written = {}
        for index, (key, _, _) in enumerate(shaped):
            if index in outcome.failures:
                results.append(RecordResult(key, "failed", payload_hash=batch.hashes[key],
                                            error=outcome.failures[index]))
            else:
                written[key] = index
        found = self._find_written(name, key_field, set(written), outcome.submitted_at)
        for key in written:
            record = found.get(key)
            if record is None:
                results.append(RecordResult(
                    key, "failed", payload_hash=batch.hashes[key],
                    error="Freshsales reported the upsert done, but no record carries the key"))
                continue
            snapshot[key] = record
            action, image = self._action(batch, key, before[key])
            results.append(RecordResult(key, action, str(record["id"]), batch.hashes[key],
                                        before_image=image,
                                        after_image_hash=self.version(record)))
        return results

    def _find_written(self, name: str, key_field: str, keys: set[str], since
                      ) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        if keys:
            for record in self.views.records(name, updated_since=since):
                key = bulk.key_of(record, key_field)
                if key in keys and key not in found:
                    found[key] = record
                    if len(found) == len(keys):
                        break
        for key in keys - set(found):  # a view that lags: ask for the key itself
            hit = self._lookup_one(name, key_field, key)
            if hit is not None:
                found[key] = hit
        return found

    def _lookup_one(self, name: str, key_field: str, key: str) -> dict[str, Any] | None:
        entity = name[:-1]  # contacts -> contact, deals -> deal
        answer = self.client.get("lookup", {"q": key, "f": key_field, "entities": entity})
        hits = (answer.get(name) or {}).get(name) or []
        return next((h for h in hits if bulk.key_of(h, key_field) == key), None)

    def _write_one(self, batch: WriteBatch, key: str, row: dict[str, Any],
                   flat: dict[str, Any]) -> RecordResult:
        spec = batch.spec
        route, envelope_name = objects.ROUTES[spec.name]
        target = batch.existing.get(key) or batch.resumed.get(key)
        pre_existing = self._snapshot.get(spec.name, {}).get(key)
        if target is None and pre_existing is not None:
            target = str(pre_existing["id"])
        action, image = self._action(batch, key, pre_existing)
        try:
            if spec.name == "documents":
                record = self._landed_once(spec, key, lambda: self.attached.upload(
                    row, flat, replace=target))
            elif target is not None:
                record = self.client.put(f"{route}/{target}",
                                         {envelope_name: fields.envelope(spec.name, flat)}
                                         )[envelope_name]
            else:
                body = {envelope_name: fields.envelope(spec.name, flat)}
                record = self._landed_once(
                    spec, key, lambda: self.client.post(route, body)[envelope_name])
        except ApiError as error:
            refused_access(error)
            return RecordResult(key, "failed", payload_hash=batch.hashes[key],
                                error=error.message)
        return RecordResult(key, action, str(record["id"]), batch.hashes[key],
                            before_image=image, after_image_hash=self.version(record))

    def _landed_once(self, spec: ObjectSpec, key: str, create) -> dict[str, Any]:
        """Send a create; while its answer is lost, look for it before sending it
        again. Gives up (the run stops, resumable) after the policy's attempts."""
        policy = self.client.http.policy
        for attempt in range(1, policy.max_attempts + 1):
            try:
                return create()
            except AmbiguousWrite as error:
                if attempt == policy.max_attempts:
                    raise GaveUp(f"{error}: no clear answer after {attempt} attempts; the run "
                                 "stopped cleanly and resumes where it stopped") from None
            time.sleep(min(policy.backoff_base_seconds * 2 ** attempt,
                           policy.backoff_cap_seconds))
            if spec.name in self._snapshot:
                self.prepare(spec, [key])
            found = self.lookup(spec, [key])
            if key in found:
                current = self.read(spec, found[key])
                if current is not None:
                    return {"id": found[key], "updated_at": current.get("updated_at")}
        raise AssertionError("unreachable")

    # --- undoing --------------------------------------------------------------------------
    def delete(self, spec: ObjectSpec, destination_id: str) -> None:
        if spec.name == categories.OBJECT:  # the admin's choices: never deleted by us
            return
        route, _ = objects.ROUTES[spec.name]
        try:
            self.client.delete(f"{route}/{destination_id}")
        except ApiError as error:
            if error.status != 404:
                raise

    # --- rollback in bulk where Freshsales allows it (the runner uses these) ---------------
    def current_versions(self, spec: ObjectSpec, ids: list[str]) -> dict[str, str]:
        """Destination id -> version of those the account still holds: many contacts
        or deals from one listing (a request per 100, as each load phase reads them),
        the others and a few a read each."""
        if spec.name not in BULK or len(ids) <= settings.PER_PAGE:
            return versions_one_by_one(self, spec, ids)
        wanted = set(ids)
        return {str(r["id"]): self.version(r) for r in self.views.records(spec.name)
                if str(r.get("id")) in wanted}

    def delete_many(self, spec: ObjectSpec, ids: list[str]) -> dict[str, str]:
        """Contacts and deals through `bulk_destroy` (100 a request), the others one at
        a time; destination id -> why one could not be deleted."""
        if spec.name not in BULK:
            return delete_one_by_one(self, spec, ids)
        route, _ = objects.ROUTES[spec.name]
        step = settings.BULK_DESTROY_RECORDS
        for start in range(0, len(ids), step):
            chunk = ids[start:start + step]
            try:
                # deleting what is already gone again is harmless: safe to retry
                self.client.post(f"{route}/bulk_destroy", {"selected_ids": chunk},
                                 idempotent=True)
            except ApiError as error:
                if error.status not in (404, 405):  # an account without the endpoint:
                    raise                           # one DELETE per record, as before
                return delete_one_by_one(self, spec, ids[start:])
        return {}

    def restore(self, spec: ObjectSpec, destination_id: str, before_image: dict[str, Any]
                ) -> None:
        route, envelope_name = objects.ROUTES[spec.name]
        if spec.name == "documents":
            raise ApiError(409, "a replaced Freshsales document cannot be put back; upload "
                                f"{json.dumps(before_image.get('file_name'))} again by hand")
        self.client.put(f"{route}/{destination_id}",
                        {envelope_name: fields.envelope(spec.name, before_image, clear=True)})


def refused_access(error: ApiError) -> None:
    """A 401 or 403 is the account refusing the key (revoked, expired, a plan that
    lost API access), not the record: the run stops cleanly and resumes once the
    key works, instead of failing every record that follows."""
    if error.status in (401, 403):
        raise AuthError(f"Freshsales refused the API key (HTTP {error.status}: "
                        f"{error.message}); check FRESHSALES_API_KEY, then run the same "
                        "command again to resume") from None
