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

# the objects found on their contact (their contract has a parent:contacts lookup)
ATTACHED = ("notes", "payment_notes", "activities", "documents")


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
        if spec.name not in ATTACHED or not keys:
            return {}
        parent_field = fields.shape(spec.name).parent_field.field
        parents = self.shaper.parent_ids_for(spec)
        claimed = {v[0] for v in Ledger(self.con).current("freshsales", spec.name).values()}
        wanted: dict[str, list[tuple[str, dict]]] = defaultdict(list)
        for row in self._rows(spec, keys):
            flat = self.shaper.flat(spec, plain_row(row), parents)
            if flat is None:
                continue
            wanted[flat[parent_field]].append((str(row[spec.key]), _content(spec, flat)))
        found: dict[str, str] = {}
        side_load = settings.SIDE_LOADS[spec.name]
        for contact_id, items in wanted.items():
            answer = self.client.get(f"contacts/{contact_id}", {"include": side_load})
            candidates = [(str(r["id"]), _content(spec, fields.flat_record(spec.name, r)))
                          for r in answer.get(side_load) or []]
            for key, content in items:
                match = next((rid for rid, got in candidates
                              if _same_content(content, got) and rid not in claimed), None)
                if match is not None:
                    found[key] = match
                    claimed.add(match)
        return found

    def upload(self, row: dict[str, Any], flat: dict[str, Any], replace: str | None
               ) -> dict[str, Any]:
        """Upload the file to its contact; a changed file replaces the old upload."""
        path = self.shaper.file_path(row)
        name = row.get("file_name") or path.name
        content_type = row.get("content_type") or mimetypes.guess_type(name)[0] \
            or "application/octet-stream"
        # the form carries the contract's fields, as text
        form = {k: str(v) for k, v in fields.envelope("documents", flat).items()}
        with path.open("rb") as handle:
            response = self.client.http.request(
                "POST", "documents",
                # None drops the session's JSON content type: requests sets the multipart one
                headers={"Content-Type": None},
                files={"file": (name, handle, content_type)},
                data={**form, **settings.DOCUMENT_FORM_EXTRAS},
            )
        record = response.json()["document"]
        if replace is not None and str(replace) != str(record["id"]):
            self.client.delete(f"documents/{replace}")
        return record


def _content(spec: ObjectSpec, flat: dict[str, Any]) -> dict[str, Any]:
    """What a person would call the record's content: its contract fields that are
    not lookups (the note's text, the activity's title and times, the file name)."""
    return {f.field: fields.normalise(flat.get(f.field))
            for f in fields.shape(spec.name).written() if f.kind != "lookup"}


def _same_content(want: dict[str, Any], got: dict[str, Any]) -> bool:
    """Every field the side-loaded record shows agrees (a side-load may leave some
    out), and at least one does."""
    shown = {k: v for k, v in got.items() if v is not None}
    return bool(shown) and all(want.get(k) == v for k, v in shown.items())
