"""Verify: a mart row against the record Dataverse holds, field by field.

Both sides are normalised (values.normal) so equal things compare equal:
decimals to four places, date-times in UTC, dates as days, lookups as ids
(a parent's id comes from the ledger). A null in the mart is never written,
so it is never a difference. A file compares by the sha256 of its bytes; an
opportunity also by its line and its won state.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from load.dynamics import settings
from load.dynamics.objects import ObjectMap, line_id, line_map
from load.dynamics.payloads import RowProblem, Targets, field_value, state_pair
from load.dynamics.values import normal, shown

Parents = dict[str, dict[str, str]]


def differences(omap: ObjectMap, row: dict[str, Any], record: dict[str, Any],
                parents: Parents, targets: Targets) -> dict[str, tuple[Any, Any]]:
    """Mart value vs destination value per mapped column, both normalised."""
    diffs: dict[str, tuple[Any, Any]] = {}
    for f in omap.fields:
        if f.kind == "state":
            pair = state_pair(f, row)
            got = (record.get("statecode"), record.get("statuscode"))
            if pair is not None and tuple(pair) != got:
                diffs["statecode"] = (list(pair), list(got))
            continue
        value = field_value(f, row)
        if value is None:  # a null is never written, so never a difference
            continue
        name = f.read_names[0]
        if f.kind == "lookup":
            try:
                want = targets.resolve(f, row, value, parents)
            except RowProblem as problem:
                want = f"({problem})"
        else:
            want = value
        expected, actual = normal(f.kind, want), normal(f.kind, record.get(name))
        if expected != actual:
            diffs[name] = (shown(expected), shown(actual))
    return diffs


def compare(omap: ObjectMap, row: dict[str, Any], record: dict[str, Any], parents: Parents,
            targets: Targets) -> dict[str, tuple[Any, Any]]:
    diffs = differences(omap, row, record, parents, targets)
    if omap.logical == "annotation" and row.get("isdocument") and row.get("sha256"):
        body = record.get("documentbody")
        got = hashlib.sha256(base64.b64decode(body)).hexdigest() if body is not None else None
        if got != row["sha256"]:
            diffs["documentbody"] = (f"sha256 {row['sha256']}", f"sha256 {got}")
    if omap.logical == "opportunity":
        key = str(row[omap.spec.key])
        line = next((one for one in record.get("_lines") or []
                     if one["opportunityproductid"] == line_id(key)), None)
        if line is None:
            diffs["line"] = ("present", None)
        else:
            diffs.update({f"line.{name}": pair for name, pair in
                          differences(line_map(), row, line, {}, targets).items()})
        got = (record.get("statecode"), record.get("statuscode"))
        if got != settings.OPPORTUNITY_WON:
            diffs["statecode"] = (list(settings.OPPORTUNITY_WON), list(got))
    return diffs
