"""The objects the simulated API serves, and their standard attributes.

Attribute names are the API's (documented in reference/freshsales.md and the
endpoint references quoted in settings.py); types drive validation. A
reference (`ref`) names the table whose id the attribute must hold. What is
assumed about them (required fields, unique names, targetable types) lives in
settings.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sandbox.freshsales import settings


@dataclass(frozen=True)
class Attr:
    name: str
    label: str
    type: str = "text"  # text, textarea, number, date, datetime, checkbox, email, dropdown, id
    ref: str | None = None  # for type "id": the table the id must exist in


@dataclass(frozen=True)
class Entity:
    name: str  # table and URL segment: "contacts"
    singular: str  # envelope of one record: "contact"
    route: str  # path under the API prefix: "contacts", "cpq/products"
    attrs: tuple[Attr, ...]
    custom_fields: bool = False  # takes "custom_field": {"cf_…": …} and has /settings/<name>/fields
    targetable: dict[str, str] = field(default_factory=dict)  # targetable_type -> table
    extras: tuple[str, ...] = ()  # attributes with their own handling (lists of ids, products, …)
    listable: bool = True  # GET <route>?page= lists it (contacts, deals, accounts use views instead)

    @property
    def required_all(self) -> tuple[str, ...]:
        return settings.REQUIRED_ALL.get(self.name, ())

    @property
    def required_any(self) -> tuple[str, ...]:
        return settings.REQUIRED_ANY.get(self.name, ())

    def attr(self, name: str) -> Attr | None:
        return _ATTR_INDEX[self.name].get(name)


def _owner() -> Attr:
    return Attr("owner_id", "Owner", "id", "users")


_SOCIAL = (Attr("facebook", "Facebook"), Attr("twitter", "Twitter"), Attr("linkedin", "LinkedIn"))
_ADDRESS = (Attr("address", "Address", "textarea"), Attr("city", "City"), Attr("state", "State"),
            Attr("zipcode", "Zipcode"), Attr("country", "Country"))
_TARGET = (Attr("targetable_type", "Targetable type"), Attr("targetable_id", "Targetable id", "number"))

CONTACTS = Entity(
    "contacts", "contact", "contacts", (
        Attr("first_name", "First name"), Attr("last_name", "Last name"), Attr("job_title", "Job title"),
        Attr("email", "Email", "email"), Attr("work_number", "Work"), Attr("mobile_number", "Mobile"),
        *_ADDRESS, _owner(),
        Attr("sales_account_id", "Account", "id", "sales_accounts"),
        Attr("contact_status_id", "Status", "id", "contact_statuses"),
        Attr("lifecycle_stage_id", "Lifecycle stage", "id", "lifecycle_stages"),
        Attr("lead_source_id", "Source", "id", "lead_sources"),
        Attr("territory_id", "Territory", "id", "territories"),
        Attr("campaign_id", "Campaign", "number"), Attr("time_zone", "Time zone"),
        *_SOCIAL, Attr("medium", "Medium"), Attr("keyword", "Keyword"), Attr("external_id", "External id"),
        Attr("do_not_disturb", "Do not disturb", "checkbox"),
    ),
    custom_fields=True, extras=("emails", "sales_accounts"), listable=False,
)
SALES_ACCOUNTS = Entity(
    "sales_accounts", "sales_account", "sales_accounts", (
        Attr("name", "Name"), *_ADDRESS, Attr("phone", "Phone"), Attr("website", "Website"),
        Attr("number_of_employees", "Number of employees", "number"),
        Attr("annual_revenue", "Annual revenue", "number"), _owner(),
        Attr("territory_id", "Territory", "id", "territories"),
        Attr("parent_sales_account_id", "Parent account", "id", "sales_accounts"), *_SOCIAL,
    ),
    custom_fields=True, listable=False,
)
DEALS = Entity(
    "deals", "deal", "deals", (
        Attr("name", "Name"), Attr("amount", "Deal value", "number"),
        Attr("currency_id", "Currency", "id", "currencies"),
        Attr("deal_pipeline_id", "Pipeline", "id", "deal_pipelines"),
        Attr("deal_stage_id", "Deal stage", "id", "deal_stages"),
        Attr("expected_close", "Expected close date", "date"), Attr("closed_date", "Closed date", "date"),
        _owner(), Attr("sales_account_id", "Account", "id", "sales_accounts"),
        Attr("deal_type_id", "Type", "id", "deal_types"), Attr("deal_reason_id", "Lost reason", "id", "deal_reasons"),
        Attr("deal_payment_status_id", "Payment status", "id", "deal_payment_statuses"),
        Attr("probability", "Probability (%)", "number"), Attr("territory_id", "Territory", "id", "territories"),
        Attr("lead_source_id", "Source", "id", "lead_sources"), Attr("campaign_id", "Campaign", "number"),
    ),
    custom_fields=True, extras=("contacts_added_list", "contacts_removed_list", "products"), listable=False,
)
PRODUCTS = Entity(
    "products", "product", "cpq/products", (
        Attr("name", "Name"), Attr(settings.PRODUCT_CATEGORY_FIELD, "Category", "dropdown"),
        Attr("product_code", "Product code"), Attr("sku_number", "SKU number"),
        Attr("is_active", "Active", "checkbox"), Attr("description", "Description", "textarea"),
        _owner(), Attr("valid_till", "Valid till", "date"),
    ),
    custom_fields=True, extras=("product_pricings",),
)
NOTES = Entity(
    "notes", "note", "notes", (Attr("description", "Description", "textarea"), *_TARGET),
    targetable=settings.TARGETABLE_TYPES, listable=False,
)
TASKS = Entity(
    "tasks", "task", "tasks", (
        Attr("title", "Title"), Attr("description", "Description", "textarea"),
        Attr("due_date", "Due date", "datetime"), _owner(), Attr("status", "Status", "number"), *_TARGET,
    ),
    targetable=settings.TARGETABLE_TYPES,
)
APPOINTMENTS = Entity(
    "appointments", "appointment", "appointments", (
        Attr("title", "Title"), Attr("description", "Description", "textarea"),
        Attr("from_date", "From", "datetime"), Attr("end_date", "To", "datetime"),
        Attr("time_zone", "Time zone"), Attr("location", "Location"),
        Attr("is_allday", "All day", "checkbox"),
        Attr("outcome_id", "Outcome", "id", "sales_activity_outcomes"), *_TARGET,
    ),
    targetable=settings.TARGETABLE_TYPES, extras=("appointment_attendees_attributes",),
)
SALES_ACTIVITIES = Entity(
    "sales_activities", "sales_activity", "sales_activities", (
        Attr("title", "Title"), Attr("notes", "Notes", "textarea"),
        Attr("sales_activity_type_id", "Activity type", "id", "sales_activity_types"),
        Attr("sales_activity_outcome_id", "Outcome", "id", "sales_activity_outcomes"),
        Attr("start_date", "Start date", "datetime"), Attr("end_date", "End date", "datetime"),
        _owner(), Attr("location", "Location"), *_TARGET,
    ),
    targetable=settings.TARGETABLE_TYPES,
)
DOCUMENTS = Entity(
    "documents", "document", "documents", (
        Attr("file_name", "File name"), Attr("is_shared", "Shared", "checkbox"), *_TARGET,
    ),
    targetable=settings.DOCUMENT_TARGETABLE_TYPES, listable=False,
)

ENTITIES: dict[str, Entity] = {e.name: e for e in (
    CONTACTS, SALES_ACCOUNTS, DEALS, PRODUCTS, NOTES, TASKS, APPOINTMENTS, SALES_ACTIVITIES, DOCUMENTS)}
ROUTES: dict[str, Entity] = {e.route: e for e in ENTITIES.values()}
WITH_FIELDS = tuple(e.name for e in ENTITIES.values() if e.custom_fields)
# Read-only tables the account is seeded with (selectors) and the users.
SELECTOR_TABLES = ("users", "deal_pipelines", "deal_stages", "currencies", "sales_activity_types",
                   "sales_activity_outcomes", "contact_statuses", "lifecycle_stages", "lead_sources",
                   "territories", "deal_types", "deal_reasons", "deal_payment_statuses")
OBJECTS = (*ENTITIES, *SELECTOR_TABLES)

_ATTR_INDEX = {e.name: {a.name: a for a in e.attrs} for e in ENTITIES.values()}
