"""Opportunities: one per revenue payment, with its line, closed as won on the
payment date.

A closed opportunity and its lines refuse changes, so a write goes:
1. reopen the ones the destination holds closed (a delta, or a resumed run);
2. upsert the opportunities (UpsertMultiple, by the payment's alternate key);
3. upsert their lines (UpsertMultiple, by an id derived from the payment);
4. win them (`WinOpportunity` in a `$batch`: actualrevenue and actualend =
   the payment's amount and date);
5. read them back (ids, versions).
WinOpportunity is not idempotent: when its answer is lost, the states are
read again and only what is still open is won again.

The before-image of an updated opportunity holds its columns, its state and
its lines (`_lines`); a restore reopens it, writes them back and closes it
again as it was.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from load.dynamics import settings
from load.dynamics.objects import ObjectMap, line_id, line_map
from load.dynamics.odata import BatchOp
from load.dynamics.payloads import RowProblem, before_image, build_body, restore_body
from load.dynamics.reader import fold
from load.dynamics.sender import Item
from load.dynamics.values import to_api
from load.http import AmbiguousWrite, ApiError
from load.ledger import RecordResult
from load.model import WriteBatch

if TYPE_CHECKING:
    from load.dynamics.reader import Reader
    from load.dynamics.writer import DynamicsWriter

def line_columns() -> list[str]:
    """What a read of an opportunity's lines selects (the contract's line fields)."""
    return ["opportunityproductid", *[f.attribute for f in line_map().fields]]


def lines_view(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An opportunity's lines as a before-image holds them (sorted, no versions)."""
    columns = line_columns()
    return sorted(({name: line.get(name) for name in columns} for line in lines),
                  key=lambda line: line["opportunityproductid"])


def lines_of(reader: "Reader", opportunity_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Opportunity id (case-folded) -> its lines."""
    return reader.by_values("opportunityproducts", "_opportunityid_value", opportunity_ids,
                            [*line_columns(), "versionnumber"])


class OpportunityWriter:
    def __init__(self, writer: "DynamicsWriter") -> None:
        self.w = writer
        self.lines = line_map()

    @property
    def client(self):
        return self.w.client

    def read_lines(self, opportunity_id: str) -> list[dict[str, Any]]:
        found = lines_of(self.w.reader, [opportunity_id])
        return lines_view(found.get(fold(opportunity_id), []))

    # --- write ------------------------------------------------------------------------
    def write(self, omap: ObjectMap, batch: WriteBatch) -> list[RecordResult]:
        w = self.w
        prepared = w.state.prepared_for(omap, [str(r[omap.spec.key]) for r in batch.rows])
        results: dict[str, RecordResult] = {}
        items, lines, rows, befores = [], {}, {}, {}
        for row in batch.rows:
            key = str(row[omap.spec.key])
            current = prepared.records.get(key)
            try:
                body = build_body(omap, row, batch.parent_ids, w.targets,
                                  creating=current is None)
            except RowProblem as problem:
                results[key] = w.failed(batch, key, str(problem))
                continue
            rows[key] = row
            items.append(Item(key, omap.address_of(key), body))
            existing_lines = prepared.lines.get(fold(current[omap.primary_id]), []) \
                if current else []
            line_body = build_body(self.lines, row, {}, w.targets, creating=True)
            if not any(l["opportunityproductid"] == line_id(key) for l in existing_lines):
                line_body["opportunityid@odata.bind"] = "/" + omap.address_of(key)
            lines[key] = Item(key, f"opportunityproducts({line_id(key)})", line_body)
            if current is not None:
                before = before_image(omap, body, current)
                before.update({"statecode": current.get("statecode"),
                               "statuscode": current.get("statuscode"),
                               "_lines": lines_view(existing_lines)})
                befores[key] = before

        # 1. reopen what is closed
        closed = [i for i in items if (prepared.records.get(i.key) or {}).get("statecode", 0)]
        self._fail(results, batch, self._set_state(closed, prepared, omap,
                                                   settings.OPPORTUNITY_OPEN), "reopening it")
        items = [i for i in items if i.key not in results]
        # 2. the opportunities, 3. their lines
        outcomes = w.sender.upsert(omap, items)
        self._fail(results, batch, {k: o.error for k, o in outcomes.items() if not o.ok}, "")
        line_items = [lines[i.key] for i in items if i.key not in results]
        outcomes = w.sender.upsert(self.lines, line_items)
        self._fail(results, batch, {k: o.error for k, o in outcomes.items() if not o.ok},
                   "writing its line (it stays open)")
        # 4. close as won, 5. read back
        to_win = [i.key for i in items if i.key not in results]
        self._fail(results, batch, self._win(omap, to_win, rows), "closing it as won")
        done = [k for k in to_win if k not in results]
        after = w.state.fetch(omap, done)
        for key in done:
            record = after.get(key)
            if record is None:
                results[key] = w.failed(batch, key, "written, but not found when read back")
                continue
            results[key] = w.succeeded(omap, batch, key, prepared, record, befores.get(key))
        return [results[str(r[omap.spec.key])] for r in batch.rows]

    def _fail(self, results, batch, errors: dict[str, str | None], doing: str) -> None:
        for key, error in errors.items():
            if key not in results:
                text = f"{doing}: {error}" if doing else (error or "refused")
                results[key] = self.w.failed(batch, key, text)

    def _set_state(self, items: list[Item], prepared, omap: ObjectMap,
                   pair: tuple[int, int]) -> dict[str, str]:
        if not items:
            return {}
        ops = [BatchOp("PATCH", f"opportunities({prepared.records[i.key][omap.primary_id]})",
                       {"statecode": pair[0], "statuscode": pair[1]}, {"If-Match": "*"})
               for i in items]
        results = self.w.sender.run(omap.entity_set, ops)
        return {i.key: r.error for i, r in zip(items, results) if not r.ok}

    def _win_op(self, address: str, name: Any, revenue: Any, end: Any,
                status: int = settings.OPPORTUNITY_WON[1]) -> BatchOp:
        close: dict[str, Any] = {
            "@odata.type": "Microsoft.Dynamics.CRM.opportunityclose",
            "subject": f"Won: {name}"[:200] if name else "Won",
            "opportunityid@odata.bind": "/" + address,
        }
        if revenue is not None:
            close["actualrevenue"] = to_api("money", revenue)
        if end is not None:
            close["actualend"] = to_api("date", end)
        return BatchOp("POST", "WinOpportunity", {"Status": status, "OpportunityClose": close})

    def _win(self, omap: ObjectMap, keys: list[str], rows: dict[str, dict[str, Any]]
             ) -> dict[str, str]:
        """Win every key; their errors. A lost answer: read the states, go again."""
        errors: dict[str, str] = {}
        remaining = list(keys)
        for _ in range(settings.WIN_ROUNDS):
            if not remaining:
                return errors
            ops = [self._win_op(omap.address_of(k), rows[k].get("name"),
                                rows[k].get("actualvalue"),
                                rows[k].get("actualclosedate") or rows[k].get(
                                    "original_payment_date")) for k in remaining]
            try:
                results = self.w.sender.run(omap.entity_set, ops)
            except AmbiguousWrite:
                states = self.w.state.fetch(omap, remaining)
                remaining = [k for k in remaining if (states.get(k) or {}).get("statecode") == 0]
                continue
            for key, result in zip(remaining, results):
                if not result.ok:
                    errors[key] = result.error
            return errors
        return {**errors, **{k: "WinOpportunity kept failing; run the load again"
                             for k in remaining}}

    # --- rollback -----------------------------------------------------------------------
    def restore(self, omap: ObjectMap, record_id: str, before: dict[str, Any]) -> None:
        current = self.w.read(omap.spec, record_id)
        if current is None:
            raise ApiError(404, f"opportunity {record_id} is gone; nothing to restore")
        address = f"{omap.entity_set}({record_id})"
        if current.get("statecode", 0) != 0:
            self.client.upsert(address, {"statecode": 0, "statuscode": 1}, update_only=True)
        columns = {k: v for k, v in before.items() if k not in ("statecode", "statuscode")}
        body = restore_body(omap, columns)
        if body:
            self.client.upsert(address, body, update_only=True)
        if "_lines" in before:
            wanted = {line["opportunityproductid"]: line for line in before["_lines"]}
            present = {line["opportunityproductid"] for line in current.get("_lines") or []}
            for gone in present - set(wanted):
                self.client.delete(f"opportunityproducts({gone})")
            for line_key, line in wanted.items():
                line_body = {k: v for k, v in line.items() if k != "opportunityproductid"}
                if line_key not in present:
                    line_body["opportunityid@odata.bind"] = f"/{address}"
                self.client.upsert(f"opportunityproducts({line_key})", line_body)
        state, status = before.get("statecode"), before.get("statuscode")
        if state == settings.OPPORTUNITY_WON[0]:
            op = self._win_op(address, None, before.get("actualvalue"),
                              before.get("actualclosedate"), status)
            for _ in range(settings.WIN_ROUNDS):
                try:
                    self.client.action(op.url, op.body)
                    break
                except AmbiguousWrite:  # won or not? read it, and win it only if still open
                    again = self.w.reader.one(omap.entity_set, record_id, ["statecode"])
                    if again is None or again.get("statecode") != 0:
                        break
        elif state not in (None, 0):
            self.client.upsert(address, {"statecode": state, "statuscode": status},
                               update_only=True)
