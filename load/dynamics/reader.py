"""Bulk reads: the destination's state for many records in few requests.

Records are found by the value of one column (an alternate key, a primary
id, a name, a lookup): up to `KEY_FILTER_CHUNK` values or-chained in one
`$filter`, several such GETs in one `$batch` (so a thousand keys cost one
request, and no URL grows long); from `FULL_LISTING_AT` values on, every
record carrying a value in that column is listed instead, 5000 a page.
"""

from __future__ import annotations

from typing import Any, Iterable
from urllib.parse import quote

from load.dynamics import settings
from load.dynamics.odata import BatchOp, DataverseClient, key_literal, prefer
from load.http import ApiError


def literal(value: Any) -> str:
    """A `$filter` literal: guids bare, text quoted."""
    text = str(value)
    if _is_guid(text):
        return text
    return key_literal(text)


def _is_guid(text: str) -> bool:
    parts = text.split("-")
    return len(text) == 36 and [len(p) for p in parts] == [8, 4, 4, 4, 12] and all(
        c in "0123456789abcdefABCDEF" for p in parts for c in p)


def clean(record: dict[str, Any]) -> dict[str, Any]:
    """A record without OData control annotations (lookup target names stay)."""
    return {k: v for k, v in record.items()
            if not k.startswith("@") and "@odata." not in k}


def fold(value: Any) -> str:
    """How the service compares key values (case-insensitive)."""
    return str(value).casefold()


class Reader:
    def __init__(self, client: DataverseClient) -> None:
        self.client = client

    def by_values(self, entity_set: str, column: str, values: Iterable[Any],
                  select: list[str], *, chunk: int = settings.KEY_FILTER_CHUNK,
                  lookup_names: bool = True) -> dict[str, list[dict[str, Any]]]:
        """value (case-folded) -> the records holding it in `column`."""
        wanted = list(dict.fromkeys(str(v) for v in values if v is not None))
        if not wanted:
            return {}
        select = list(dict.fromkeys([*select, column]))
        if len(wanted) >= settings.FULL_LISTING_AT:
            rows = self.client.get_all(entity_set, select=select, filter_=f"{column} ne null",
                                       lookup_names=lookup_names)
            keep = {fold(v) for v in wanted}
            rows = [r for r in rows if fold(r.get(column)) in keep]
        else:
            filters = [" or ".join(f"{column} eq {literal(v)}" for v in wanted[i:i + chunk])
                       for i in range(0, len(wanted), chunk)]
            rows = self._filtered(entity_set, select, filters, lookup_names)
        found: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            found.setdefault(fold(row.get(column)), []).append(clean(row))
        return found

    def by_values_in(self, queries: list[tuple[str, str, list[str]]], values: Iterable[Any]
                     ) -> dict[tuple[str, str], dict[str, list[dict[str, Any]]]]:
        """`by_values` for several (entity set, column, select) at once: their filters
        go in one `$batch` (a listing each when there are many values)."""
        wanted = list(dict.fromkeys(str(v) for v in values if v is not None))
        if not wanted or not queries:
            return {}
        if len(wanted) >= settings.FULL_LISTING_AT:
            return {(s, c): self.by_values(s, c, wanted, select, lookup_names=False)
                    for s, c, select in queries}
        chunks = [wanted[i:i + settings.KEY_FILTER_CHUNK]
                  for i in range(0, len(wanted), settings.KEY_FILTER_CHUNK)]
        ops, owners = [], []
        header = {"Prefer": prefer(page_size=settings.PAGE_SIZE)}
        for entity_set, column, select in queries:
            chosen = quote(",".join(dict.fromkeys([*select, column])), safe=",")
            for chunk in chunks:
                condition = " or ".join(f"{column} eq {literal(v)}" for v in chunk)
                ops.append(BatchOp("GET", f"{entity_set}?$select={chosen}"
                                          f"&$filter={quote(condition, safe='')}",
                                   headers=dict(header)))
                owners.append((entity_set, column))
        found: dict[tuple[str, str], dict[str, list[dict[str, Any]]]] = {}
        for start in range(0, len(ops), settings.MAX_BATCH_REQUESTS):
            group = ops[start:start + settings.MAX_BATCH_REQUESTS]
            for owner, result in zip(owners[start:], self.client.batch(group)):
                if not result.ok:
                    raise ApiError(result.status, f"reading {owner[0]}: {result.error}")
                rows = (result.body or {}).get("value", [])
                for row in rows:  # a chunk of KEY_FILTER_CHUNK never fills a page
                    found.setdefault(owner, {}).setdefault(
                        fold(row.get(owner[1])), []).append(clean(row))
        return found

    def any_of(self, entity_set: str, terms: list[tuple[str, Any]], select: list[str]
               ) -> list[dict[str, Any]]:
        """Records matching any (column, value) term, in as few requests as can be."""
        conditions = [f"{column} eq {literal(value)}" for column, value in terms]
        chunk = settings.KEY_FILTER_CHUNK
        filters = [" or ".join(conditions[i:i + chunk]) for i in range(0, len(conditions), chunk)]
        return [clean(r) for r in self._filtered(entity_set, select, filters, True)] \
            if filters else []

    def _filtered(self, entity_set: str, select: list[str], filters: list[str],
                  lookup_names: bool) -> list[dict[str, Any]]:
        if len(filters) == 1:
            return self.client.get_all(entity_set, select=select, filter_=filters[0],
                                       lookup_names=lookup_names)
        rows: list[dict[str, Any]] = []
        header = {"Prefer": prefer(page_size=settings.PAGE_SIZE, lookup_names=lookup_names)}
        for start in range(0, len(filters), settings.MAX_BATCH_REQUESTS):
            group = filters[start:start + settings.MAX_BATCH_REQUESTS]
            ops = [BatchOp("GET", f"{entity_set}?$select={quote(','.join(select), safe=',')}"
                                  f"&$filter={quote(f, safe='')}", headers=dict(header))
                   for f in group]
            for op, result in zip(ops, self.client.batch(ops)):
                if not result.ok:
                    raise ApiError(result.status, f"reading {entity_set}: {result.error}")
                page = result.body or {}
                rows.extend(page.get("value", []))
                next_link = page.get("@odata.nextLink")
                while next_link:  # a chunk never fills a page; follow one anyway
                    page = self.client.http.request("GET", next_link, headers=header).json()
                    rows.extend(page.get("value", []))
                    next_link = page.get("@odata.nextLink")
        return rows

    def one(self, entity_set: str, record_id: str, select: list[str]) -> dict[str, Any] | None:
        """One record by id (None when gone), lookups with their target table."""
        try:
            body = self.client.get(f"{entity_set}({record_id})",
                                   {"$select": ",".join(select)},
                                   {"Prefer": prefer(lookup_names=True)})
        except ApiError as error:
            if error.status == 404:
                return None
            raise
        return clean(body)
