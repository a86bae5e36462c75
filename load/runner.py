"""Phases, modes, resume, verify and rollback, for any destination writer.

A load walks the writer's objects in dependency order. For each object it
reads the destination-shaped mart, hashes every row's payload, and sends only
what the ledger says is not already in the destination as it should be:
- a row whose last successful write carried the same payload hash is
  `unchanged` (so a second run writes nothing, and a delta sends only what
  changed);
- a row this run already finished is skipped (resume);
- a row left `pending` by a killed run is looked up by its Bizstim key first,
  so its create is never repeated.
Each phase ends with a reconciliation line (expected, created, updated,
unchanged, failed, skipped) in the ledger and on the terminal before the next
phase starts.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import duckdb

from load.errors import ApiError, LoadRefused  # noqa: F401 - LoadRefused raised here
from load.ledger import Ledger, PhaseLine, RecordResult
from load.model import ObjectSpec, WriteBatch, Writer
from load.payload import payload_hash, plain_row

MODES = ("full", "delta", "sample", "dry-run")


class Observer:
    """Progress and reconciliation lines; the CLI renders them."""

    def phase_started(self, index: int, spec: ObjectSpec, to_send: int) -> None:
        pass

    def advance(self, spec: ObjectSpec, n: int) -> None:
        pass

    def phase_finished(self, line: PhaseLine) -> None:
        pass


@dataclass
class LoadReport:
    run_id: str | None
    mode: str
    resumed: bool = False
    lines: list[PhaseLine] = field(default_factory=list)
    dry_run: dict[str, dict[str, int]] = field(default_factory=dict)
    account: str | None = None  # the destination account written to
    notes: list[str] = field(default_factory=list)  # what a person should know
    # resync: per object, records the ledger names that the destination no longer
    # holds (recreated) and records a person changed there since (listed; rewritten
    # only with overwrite_edits)
    drift: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    @property
    def failed(self) -> int:
        return sum(line.get("failed") for line in self.lines)


@dataclass
class RollbackReport:
    run_id: str
    rolled_back: str
    deleted: int = 0
    restored: int = 0
    edited_since: list[dict[str, Any]] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    nothing_to_undo: bool = False  # an earlier rollback (run_id) already undid it
    # records left in place because the destination holds records pointing at them
    # that the run did not create (deleting would take those with them)
    kept: list[dict[str, Any]] = field(default_factory=list)
    cascaded: list["RollbackReport"] = field(default_factory=list)  # later runs undone first


@dataclass
class VerifyReport:
    checked: dict[str, int] = field(default_factory=dict)
    differences: list[dict[str, Any]] = field(default_factory=list)
    missing: list[dict[str, Any]] = field(default_factory=list)


class Runner:
    def __init__(self, con: duckdb.DuckDBPyConnection, writer: Writer,
                 observer: Observer | None = None,
                 gate: Callable[[], list[str]] | None = None) -> None:
        self.con = con
        self.writer = writer
        self.ledger = Ledger(con)
        self.observer = observer or Observer()
        self.gate = gate or (lambda: [])
        self.destination = writer.destination
        self.account: str | None = None  # bound by load()
        self.resync = False
        self.overwrite_edits = False
        self._drift: dict[str, dict[str, list[str]]] = {}  # what a resync found, per object

    # --- load -----------------------------------------------------------------------
    def load(self, *, sample: int | None = None, dry_run: bool = False,
             only: str | None = None, extraction_id: int | None = None,
             seed: int = 0, new_account: bool = False, resync: bool = False,
             overwrite_edits: bool = False) -> LoadReport:
        """`new_account`: the destination is another account than the ledger's (a
        fresh scope for it); `resync`: re-read every record the ledger names,
        recreate what was deleted there and list what people changed
        (`overwrite_edits` rewrites those too)."""
        problems = self.gate() + self.writer.preflight()
        if problems:
            raise LoadRefused("\n".join(problems))
        notes = self._bind_account(new_account)
        self.resync, self.overwrite_edits, self._drift = resync, overwrite_edits, {}
        specs = self._specs(only)
        if dry_run:
            report = self._dry_run(specs)
            report.account, report.notes = self.account, notes
            return report
        resumed_run = self.ledger.resumable_run(self.destination, self.account)
        if resumed_run is not None:
            run_id, mode = resumed_run, self.ledger.run(resumed_run)["mode"]
        else:
            mode = "sample" if sample else (
                "delta" if self.ledger.has_finished_load(self.destination, self.account)
                else "full")
            run_id = self.ledger.start_run(self.destination, mode, extraction_id,
                                           account=self.account)
        report = LoadReport(run_id=run_id, mode=mode, resumed=resumed_run is not None,
                            account=self.account, notes=notes)
        quota = self.writer.quota()
        if quota is not None:
            self.ledger.quota(run_id, *quota)
        selection = self._sample_selection(sample, seed) if mode == "sample" and sample else None
        try:
            for index, spec in enumerate(specs, start=1):
                rows = self._rows(spec)
                if selection is not None:
                    rows = [r for r in rows if str(r[spec.key]) in selection.get(spec.name, ())]
                report.lines.append(self._phase(run_id, index, spec, rows))
        except BaseException as error:
            # a crash or an interrupt: the run stays resumable
            self.ledger.finish_run(run_id, "interrupted", message=type(error).__name__)
            raise
        report.drift = dict(self._drift)
        status = "failed" if report.failed else "succeeded"
        self.ledger.finish_run(run_id, status, {
            line.object: line.counts for line in report.lines})
        return report

    def _bind_account(self, new_account: bool) -> list[str]:
        """The ledger names the account it wrote to; a load against another one
        refuses (it would skip records the ledger thinks are there) unless the
        person says it is a new account. Returns notes for the report."""
        self.account = self.writer.account()
        bound = self.ledger.active_account(self.destination)
        if bound is None:
            adopted = self.ledger.adopt_unbound_runs(self.destination, self.account)
            self.ledger.bind(self.destination, self.account)
            return [f"{adopted} earlier runs (from before the ledger named accounts) are "
                    f"taken as {self.account}'s."] if adopted else []
        if bound == self.account:
            return []
        if new_account:
            # the ledger's scope (what it calls loaded) is this account's from now on
            self.ledger.bind(self.destination, self.account)
        else:
            raise LoadRefused(
                f"This workspace's ledger belongs to the {self.destination} account {bound}, "
                f"but the credentials now point at {self.account}: run `load --new-account` "
                f"to start a ledger for {self.account} (what was loaded into {bound} stays in "
                "the ledger), or point the credentials back at it.")
        return [f"New account {self.account}: its own ledger scope; the records loaded into "
                f"{bound} stay in the ledger (ledger.runs.account) for analysts."]

    def _specs(self, only: str | None) -> list[ObjectSpec]:
        specs = self.writer.objects()
        if only is None:
            return specs
        chosen = [s for s in specs if s.name == only]
        if not chosen:
            raise LoadRefused(f"--only {only!r} is not a phase; phases: "
                              f"{', '.join(s.name for s in specs)}")
        return chosen

    def _rows(self, spec: ObjectSpec) -> list[dict[str, Any]]:
        cursor = self.con.execute(f"select * from {spec.mart}")
        names = [d[0] for d in cursor.description]
        rows = [plain_row(dict(zip(names, values))) for values in cursor.fetchall()]
        keys = [str(r[spec.key]) for r in rows]
        if len(keys) != len(set(keys)):
            raise LoadRefused(f"{spec.mart} has duplicate {spec.key} values: the dbt gate "
                              "should have caught this; run `bizstim-migrate transform`.")
        return rows

    def _phase(self, run_id: str, index: int, spec: ObjectSpec,
               rows: list[dict[str, Any]]) -> PhaseLine:
        hashes = {str(r[spec.key]): payload_hash(r) for r in rows}
        done = self.ledger.done_in_run(run_id, spec.name)
        current = self.ledger.current(self.destination, spec.name, self.account)
        pending = self.ledger.pending_in_run(run_id, spec.name) - done
        force: set[str] = set()
        if self.resync:
            current, force = self._resync(spec, current, done)
            # a record whose parent was created again points at the parent's old id:
            # it is written again, with the new one
            recreated = {p.parent: set(self._drift.get(p.parent, {}).get("missing", ()))
                         for p in spec.parents}
            force |= {str(row[spec.key]) for row in rows for p in spec.parents
                      if any(k in recreated[p.parent] for k in p.keys_in(row))}

        unchanged, to_write = [], []
        for row in rows:
            key = str(row[spec.key])
            if key in done:
                continue
            known = current.get(key)
            if known is not None and known[1] == hashes[key] and key not in pending \
                    and key not in force:
                unchanged.append(RecordResult(key, "unchanged", known[0], hashes[key],
                                              attempts=0))
            else:
                to_write.append(row)
        self.ledger.record(run_id, spec.name, unchanged)

        if to_write or pending:
            self._prepare(spec, sorted({str(r[spec.key]) for r in to_write} | pending))
        found = self.writer.lookup(spec, sorted(pending)) if pending else {}
        existing = {k: v[0] for k, v in current.items()}
        # a pending record with a before-image existed before this run (an earlier
        # run's, or the customer's own): an update of it; the others it created
        had_image = self.ledger.pending_with_image(run_id, spec.name) if pending else set()
        existing |= {k: v for k, v in found.items() if k in had_image and k not in existing}
        resumed = {k: v for k, v in found.items() if k not in existing}

        parent_ids = {p.parent: {k: v[0] for k, v in self.ledger.current(
                          self.destination, p.parent, self.account).items()}
                      for p in spec.parents}
        ready, orphans = [], []
        for row in to_write:
            missing = [(p, k) for p in spec.parents if p.required
                       for k in p.keys_in(row) if k not in parent_ids[p.parent]]
            (orphans if missing else ready).append((row, missing))
        self.ledger.record(run_id, spec.name, [
            RecordResult(str(row[spec.key]), "skipped", payload_hash=hashes[str(row[spec.key])],
                         error="; ".join(f"its {p.parent} record {k} is not in "
                                         f"{self.destination}" for p, k in missing), attempts=0)
            for row, missing in orphans
        ])

        self.observer.phase_started(index, spec, len(ready))
        done_so_far = 0
        for start in range(0, len(ready), spec.batch_size):
            chunk = [row for row, _ in ready[start:start + spec.batch_size]]
            keys = [str(r[spec.key]) for r in chunk]
            updates = {k: existing[k] for k in keys if k in existing}
            # before-images of every record the write may change: those the ledger
            # knows and those the destination held before any run of ours (the writer
            # finds them by key: id None); never of one this run created
            ask = {k: existing.get(k) for k in keys if k not in resumed}
            images = self._before_images(spec, ask) if ask else {}
            self.ledger.mark_pending(run_id, spec.name, [(k, hashes[k]) for k in keys], images)
            results = self.writer.write(WriteBatch(
                spec=spec, rows=chunk, hashes={k: hashes[k] for k in keys},
                existing=updates, parent_ids=parent_ids,
                resumed={k: resumed[k] for k in keys if k in resumed},
            ))
            self._check_results(spec, keys, results)
            self.ledger.record(run_id, spec.name, results)
            done_so_far += len(chunk)
            self.ledger.progress(run_id, spec.name, self._requests_sent(), done_so_far)
            self.observer.advance(spec, len(chunk))

        counts = self.ledger.counts_in_run(run_id, spec.name)
        # in the destination from an earlier run, gone from the marts since (deleted
        # or newly quarantined in Bizstim): reported, never deleted by a load
        counts["not_in_marts"] = len(set(current) - set(hashes))
        line = PhaseLine(index, spec.name, expected=len(rows), counts=counts)
        self.ledger.phase_line(run_id, line)
        self.observer.phase_finished(line)
        return line

    def _resync(self, spec: ObjectSpec, current: dict[str, tuple[str, str]], done: set[str]
                ) -> tuple[dict[str, tuple[str, str]], set[str]]:
        """Read back every record the ledger names (in bulk where the writer can):
        one the destination no longer holds leaves `current`, so the write creates it
        again; one a person changed since is listed, and rewritten (`force`) only with
        overwrite_edits: after go-live a person's edit wins."""
        ids = {k: v[0] for k, v in current.items() if k not in done}
        present = self.writer.current_versions(spec, list(ids.values())) if ids else {}
        ours = self.ledger.last_versions(self.destination, spec.name, self.account)
        missing = sorted(k for k, i in ids.items() if i not in present)
        edited = sorted(k for k, i in ids.items() if i in present and ours.get(k)
                        and present[i] != ours[k])
        if missing or edited:
            self._drift[spec.name] = {"missing": missing, "edited": edited}
        kept = {k: v for k, v in current.items() if k not in set(missing)}
        return kept, set(edited) if self.overwrite_edits else set()

    def _requests_sent(self) -> int | None:
        """The writer's request count so far, if it keeps one."""
        return self.writer.requests_sent

    def _before_images(self, spec: ObjectSpec, ids: dict[str, str]) -> dict[str, dict[str, Any]]:
        return self.writer.before_images(spec, ids) or {}

    def _prepare(self, spec: ObjectSpec, keys: list[str]) -> None:
        self.writer.prepare(spec, keys)

    @staticmethod
    def _check_results(spec: ObjectSpec, keys: list[str], results: list[RecordResult]) -> None:
        answered = sorted(r.source_key for r in results)
        if answered != sorted(keys):
            raise RuntimeError(f"writer for {spec.name} answered for {len(answered)} of "
                               f"{len(keys)} records: every record needs a result")

    def _dry_run(self, specs: list[ObjectSpec]) -> LoadReport:
        """What a load would do, from the ledger and a read of the destination: a
        record the ledger calls unchanged or to update is confirmed present (bulk
        reads); one the destination no longer holds is a create."""
        report = LoadReport(run_id=None, mode="dry-run")
        for spec in specs:
            rows = self._rows(spec)
            current = self.ledger.current(self.destination, spec.name, self.account)
            keys = [str(r[spec.key]) for r in rows]
            ledger_ids = {k: current[k][0] for k in keys if k in current}
            present = self.writer.current_versions(spec, list(ledger_ids.values())) \
                if ledger_ids else {}
            unknown = [k for k in keys if k not in ledger_ids]
            if unknown:
                self._prepare(spec, unknown)
            in_destination = self.writer.lookup(spec, unknown) if unknown else {}
            counts = {"create": 0, "update": 0, "unchanged": 0, "missing": 0}
            for row in rows:
                key = str(row[spec.key])
                known = current.get(key)
                if key in ledger_ids and ledger_ids[key] not in present:
                    counts["create"] += 1
                    counts["missing"] += 1  # create (missing in the destination)
                elif known is not None and known[1] == payload_hash(row):
                    counts["unchanged"] += 1
                elif known is not None or key in in_destination:
                    counts["update"] += 1
                else:
                    counts["create"] += 1
            report.dry_run[spec.name] = counts
        return report

    def _sample_selection(self, n: int, seed: int) -> dict[str, set[str]]:
        """N records per object, plus every parent a sampled record needs."""
        specs = self.writer.objects()
        rng = random.Random(seed)
        rows_of = {s.name: self._rows(s) for s in specs}
        chosen: dict[str, set[str]] = {}
        for spec in specs:
            keys = sorted(str(r[spec.key]) for r in rows_of[spec.name])
            chosen[spec.name] = set(rng.sample(keys, min(n, len(keys))))
        for spec in reversed(specs):  # children first, so parents collect every need
            for row in rows_of[spec.name]:
                if str(row[spec.key]) not in chosen[spec.name]:
                    continue
                for parent in spec.parents:
                    if parent.parent in chosen:
                        chosen[parent.parent].update(parent.keys_in(row))
        return chosen

    # --- verify ---------------------------------------------------------------------
    def verify(self, sample: int = 50, seed: int | None = None) -> VerifyReport:
        """Read back a random sample per object and diff it field by field."""
        rng = random.Random(seed)
        report = VerifyReport()
        self.con.execute(
            "create table if not exists ledger.verifications (checked_at timestamptz, "
            "destination varchar, object varchar, source_key varchar, destination_id varchar, "
            "field varchar, expected varchar, actual varchar)")
        self.con.execute(
            "create table if not exists ledger.verification_summary (checked_at timestamptz, "
            "destination varchar, object varchar, checked bigint, missing bigint, "
            "fields_differing bigint)")
        for spec in self.writer.objects():
            rows = {str(r[spec.key]): r for r in self._rows(spec)}
            current = self.ledger.current(self.destination, spec.name)
            keys = sorted(k for k in current if k in rows)
            picked = rng.sample(keys, min(sample, len(keys)))
            report.checked[spec.name] = len(picked)
            differing_before = len(report.differences)
            missing_before = len(report.missing)
            for key in picked:
                destination_id = current[key][0]
                record = self.writer.read(spec, destination_id)
                if record is None:
                    report.missing.append({"object": spec.name, "source_key": key,
                                           "destination_id": destination_id})
                    self._store_verification(spec, key, destination_id, "(record)", "present",
                                             "missing")
                    continue
                for name, (want, got) in self.writer.comparable(spec, rows[key], record).items():
                    report.differences.append({"object": spec.name, "source_key": key,
                                               "field": name, "expected": want, "actual": got})
                    self._store_verification(spec, key, destination_id, name, want, got)
            self.con.execute(
                "insert into ledger.verification_summary values (now(), ?, ?, ?, ?, ?)",
                [self.destination, spec.name, len(picked), len(report.missing) - missing_before,
                 len(report.differences) - differing_before])
        return report

    def _store_verification(self, spec, key, destination_id, name, want, got) -> None:
        self.con.execute(
            "insert into ledger.verifications values (now(), ?, ?, ?, ?, ?, ?, ?)",
            [self.destination, spec.name, key, destination_id, name,
             json.dumps(want, default=str), json.dumps(got, default=str)])

    # --- rollback -------------------------------------------------------------------
    def rollback(self, run_id: str, cascade: bool = False) -> RollbackReport:
        """Undo a run: delete what it created (children first), restore what it
        updated; leave and report records a person edited since, and records
        something the run did not create still points at. A run later loads built
        on is undone only after them (`cascade` undoes them first, newest first)."""
        run = self.ledger.run(run_id)
        if run is None or run["destination"] != self.destination:
            raise LoadRefused(f"No {self.destination} run {run_id!r} in the ledger.")
        if run["mode"] in ("rollback", "dry-run"):
            raise LoadRefused(f"Run {run_id} is a {run['mode']}; it wrote nothing to undo.")
        account = self.writer.account()
        if run.get("account") and run["account"] != account:
            raise LoadRefused(f"Run {run_id} wrote to the {self.destination} account "
                              f"{run['account']}, but the credentials now point at {account}: "
                              "point them back at that account to undo it.")
        done = self.ledger.rolled_back_by(run_id)
        if done is not None:
            return RollbackReport(run_id=done, rolled_back=run_id, nothing_to_undo=True)
        later = self.ledger.later_loads(run_id)
        if later and not cascade:
            raise LoadRefused(
                f"Later runs built on {run_id}: {', '.join(later)}. Roll them back first "
                f"(newest first), or run `rollback {run_id} --cascade` to undo them too.")
        cascaded = [self.rollback(later_run) for later_run in reversed(later)]
        undo = self.ledger.start_run(self.destination, "rollback", rollback_of=run_id,
                                     account=run.get("account") or account)
        try:
            report = self._undo(run, undo)
        except BaseException as error:
            # killed or stopped mid-way: say so; running it again finishes the job
            self.ledger.finish_run(undo, "interrupted", message=type(error).__name__)
            raise
        report.cascaded = cascaded
        # "partial": records were kept for what points at them; rolling back again
        # (once a person dealt with those) finishes the job
        status = "failed" if report.mismatches else "partial" if report.kept else "succeeded"
        self.ledger.finish_run(undo, status,
                               {"deleted": report.deleted, "restored": report.restored,
                                "edited_since": len(report.edited_since),
                                "kept": len(report.kept)})
        return report

    def _undo(self, run: dict[str, Any], undo: str) -> RollbackReport:
        run_id = run["run_id"]
        report = RollbackReport(run_id=undo, rolled_back=run_id)
        touched: list[tuple[ObjectSpec, dict[str, Any]]] = []
        by_object: dict[str, list[dict[str, Any]]] = {}
        for rec in self.ledger.records_of_run(run_id, ("created", "updated")):
            by_object.setdefault(rec["object"], []).append(rec)
        for spec in reversed(self.writer.objects()):
            records = by_object.get(spec.name, [])
            if not records:
                continue
            ours = self.ledger.last_versions(self.destination, spec.name, run.get("account"))
            present = self._versions(spec, [r["destination_id"] for r in records])
            results, to_delete = [], []
            for rec in reversed(records):  # children of the same object before parents
                key, destination_id = rec["source_key"], rec["destination_id"]
                left_by_us = ours.get(key) or rec["after_image_hash"]
                if destination_id in present and left_by_us and \
                        present[destination_id] != left_by_us:
                    report.edited_since.append({"object": spec.name, "source_key": key,
                                                "destination_id": destination_id})
                    results.append(RecordResult(key, "edited_since", destination_id,
                                                error="edited in the destination after the run"
                                                      "; left as it is"))
                elif rec["action"] == "created":
                    if destination_id in present:
                        to_delete.append(rec)
                    else:  # already gone: what the rollback wants
                        report.deleted += 1
                        results.append(RecordResult(key, "deleted", destination_id))
                        touched.append((spec, rec))
                else:
                    results.append(self._restore(spec, rec, report, touched))
            # a record something else still points at stays: the destination would
            # delete that with it (children of this run are gone by now: children first)
            pointing = self.writer.dependants(spec, [r["destination_id"] for r in to_delete]) \
                if to_delete else {}
            for rec in [r for r in to_delete if r["destination_id"] in pointing]:
                held_by = pointing[rec["destination_id"]]
                report.kept.append({"object": spec.name, "source_key": rec["source_key"],
                                    "destination_id": rec["destination_id"],
                                    "held_by": held_by})
                results.append(RecordResult(
                    rec["source_key"], "kept", rec["destination_id"],
                    error=f"{len(held_by)} records the run did not create point at it "
                          f"({', '.join(held_by[:3])}): move or delete them, then roll back "
                          "again"))
            to_delete = [r for r in to_delete if r["destination_id"] not in pointing]
            # restores first: a restored record may point at one this run created
            refused = self._delete_all(spec, [r["destination_id"] for r in to_delete])
            for rec in to_delete:
                key, destination_id = rec["source_key"], rec["destination_id"]
                if destination_id in refused:
                    report.mismatches.append(f"{spec.name} {key}: {refused[destination_id]}")
                    results.append(RecordResult(key, "failed", destination_id,
                                                error=refused[destination_id]))
                    continue
                report.deleted += 1
                results.append(RecordResult(key, "deleted", destination_id))
                touched.append((spec, rec))
            self.ledger.record(undo, spec.name, results)
        report.mismatches += self._check_rolled_back(touched)
        return report

    def _restore(self, spec: ObjectSpec, rec: dict[str, Any], report: RollbackReport,
                 touched: list[tuple[ObjectSpec, dict[str, Any]]]) -> RecordResult:
        key, destination_id = rec["source_key"], rec["destination_id"]
        try:
            self.writer.restore(spec, destination_id, json.loads(rec["before_image"] or "{}"))
            restored = self.writer.read(spec, destination_id)
        except ApiError as error:
            report.mismatches.append(f"{spec.name} {key}: {error.message}")
            return RecordResult(key, "failed", destination_id, error=error.message)
        report.restored += 1
        touched.append((spec, rec))
        return RecordResult(key, "restored", destination_id,
                            after_image_hash=self.writer.version(restored) if restored else None)

    def _versions(self, spec: ObjectSpec, ids: list[str]) -> dict[str, str]:
        """Destination id -> version, for the records the destination still holds."""
        return self.writer.current_versions(spec, ids)

    def _delete_all(self, spec: ObjectSpec, ids: list[str]) -> dict[str, str]:
        """Delete in the order given; destination id -> why it could not be."""
        if not ids:
            return {}
        try:
            return self.writer.delete_many(spec, ids)
        except ApiError as error:  # the whole request refused
            return {destination_id: error.message for destination_id in ids}

    def _check_rolled_back(self, touched: Iterable[tuple[ObjectSpec, dict[str, Any]]]
                           ) -> list[str]:
        """The destination holds what it held before the run, record by record: what
        the run created is gone (read back in bulk), what it updated is as before."""
        problems = []
        created: dict[str, tuple[ObjectSpec, list[dict[str, Any]]]] = {}
        for spec, rec in touched:
            if rec["action"] == "created":
                created.setdefault(spec.name, (spec, []))[1].append(rec)
                continue
            current = self.writer.read(spec, rec["destination_id"])
            before = json.loads(rec["before_image"] or "{}")
            if current is None:
                problems.append(f"{spec.name} {rec['source_key']}: gone after restore")
                continue
            diff = {k: (v, current.get(k)) for k, v in before.items() if current.get(k) != v}
            if diff:
                problems.append(f"{spec.name} {rec['source_key']}: differs from its "
                                f"before-image in {sorted(diff)}")
        for spec, recs in created.values():
            still = self._versions(spec, [r["destination_id"] for r in recs])
            problems += [f"{spec.name} {r['source_key']}: still present after delete"
                         for r in recs if r["destination_id"] in still]
        return problems
