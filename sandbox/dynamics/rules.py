"""Per-table business rules the platform applies on writes (Sales logic included).

Documented or observed unless marked (assumed, see settings.py):
- fullname of contacts, leads and users is computed from first and last name;
- a unit group creates its base unit (assumed, UOMSCHEDULE_CREATES_BASE_UNIT);
- a unit's base unit defaults to its group's base unit (assumed);
- a price list item takes its unit group from the unit and its currency from
  the price list; one price per (price list, product, unit) (assumed wording);
- an opportunity line is a catalog product (productid + uomid) or a write-in
  (isproductoverridden + productdescription); amounts are computed; a closed
  opportunity and its lines refuse writes (assumed, CLOSED_OPPORTUNITY_READ_ONLY);
- a note's documentbody must be base64 within the attachment size limit;
- systemuser columns synchronised from Entra ID cannot be written (assumed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.dynamics import errors, settings
from sandbox.dynamics.payload import LOOKUP_ANNOTATION, check_document, utc_now

if TYPE_CHECKING:
    from sandbox.dynamics.entities import Table
    from sandbox.dynamics.records import Context, Records
    from sandbox.dynamics.store import Row


def _refuse(message: str, code: str = settings.CODE_INVALID_ARGUMENT) -> errors.ODataError:
    return errors.ODataError(400, code, message)


def _changed(old: "Row | None", new: "Row", name: str) -> bool:
    return old is None and new.get(name) is not None or old is not None and old.get(name) != new.get(name)


def before_write(records: "Records", table: "Table", old: "Row | None", new: "Row", ctx: "Context") -> None:
    rule = _BEFORE.get(table.logical_name)
    if rule is not None:
        rule(records, table, old, new, ctx)


def after_write(records: "Records", table: "Table", old: "Row | None", new: "Row", ctx: "Context") -> None:
    if table.logical_name == "uomschedule" and old is None and settings.UOMSCHEDULE_CREATES_BASE_UNIT:
        _create_base_unit(records, new, ctx)
    elif table.logical_name == "opportunityproduct":
        _recalculate_revenue(records, new.get("_opportunityid_value"), ctx)


def before_delete(records: "Records", table: "Table", row: "Row", ctx: "Context") -> None:
    if table.logical_name == "opportunityproduct" and not ctx.internal:
        _refuse_if_closed(records, row.get("_opportunityid_value"))


# --- rules per table -------------------------------------------------------------


def _person_name(records: "Records", table: "Table", old: "Row | None", new: "Row", ctx: "Context") -> None:
    new["fullname"] = " ".join(p for p in (new.get("firstname"), new.get("lastname")) if p) or None


def _systemuser(records: "Records", table: "Table", old: "Row | None", new: "Row", ctx: "Context") -> None:
    if old is not None and not ctx.internal and not ctx.as_person:
        for name in settings.SYSTEMUSER_SYNCED_COLUMNS:
            if name != "fullname" and _changed(old, new, name):
                raise _refuse(f"The column '{name}' of a user is synchronised from Microsoft Entra ID and cannot "
                              "be changed in Dataverse; change it in Entra ID.")
    _person_name(records, table, old, new, ctx)


def _uom(records: "Records", table: "Table", old: "Row | None", new: "Row", ctx: "Context") -> None:
    quantity = new.get("quantity")
    if quantity is not None and quantity <= 0:
        raise _refuse("The quantity of a unit must be greater than zero.", settings.CODE_VALIDATION)
    if old is None and new.get("_baseuom_value") is None:
        base = _base_unit_of(records, new.get("_uomscheduleid_value"))
        if base is not None:
            new["_baseuom_value"] = base
            new["_baseuom_value" + LOOKUP_ANNOTATION] = "uom"


def _productpricelevel(records: "Records", table: "Table", old: "Row | None", new: "Row", ctx: "Context") -> None:
    store = records.store
    uom = store.get("uom", new.get("_uomid_value") or "")
    if uom is not None:
        new["_uomscheduleid_value"] = uom.get("_uomscheduleid_value")
        new["_uomscheduleid_value" + LOOKUP_ANNOTATION] = "uomschedule"
        product = store.get("product", new.get("_productid_value") or "")
        group = product.get("_defaultuomscheduleid_value") if product else None
        if group is not None and group != uom.get("_uomscheduleid_value"):
            raise _refuse("The unit is not in the unit group of the product.")
    price_list = store.get("pricelevel", new.get("_pricelevelid_value") or "")
    if price_list is not None:
        new["_transactioncurrencyid_value"] = price_list.get("_transactioncurrencyid_value")
        new["_transactioncurrencyid_value" + LOOKUP_ANNOTATION] = "transactioncurrency"
    own_id = new["productpricelevelid"]
    for other_id in store.eq_lookup("productpricelevel", "_pricelevelid_value", new.get("_pricelevelid_value")):
        other = store.get("productpricelevel", other_id)
        if other_id != own_id and other is not None and other.get("_productid_value") == new.get("_productid_value") \
                and other.get("_uomid_value") == new.get("_uomid_value"):
            raise _refuse("This product and unit combination has a price for this price list.",
                          settings.CODE_DUPLICATE)


def _opportunity(records: "Records", table: "Table", old: "Row | None", new: "Row", ctx: "Context") -> None:
    if old is None or ctx.internal or not settings.CLOSED_OPPORTUNITY_READ_ONLY:
        return
    if old.get("statecode", 0) != 0:
        reopening = new.get("statecode") == 0
        other = {k for k in new if new.get(k) != old.get(k)} - {
            "statecode", "statuscode", "modifiedon", "_modifiedby_value", "versionnumber"}
        if not reopening or other:
            raise _refuse(f"The opportunity {old['opportunityid']} is closed and cannot be changed. Reopen it "
                          "(statecode 0) first.", settings.CODE_CLOSED)


def _opportunityproduct(records: "Records", table: "Table", old: "Row | None", new: "Row", ctx: "Context") -> None:
    opportunity_id = new.get("_opportunityid_value")
    if not ctx.internal:
        _refuse_if_closed(records, opportunity_id)
    overridden = bool(new.get("isproductoverridden"))
    if overridden:
        if new.get("_productid_value") is not None:
            raise _refuse("A write-in product (isproductoverridden true) cannot also name a catalog product.")
        if not new.get("productdescription"):
            raise _refuse("A write-in product (isproductoverridden true) needs a productdescription.")
    else:
        if new.get("_productid_value") is None:
            raise _refuse("An opportunity product needs a catalog product (productid and uomid) or a write-in "
                          "product (isproductoverridden true and productdescription).")
        if new.get("_uomid_value") is None:
            raise _refuse("A catalog opportunity product needs a unit (uomid).")
    opportunity = records.store.get("opportunity", opportunity_id or "")
    if opportunity is not None:
        currency = opportunity.get("_transactioncurrencyid_value")
        new["_transactioncurrencyid_value"] = currency
        new["_transactioncurrencyid_value" + LOOKUP_ANNOTATION] = "transactioncurrency" if currency else None
    quantity = new.get("quantity") or 0
    price = new.get("priceperunit") or 0
    base = round(quantity * price, 4)
    new["baseamount"] = base
    new["extendedamount"] = round(base - (new.get("manualdiscountamount") or 0), 4)


def _annotation(records: "Records", table: "Table", old: "Row | None", new: "Row", ctx: "Context") -> None:
    body = new.get("documentbody")
    if body is not None and (old is None or old.get("documentbody") != body):
        new["filesize"] = check_document(body, table.entity_set, settings.MAX_ATTACHMENT_BYTES)
        new["isdocument"] = True
    target = new.get("_objectid_value" + LOOKUP_ANNOTATION)
    new["objecttypecode"] = target


_BEFORE: dict[str, Any] = {
    "contact": _person_name,
    "lead": _person_name,
    "systemuser": _systemuser,
    "uom": _uom,
    "productpricelevel": _productpricelevel,
    "opportunity": _opportunity,
    "opportunityproduct": _opportunityproduct,
    "annotation": _annotation,
}


# --- helpers ---------------------------------------------------------------------


def _refuse_if_closed(records: "Records", opportunity_id: str | None) -> None:
    if not settings.CLOSED_OPPORTUNITY_READ_ONLY or opportunity_id is None:
        return
    opportunity = records.store.get("opportunity", opportunity_id)
    if opportunity is not None and opportunity.get("statecode", 0) != 0:
        raise _refuse(f"The opportunity {opportunity_id} is closed: its products cannot be added, changed or "
                      "removed. Write the opportunity products before closing it.", settings.CODE_CLOSED)


def _base_unit_of(records: "Records", schedule_id: str | None) -> str | None:
    if schedule_id is None:
        return None
    for unit_id in records.store.eq_lookup("uom", "_uomscheduleid_value", schedule_id):
        unit = records.store.get("uom", unit_id)
        if unit is not None and unit.get("isschedulebaseuom"):
            return unit_id
    return None


def _create_base_unit(records: "Records", schedule: "Row", ctx: "Context") -> None:
    table = records.schema.tables["uom"]
    unit_id = records.ids.new()
    now = utc_now()
    unit = {
        "uomid": unit_id, "name": schedule.get("baseuomname"), "quantity": 1.0, "isschedulebaseuom": True,
        "_uomscheduleid_value": schedule["uomscheduleid"], "_uomscheduleid_value" + LOOKUP_ANNOTATION: "uomschedule",
        "_baseuom_value": unit_id, "_baseuom_value" + LOOKUP_ANNOTATION: "uom",
        "createdon": now, "modifiedon": now, "overriddencreatedon": None,
        "_createdby_value": ctx.user_id, "_createdby_value" + LOOKUP_ANNOTATION: "systemuser",
        "_modifiedby_value": ctx.user_id, "_modifiedby_value" + LOOKUP_ANNOTATION: "systemuser",
        "versionnumber": records.store.next_version(),
    }
    records.store.put(table.logical_name, unit_id, unit)


def _recalculate_revenue(records: "Records", opportunity_id: str | None, ctx: "Context") -> None:
    opportunity = records.store.get("opportunity", opportunity_id or "")
    if opportunity is None or not opportunity.get("isrevenuesystemcalculated"):
        return
    total = 0.0
    for line_id in records.store.eq_lookup("opportunityproduct", "_opportunityid_value", opportunity_id):
        line = records.store.get("opportunityproduct", line_id)
        if line is not None:
            total += line.get("extendedamount") or 0
    updated = dict(opportunity)
    updated["estimatedvalue"] = round(total, 4)
    updated["versionnumber"] = records.store.next_version()
    records.store.put("opportunity", opportunity_id, updated)
