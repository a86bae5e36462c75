"""GET on entity sets: `$select`, `$filter`, `$orderby`, `$top`, `$count` and paging.

Documented (page-results.md, query-data-web-api.md): up to 5,000 rows a page
(`Prefer: odata.maxpagesize=N`, never more than 5,000), `@odata.nextLink`
carrying a `$skiptoken` paging cookie to use unchanged, `Preference-Applied`
echoing the page size, `$top` ignored when a page size is asked for, `$skip`
not supported, `$count` capped at 5,000. Without `$orderby`, rows come in
primary-key order and the cookie remembers the last key, so rows created
while paging never shift a page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from sandbox.dynamics import errors, filter as odata_filter, settings
from sandbox.dynamics.entities import Table
from sandbox.dynamics.odata import KeySpec, Prefer, make_skiptoken, read_skiptoken, single
from sandbox.dynamics.records import Context, Records
from sandbox.dynamics.store import Row

_COLLECTION_OPTIONS = {"$select", "$filter", "$orderby", "$top", "$count", "$skiptoken"}
_SINGLE_OPTIONS = {"$select"}


def _type_name(table: Table) -> str:
    return f"{settings.SERVICE_NAMESPACE}.{table.logical_name}"


def check_options(query: dict[str, list[str]], allowed: set[str]) -> None:
    for name in query:
        if name == "$skip":  # documented: Dataverse does not support $skip
            raise errors.bad_query(f"The query parameter {name} is not supported")
        if name.startswith("$") and name not in allowed:
            raise errors.bad_query(f"The query option {name} is not simulated by this sandbox (or not valid "
                                   "here); the real service may accept it.")
        if name.startswith("@"):
            raise errors.bad_query(f"The parameter alias {name} is not simulated by this sandbox.")


def parse_select(table: Table, text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = [part.strip() for part in text.split(",") if part.strip()]
    readable = table.value_names()
    for name in names:
        if name not in readable:
            raise errors.bad_query(f"Could not find a property named '{name}' on type '{_type_name(table)}'.")
    return names


def read_one(records: Records, table: Table, key: KeySpec, query: dict[str, list[str]], ctx: Context) -> dict:
    check_options(query, _SINGLE_OPTIONS)
    select = parse_select(table, single(query, "$select"))
    ctx.exec_ms += ctx.costs["read"]
    with records.store.lock:
        row_id = records.locate(table, key)
        row = records.store.get(table.logical_name, row_id) if row_id else None
        if row is None:
            raise records.not_found(table, key)
        body = records.render(table, row, select, ctx.prefer.annotations)
    context = f"{ctx.api_base}/$metadata#{table.entity_set}" + (f"({','.join(select)})" if select else "")
    return {"@odata.context": context + "/$entity", **body}


def _matching_rows(records: Records, table: Table, tree: Any) -> list[Row]:
    rows = records.store.table_rows(table.logical_name)
    if tree is None:
        return list(rows.values())
    terms = odata_filter.equality_terms(tree)
    alternatives = [] if terms else odata_filter.alternative_terms(tree)
    if terms:
        candidate_sets = [records.store.eq_lookup(table.logical_name, name, value) for name, value in terms]
        candidates = min(candidate_sets, key=len)
        selected = (rows[i] for i in candidates if i in rows)
    elif alternatives:  # an or-chain of keys: the union of the index hits, as an indexed server reads it
        candidates = set().union(*(records.store.eq_lookup(table.logical_name, name, value)
                                   for name, value in alternatives))
        selected = (rows[i] for i in sorted(candidates) if i in rows)
    else:
        selected = iter(rows.values())
    return [row for row in selected if odata_filter.evaluate(tree, row)]


def read_many(records: Records, table: Table, query: dict[str, list[str]], ctx: Context) -> tuple[dict, list]:
    """The response body and extra headers for GET /<entityset>."""
    check_options(query, _COLLECTION_OPTIONS)
    select = parse_select(table, single(query, "$select"))
    readable = table.value_names()
    filter_text = single(query, "$filter")
    tree = odata_filter.parse(filter_text, readable.__contains__, _type_name(table)) if filter_text else None
    order = _parse_orderby(table, single(query, "$orderby"))
    top = _parse_int(single(query, "$top"), "$top")
    count = (single(query, "$count") or "false").lower() == "true"
    prefer: Prefer = ctx.prefer
    headers = []
    page_size = settings.DEFAULT_PAGE_SIZE
    if prefer.max_page_size is not None:
        page_size = max(1, min(prefer.max_page_size, settings.MAX_PAGE_SIZE))
        headers.append(("Preference-Applied", f"odata.maxpagesize={page_size}"))
        if settings.TOP_IGNORED_WITH_MAXPAGESIZE:
            top = None
    token = single(query, "$skiptoken")
    page_number, last_id = read_skiptoken(token) if token else (1, None)
    ctx.exec_ms += ctx.costs["read"]

    with records.store.lock:
        rows = _matching_rows(records, table, tree)
        total = len(rows)
        primary = table.primary_id
        if order:
            rows.sort(key=lambda r: r[primary])
            for name, descending in reversed(order):  # stable sorts, last key first, for asc/desc mixes
                rows.sort(key=lambda r, n=name: (r.get(n) is not None, odata_filter.comparable(r.get(n))),
                          reverse=descending)
            start = (page_number - 1) * page_size
            remaining = rows[start:]
        else:
            rows.sort(key=lambda r: r[primary])
            remaining = [r for r in rows if last_id is None or r[primary] > last_id]
        limit = min(top, settings.MAX_PAGE_SIZE) if top is not None else page_size
        page = remaining[:limit]
        more = top is None and len(remaining) > len(page)
        values = [records.render(table, row, select, prefer.annotations) for row in page]

    context = f"{ctx.api_base}/$metadata#{table.entity_set}" + (f"({','.join(select)})" if select else "")
    body: dict[str, Any] = {"@odata.context": context}
    if count:
        body["@odata.count"] = min(total, settings.MAX_COUNT)
    body["value"] = values
    if more and page:
        cookie = make_skiptoken(page_number + 1, page[0][primary], page[-1][primary])
        others = [(name, value) for name, values_ in query.items() if name != "$skiptoken" for value in values_]
        parts = [f"{quote(name, safe='$')}={quote(value, safe=chr(39) + ',()=:/@')}" for name, value in others]
        parts.append(f"$skiptoken={quote(cookie, safe='')}")
        body["@odata.nextLink"] = f"{ctx.api_base}/{table.entity_set}?" + "&".join(parts)
    return body, headers


def count_rows(records: Records, table: Table, ctx: Context) -> int:
    ctx.exec_ms += ctx.costs["read"]
    with records.store.lock:
        return min(len(records.store.table_rows(table.logical_name)), settings.MAX_COUNT)


def _parse_int(text: str | None, name: str) -> int | None:
    if text is None:
        return None
    if not text.isdigit() or int(text) <= 0:
        raise errors.bad_query(f"Invalid value '{text}' for {name} query option found. The {name} query option "
                               "requires a non-negative integer value.")
    return int(text)


def _parse_orderby(table: Table, text: str | None) -> list[tuple[str, bool]]:
    if text is None:
        return []
    readable = table.value_names()
    order = []
    for part in text.split(","):
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise errors.bad_query(f"Bad Request - Error in query syntax: '$orderby={text}'.")
        if words[0] not in readable:
            raise errors.bad_query(f"Could not find a property named '{words[0]}' on type '{_type_name(table)}'.")
        order.append((words[0], len(words) == 2 and words[1].lower() == "desc"))
    return order
