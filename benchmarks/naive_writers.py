"""The naive loader the benchmark sets ours beside: the same runner, the same
shaping and pacing, but one request per record (no bulk upsert, no batch)."""

from __future__ import annotations

from typing import Any

from load.freshsales import fields, objects
from load.freshsales.writer import FreshsalesWriter
from load.ledger import RecordResult
from load.model import WriteBatch


class NaiveFreshsalesWriter(FreshsalesWriter):
    """Contacts and deals one POST (or PUT) each, like every other object."""

    def _write_bulk(self, batch: WriteBatch, shaped: list[tuple[str, dict, dict]]
                    ) -> list[RecordResult]:
        results = []
        route, envelope_name = objects.ROUTES[batch.spec.name]
        for key, _, flat in shaped:
            body = {envelope_name: fields.envelope(batch.spec.name, flat)}
            target = batch.existing.get(key) or batch.resumed.get(key)
            if target is None:
                record = self.client.post(route, body)[envelope_name]
            else:
                record = self.client.put(f"{route}/{target}", body)[envelope_name]
            results.append(RecordResult(key, "updated" if key in batch.existing else "created",
                                        str(record["id"]), batch.hashes[key],
                                        after_image_hash=self.version(record)))
        return results


def naive_writer(writer: Any) -> Any:
    if isinstance(writer, FreshsalesWriter):
        naive = NaiveFreshsalesWriter.__new__(NaiveFreshsalesWriter)
        naive.__dict__.update(writer.__dict__)
        return naive
    from benchmarks.naive_dynamics import NaiveDynamicsWriter

    return NaiveDynamicsWriter.wrap(writer)
