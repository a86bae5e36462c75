"""Closing an extraction: the delta between two snapshots, computed once."""

from __future__ import annotations

import duckdb

from extract.snapshot import finalize
from extract.warehouse import ensure_bookkeeping


def _raw(con, rows):
    con.execute("insert into bizstim_raw.clients values " + ", ".join(
        f"('{i}', '{name}', '{extra}', {x})" for i, name, extra, x in rows))


def test_delta_is_new_changed_vanished_and_survives_a_second_close():
    con = duckdb.connect()
    ensure_bookkeeping(con)
    con.execute("create table bizstim_raw.clients (id varchar, first_name varchar, "
                "custom_9 varchar, _extraction_id bigint)")
    _raw(con, [("1", "Ana", "", 1), ("2", "Bo", "", 1), ("3", "Cy", "", 1)])
    finalize(con, ["clients"], 1, None)
    # extraction 2: 1 unchanged (an empty field appeared), 2 changed, 3 gone, 4 new
    con.execute("update bizstim_raw.clients set _extraction_id = 2, custom_9 = '' where id = '1'")
    con.execute("update bizstim_raw.clients set _extraction_id = 2, first_name = 'Bob' "
                "where id = '2'")
    _raw(con, [("4", "Di", "", 2)])
    first = finalize(con, ["clients"], 2, 1)
    assert first.per_object["clients"] == {"changed": 1, "vanished": 1, "new": 1}
    delta = con.execute("select id, change, record_json from bizstim_raw._delta "
                        "order by id").fetchall()
    assert [(i, c) for i, c, _ in delta] == [("2", "changed"), ("3", "vanished"), ("4", "new")]
    assert '"first_name":"Cy"' in delta[1][2]
    assert con.execute("select id from bizstim_raw.clients order by id").fetchall() == [
        ("1",), ("2",), ("4",)]
    # a crash after closing: closing again changes nothing and keeps the JSON
    again = finalize(con, ["clients"], 2, 1)
    assert again.per_object == first.per_object
    assert con.execute("select id, change, record_json from bizstim_raw._delta "
                       "order by id").fetchall() == delta


def test_a_record_without_id_is_kept_aside_with_its_reason():
    from extract.source import ExtractionRun, _Batcher

    run = ExtractionRun(client=None, extraction_id=3, files=None, executor=None)
    batch = _Batcher(run, "clients")
    batch.add([{"id": "1", "first_name": "Ana"}, {"first_name": "No id"}, "just text"],
              {"endpoint": "clients", "ref": "0"})
    tables = list(batch.flush())
    assert run.counters["clients"].records == 1 and run.counters["clients"].malformed == 2
    kept = [row for item in tables if hasattr(item, "data")  # hinted: its own table
            for row in item.data.to_pylist() if "reason" in row]
    assert [(r["position"], r["reason"]) for r in kept] == [
        (1, "the record has no id"), (2, "not a record but a JSON str")]
    assert '"No id"' in kept[0]["record_json"]
