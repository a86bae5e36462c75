"""Bulk writes: UpsertMultiple where the table has it, `$batch` of upserts
(PATCH by key, change sets off, continue on error) for the others.

- Batch size adapts per table under the service-protection headers: a
  request may cost at most a share of the window's execution budget (the
  cost per record is learned from `x-ms-ratelimit-time-remaining-xrm-requests`
  before and after each request), and it halves when a request runs slow.
  A 429 is waited out (Retry-After), never a reason to shrink: the limits
  count requests and execution time, not records per request, so smaller
  batches would only send more requests for the same execution time.
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
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

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
    # columns read only when the item's request is about to go (a file's body),
    # and the bytes they will add; the attach may raise (its message fails the item)
    attach: Callable[[], dict[str, Any]] | None = None
    attach_size: int = 0
    _size: int | None = None

    @property
    def size(self) -> int:
        if self._size is None:
            self._size = len(json.dumps(self.body, ensure_ascii=False).encode("utf-8")) + 200
        return self._size + self.attach_size


class attached:  # noqa: N801 - used as a context manager, reads like a phrase
    """Attach the lazy columns of a chunk for one request, drop them after."""

    def __init__(self, chunk: list[Item], outcomes: dict[str, "Outcome"]) -> None:
        self.chunk, self.outcomes = chunk, outcomes
        self.ready: list[Item] = []
        self._added: list[tuple[Item, list[str]]] = []

    def __enter__(self) -> list[Item]:
        for item in self.chunk:
            if item.attach is None:
                self.ready.append(item)
                continue
            try:
                extra = item.attach()
            except Exception as problem:  # noqa: BLE001 - a file that cannot be read
                self.outcomes[item.key] = Outcome(False, error=str(problem))
                continue
            item.body.update(extra)
            self._added.append((item, list(extra)))
            self.ready.append(item)
        return self.ready

    def __exit__(self, *exc: object) -> None:
        for item, names in self._added:
            for name in names:
                item.body.pop(name, None)


@dataclass
class Outcome:
    ok: bool
    record: dict[str, Any] | None = None  # the representation, when the request returned one
    created: bool | None = None
    error: str | None = None


class AdaptiveSize:
    """Records per request for one table.

    Two things bound it: the request's own duration (halve above
    SLOW_REQUEST_SECONDS, grow x1.5 below a quarter of it), and the execution
    budget: one request may use at most MAX_BUDGET_SHARE of the window's
    budget, at the most execution per record seen so far for the table."""

    def __init__(self, start: int, low: int, high: int) -> None:
        self.size, self.low, self.high = start, low, high
        self.seconds_per_record = 0.0  # the most seen (each sample is a lower bound)
        self.history: list[int] = []

    def observe(self, records: int, duration: float, spent: float | None,
                budget: float | None) -> None:
        """One request of `records` took `duration` real seconds and, as far as the
        headers tell, `spent` seconds of the `budget` per window."""
        if spent is not None and spent > 0 and records:
            self.seconds_per_record = max(self.seconds_per_record, spent / records)
        if duration > settings.SLOW_REQUEST_SECONDS:
            self.size = max(self.low, self.size // 2)
        elif duration < settings.SLOW_REQUEST_SECONDS / 4:
            self.size = min(self.high, int(self.size * 1.5) + 1)
        if budget and self.seconds_per_record:
            affordable = int(budget * settings.MAX_BUDGET_SHARE / self.seconds_per_record)
            self.size = max(self.low, min(self.size, affordable))
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

    @contextmanager
    def _measured(self, entity_set: str, records: int) -> Iterator[None]:
        """After one request: how long its last attempt took, and how much of the
        execution budget the headers say it spent."""
        pacer, http = self.client.pacer, self.client.http
        before = pacer.time_remaining
        try:
            yield
        finally:
            after = pacer.time_remaining
            spent = before - after if before is not None and after is not None else None
            # the last attempt's own time: waits for Retry-After are not the request's
            self.sizes[entity_set].observe(records, http.last_elapsed, spent, pacer.time_budget)

    # --- the two ways to write ----------------------------------------------------------
    def upsert(self, omap: ObjectMap, items: list[Item]) -> dict[str, Outcome]:
        if omap.bulk and not omap.update_only:
            return self.upsert_multiple(omap, items)
        return self.batch(omap, items)

    def upsert_multiple(self, omap: ObjectMap, items: list[Item]) -> dict[str, Outcome]:
        """Outcomes without a representation: the caller reads the records back."""
        outcomes: dict[str, Outcome] = {}
        for whole in self._chunks(omap.entity_set, items, settings.MAX_BULK_RECORDS):
            try:
                with attached(whole, outcomes) as chunk:
                    if not chunk:
                        continue
                    with self._measured(omap.entity_set, len(chunk)):
                        self.client.upsert_multiple(
                            omap.entity_set, omap.logical,
                            [{"@odata.id": item.url, **item.body} for item in chunk])
            except ApiError as error:
                if error.status >= 500 or error.status in (401, 429):
                    raise
                log.info("UpsertMultiple on %s refused %d records (%s); isolating the bad one",
                         omap.entity_set, len(chunk), error.message[:200])
                self.fallbacks += 1
                outcomes.update(self.batch(omap, [i for i in whole if i.key not in outcomes]))
                continue
            outcomes.update({item.key: Outcome(True) for item in chunk})
        return outcomes

    def batch(self, omap: ObjectMap, items: list[Item]) -> dict[str, Outcome]:
        """A `$batch` of single upserts, each answering with its id and version."""
        outcomes: dict[str, Outcome] = {}
        for chunk in self._chunks(omap.entity_set, items, settings.MAX_BATCH_REQUESTS):
            outcomes.update(self._batch_chunk(omap, chunk))
        return outcomes

    def _batch_chunk(self, omap: ObjectMap, whole: list[Item], rounds: int = 2
                     ) -> dict[str, Outcome]:
        select = f"$select={omap.primary_id},versionnumber"
        outcomes: dict[str, Outcome] = {}
        try:
            with attached(whole, outcomes) as chunk:
                if not chunk:
                    return outcomes
                ops = [BatchOp("PATCH", f"{item.url}?{select}", item.body,
                               {"Prefer": prefer(representation=True), **item.headers})
                       for item in chunk]
                with self._measured(omap.entity_set, len(ops)):
                    results = self.client.batch(ops)
        except ApiError as error:
            if error.status >= 500 or error.status in (401, 429):
                raise
            rest = [i for i in whole if i.key not in outcomes]
            if len(rest) == 1:
                return {**outcomes, rest[0].key: Outcome(False, error=_message(error))}
            half = len(rest) // 2
            return {**outcomes, **self._batch_chunk(omap, rest[:half], rounds),
                    **self._batch_chunk(omap, rest[half:], rounds)}
        again = []
        for item, result in zip(chunk, results):
            if result.ok:
                record = result.body if isinstance(result.body, dict) else None
                outcomes[item.key] = Outcome(True, record, created=result.status == 201)
            elif (result.status >= 500 or result.status == 429) and rounds:
                again.append(item)  # the service's trouble, not the record's: once more
            else:
                outcomes[item.key] = Outcome(False, error=result.error)
        if again:
            outcomes.update(self._batch_chunk(omap, again, rounds - 1))
        return outcomes

    def run(self, entity_set: str, ops: list[BatchOp]) -> list[Any]:
        """Other operations (reopen, win) in `$batch`es of the table's adaptive size,
        results in order."""
        size = self.size_for(entity_set, settings.MAX_BATCH_REQUESTS)
        results: list[Any] = []
        start = 0
        while start < len(ops):
            group = ops[start:start + size.size]
            with self._measured(entity_set, len(group)):
                results += self.client.batch(group)
            start += len(group)
        return results


def _message(error: ApiError) -> str:
    return f"{error.code} {error.message}".strip() if error.code else error.message
