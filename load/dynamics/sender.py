"""Bulk writes: UpsertMultiple where the table has it, `$batch` of upserts
(PATCH by key, change sets off, continue on error) for the others.

- Batch size adapts per table: it halves after a 429 or when the execution
  time the service says is left in its window runs low, and grows back while
  the budget is healthy (settings: MIN/BULK/MAX_BULK_RECORDS).
- UpsertMultiple is atomic on standard tables: one bad record fails the whole
  request. The writer then sends that chunk again as a `$batch` of single
  upserts, which isolates the bad record (a failed outcome with the service's
  message) while the others succeed, in one more request.
- Every write is an upsert by alternate key or by id: a retry of a request
  whose answer was lost cannot duplicate a record.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, Iterator

from load.dynamics import settings
from load.dynamics.odata import BatchOp, DataverseClient, prefer
from load.dynamics.objects import ObjectMap
from load.http import ApiError

log = logging.getLogger("bizstim_migrate.load.dynamics")


@dataclass
class Item:
    key: str
    url: str  # the record's address, relative to the API base
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    _size: int | None = None

    @property
    def size(self) -> int:
        if self._size is None:
            self._size = len(json.dumps(self.body, ensure_ascii=False).encode("utf-8")) + 200
        return self._size


@dataclass
class Outcome:
    ok: bool
    record: dict[str, Any] | None = None  # the representation, when the request returned one
    created: bool | None = None
    error: str | None = None


class AdaptiveSize:
    """Records per request, under the service-protection headers."""

    def __init__(self, start: int, low: int, high: int) -> None:
        self.size, self.low, self.high = start, low, high
        self.history: list[int] = []

    def observe(self, limited: bool, fraction: float | None) -> None:
        if limited or (fraction is not None and fraction < settings.EXECUTION_LOW_FRACTION):
            self.size = max(self.low, self.size // 2)
        elif fraction is None or fraction > settings.EXECUTION_HEALTHY_FRACTION:
            self.size = min(self.high, int(self.size * 1.5) + 1)
        self.history.append(self.size)


class Sender:
    def __init__(self, client: DataverseClient) -> None:
        self.client = client
        self.sizes: dict[str, AdaptiveSize] = {}
        self.fallbacks = 0  # bulk requests re-sent as $batch to isolate a bad record

    def size_for(self, entity_set: str, high: int) -> AdaptiveSize:
        if entity_set not in self.sizes:
            self.sizes[entity_set] = AdaptiveSize(min(settings.BULK_BATCH_RECORDS, high),
                                                  settings.MIN_BATCH_RECORDS, high)
        return self.sizes[entity_set]

    def _chunks(self, entity_set: str, items: list[Item], high: int) -> Iterator[list[Item]]:
        size = self.size_for(entity_set, high)
        start = 0
        while start < len(items):
            chunk, total = [], 0
            while start < len(items) and len(chunk) < size.size:
                item = items[start]
                if chunk and total + item.size > settings.MAX_BATCH_BYTES:
                    break
                chunk.append(item)
                total += item.size
                start += 1
            yield chunk

    def _observe(self, entity_set: str, limited_before: int) -> None:
        limited = self.client.http.rate_limited > limited_before
        self.sizes[entity_set].observe(limited, self.client.pacer.execution_fraction())

    # --- the two ways to write ----------------------------------------------------------
    def upsert(self, omap: ObjectMap, items: list[Item]) -> dict[str, Outcome]:
        if omap.bulk and not omap.update_only:
            return self.upsert_multiple(omap, items)
        return self.batch(omap, items)

    def upsert_multiple(self, omap: ObjectMap, items: list[Item]) -> dict[str, Outcome]:
        """Outcomes without a representation: the caller reads the records back."""
        outcomes: dict[str, Outcome] = {}
        for chunk in self._chunks(omap.entity_set, items, settings.MAX_BULK_RECORDS):
            limited = self.client.http.rate_limited
            try:
                self.client.upsert_multiple(
                    omap.entity_set, omap.logical,
                    [{"@odata.id": item.url, **item.body} for item in chunk])
            except ApiError as error:
                if error.status >= 500 or error.status in (401, 429):
                    raise
                log.info("UpsertMultiple on %s refused %d records (%s); isolating the bad one",
                         omap.entity_set, len(chunk), error.message[:200])
                self.fallbacks += 1
                outcomes.update(self.batch(omap, chunk))
                continue
            finally:
                self._observe(omap.entity_set, limited)
            outcomes.update({item.key: Outcome(True) for item in chunk})
        return outcomes

    def batch(self, omap: ObjectMap, items: list[Item]) -> dict[str, Outcome]:
        """A `$batch` of single upserts, each answering with its id and version."""
        outcomes: dict[str, Outcome] = {}
        for chunk in self._chunks(omap.entity_set, items, settings.MAX_BATCH_REQUESTS):
            outcomes.update(self._batch_chunk(omap, chunk))
        return outcomes

    def _batch_chunk(self, omap: ObjectMap, chunk: list[Item]) -> dict[str, Outcome]:
        select = f"$select={omap.primary_id},versionnumber"
        ops = [BatchOp("PATCH", f"{item.url}?{select}", item.body,
                       {"Prefer": prefer(representation=True), **item.headers})
               for item in chunk]
        limited = self.client.http.rate_limited
        try:
            results = self.client.batch(ops)
        except ApiError as error:
            if error.status >= 500 or error.status in (401, 429):
                raise
            if len(chunk) == 1:
                return {chunk[0].key: Outcome(False, error=_message(error))}
            half = len(chunk) // 2
            return {**self._batch_chunk(omap, chunk[:half]),
                    **self._batch_chunk(omap, chunk[half:])}
        finally:
            self._observe(omap.entity_set, limited)
        outcomes = {}
        for item, result in zip(chunk, results):
            if result.ok:
                record = result.body if isinstance(result.body, dict) else None
                outcomes[item.key] = Outcome(True, record, created=result.status == 201)
            else:
                outcomes[item.key] = Outcome(False, error=result.error)
        return outcomes

    def run(self, entity_set: str, ops: list[BatchOp]) -> list[Any]:
        """Other operations (reopen, win, restore) in `$batch`es, results in order."""
        results = []
        for start in range(0, len(ops), settings.MAX_BATCH_REQUESTS):
            limited = self.client.http.rate_limited
            try:
                results += self.client.batch(ops[start:start + settings.MAX_BATCH_REQUESTS])
            finally:
                if entity_set in self.sizes:
                    self._observe(entity_set, limited)
        return results


def _message(error: ApiError) -> str:
    return f"{error.code} {error.message}".strip() if error.code else error.message
