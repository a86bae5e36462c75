"""The runner's contract on an in-memory destination: exact, idempotent,
resumable, reversible. (The HTTP writers are tested against the sandboxes.)"""

from __future__ import annotations

import itertools

import duckdb
import pytest

from load.ledger import RecordResult
from load.model import ObjectSpec, ParentRef, WriteBatch, Writer
from load.runner import LoadRefused, Runner

GROUPS = ObjectSpec("groups", "m.groups", "group_key", batch_size=2)
PEOPLE = ObjectSpec("people", "m.people", "person_key",
                    parents=(ParentRef("group_key", "groups"),), batch_size=3)


class Crash(Exception):
    pass


class MemoryWriter(Writer):
    """A destination in a dict; `crash_after` writes then dies before answering."""

    destination = "memory"

    def __init__(self):
        self.store = {"groups": {}, "people": {}}
        self.ids = itertools.count(1)
        self.versions = itertools.count(1)
        self.writes = 0
        self.attempts = 0
        self.crash_after: int | None = None

    def objects(self):
        return [GROUPS, PEOPLE]

    def account(self):
        return "memory"

    def preflight(self):
        return []

    def write(self, batch: WriteBatch):
        results = []
        for row in batch.rows:
            key = str(row[batch.spec.key])
            self.attempts += 1
            fields = dict(row)
            if fields.get("name") == "":
                results.append(RecordResult(key, "failed", payload_hash=batch.hashes[key],
                                            error="name can't be blank"))
                continue
            for parent in batch.spec.parents:
                fields[parent.column] = batch.parent_ids[parent.parent][str(row[parent.column])]
            table = self.store[batch.spec.name]
            existing = batch.existing.get(key) or next(
                (i for i, r in table.items() if r[batch.spec.key] == key), None)
            version = str(next(self.versions))
            if existing:
                before = {k: v for k, v in table[existing].items() if k != "version"}
                table[existing] = {**fields, "version": version}
                results.append(RecordResult(key, "updated", existing, batch.hashes[key],
                                            before_image=before, after_image_hash=version))
            else:
                new_id = str(next(self.ids))
                table[new_id] = {**fields, "version": version}
                results.append(RecordResult(key, "created", new_id, batch.hashes[key],
                                            after_image_hash=version))
            self.writes += 1
            if self.crash_after is not None and self.writes >= self.crash_after:
                raise Crash("killed between the write and its ledger row")
        return results

    def lookup(self, spec, keys):
        return {r[spec.key]: i for i, r in self.store[spec.name].items() if r[spec.key] in keys}

    def read(self, spec, destination_id):
        record = self.store[spec.name].get(destination_id)
        return dict(record) if record else None

    def version(self, record):
        return record["version"]

    def before_images(self, spec, ids):
        return {key: {k: v for k, v in self.store[spec.name][i].items() if k != "version"}
                for key, i in ids.items() if i in self.store[spec.name]}

    def comparable(self, spec, row, record):
        return {k: (v, record.get(k)) for k, v in row.items()
                if k not in [p.column for p in spec.parents] and record.get(k) != v}

    def delete(self, spec, destination_id):
        del self.store[spec.name][destination_id]

    def restore(self, spec, destination_id, before_image):
        self.store[spec.name][destination_id] = {**before_image,
                                                 "version": str(next(self.versions))}

    def snapshot(self):
        return {obj: {i: {k: v for k, v in r.items() if k != "version"}
                      for i, r in table.items()} for obj, table in self.store.items()}


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("create schema m")
    con.execute("create table m.groups as select * from (values ('g1', 'Maths'), "
                "('g2', 'Music')) t(group_key, name)")
    con.execute("create table m.people as select * from (values "
                "('p1', 'Ana', 'g1'), ('p2', 'Bo', 'g1'), ('p3', 'Cy', 'g2'), "
                "('p4', 'Di', 'g2'), ('p5', '', 'g2'), ('p6', 'Ed', 'g9')) "
                "t(person_key, name, group_key)")
    return con


def people(writer):
    return sorted(r["name"] for r in writer.store["people"].values())


def test_full_load_then_a_second_run_writes_nothing(con):
    writer = MemoryWriter()
    report = Runner(con, writer).load()
    assert people(writer) == ["Ana", "Bo", "Cy", "Di"]
    line = report.lines[1]
    assert (line.expected, line.get("created"), line.get("failed"), line.get("skipped")) == (
        6, 4, 1, 1)  # p5 refused (blank name), p6's group does not exist
    attempts = writer.attempts
    again = Runner(con, writer).load()
    assert again.mode == "delta"
    assert writer.attempts == attempts + 1  # only the refused one is tried again
    assert again.lines[1].get("failed") == 1
    assert again.lines[0].get("unchanged") == 2


def test_a_delta_sends_exactly_the_changed_rows(con):
    writer = MemoryWriter()
    Runner(con, writer).load()
    con.execute("update m.people set name = 'Bob' where person_key = 'p2'")
    before = writer.attempts
    report = Runner(con, writer).load()
    assert writer.attempts - before == 2  # p2 changed, p5 still refused
    assert report.lines[1].get("updated") == 1
    assert "Bob" in people(writer)


def test_a_crash_between_write_and_ledger_resumes_without_duplicates(con):
    writer = MemoryWriter()
    writer.crash_after = 4  # dies inside the people phase, after p1 was written
    with pytest.raises(Crash):
        Runner(con, writer).load()
    writer.crash_after = None
    report = Runner(con, writer).load()
    assert report.resumed
    assert people(writer) == ["Ana", "Bo", "Cy", "Di"]  # exactly once each


def test_sample_loads_n_per_object_with_their_parents(con):
    writer = MemoryWriter()
    report = Runner(con, writer).load(sample=1, seed=3)
    assert report.mode == "sample"
    assert len(writer.store["people"]) <= 1
    for person in writer.store["people"].values():
        assert person["group_key"] in writer.store["groups"]


def test_dry_run_counts_without_writing(con):
    writer = MemoryWriter()
    report = Runner(con, writer).load(dry_run=True)
    assert report.dry_run["people"] == {"create": 6, "update": 0, "unchanged": 0, "missing": 0}
    assert writer.writes == 0


def test_a_dry_run_reads_the_destination_and_a_resync_recreates_what_was_deleted(con):
    writer = MemoryWriter()
    Runner(con, writer).load()
    gone = next(iter(writer.store["people"]))  # someone deletes a record by hand
    del writer.store["people"][gone]
    dry = Runner(con, writer).load(dry_run=True)
    # p5 fails and p6 has no group: two creates every time, and now the one gone
    assert dry.dry_run["people"] == {"create": 3, "update": 0, "unchanged": 3, "missing": 1}
    writes = writer.writes
    plain = Runner(con, writer).load()  # a plain delta trusts the ledger: writes nothing
    assert writer.writes == writes and plain.drift == {}
    resync = Runner(con, writer).load(resync=True)
    assert len(resync.drift["people"]["missing"]) == 1 and len(writer.store["people"]) == 4
    assert Runner(con, writer).load(dry_run=True).dry_run["people"]["missing"] == 0


def test_a_load_against_another_account_refuses_until_told_it_is_new(con):
    writer = MemoryWriter()
    Runner(con, writer).load()
    other = MemoryWriter()
    other.account = lambda: "another"
    with pytest.raises(LoadRefused, match="--new-account"):
        Runner(con, other).load()
    with pytest.raises(LoadRefused, match="--new-account"):
        Runner(con, other).load(dry_run=True)
    assert Runner(con, other).load(dry_run=True, new_account=True).dry_run["people"][
        "create"] == 6
    report = Runner(con, other).load(new_account=True)
    assert report.mode == "full" and people(other) == people(writer)
    # the first account's records stay in the ledger, under its name
    assert con.execute("select count(distinct account) from ledger.runs").fetchone() == (2,)


def test_rollback_restores_the_pre_run_state_except_what_a_person_edited(con):
    writer = MemoryWriter()
    Runner(con, writer).load()
    pre_delta = writer.snapshot()
    con.execute("update m.people set name = 'Ann' where person_key = 'p1'")
    con.execute("update m.people set name = 'Cyd' where person_key = 'p3'")
    con.execute("insert into m.people values ('p7', 'Flo', 'g1')")
    delta = Runner(con, writer).load()
    # a person edits p3 in the destination after the delta
    p3 = next(i for i, r in writer.store["people"].items() if r["person_key"] == "p3")
    writer.store["people"][p3] = {**writer.store["people"][p3], "name": "Cyd (edited)",
                                  "version": "edited"}
    report = Runner(con, writer).rollback(delta.run_id)
    assert report.deleted == 1 and report.restored == 1
    assert [e["source_key"] for e in report.edited_since] == ["p3"]
    assert report.mismatches == []
    after = writer.snapshot()
    after["people"][p3] = pre_delta["people"][p3]  # the edited one is left as the person made it
    assert after == pre_delta


def test_the_gate_refuses_to_write(con):
    writer = MemoryWriter()
    with pytest.raises(LoadRefused, match="dbt fail"):
        Runner(con, writer, gate=lambda: ["dbt fail: test.unique_contacts"]).load()
    assert writer.writes == 0


def test_a_rollback_killed_mid_way_says_so_and_a_second_one_finishes_then_nothing_is_left(con):
    writer = MemoryWriter()
    run = Runner(con, writer).load().run_id
    delete = writer.delete

    def killed(spec, destination_id):
        raise Crash("killed during the rollback's deletes")

    writer.delete = killed
    with pytest.raises(Crash):
        Runner(con, writer).rollback(run)
    assert con.execute("select status from ledger.runs where mode = 'rollback'"
                       ).fetchall() == [("interrupted",)]
    writer.delete = delete
    done = Runner(con, writer).rollback(run)
    assert done.mismatches == [] and writer.store == {"groups": {}, "people": {}}
    again = Runner(con, writer).rollback(run)
    assert again.nothing_to_undo and again.run_id == done.run_id
    assert con.execute("select count(*) from ledger.runs where mode = 'rollback'"
                       ).fetchone() == (2,)
