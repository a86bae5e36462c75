"""Records attached to a contact (notes, documents, sales activities).

They carry no field of ours to look them up by, so a record whose create may
or may not have landed (the process died, the answer was lost) is found on
its contact: `GET contacts/:id?include=notes` side-loads them, and the one
with the same content that no ledger row claims yet is the one. Documents go
up as multipart form data.
"""

from __future__ import annotations

import mimetypes
from collections import defaultdict
from typing import Any

import duckdb

from load.freshsales import fields, settings
from load.freshsales.client import FreshsalesClient
from load.freshsales.rows import RowShaper
from load.ledger import Ledger
from load.model import ObjectSpec
from load.payload import plain_row

# what makes two attached records the same, per object
MATCH_ON = {
    "notes": ("description",),
    "payment_notes": ("description",),
    "activities": ("title", "start_date"),
    "documents": ("file_name",),
}


class AttachedRecords:
    def __init__(self, client: FreshsalesClient, con: duckdb.DuckDBPyConnection,
                 shaper: RowShaper) -> None:
        self.client = client
        self.con = con
        self.shaper = shaper

    def _rows(self, spec: ObjectSpec, keys: list[str]) -> list[dict[str, Any]]:
        cursor = self.con.execute(
            f"select * from {spec.mart} where cast({spec.key} as varchar) in "
            "(select unnest($keys))", {"keys": keys})
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r)) for r in cursor.fetchall()]

    def find(self, spec: ObjectSpec, keys: list[str]) -> dict[str, str]:
        """source key -> id of the matching record already on its contact."""
        if spec.name not in MATCH_ON or not keys:
            return {}
        parents = self.shaper.parent_ids_for(spec)
        claimed = {v[0] for v in Ledger(self.con).current("freshsales", spec.name).values()}
        wanted: dict[str, list[tuple[str, tuple]]] = defaultdict(list)
        for row in self._rows(spec, keys):
            flat = self.shaper.flat(spec, plain_row(row), parents)
            if flat is None:
                continue
            wanted[flat["targetable_id"]].append((str(row[spec.key]), _signature(spec, flat)))
        found: dict[str, str] = {}
        side_load = settings.SIDE_LOADS[spec.name]
        for contact_id, items in wanted.items():
            answer = self.client.get(f"contacts/{contact_id}", {"include": side_load})
            candidates = [(str(r["id"]), _signature(spec, fields.flat_record(spec.name, r)))
                          for r in answer.get(side_load) or []]
            for key, signature in items:
                match = next((rid for rid, sig in candidates
                              if sig == signature and rid not in claimed), None)
                if match is not None:
                    found[key] = match
                    claimed.add(match)
        return found

    def upload(self, row: dict[str, Any], flat: dict[str, Any], replace: str | None
               ) -> dict[str, Any]:
        """Upload the file to its contact; a changed file replaces the old upload."""
        path = self.shaper.file_path(row)
        content_type = row.get("content_type") or mimetypes.guess_type(flat["file_name"])[0] \
            or "application/octet-stream"
        with path.open("rb") as handle:
            response = self.client.http.request(
                "POST", "documents",
                # None drops the session's JSON content type: requests sets the multipart one
                headers={"Content-Type": None},
                files={"file": (flat["file_name"], handle, content_type)},
                data={"file_name": flat["file_name"], "targetable_type": "Contact",
                      "targetable_id": str(flat["targetable_id"]), "is_shared": "false"},
            )
        record = response.json()["document"]
        if replace is not None and str(replace) != str(record["id"]):
            self.client.delete(f"documents/{replace}")
        return record


def _signature(spec: ObjectSpec, flat: dict[str, Any]) -> tuple:
    return tuple(fields.normalise(flat.get(name)) for name in MATCH_ON[spec.name])
