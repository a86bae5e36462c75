"""Actions and functions: CreateMultiple / UpdateMultiple / UpsertMultiple, WinOpportunity, WhoAmI.

Documented (bulk-operations.md and the action reference pages):
- `POST /<set>/Microsoft.Dynamics.CRM.CreateMultiple {"Targets": [...]}` →
  200 `{"@odata.context": …CreateMultipleResponse, "Ids": [...]}`;
  UpdateMultiple and UpsertMultiple → 204 (no response body);
- every item in Targets must carry `@odata.type`; UpsertMultiple names a
  record by `@odata.id` (`contacts(new_key='1')`) or its primary key;
- on standard tables any failure rolls the whole request back; duplicate keys
  inside one UpsertMultiple are an error; tables that do not support the
  message answer "The 'CreateMultiple' method does not support entities of
  type 'x'." (observed wording) — which tables is in settings.py;
- the whole request counts as one request toward the service-protection
  count; each item adds execution time.
- `POST /WinOpportunity {"Status": 3, "OpportunityClose": {...,
  "opportunityid@odata.bind": "/opportunities(<id>)"}}` → 204; the
  opportunity becomes statecode 1 (Won) with the given status, an
  opportunityclose activity records the close.
"""

from __future__ import annotations

from typing import Any

from sandbox.dynamics import errors, settings
from sandbox.dynamics.collation import fold
from sandbox.dynamics.entities import Table
from sandbox.dynamics.odata import KeySpec, parse_reference
from sandbox.dynamics.payload import read_payload, utc_now
from sandbox.dynamics.records import Context, Records

NS = settings.SERVICE_NAMESPACE
BULK_ACTIONS = ("CreateMultiple", "UpdateMultiple", "UpsertMultiple")


def _targets(table: Table, body: dict[str, Any], action: str) -> list[dict[str, Any]]:
    targets = body.get("Targets")
    if not isinstance(targets, list) or not targets:
        raise errors.ODataError(400, settings.CODE_INVALID_ARGUMENT,
                                f"'Targets' should be one of the parameters for {action}, as a non-empty array.")
    expected = f"{NS}.{table.logical_name}"
    for index, target in enumerate(targets):
        if not isinstance(target, dict):
            raise errors.ODataError(400, settings.CODE_INVALID_ARGUMENT, f"Targets[{index}] is not an object.")
        odata_type = str(target.get("@odata.type", "")).lstrip("#")
        if not odata_type:
            raise errors.ODataError(400, settings.CODE_INVALID_ARGUMENT,
                                    f"Targets[{index}] has no @odata.type; every item of {action} must set "
                                    f"\"@odata.type\": \"{expected}\".")
        if odata_type != expected:
            raise errors.ODataError(400, settings.CODE_INVALID_ARGUMENT,
                                    f"Targets[{index}] is a {odata_type}; all items of a {action} on "
                                    f"{table.entity_set} must be {expected}.")
    return targets


def _key_of(table: Table, target: dict[str, Any], index: int) -> KeySpec | None:
    odata_id = target.get("@odata.id")
    if odata_id is not None:
        try:
            entity_set, key = parse_reference(str(odata_id))
        except ValueError:
            raise errors.ODataError(400, settings.CODE_INVALID_ARGUMENT,
                                    f"Targets[{index}] has an @odata.id that is not an entity reference.") from None
        if entity_set != table.entity_set:
            raise errors.ODataError(400, settings.CODE_INVALID_ARGUMENT,
                                    f"Targets[{index}] refers to {entity_set}, not to {table.entity_set}.")
        return key
    primary = target.get(table.primary_id)
    if isinstance(primary, str):
        return KeySpec(id=primary.lower())
    return None


def bulk(records: Records, table: Table, action: str, body: dict[str, Any], ctx: Context) -> dict | None:
    """Run a bulk message; the response body (CreateMultiple) or None (204)."""
    if table.logical_name in settings.BULK_MESSAGES_UNSUPPORTED:
        raise errors.ODataError(400, settings.CODE_MESSAGE_NOT_SUPPORTED,
                                f"The '{action}' method does not support entities of type '{table.logical_name}'. "
                                "MessageProcessorCache returned MessageProcessor.Empty.")
    targets = _targets(table, body, action)
    ctx.exec_ms += ctx.costs["bulk_record"] * len(targets)
    clean = [{k: v for k, v in t.items() if k not in ("@odata.type", "@odata.id")} for t in targets]
    with records.store.transaction():
        if action == "CreateMultiple":
            ids = [records.create(table, item, ctx)[table.primary_id] for item in clean]
            return {"@odata.context": f"{ctx.api_base}/$metadata#{NS}.CreateMultipleResponse", "Ids": ids}
        keys = [_key_of(table, target, i) for i, target in enumerate(targets)]
        if action == "UpdateMultiple":
            missing = [k for k in keys if k is None]
            if missing:
                raise errors.ODataError(400, settings.CODE_INVALID_ARGUMENT,
                                        f"Every item of UpdateMultiple must name its record by "
                                        f"{table.primary_id} or @odata.id.")
            for key, item in zip(keys, clean):
                row_id = records.locate(table, key)
                if row_id is None:
                    raise errors.ODataError(404, settings.CODE_NOT_FOUND,
                                            f"{table.logical_name.capitalize()} With Ids = {key.text()} Do Not Exist")
                records.update(table, row_id, item, ctx)
            return None
        seen: set = set()
        for key in keys:
            if key is None:
                continue
            marker = key.id or tuple(sorted((n, fold(v)) for n, v in key.values))
            if marker in seen:
                raise errors.ODataError(400, settings.CODE_INVALID_ARGUMENT,
                                        f"UpsertMultiple does not support more than one record with the same key "
                                        f"({key.text()}) in Targets.")
            seen.add(marker)
        for key, item in zip(keys, clean):
            if key is None:
                records.create(table, item, ctx)
            else:
                records.upsert(table, key, item, ctx)
        return None


def win_opportunity(records: Records, body: dict[str, Any], ctx: Context) -> None:
    status = body.get("Status")
    close = body.get("OpportunityClose")
    if isinstance(status, bool) or not isinstance(status, int):
        raise errors.ODataError(400, settings.CODE_INVALID_ARGUMENT,
                                "WinOpportunity needs the parameter 'Status' (an integer status reason of the "
                                "Won state, 3 by default).")
    if not isinstance(close, dict):
        raise errors.ODataError(400, settings.CODE_INVALID_ARGUMENT,
                                "WinOpportunity needs the parameter 'OpportunityClose' (an opportunityclose "
                                "with opportunityid@odata.bind).")
    ctx.exec_ms += ctx.costs["action"]
    close_table = records.schema.tables["opportunityclose"]
    opportunities = records.schema.tables["opportunity"]
    with records.store.transaction():
        changes = read_payload(close_table, {k: v for k, v in close.items() if k != "@odata.type"},
                               creating=True, resolver=records.binds(ctx), entity_set=close_table.entity_set)
        opportunity_id = changes.values.get("_opportunityid_value")
        if opportunity_id is None:
            raise errors.ODataError(400, settings.CODE_REQUIRED_MISSING,
                                    "OpportunityClose needs opportunityid@odata.bind: the opportunity to close.")
        opportunity = records.store.get("opportunity", opportunity_id)
        if not opportunities.status_ok(1, status):
            raise errors.ODataError(400, settings.CODE_INVALID_STATE,
                                    f"{status} is not a valid status code for state code OpportunityState.Won on "
                                    f"opportunity with Id {opportunity_id}.")
        if opportunity.get("statecode", 0) != 0:
            raise errors.ODataError(400, settings.CODE_CLOSED,
                                    f"The opportunity {opportunity_id} is already closed (statecode "
                                    f"{opportunity.get('statecode')}).")
        internal = Context(ctx.user_id, ctx.api_base, ctx.prefer, ctx.content_ids, costs=ctx.costs, internal=True)
        close_body = {k: v for k, v in close.items() if k != "@odata.type"}
        close_body.setdefault("subject", f"Won: {opportunity.get('name') or opportunity_id}")
        close_body.update({"statecode": 1, "statuscode": 2})  # the close activity is completed
        records.create(close_table, close_body, internal)
        values: dict[str, Any] = {"statecode": 1, "statuscode": status}
        revenue = changes.values.get("actualrevenue")
        values["actualvalue"] = revenue if revenue is not None else (
            opportunity.get("actualvalue") if opportunity.get("actualvalue") is not None
            else opportunity.get("estimatedvalue"))
        values["actualclosedate"] = changes.values.get("actualend") or utc_now()[:10] + "T00:00:00Z"
        records.write_changes(opportunities, opportunity_id, values, internal)
        ctx.operations += internal.operations


def who_am_i(ctx: Context, business_unit_id: str, organization_id: str) -> dict[str, Any]:
    ctx.exec_ms += ctx.costs["read"]
    return {"@odata.context": f"{ctx.api_base}/$metadata#{NS}.WhoAmIResponse",
            "BusinessUnitId": business_unit_id, "UserId": ctx.user_id, "OrganizationId": organization_id}

