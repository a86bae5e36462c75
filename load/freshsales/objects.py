"""The Freshsales load in dependency order: what each phase reads from the marts.

Product categories -> products -> contacts (availability custom fields) ->
deals (payment history, with their product lines) or payment notes -> notes,
documents and activities on the contacts.
"""

from __future__ import annotations

from load.model import ObjectSpec, ParentRef

SCHEMA = "freshsales"

# the mart each object's rows come from (its contract declares the fields)
MODELS = {
    "product_categories": "freshsales__product_categories",
    "products": "freshsales__products",
    "contacts": "freshsales__contacts",
    "deals": "freshsales__deals",
    "payment_notes": "freshsales__payment_notes",
    "notes": "freshsales__notes",
    "documents": "freshsales__documents",
    "activities": "freshsales__activities",
}


def _lines_model():
    from load.contract import contracts

    declared = contracts("freshsales")
    return next(m for m in declared.models.values() if m.meta.get("lines_of") == MODELS["deals"])


def deals_with_lines() -> str:
    """A deal travels with its lines: one list column per deal, named as the list
    attribute the lines mart's contract names, its items the lines' columns."""
    lines = _lines_model()
    # each line keeps its own key (its first column: two payments of one product
    # and price are two lines) beside the columns its fields come from
    order = lines.columns[0].name
    columns = [order, *sorted({f.column for f in lines.fields()} - {order})]
    items = ", ".join(f"{c} := {c}" for c in columns)
    key, alias = lines.meta["key"], lines.meta["field"]
    return f"""(
    select deals.*, coalesce(lines.{alias}, []) as {alias}
    from {SCHEMA}.{MODELS["deals"]} as deals
    left join (
        select {key}, list(struct_pack({items}) order by {order}) as {alias}
        from {SCHEMA}.{lines.name}
        group by {key}
    ) as lines on deals.{key} = lines.{key}
)"""


def line_parent() -> ParentRef:
    """The products a deal's lines point at (a sample load brings them along)."""
    lines = _lines_model()
    product = next(f for f in lines.fields() if f.via == "parent:products")
    return ParentRef(lines.meta["field"], "products", item_key=product.column)


ON_CONTACT = (ParentRef("bizstim_client_id", "contacts"),)

def all_specs() -> list[ObjectSpec]:
    """Every phase in load order (read when a load starts: the deals' query
    follows the contracts as they are then)."""
    def mart(obj: str) -> str:
        return f"{SCHEMA}.{MODELS[obj]}"

    return [
        ObjectSpec("product_categories", mart("product_categories"), "bizstim_service_group_id",
                   batch_size=500, label="Product categories (checked)"),
        ObjectSpec("products", mart("products"), "bizstim_product_key", batch_size=50,
                   label="Products"),
        ObjectSpec("contacts", mart("contacts"), "bizstim_client_id", batch_size=100,
                   label="Contacts (with availability)"),
        ObjectSpec("deals", deals_with_lines(), "bizstim_deal_key",
                   parents=(ParentRef("bizstim_client_id", "contacts"), line_parent()),
                   batch_size=100, label="Deals (payment history)"),
        ObjectSpec("payment_notes", mart("payment_notes"), "bizstim_note_key",
                   parents=ON_CONTACT, batch_size=50, label="Payment history notes"),
        ObjectSpec("notes", mart("notes"), "bizstim_note_key", parents=ON_CONTACT,
                   batch_size=50, label="Notes"),
        ObjectSpec("documents", mart("documents"), "bizstim_file_id", parents=ON_CONTACT,
                   batch_size=10, label="Documents"),
        ObjectSpec("activities", mart("activities"), "bizstim_session_id", parents=ON_CONTACT,
                   batch_size=50, label="Sessions as sales activities"),
    ]


# where each object lives in the API: (route, envelope name)
ROUTES = {
    "products": ("cpq/products", "product"),
    "contacts": ("contacts", "contact"),
    "deals": ("deals", "deal"),
    "payment_notes": ("notes", "note"),
    "notes": ("notes", "note"),
    "documents": ("documents", "document"),
    "activities": ("sales_activities", "sales_activity"),
}
