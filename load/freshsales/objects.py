"""The Freshsales load in dependency order: what each phase reads from the marts.

Product categories -> products -> contacts (availability custom fields) ->
deals (payment history, with their product lines) or payment notes -> notes,
documents and activities on the contacts.
"""

from __future__ import annotations

from load.model import ObjectSpec, ParentRef

SCHEMA = "freshsales"

# a deal travels with its product lines: one list column per deal
DEALS_WITH_LINES = f"""(
    select
        deals.*,
        coalesce(lines.products, []) as products
    from {SCHEMA}.freshsales__deals as deals
    left join (
        select
            bizstim_deal_key,
            list(struct_pack(
                bizstim_payment_id := bizstim_payment_id,
                bizstim_product_key := bizstim_product_key,
                quantity := quantity,
                unit_price := unit_price
            ) order by bizstim_payment_id) as products
        from {SCHEMA}.freshsales__deal_lines
        group by bizstim_deal_key
    ) as lines on deals.bizstim_deal_key = lines.bizstim_deal_key
)"""

ON_CONTACT = (ParentRef("bizstim_client_id", "contacts"),)

PRODUCT_CATEGORIES = ObjectSpec(
    "product_categories", f"{SCHEMA}.freshsales__product_categories",
    "bizstim_service_group_id", batch_size=500, label="Product categories (checked)")
PRODUCTS = ObjectSpec("products", f"{SCHEMA}.freshsales__products", "bizstim_product_key",
                      batch_size=50, label="Products")
CONTACTS = ObjectSpec("contacts", f"{SCHEMA}.freshsales__contacts", "bizstim_client_id",
                      batch_size=100, label="Contacts (with availability)")
DEALS = ObjectSpec("deals", DEALS_WITH_LINES, "bizstim_deal_key",
                   parents=(ParentRef("bizstim_client_id", "contacts"),
                            ParentRef("products", "products", item_key="bizstim_product_key")),
                   batch_size=100, label="Deals (payment history)")
PAYMENT_NOTES = ObjectSpec("payment_notes", f"{SCHEMA}.freshsales__payment_notes",
                           "bizstim_note_key", parents=ON_CONTACT, batch_size=50,
                           label="Payment history notes")
NOTES = ObjectSpec("notes", f"{SCHEMA}.freshsales__notes", "bizstim_note_key",
                   parents=ON_CONTACT, batch_size=50, label="Notes")
DOCUMENTS = ObjectSpec("documents", f"{SCHEMA}.freshsales__documents", "bizstim_file_id",
                       parents=ON_CONTACT, batch_size=10, label="Documents")
ACTIVITIES = ObjectSpec("activities", f"{SCHEMA}.freshsales__activities", "bizstim_session_id",
                        parents=ON_CONTACT, batch_size=50, label="Sessions as sales activities")

ALL = [PRODUCT_CATEGORIES, PRODUCTS, CONTACTS, DEALS, PAYMENT_NOTES, NOTES, DOCUMENTS,
       ACTIVITIES]

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
