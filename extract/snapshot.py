"""Close an extraction: snapshot hashes, the delta, and vanished records.

Bizstim records carry no timestamps and the API has no change filter, so a
cutover delta can only be the difference between two full extractions. A
record's hash covers its non-empty source fields (sorted by name), so a new
custom field that is empty everywhere changes no hash, while any real edit
does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from extract import settings
from extract.warehouse import RAW_SCHEMA, existing_tables, quote_identifier, source_columns


@dataclass
class DeltaSummary:
    previous_extraction_id: int | None
    per_object: dict[str, dict[str, int]] = field(default_factory=dict)

    def total(self, change: str) -> int:
        return sum(counts.get(change, 0) for counts in self.per_object.values())


def record_hash_sql(columns: list[str]) -> str:
    terms = [
        f"case when {quote_identifier(c)} is null or {quote_identifier(c)} = '' then null "
        f"else '{c.replace(chr(39), chr(39) * 2)}' || chr(31) || {quote_identifier(c)} end"
        for c in columns
    ]
    if not terms:
        return "md5('')"
    return f"md5(concat_ws(chr(30), {', '.join(terms)}))"


def finalize(con: duckdb.DuckDBPyConnection, tables: list[str], extraction_id: int,
             previous_id: int | None) -> DeltaSummary:
    """Hash the records this extraction saw, compute the delta against the
    previous successful extraction, and remove vanished records from the raw
    tables (kept as JSON in `_delta`). Safe to run again after a crash."""
    summary = DeltaSummary(previous_extraction_id=previous_id)
    for table in tables:
        qt = f"{RAW_SCHEMA}.{quote_identifier(table)}"
        if con.execute(
            f"select 1 from {RAW_SCHEMA}._finalized_tables where extraction_id = ? and object = ?",
            [extraction_id, table],
        ).fetchone():
            # closed by an attempt killed before the whole extraction was:
            # computing it again would lose the vanished records' JSON
            if previous_id is not None:
                summary.per_object[table] = _delta_counts(con, table, extraction_id)
            continue
        con.execute("begin transaction")
        try:
            _set_aside_vanished(con, qt, table, extraction_id)
            con.execute(
                f"delete from {RAW_SCHEMA}._record_hashes where extraction_id = ? and object = ?",
                [extraction_id, table],
            )
            con.execute(
                f"insert into {RAW_SCHEMA}._record_hashes "
                f"select ?, ?, id, {record_hash_sql(source_columns(con, table))} "
                f"from {qt} where _extraction_id = ?",
                [extraction_id, table, extraction_id],
            )
            if previous_id is not None:
                summary.per_object[table] = _delta(con, qt, table, extraction_id, previous_id)
            con.execute(f"delete from {qt} where _extraction_id <> ?", [extraction_id])
            con.execute(f"insert into {RAW_SCHEMA}._finalized_tables values (?, ?)",
                        [extraction_id, table])
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    return summary


def _set_aside_vanished(con: duckdb.DuckDBPyConnection, qt: str, table: str,
                        extraction_id: int) -> None:
    """Records of `table` that vanished during this extraction (a read keyed by
    their id answered 404, and so did the record: `vanished` rows in the fetch
    log) leave this extraction's snapshot: their last JSON and the reason go to
    `_vanished_records`, so they can neither load as live nor count as seen."""
    methods = settings.VANISHED_REFS.get(table, ())
    if not methods or settings.FETCH_LOG_TABLE not in existing_tables(con):
        return
    con.execute(f"delete from {RAW_SCHEMA}._vanished_records "
                "where extraction_id = ? and object = ?", [extraction_id, table])
    log = (f"from {RAW_SCHEMA}.{settings.FETCH_LOG_TABLE} f where f._extraction_id = $x "
           "and f.status = 'vanished' and f.endpoint in "
           f"({', '.join(chr(39) + m + chr(39) for m in methods)})")
    reason = f"(select min(f.message) {log} and f.ref = r.id)"
    with_parent = ""
    if table in settings.VANISHED_WITH_PARENT:
        column, parent = settings.VANISHED_WITH_PARENT[table]
        reason = (f"coalesce({reason}, '{parent} ' || r.{quote_identifier(column)} || "
                  f"' vanished during the extraction, and this record with it')")
        with_parent = (f" or r.{quote_identifier(column)} in (select id from "
                       f"{RAW_SCHEMA}._vanished_records where extraction_id = $x "
                       f"and object = '{parent}')")
    con.execute(
        f"""
        insert into {RAW_SCHEMA}._vanished_records
        select $x, $t, r.id, {reason}, to_json(r)
        from {qt} r
        where r._extraction_id = $x and (r.id in (select f.ref {log}){with_parent})
        """,
        {"x": extraction_id, "t": table},
    )
    con.execute(
        f"delete from {qt} where _extraction_id = $x and id in (select id from "
        f"{RAW_SCHEMA}._vanished_records where extraction_id = $x and object = $t)",
        {"x": extraction_id, "t": table},
    )


def _delta(con: duckdb.DuckDBPyConnection, qt: str, table: str, extraction_id: int,
           previous_id: int) -> dict[str, int]:
    con.execute(
        f"delete from {RAW_SCHEMA}._delta where extraction_id = ? and object = ?",
        [extraction_id, table],
    )
    con.execute(
        f"""
        insert into {RAW_SCHEMA}._delta
        with cur as (
            select id, record_hash from {RAW_SCHEMA}._record_hashes
            where extraction_id = $x and object = $t
        ), prev as (
            select id, record_hash from {RAW_SCHEMA}._record_hashes
            where extraction_id = $p and object = $t
        )
        select $x, $p, $t, coalesce(cur.id, prev.id),
            case when prev.id is null then 'new'
                 when cur.id is null then 'vanished'
                 else 'changed' end,
            case when cur.id is null then coalesce((
                select to_json(r) from {qt} r where r.id = prev.id limit 1
            ), (
                select v.record_json from {RAW_SCHEMA}._vanished_records v
                where v.extraction_id = $x and v.object = $t and v.id = prev.id limit 1
            )) end
        from cur full outer join prev on cur.id = prev.id
        where prev.id is null or cur.id is null or cur.record_hash <> prev.record_hash
        """,
        {"x": extraction_id, "p": previous_id, "t": table},
    )
    return _delta_counts(con, table, extraction_id)


def _delta_counts(con: duckdb.DuckDBPyConnection, table: str, extraction_id: int
                  ) -> dict[str, int]:
    rows = con.execute(
        f"select change, count(*) from {RAW_SCHEMA}._delta "
        "where extraction_id = ? and object = ? group by change",
        [extraction_id, table],
    ).fetchall()
    return {change: n for change, n in rows}
