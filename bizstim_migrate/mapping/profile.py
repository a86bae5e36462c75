"""Value profiles of the raw columns, computed in DuckDB: how many values are
filled, e-mails, phone numbers, dates, times, numbers or flags, how many
distinct values there are, and the most frequent ones for a picklist.

Every raw value is text as Bizstim sent it ("" when empty), so a column's kind
is read from its values, never from its type. A table larger than
SAMPLE_ROWS is profiled on a reproducible sample.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields

import duckdb

from bizstim_migrate.mapping.source import RAW_SCHEMA, column_sql

SAMPLE_ROWS = 200_000
TOP_VALUES = 25  # a column with at most this many distinct values is a picklist candidate

EMAIL_RE = r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
PHONE_RE = r"[+()0-9 .\-/x,]+"
# columns whose values are identifiers, codes or free text by their name
FREE_NAMES = re.compile(r"(^|_)(id|zip|zipcode|postal|code|phone|note|notes|description|"
                        r"comment|address\d?|email|name)$")
FLAG_VALUES = ("0", "1", "true", "false", "yes", "no", "y", "n")


@dataclass
class ColumnProfile:
    table: str
    column: str
    rows: int
    filled: int
    distinct: int
    emails: int  # every comma-separated item is a valid address
    email_like: int  # holds an "@"
    lists: int  # comma-separated
    phones: int
    dates: int
    datetimes: int
    times: int
    integers: int
    decimals: int
    flags: int
    long_values: int  # over 255 characters
    max_length: int
    sampled: bool = False
    top_values: list[tuple[str, int]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.table}.{self.column}"

    def share(self, count: int) -> float:
        return count / self.filled if self.filled else 0.0

    @property
    def kind(self) -> str:
        """email, phone, date, datetime, time, flag, integer, decimal, picklist,
        long_text, text, or empty."""
        if not self.filled:
            return "empty"
        if self.share(self.email_like) >= 0.6 and self.share(self.emails) >= 0.5:
            return "email"
        if self.share(self.dates) >= 0.9:
            return "date"
        if self.share(self.datetimes) >= 0.9:
            return "datetime"
        if self.share(self.times) >= 0.9:
            return "time"
        if self.share(self.flags) >= 0.98 and self.distinct <= 2:
            return "flag"
        if self.share(self.integers) >= 0.95:
            return "picklist" if self._looks_coded() else "integer"
        if self.share(self.decimals) >= 0.95:
            return "decimal"
        if self.share(self.phones) >= 0.6:
            return "phone"
        if self.long_values or self.max_length > 255:
            return "long_text"
        if self._looks_coded():
            return "picklist"
        return "text"

    def _looks_coded(self) -> bool:
        """Few distinct values, each repeated: a status code or a picklist (never
        an id, a code, a phone number or free text, however few their values)."""
        if FREE_NAMES.search(self.column):
            return False
        return (self.distinct <= 20 and self.filled >= 10
                and self.distinct <= max(2, self.filled // 5) and bool(self.top_values))

    def evidence(self) -> str:
        """One sentence on the values, for the map's evidence."""
        if not self.filled:
            return f"all {self.rows} values are empty"
        base = f"{self.filled} of {self.rows} values filled{' (sampled)' if self.sampled else ''}"
        kind = self.kind
        pct = lambda n: f"{round(100 * self.share(n))} %"  # noqa: E731
        if kind == "email":
            text = f"{pct(self.emails)} of values are e-mail addresses"
            if self.lists:
                text += f" ({pct(self.lists)} lists of several)"
            bad = self.email_like - self.emails
            if bad > 0:
                text += f", {pct(bad)} malformed ones"
            return f"{text}; {base}"
        if kind == "phone":
            return f"{pct(self.phones)} of values are phone numbers; {base}"
        if kind in ("date", "datetime"):
            return f"{pct(self.dates if kind == 'date' else self.datetimes)} of values are " \
                   f"{'dates (YYYY-MM-DD)' if kind == 'date' else 'timestamps'}; {base}"
        if kind == "time":
            return f"{pct(self.times)} of values are times of day (HH:MM); {base}"
        if kind in ("integer", "decimal"):
            return f"{pct(self.integers if kind == 'integer' else self.decimals)} of values " \
                   f"are {'whole numbers' if kind == 'integer' else 'numbers'}; {base}"
        if kind in ("flag", "picklist"):
            shown = ", ".join(f"{value!r} {count}" for value, count in self.top_values[:8])
            noun = "value" if self.distinct == 1 else "distinct values"
            return f"{self.distinct} {noun} ({shown}); {base}"
        if kind == "long_text":
            return f"free text up to {self.max_length} characters; {base}"
        return f"text, {self.distinct} distinct values, up to {self.max_length} " \
               f"characters; {base}"


# the measures _METRICS_SQL computes, in its order: the ColumnProfile fields
# between `rows` and `sampled`
_FIELDS = [f.name for f in fields(ColumnProfile)]
METRICS = tuple(_FIELDS[_FIELDS.index("rows") + 1:_FIELDS.index("sampled")])


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


_METRICS_SQL = f"""
    count(v) as filled,
    count(distinct v) as distinct_values,
    count_if(list_bool_and(list_transform(string_split(v, ','),
        lambda x: regexp_full_match(trim(x), '{_sql_text(EMAIL_RE)}')))) as emails,
    count_if(contains(v, '@')) as email_like,
    count_if(contains(v, ',')) as lists,
    count_if(regexp_full_match(v, '{PHONE_RE}')
        and length(regexp_replace(v, '[^0-9]', '', 'g')) >= 7) as phones,
    count_if(regexp_full_match(v, '\\d{{4}}-\\d{{2}}-\\d{{2}}')
        and try_cast(v as date) is not null) as dates,
    count_if(length(v) > 10 and try_cast(v as timestamp) is not null) as datetimes,
    count_if(regexp_full_match(v, '\\d{{1,2}}:\\d{{2}}(:\\d{{2}})?')) as times,
    count_if(regexp_full_match(v, '-?\\d+')) as integers,
    count_if(try_cast(v as double) is not null) as decimals,
    count_if(lower(v) in {FLAG_VALUES!r}) as flags,
    count_if(length(v) > 255) as long_values,
    coalesce(max(length(v)), 0) as max_length
"""


def profile_table(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]
                  ) -> dict[str, ColumnProfile]:
    """One pass over the table, unpivoted to (column, value): every metric per
    column in one aggregate, then the top values of the few-valued columns."""
    if not columns:
        return {}
    relation = f"{RAW_SCHEMA}.{_quote(table)}"
    rows = con.execute(f"select count(*) from {relation}").fetchone()[0]
    sampled = rows > SAMPLE_ROWS
    source = (f"(select * from {relation} using sample reservoir({SAMPLE_ROWS} rows) "
              f"repeatable (42))" if sampled else relation)
    counted = min(rows, SAMPLE_ROWS)
    # '' for null: UNPIVOT leaves nulls out, and a null is as empty as ''
    as_text = ", ".join(f"coalesce(cast({column_sql(c)} as varchar), '') as {_quote(c)}"
                        for c in columns)
    values = (f"with profiled as (select col, nullif(trim(raw), '') as v from "
              f"(unpivot (select {as_text} from {source}) "
              f"on {', '.join(_quote(c) for c in columns)} into name col value raw))")
    metrics = {row[0]: row[1:] for row in con.execute(
        f"{values} select col, {_METRICS_SQL} from profiled group by col").fetchall()}
    top_rows = con.execute(
        f"""{values}
            select col, v, n from (
                select col, v, count(*) as n,
                    row_number() over (partition by col order by count(*) desc, v) as rank
                from profiled
                where v is not null and col in (
                    select col from profiled group by col
                    having count(distinct v) <= {TOP_VALUES})
                group by col, v)
            where rank <= {TOP_VALUES} order by col, n desc, v""").fetchall()
    tops: dict[str, list[tuple[str, int]]] = {}
    for column, value, n in top_rows:
        tops.setdefault(column, []).append((str(value), int(n)))
    profiles = {}
    for column in columns:
        # a column with no rows (an empty table) has no metrics row: every count is 0
        values = metrics.get(column) or (0,) * len(METRICS)
        profile = ColumnProfile(table, column, counted, *[int(m or 0) for m in values],
                                sampled=sampled, top_values=tops.get(column, []))
        profiles[column] = profile
    return profiles


def profile_schema(con: duckdb.DuckDBPyConnection, tables: dict[str, dict[str, str]]
                   ) -> dict[str, ColumnProfile]:
    """Every column's profile, keyed `table.column`."""
    profiles: dict[str, ColumnProfile] = {}
    for table, columns in sorted(tables.items()):
        for column, profile in profile_table(con, table, list(columns)).items():
            profiles[f"{table}.{column}"] = profile
    return profiles


def value_counts(con: duckdb.DuckDBPyConnection, table: str, column: str, lower: bool
                 ) -> list[tuple[str | None, int]]:
    """Counts of each normalised value (trimmed, '' → null, lower-cased if asked)."""
    v = f"nullif(trim(cast({column_sql(column)} as varchar)), '')"
    if lower:
        v = f"lower({v})"
    return [(value, int(n)) for value, n in con.execute(
        f"select {v} as value, count(*) from {RAW_SCHEMA}.{_quote(table)} "
        "group by 1 order by 2 desc, 1 nulls last").fetchall()]
