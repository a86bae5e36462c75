"""The ledger: every write the loader makes, in schema `ledger` of the workspace DuckDB.

It is what makes a load exact:
- resume: a record whose latest action in this run is final is not sent again;
  one left `pending` (the process died between the request and its answer) is
  looked up in the destination by its Bizstim key before anything is re-sent;
- delta: a record is sent only when its payload hash differs from the hash of
  its last successful write;
- rollback: `created` rows are deleted (reverse dependency order), `updated`
  rows get their before-image back, and the after-image hash tells whether a
  person edited the record since.

Tables:
- `runs`: one row per run (destination, the destination account it wrote to,
  mode, status, counts);
- `records`: one row per (run, object, source key): action, destination id,
  payload hash, before-image JSON for updates, after-image hash, error, attempts;
- `phases`: the reconciliation line each phase ends with;
- view `run_summary`: per run and object, how many records took each action;
- `bindings`: the account each destination's loads go to now;
- view `current`: per destination, object and source key, the record as the
  destination holds it according to the ledger (its id and last payload hash),
  for the bound account (view `active_runs`): a workspace pointed at another
  account starts a scope of its own (`load --new-account`) and the old
  account's records stay for analysts.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable

import duckdb
import pyarrow as pa

SCHEMA = "ledger"

# actions that leave the destination holding the record as the payload says
FINAL_OK = ("created", "updated", "unchanged")
FINAL = FINAL_OK + ("failed", "skipped", "deleted", "restored", "edited_since")

# the record as the destination holds it according to the ledger, over `{runs}`
CURRENT_SELECT = """
with ranked as (
    select
        r.destination,
        rec.object,
        rec.source_key,
        rec.destination_id,
        rec.payload_hash,
        rec.action,
        row_number() over (
            partition by r.destination, rec.object, rec.source_key
            order by rec.finished_at desc nulls last, rec.started_at desc
        ) as recency
    from {schema}.records as rec
    inner join {runs} as r on rec.run_id = r.run_id
    where rec.action in ('created', 'updated', 'unchanged', 'deleted', 'restored')
)
select destination, object, source_key, destination_id, payload_hash
from ranked
where recency = 1 and action in ('created', 'updated', 'unchanged', 'restored')
"""

DDL = f"""
create schema if not exists {SCHEMA};
create table if not exists {SCHEMA}.runs (
    run_id varchar primary key,
    destination varchar not null,
    mode varchar not null,
    status varchar not null,
    started_at timestamptz not null,
    finished_at timestamptz,
    extraction_id bigint,
    rollback_of varchar,
    counts varchar,
    message varchar
);
create table if not exists {SCHEMA}.records (
    run_id varchar not null,
    object varchar not null,
    source_key varchar not null,
    destination_id varchar,
    action varchar not null,
    payload_hash varchar,
    before_image varchar,
    after_image_hash varchar,
    error varchar,
    attempts integer not null default 0,
    started_at timestamptz not null,
    finished_at timestamptz,
    primary key (run_id, object, source_key)
);
create table if not exists {SCHEMA}.phases (
    run_id varchar not null,
    phase integer not null,
    object varchar not null,
    expected bigint not null,
    created bigint not null,
    updated bigint not null,
    unchanged bigint not null,
    failed bigint not null,
    skipped bigint not null,
    finished_at timestamptz not null,
    -- records an earlier run wrote whose rows have left the marts since
    not_in_marts bigint not null default 0,
    primary key (run_id, object)
);
create table if not exists {SCHEMA}.progress (
    run_id varchar not null,
    object varchar not null,
    recorded_at timestamptz not null,
    requests_sent bigint,
    records_done bigint not null
);
create table if not exists {SCHEMA}.run_quota (
    run_id varchar primary key,
    requests_per_window bigint not null,
    window_seconds double not null
);
create or replace view {SCHEMA}.run_summary as
select
    run_id,
    object,
    count(*) filter (where action = 'created') as created,
    count(*) filter (where action = 'updated') as updated,
    count(*) filter (where action = 'unchanged') as unchanged,
    count(*) filter (where action = 'failed') as failed,
    count(*) filter (where action = 'skipped') as skipped,
    count(*) filter (where action = 'pending') as pending,
    count(*) filter (where action in ('deleted', 'restored', 'edited_since')) as rolled_back,
    count(*) as records
from {SCHEMA}.records
group by run_id, object;
alter table {SCHEMA}.runs add column if not exists account varchar;
-- the account each destination's loads go to now (a load binds it; another
-- account takes over only with `load --new-account`)
create table if not exists {SCHEMA}.bindings (
    destination varchar primary key,
    account varchar not null,
    bound_at timestamptz not null
);
-- the runs of each destination's bound account
create or replace view {SCHEMA}.active_runs as
select r.*
from {SCHEMA}.runs as r
left join {SCHEMA}.bindings as b on r.destination = b.destination
where b.account is null or r.account is null or r.account = b.account;
create or replace view {SCHEMA}.current as
{CURRENT_SELECT.format(schema=SCHEMA, runs=f'{SCHEMA}.active_runs')};
"""


@dataclass
class RecordResult:
    """What happened to one record in one run."""

    source_key: str
    action: str
    destination_id: str | None = None
    payload_hash: str | None = None
    before_image: dict[str, Any] | None = None
    after_image_hash: str | None = None
    error: str | None = None
    attempts: int = 1


@dataclass
class PhaseLine:
    """The reconciliation line a phase ends with."""

    phase: int
    object: str
    expected: int
    counts: dict[str, int] = field(default_factory=dict)

    def get(self, action: str) -> int:
        return self.counts.get(action, 0)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def new_run_id(destination: str, mode: str) -> str:
    stamp = _now().strftime("%Y%m%dT%H%M%S")
    return f"{stamp}-{destination}-{mode}-{secrets.token_hex(2)}"


class Ledger:
    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        con.execute(DDL)

    # --- runs ---------------------------------------------------------------------
    def start_run(self, destination: str, mode: str, extraction_id: int | None = None,
                  rollback_of: str | None = None, account: str | None = None) -> str:
        run_id = new_run_id(destination, mode)
        self.con.execute(
            f"insert into {SCHEMA}.runs (run_id, destination, mode, status, started_at, "
            "extraction_id, rollback_of, account) values (?, ?, ?, 'running', ?, ?, ?, ?)",
            [run_id, destination, mode, _now(), extraction_id, rollback_of, account],
        )
        return run_id

    def later_loads(self, run_id: str) -> list[str]:
        """Loads of the same destination and account after `run_id` that wrote records
        and are not rolled back: they build on what it wrote (oldest first). A later
        run that wrote nothing (everything unchanged) builds nothing."""
        rows = self.con.execute(
            f"select later.run_id from {SCHEMA}.runs as run join {SCHEMA}.runs as later "
            "on later.destination = run.destination "
            "and later.account is not distinct from run.account "
            "and later.started_at > run.started_at "
            "where run.run_id = ? and later.mode in ('full', 'delta', 'sample') "
            f"and exists (select 1 from {SCHEMA}.records as rec where rec.run_id = later.run_id "
            "and rec.action in ('created', 'updated', 'pending')) "
            f"and not exists (select 1 from {SCHEMA}.runs as undo where undo.mode = 'rollback' "
            "and undo.rollback_of = later.run_id and undo.status = 'succeeded') "
            "order by later.started_at", [run_id]).fetchall()
        return [r[0] for r in rows]

    def rolled_back_by(self, run_id: str) -> str | None:
        """The rollback run that undid `run_id` to its end, if one did."""
        row = self.con.execute(
            f"select run_id from {SCHEMA}.runs where mode = 'rollback' and rollback_of = ? "
            "and status = 'succeeded' order by started_at desc limit 1", [run_id]).fetchone()
        return row[0] if row else None

    def active_account(self, destination: str) -> str | None:
        """The account this workspace's loads of the destination go to (None: none
        bound yet)."""
        row = self.con.execute(f"select account from {SCHEMA}.bindings where destination = ?",
                               [destination]).fetchone()
        return row[0] if row else None

    def bind(self, destination: str, account: str) -> None:
        """From now on the destination's ledger scope is this account's."""
        self.con.execute(
            f"insert into {SCHEMA}.bindings values (?, ?, ?) on conflict (destination) "
            "do update set account = excluded.account, bound_at = excluded.bound_at",
            [destination, account, _now()])

    def adopt_unbound_runs(self, destination: str, account: str) -> int:
        """Runs from before the ledger named accounts belong to the first account a
        load names (the workspace loaded nothing else). Returns how many."""
        count = self.con.execute(
            f"select count(*) from {SCHEMA}.runs where destination = ? and account is null",
            [destination]).fetchone()[0]
        if count:
            self.con.execute(f"update {SCHEMA}.runs set account = ? where destination = ? "
                             "and account is null", [account, destination])
        return count

    def _runs(self, account: str | None) -> tuple[str, list[Any]]:
        """The runs of one account (with its parameter), or of the active account."""
        if account is None:
            return f"{SCHEMA}.active_runs", []
        return f"(select * from {SCHEMA}.runs where account = ?)", [account]

    def resumable_run(self, destination: str, account: str | None = None) -> str | None:
        """The latest run of this destination (and account: the active one unless
        named) that did not finish, if any."""
        runs, params = self._runs(account)
        row = self.con.execute(
            f"select run_id, status from {runs} where destination = ? "
            "and mode in ('full', 'sample', 'delta') order by started_at desc limit 1",
            [*params, destination],
        ).fetchone()
        return row[0] if row and row[1] in ("running", "interrupted") else None

    def finish_run(self, run_id: str, status: str, counts: dict[str, Any] | None = None,
                   message: str | None = None) -> None:
        self.con.execute(
            f"update {SCHEMA}.runs set status = ?, finished_at = ?, counts = ?, message = ? "
            "where run_id = ?",
            [status, _now(), json.dumps(counts or {}), message, run_id],
        )

    def run(self, run_id: str) -> dict[str, Any] | None:
        cursor = self.con.execute(f"select * from {SCHEMA}.runs where run_id = ?", [run_id])
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip([d[0] for d in cursor.description], row))

    def has_finished_load(self, destination: str, account: str | None = None) -> bool:
        """A full or delta load ran to its end (some records may have failed)."""
        runs, params = self._runs(account)
        return self.con.execute(
            f"select count(*) from {runs} where destination = ? "
            "and status in ('succeeded', 'failed') and mode in ('full', 'delta')",
            [*params, destination],
        ).fetchone()[0] > 0

    # --- records ------------------------------------------------------------------
    def mark_pending(self, run_id: str, obj: str, rows: Iterable[tuple[str, str]],
                     before_images: dict[str, dict[str, Any]] | None = None) -> None:
        """Before a request: the records it carries, with their payload hashes and
        the before-image of each record it updates. A process that dies before
        `record` leaves them pending (the first before-image is kept)."""
        rows = list(rows)
        if not rows:
            return
        images = before_images or {}
        batch = pa.table({
            "source_key": pa.array([key for key, _ in rows], pa.string()),
            "payload_hash": pa.array([h for _, h in rows], pa.string()),
            "before_image": pa.array(
                [json.dumps(images[key], sort_keys=True, default=str) if key in images else None
                 for key, _ in rows], pa.string()),
        })
        self._bulk(
            batch,
            f"insert into {SCHEMA}.records (run_id, object, source_key, action, payload_hash, "
            "before_image, attempts, started_at) select $run, $obj, source_key, 'pending', "
            "payload_hash, before_image, 0, $now from batch "
            "on conflict (run_id, object, source_key) do update set "
            "action = 'pending', payload_hash = excluded.payload_hash, "
            "before_image = coalesce(records.before_image, excluded.before_image)",
            {"run": run_id, "obj": obj, "now": _now()},
        )

    def record(self, run_id: str, obj: str, results: Iterable[RecordResult]) -> None:
        results = list(results)
        if not results:
            return
        batch = pa.table({
            "source_key": pa.array([r.source_key for r in results], pa.string()),
            "destination_id": pa.array([r.destination_id for r in results], pa.string()),
            "action": pa.array([r.action for r in results], pa.string()),
            "payload_hash": pa.array([r.payload_hash for r in results], pa.string()),
            "before_image": pa.array(
                [json.dumps(r.before_image, sort_keys=True, default=str)
                 if r.before_image is not None else None for r in results], pa.string()),
            "after_image_hash": pa.array([r.after_image_hash for r in results], pa.string()),
            "error": pa.array([r.error for r in results], pa.string()),
            "attempts": pa.array([r.attempts for r in results], pa.int32()),
        })
        self._bulk(
            batch,
            f"insert into {SCHEMA}.records select $run, $obj, source_key, destination_id, "
            "action, payload_hash, before_image, after_image_hash, error, attempts, $now, $now "
            "from batch "
            "on conflict (run_id, object, source_key) do update set "
            "destination_id = coalesce(excluded.destination_id, records.destination_id), "
            "action = excluded.action, "
            "payload_hash = coalesce(excluded.payload_hash, records.payload_hash), "
            "before_image = coalesce(records.before_image, excluded.before_image), "
            "after_image_hash = excluded.after_image_hash, error = excluded.error, "
            "attempts = records.attempts + excluded.attempts, finished_at = excluded.finished_at",
            {"run": run_id, "obj": obj, "now": _now()},
        )

    def _bulk(self, batch: pa.Table, sql: str, params: dict[str, Any]) -> None:
        """One statement for a whole batch (row-by-row upserts are far too slow)."""
        self.con.register("batch", batch)
        try:
            self.con.execute(sql, params)
        finally:
            self.con.unregister("batch")

    def done_in_run(self, run_id: str, obj: str) -> set[str]:
        """Source keys this run has finished with (resume skips them)."""
        rows = self.con.execute(
            f"select source_key from {SCHEMA}.records where run_id = ? and object = ? "
            f"and action in ({', '.join('?' for _ in FINAL)})",
            [run_id, obj, *FINAL],
        ).fetchall()
        return {r[0] for r in rows}

    def pending_in_run(self, run_id: str, obj: str) -> set[str]:
        """Source keys whose request may or may not have reached the destination."""
        rows = self.con.execute(
            f"select source_key from {SCHEMA}.records where run_id = ? and object = ? "
            "and action = 'pending'", [run_id, obj],
        ).fetchall()
        return {r[0] for r in rows}

    def pending_with_image(self, run_id: str, obj: str) -> set[str]:
        """Pending keys whose record existed before the run (a before-image was kept
        before its request went): a resume updates them, it never created them."""
        rows = self.con.execute(
            f"select source_key from {SCHEMA}.records where run_id = ? and object = ? "
            "and action = 'pending' and before_image is not null", [run_id, obj],
        ).fetchall()
        return {r[0] for r in rows}

    def current(self, destination: str, obj: str, account: str | None = None
                ) -> dict[str, tuple[str, str]]:
        """source key -> (destination id, payload hash) as last written (to the
        active account, or to the one named)."""
        runs, params = self._runs(account)
        rows = self.con.execute(
            f"select source_key, destination_id, payload_hash from "
            f"({CURRENT_SELECT.format(schema=SCHEMA, runs=runs)}) "
            "where destination = ? and object = ?", [*params, destination, obj],
        ).fetchall()
        return {key: (dest_id, payload_hash) for key, dest_id, payload_hash in rows}

    def last_versions(self, destination: str, obj: str, account: str | None = None
                      ) -> dict[str, str]:
        """source key -> the destination version this tool last left the record in
        (after a write or a restore): a record whose version differs was edited by
        someone else since."""
        runs, params = self._runs(account)
        rows = self.con.execute(
            f"select rec.source_key, arg_max(rec.after_image_hash, rec.finished_at) "
            f"from {SCHEMA}.records as rec join {runs} as r using (run_id) "
            "where r.destination = ? and rec.object = ? and rec.after_image_hash is not null "
            "group by rec.source_key", [*params, destination, obj]).fetchall()
        return {key: version for key, version in rows}

    def records_of_run(self, run_id: str, actions: tuple[str, ...]) -> list[dict[str, Any]]:
        cursor = self.con.execute(
            f"select * from {SCHEMA}.records where run_id = ? "
            f"and action in ({', '.join('?' for _ in actions)}) order by started_at",
            [run_id, *actions],
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def quota(self, run_id: str, requests_per_window: int, window_seconds: float) -> None:
        """The destination's published limit the run paced itself under."""
        self.con.execute(f"insert or replace into {SCHEMA}.run_quota values (?, ?, ?)",
                         [run_id, requests_per_window, window_seconds])

    def progress(self, run_id: str, obj: str, requests_sent: int | None,
                 records_done: int) -> None:
        """After each batch: requests so far and records done, for throughput over time."""
        self.con.execute(f"insert into {SCHEMA}.progress values (?, ?, ?, ?, ?)",
                         [run_id, obj, _now(), requests_sent, records_done])

    # --- phases -------------------------------------------------------------------
    def phase_line(self, run_id: str, line: PhaseLine) -> None:
        self.con.execute(
            f"insert or replace into {SCHEMA}.phases values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [run_id, line.phase, line.object, line.expected, line.get("created"),
             line.get("updated"), line.get("unchanged"), line.get("failed"),
             line.get("skipped"), _now(), line.get("not_in_marts")],
        )

    def counts_in_run(self, run_id: str, obj: str) -> dict[str, int]:
        rows = self.con.execute(
            f"select action, count(*) from {SCHEMA}.records where run_id = ? and object = ? "
            "group by action", [run_id, obj],
        ).fetchall()
        return {action: n for action, n in rows}
