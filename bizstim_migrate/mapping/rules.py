"""What the tool knows before it looks at any data: which destination object
each Bizstim object feeds (the brief's mapping rows), the synonym table (the
mapping the dbt models implement, field by field), the standard destination
fields the writers use, and the value domains of Bizstim's status flags.

The proposal weighs this knowledge against what it measures (name similarity,
type compatibility, value profiles); a field the table does not know (a new
custom field, a column a real account has and the sandbox does not) is
placed by the measurements alone. Edit the tables here, and only here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DESTINATIONS = ("freshsales", "dynamics")

# Roles a source field can play in a map entry
FIELD = "field"  # lands in a destination field
KEY = "key"  # carries the Bizstim id (upserts and reconciliation name the record by it)
LINK = "link"  # a reference the models join on; no destination field of its own
LOOKUP = "lookup"  # resolves a lookup (the owner by e-mail, a parent record)
DELIVERABLE = "deliverable"  # goes to a document/CSV for the customer's admin
LEFT_OUT = "left_out"  # deliberately not migrated (the reason says why)


@dataclass(frozen=True)
class Route:
    """One mapping row of the brief: a Bizstim object and where it lands."""

    source: str  # raw table
    targets: tuple[str, ...]  # destination objects whose fields are candidates
    mapping_row: str  # the brief's row, as the customer reads it


@dataclass(frozen=True)
class Known:
    """A synonym-table entry: `source` (table.column, `*` allowed) -> `target`
    (object.field, or None for a link / a left-out field)."""

    source: str
    target: str | None
    transform: str
    role: str = FIELD


@dataclass(frozen=True)
class ValueDomain:
    """A picklist or status flag: the Bizstim values the models understand and
    what each becomes in the destination."""

    name: str
    source: str  # table.column
    target: str  # object.field the value lands in (or decides)
    values: dict[str, str | None]  # normalised source value -> destination value
    normalise: str  # how a raw value is normalised before the map applies
    applied_in_dbt: str | None = None  # the model that reads the dbt var, if any
    synonyms: dict[str, str] = field(default_factory=dict)  # other spellings -> a known value
    note: str = ""


# --- object routes (the brief's "Object mapping" rows) -----------------------------------

ROUTES: dict[str, tuple[Route, ...]] = {
    "freshsales": (
        Route("clients", ("contacts", "notes"), "Client → Contact"),
        Route("client_settings", ("contacts",), "Availability Slots → Custom Contact Fields"),
        Route("availability", ("contacts",), "Availability Slots → Custom Contact Fields"),
        Route("practitioners", ("users", "deliverables"), "Practitioner → User"),
        Route("staffs", ("users",), "Staff → User"),
        Route("users", ("users",), "User → User"),
        Route("services", ("products",), "Service → Product"),
        Route("service_group_names", ("product_categories",),
              "Service Group → Product Category"),
        Route("payments", ("deals", "deal_products", "payment_notes"),
              "Payment → Deal or Contact Note"),
        Route("sessions", ("activities",), "Sessions → Sales activities (original timestamps)"),
        Route("client_files", ("documents",), "Client files → Documents"),
        Route("automations", ("deliverables",), "Automations → written inventory"),
    ),
    "dynamics": (
        Route("clients", ("contact", "lead", "annotation"), "Client → Contact (and Lead)"),
        Route("client_settings", ("contact", "deliverables"),
              "Calendar / Availability Slots → configuration guide"),
        Route("availability", ("contact", "deliverables"),
              "Calendar / Availability Slots → configuration guide"),
        Route("practitioners", ("systemuser", "deliverables"), "Practitioner → User"),
        Route("staffs", ("systemuser",), "Staff → User"),
        Route("users", ("systemuser",), "User → User"),
        Route("services", ("product", "productpricelevel"), "Service → Product"),
        Route("service_group_names", ("deliverables",),
              "Service Group → Product Bundle (configuration CSV)"),
        Route("payments", ("opportunity", "opportunityproduct", "deliverables"),
              "Payment → Opportunity Product Line Item"),
        Route("sessions", ("appointment",), "Sessions → Appointments (original timestamps)"),
        Route("client_files", ("annotation",), "Client files → Notes (annotations)"),
        Route("automations", ("deliverables",), "Automations → written inventory"),
    ),
}

# Raw tables that are the extractor's bookkeeping, not Bizstim objects
BOOKKEEPING_TABLES = frozenset({"file_contents"})
BOOKKEEPING_COLUMNS = frozenset({"_extraction_id", "_dlt_id", "_dlt_load_id"})

# Objects no mapping row of the brief covers: extracted, not migrated
NOT_MIGRATED = {
    "locations": "no mapping row in the brief: locations are not a destination object "
                 "(kept in the warehouse)",
    "discounts": "no mapping row in the brief: discount codes are rebuilt in the "
                 "destination's pricing (kept in the warehouse)",
}


# --- standard destination fields the writers use (type when no live metadata) ------------

FRESHSALES_STANDARD: dict[str, dict[str, str]] = {
    "contacts": {
        "first_name": "text", "last_name": "text", "email": "text", "other_emails": "text",
        "mobile_number": "text", "work_number": "text", "address": "textarea", "city": "text",
        "state": "text", "zipcode": "text", "country": "text", "owner_id": "dropdown",
    },
    "notes": {"description": "textarea"},
    "payment_notes": {"description": "textarea"},
    "products": {
        "name": "text", "category": "dropdown", "product_code": "text",
        "is_active": "checkbox", "description": "textarea", "currency_code": "text",
        "unit_price": "number",
    },
    "product_categories": {"name": "dropdown", "is_active": "checkbox"},
    "deals": {
        "name": "text", "amount": "number", "currency_id": "dropdown",
        "closed_date": "date", "owner_id": "dropdown", "contact_ids": "text",
    },
    "deal_products": {"id": "dropdown", "quantity": "number", "unit_price": "number"},
    "activities": {
        "title": "text", "notes": "textarea", "start_date": "date", "end_date": "date",
        "owner_id": "dropdown", "sales_activity_outcome_id": "dropdown",
        "targetable_id": "dropdown",
    },
    "documents": {"file_name": "text", "content_type": "text", "targetable_id": "dropdown"},
    # users are read (owner resolution), never written: Freshsales has no API to create them
    "users": {"email": "text", "display_name": "text", "is_active": "checkbox"},
    "deliverables": {
        "wage_reference.practitioner_wage": "number", "wage_reference.wage_tier": "text",
        "automation_inventory.item": "text", "provisioning_queue.person": "text",
    },
}

DYNAMICS_STANDARD: dict[str, dict[str, str]] = {
    "contact": {
        "firstname": "String", "lastname": "String", "emailaddress1": "String",
        "emailaddress2": "String", "telephone1": "String", "telephone2": "String",
        "mobilephone": "String", "address1_line1": "String", "address1_line2": "String",
        "address1_city": "String", "address1_stateorprovince": "String",
        "address1_postalcode": "String", "address1_country": "String",
        "description": "Memo", "ownerid": "Owner",
    },
    "lead": {
        "firstname": "String", "lastname": "String", "subject": "String",
        "emailaddress1": "String", "emailaddress2": "String", "telephone1": "String",
        "mobilephone": "String", "address1_line1": "String", "address1_line2": "String",
        "address1_city": "String", "address1_stateorprovince": "String",
        "address1_postalcode": "String", "address1_country": "String", "ownerid": "Owner",
    },
    "annotation": {
        "subject": "String", "notetext": "Memo", "filename": "String", "mimetype": "String",
        "documentbody": "Memo", "overriddencreatedon": "DateTime", "objectid": "Lookup",
    },
    "systemuser": {
        "internalemailaddress": "String", "fullname": "String", "firstname": "String",
        "lastname": "String", "isdisabled": "Boolean",
    },
    "product": {
        "name": "String", "productnumber": "String", "description": "Memo",
        "statecode": "State", "quantitydecimal": "Integer",
    },
    "productpricelevel": {"amount": "Money", "pricingmethodcode": "Picklist"},
    "opportunity": {
        "name": "String", "actualvalue": "Money", "estimatedvalue": "Money",
        "actualclosedate": "DateTime", "customerid": "Customer", "ownerid": "Owner",
        "statecode": "State",
    },
    "opportunityproduct": {
        "productdescription": "String", "quantity": "Decimal", "priceperunit": "Money",
    },
    "appointment": {
        "subject": "String", "description": "Memo", "scheduledstart": "DateTime",
        "scheduledend": "DateTime", "actualstart": "DateTime", "actualend": "DateTime",
        "ownerid": "Owner", "regardingobjectid": "Lookup", "statecode": "State",
    },
    "deliverables": {
        "availability_guide.rule": "String", "service_groups.group": "String",
        "non_revenue_payments.payment": "String", "automation_inventory.item": "String",
        "wage_reference.practitioner_wage": "Money", "wage_reference.wage_tier": "String",
    },
}

# Tables whose live metadata the proposal reads (those with custom fields / columns)
FRESHSALES_METADATA_ENTITIES = ("contacts", "deals", "products")
DYNAMICS_METADATA_TABLES = ("contact", "lead", "systemuser", "product", "opportunity",
                            "annotation", "appointment")


# --- the synonym table: the mapping the dbt models implement ------------------------------

_SHARED_LINKS = (
    Known("clients.users_id", None, "join key to users: the client's login (not migrated)", LINK),
    Known("clients.client_settings_id", None,
          "join key: brings the client_settings fields (availability) onto the client", LINK),
    Known("clients.avail_id", None,
          "join key: brings the availability record (weekly windows) onto the client", LINK),
    Known("practitioners.users_id", None,
          "join key: one person with the staff/user records of the same account "
          "(deduplication)", LINK),
    Known("practitioners.pract_settings_id", None, "settings record (no endpoint): not read",
          LEFT_OUT),
    Known("practitioners.avail_id", None,
          "the practitioner's schedules: not migrated (no destination object)", LEFT_OUT),
    Known("staffs.users_id", None,
          "join key: the staff member's login gives the e-mail (staff carry none)", LINK),
    Known("staffs.staff_settings_id", None, "settings record (no endpoint): not read", LEFT_OUT),
    Known("users.id", None, "join key for staff, practitioners and clients", LINK),
    Known("users.username", None, "login name: the destination's users sign in with "
          "their own identity", LEFT_OUT),
    Known("client_settings.id", None, "join key (clients.client_settings_id)", LINK),
    Known("availability.id", None, "join key (clients.avail_id)", LINK),
    Known("services.group_id", None, "join key to service_group_names", LINK),
    Known("service_group_names.id", None, "join key (services.group_id)", LINK),
    Known("payments.client_id", None, "join key: the client (contact) the payment belongs to",
          LINK),
    Known("payments.qb_payment_id", None, "QuickBooks reference: not migrated", LEFT_OUT),
    Known("payments.revenue_tax", None, "deprecated by Bizstim (always 0.00)", LEFT_OUT),
    Known("sessions.client_id", None, "join key: the contact the activity is about", LINK),
    Known("sessions.service_id", None, "join key: the service name goes into the title", LINK),
    Known("client_files.client_id", None, "join key: the contact the file belongs to", LINK),
    Known("client_files.size", None, "checked against the stored bytes (file_contents)",
          LEFT_OUT),
    Known("automations.*", "deliverables.automation_inventory.item",
          "a row of the automation inventory (rebuilt by the admin, not migrated)",
          DELIVERABLE),
)

# Destination entries first: the first entry that matches a source field wins.
KNOWN: dict[str, tuple[Known, ...]] = {
    "freshsales": (
        # clients -> contacts
        Known("clients.id", "contacts.cf_bizstim_client_id",
              "as text; the unique field every upsert names the contact by", KEY),
        Known("clients.first_name", "contacts.first_name", "trimmed; '' → null"),
        Known("clients.last_name", "contacts.last_name", "trimmed; '' → null"),
        Known("clients.email", "contacts.email",
              "comma-separated list: the first valid address (lower-cased); the other valid "
              "ones → other_emails; an address another client has → cf_shared_emails"),
        Known("clients.p_phone", "contacts.work_number",
              "E.164 (phone_default_region for numbers without a country code); "
              "the other numbers → cf_other_phones"),
        Known("clients.s_phone", "contacts.work_number",
              "E.164 when p_phone has none; else → cf_other_phones"),
        Known("clients.text_phone", "contacts.mobile_number",
              "comma-separated list: the first readable number in E.164; the others → "
              "cf_other_phones"),
        Known("clients.address1", "contacts.address", "joined with address2 (', ')"),
        Known("clients.address2", "contacts.address", "appended to address1 (', ')"),
        Known("clients.city", "contacts.city", "trimmed; '' → null"),
        Known("clients.state", "contacts.state", "trimmed; '' → null"),
        Known("clients.zipcode", "contacts.zipcode", "trimmed; '' → null"),
        Known("clients.country", "contacts.country", "trimmed; '' → null"),
        Known("clients.status", "contacts.cf_bizstim_status", "value map client_status"),
        Known("clients.start_date", "contacts.cf_bizstim_start_date", "YYYY-MM-DD → date"),
        Known("clients.notes", "notes.description",
              "a note on the contact (in parts past note_part_max_chars), client since "
              "start_date"),
        Known("clients.custom_*", "contacts.cf_bizstim_custom_fields",
              "one key of a JSON object in a paragraph field (see the custom-field "
              "candidates for a field of its own)"),
        # availability
        Known("client_settings.min_time", "contacts.cf_availability_min_time", "HH:MM"),
        Known("client_settings.max_time", "contacts.cf_availability_max_time", "HH:MM"),
        Known("client_settings.slot_duration", "contacts.cf_slot_duration", "minutes (number)"),
        Known("client_settings.session_limit", "contacts.cf_session_limit", "number"),
        Known("availability.*avail*", "contacts.cf_availability_windows",
              "weekday from/to windows as one text ('Mon 09:00-17:00; …')"),
        Known("availability.label", "contacts.cf_availability_windows",
              "the schedule's name, in the windows text"),
        Known("availability.start", "contacts.cf_availability_windows",
              "validity start, in the windows text"),
        Known("availability.end", "contacts.cf_availability_windows",
              "validity end, in the windows text"),
        # people
        Known("practitioners.id", None, "kept in the person key (deduplication) and the "
              "owner resolution", LINK),
        Known("practitioners.email", "users.email",
              "owner lookup: matched (lower-cased) with a Freshsales user's e-mail", LOOKUP),
        Known("practitioners.first_name", "users.display_name",
              "a user to provision when no e-mail matches", LOOKUP),
        Known("practitioners.last_name", "users.display_name",
              "a user to provision when no e-mail matches", LOOKUP),
        Known("practitioners.status", "users.is_active", "value map practitioner_status"),
        Known("practitioners.practitioner_wage", "deliverables.wage_reference.practitioner_wage",
              "wage reference spreadsheet (Freshsales has no API for user fields)",
              DELIVERABLE),
        Known("practitioners.wage_tier", "deliverables.wage_reference.wage_tier",
              "0 hourly, 1 salary hours, 2 salary annual", DELIVERABLE),
        Known("staffs.id", None, "kept in the person key (deduplication)", LINK),
        Known("staffs.first_name", "users.display_name",
              "a user to provision when no e-mail matches", LOOKUP),
        Known("staffs.last_name", "users.display_name",
              "a user to provision when no e-mail matches", LOOKUP),
        Known("users.email", "users.email",
              "owner lookup: matched (lower-cased) with a Freshsales user's e-mail", LOOKUP),
        Known("users.user_type", "deliverables.provisioning_queue.person",
              "value map user_type (the role named in the provisioning queue)", DELIVERABLE),
        Known("users.status", "users.is_active", "value map user_status"),
        # catalogue
        Known("services.id", "products.product_code", "'BZ-' || id (and the upsert key)", KEY),
        Known("services.name", "products.name", "'Service <id>' when empty"),
        Known("services.service_description", "products.description",
              "with the session count and default wage appended"),
        Known("services.service_cost", "products.unit_price",
              "decimal (2 dp), in account_currency"),
        Known("services.service_status", "products.is_active", "value map service_status"),
        Known("services.group_num", "products.cf_session_count", "integer"),
        Known("services.service_default_wage", "products.cf_default_practitioner_wage",
              "decimal (2 dp)"),
        Known("service_group_names.name", "product_categories.name",
              "a choice of the product Category field (products.category)"),
        Known("service_group_names.status", "product_categories.is_active",
              "value map service_group_status"),
        # payments
        Known("payments.id", None, "the deal line key (one line per payment)", KEY),
        Known("payments.revenue_amount", "deal_products.unit_price",
              "decimal (2 dp); revenue payments summed into deals.amount"),
        Known("payments.revenue_date", "deals.closed_date",
              "latest payment date per client; the earliest → cf_first_payment_date"),
        Known("payments.revenue_credit", "deal_products.id",
              "value map payment_kind: the line's product (one per kind)"),
        Known("payments.revenue_note", "payment_notes.description",
              "in the Payment_History note when freshsales_payments_as=notes"),
        # sessions
        Known("sessions.id", None, "the activity key (ledger)", KEY),
        Known("sessions.session_date", "activities.start_date",
              "date + start_time in the account time zone → UTC"),
        Known("sessions.start_time", "activities.start_date", "with session_date → UTC"),
        Known("sessions.end_time", "activities.end_date", "with session_date → UTC"),
        Known("sessions.public_note", "activities.notes", "as is"),
        Known("sessions.confirmed", "activities.sales_activity_outcome_id",
              "value map session_confirmed ('Completed' when confirmed and ended)"),
        Known("sessions.pract_d", "activities.owner_id",
              "owner: the practitioner's Freshsales user (resolved by e-mail)", LOOKUP),
        # files
        Known("client_files.id", None, "the document key (ledger)", KEY),
        Known("client_files.file_name", "documents.file_name", "'file-<id>' when empty"),
        Known("client_files.content_type", "documents.content_type",
              "the upload's content type"),
        Known("client_files.uploaded", None,
              "an upload date cannot be set in Freshsales (kept in the warehouse)", LEFT_OUT),
    ) + _SHARED_LINKS,
    "dynamics": (
        # clients -> contact / lead
        Known("clients.id", "contact.{p}bizstimclientid",
              "as text; the alternate key every upsert names the record by", KEY),
        Known("clients.first_name", "contact.firstname", "trimmed; '' → null"),
        Known("clients.last_name", "contact.lastname", "first_name when empty (required)"),
        Known("clients.email", "contact.emailaddress1",
              "comma-separated list: the first valid address; the second → emailaddress2"),
        Known("clients.p_phone", "contact.telephone1", "E.164; the next number → telephone2"),
        Known("clients.s_phone", "contact.telephone2", "E.164 (when p_phone took telephone1)"),
        Known("clients.text_phone", "contact.mobilephone", "first readable number, E.164"),
        Known("clients.address1", "contact.address1_line1", "trimmed; '' → null"),
        Known("clients.address2", "contact.address1_line2", "trimmed; '' → null"),
        Known("clients.city", "contact.address1_city", "trimmed; '' → null"),
        Known("clients.state", "contact.address1_stateorprovince", "trimmed; '' → null"),
        Known("clients.zipcode", "contact.address1_postalcode", "trimmed; '' → null"),
        Known("clients.country", "contact.address1_country", "trimmed; '' → null"),
        Known("clients.status", "contact.{p}bizstimstatus",
              "value map client_status; with the payments it decides contact or lead"),
        Known("clients.notes", "annotation.notetext",
              "a note on the contact or lead (in parts), created on start_date"),
        Known("clients.start_date", "annotation.overriddencreatedon",
              "the notes' creation date (Bizstim keeps no timestamps)"),
        # availability
        Known("client_settings.min_time", "contact.{p}availabilityslotdata",
              "JSON key min_time; and the availability guide"),
        Known("client_settings.max_time", "contact.{p}availabilityslotdata",
              "JSON key max_time; and the availability guide"),
        Known("client_settings.slot_duration", "contact.{p}availabilityslotdata",
              "JSON key slot_duration_minutes; and the availability guide"),
        Known("client_settings.session_limit", "contact.{p}availabilityslotdata",
              "JSON key session_limit; and the availability guide"),
        Known("availability.*avail*", "contact.{p}availabilityslotdata",
              "JSON weekly_windows; and the availability guide"),
        Known("availability.label", "deliverables.availability_guide.rule",
              "the schedule's name in the configuration guide", DELIVERABLE),
        Known("availability.start", "deliverables.availability_guide.rule",
              "validity start in the configuration guide", DELIVERABLE),
        Known("availability.end", "deliverables.availability_guide.rule",
              "validity end in the configuration guide", DELIVERABLE),
        # people
        Known("practitioners.id", "systemuser.{p}bizstimpractitionerids",
              "comma-separated ids of the person's practitioner records"),
        Known("practitioners.email", "systemuser.internalemailaddress",
              "owner lookup: matched (lower-cased) with a system user's e-mail", LOOKUP),
        Known("practitioners.first_name", "systemuser.firstname",
              "provisioning queue when no e-mail matches", LOOKUP),
        Known("practitioners.last_name", "systemuser.lastname",
              "provisioning queue when no e-mail matches", LOOKUP),
        Known("practitioners.status", "systemuser.isdisabled", "value map practitioner_status"),
        Known("practitioners.practitioner_wage", "systemuser.{p}practitionerwage",
              "decimal (2 dp), Money column"),
        Known("practitioners.wage_tier", "deliverables.wage_reference.wage_tier",
              "0 hourly, 1 salary hours, 2 salary annual (wage reference)", DELIVERABLE),
        Known("staffs.id", "systemuser.{p}bizstimstaffid", "the staff id (deduplicated)"),
        Known("staffs.first_name", "systemuser.firstname",
              "provisioning queue when no e-mail matches", LOOKUP),
        Known("staffs.last_name", "systemuser.lastname",
              "provisioning queue when no e-mail matches", LOOKUP),
        Known("users.email", "systemuser.internalemailaddress",
              "owner lookup: matched (lower-cased) with a system user's e-mail", LOOKUP),
        Known("users.user_type", "systemuser.{p}bizstimrole", "value map user_type"),
        Known("users.status", "systemuser.isdisabled", "value map user_status"),
        # catalogue
        Known("services.id", "product.{p}bizstimserviceid",
              "as text; the alternate key (productnumber 'BZ-' || id)", KEY),
        Known("services.name", "product.name", "'Service <id>' when empty"),
        Known("services.service_description", "product.description", "as is"),
        Known("services.group_id", "product.{p}servicegroupid",
              "the service group id (the bundle CSV names the group)"),
        Known("services.service_cost", "productpricelevel.amount",
              "decimal (2 dp) on the price list item (account_currency)"),
        Known("services.service_status", "product.statecode", "value map service_status"),
        Known("services.group_num", "product.{p}servicesessioncount", "integer"),
        Known("services.service_default_wage", "product.{p}defaultpractitionerwage",
              "decimal (2 dp), Money column"),
        Known("service_group_names.name", "deliverables.service_groups.group",
              "the group-to-service CSV for the admin's bundle configuration", DELIVERABLE),
        Known("service_group_names.status", "deliverables.service_groups.group",
              "value map service_group_status", DELIVERABLE),
        # payments
        Known("payments.id", "opportunity.{p}bizstimpaymentid",
              "as text; the alternate key", KEY),
        Known("payments.revenue_amount", "opportunity.actualvalue",
              "decimal (2 dp); also the line's priceperunit"),
        Known("payments.revenue_date", "opportunity.{p}originalpaymentdate",
              "YYYY-MM-DD → date; also actualclosedate"),
        Known("payments.revenue_credit", "opportunity.{p}paymentkind",
              "value map payment_kind; credits and debits → the non-revenue payments CSV"),
        Known("payments.revenue_note", "deliverables.non_revenue_payments.payment",
              "kept with non-revenue payments in the CSV; not on the opportunity", DELIVERABLE),
        # sessions
        Known("sessions.id", "appointment.{p}bizstimsessionid", "the alternate key", KEY),
        Known("sessions.session_date", "appointment.scheduledstart",
              "date + start_time in the account time zone → UTC (also actualstart)"),
        Known("sessions.start_time", "appointment.scheduledstart", "with session_date → UTC"),
        Known("sessions.end_time", "appointment.scheduledend", "with session_date → UTC"),
        Known("sessions.public_note", "appointment.description", "as is"),
        Known("sessions.confirmed", "appointment.statecode",
              "value map session_confirmed (completed)"),
        Known("sessions.pract_d", "appointment.ownerid",
              "the practitioner's system user (resolved by e-mail)", LOOKUP),
        # files
        Known("client_files.id", "annotation.{p}bizstimannotationkey",
              "'file:' || id, the alternate key", KEY),
        Known("client_files.file_name", "annotation.filename", "'file-<id>' when empty"),
        Known("client_files.content_type", "annotation.mimetype", "as is"),
        Known("client_files.uploaded", "annotation.overriddencreatedon", "timestamp → UTC"),
    ) + _SHARED_LINKS,
}


# --- value domains (picklists and status flags) ---------------------------------------------

_TRIM_LOWER = "trimmed, lower-cased, '' → null"
_TRIM = "trimmed, '' → null"


def value_domains(destination: str) -> tuple[ValueDomain, ...]:
    fs = destination == "freshsales"
    return (
        ValueDomain(
            "client_status", "clients.status",
            "contacts.cf_bizstim_status" if fs else "contact.{p}bizstimstatus",
            {"active": "active", "inactive": "inactive", "prospect": "prospect"},
            _TRIM_LOWER, applied_in_dbt="stg_bizstim__clients.client_status",
            synonyms={"current": "active", "enrolled": "active", "open": "active",
                      "former": "inactive", "archived": "inactive", "closed": "inactive",
                      "lapsed": "inactive", "lead": "prospect", "new": "prospect",
                      "potential": "prospect", "enquiry": "prospect", "inquiry": "prospect"},
            note="the status the models understand (active | inactive | prospect)" + (
                "" if fs else "; active and inactive clients with a revenue payment become "
                              "contacts, the others leads"),
        ),
        ValueDomain(
            "practitioner_status", "practitioners.status",
            "users.is_active" if fs else "systemuser.isdisabled",
            {"active": "active", "contactList": "active", "inactive": "inactive",
             "doNotHire": "inactive"},
            _TRIM, synonyms={"contactlist": "contactList", "donothire": "doNotHire"},
            note="an active person is resolved to an active destination user",
        ),
        ValueDomain(
            "user_status", "users.status", "users.is_active" if fs else "systemuser.isdisabled",
            {"active": "active", "inactive": "inactive"}, _TRIM,
        ),
        ValueDomain(
            "user_type", "users.user_type",
            "deliverables.provisioning_queue.person" if fs else "systemuser.{p}bizstimrole",
            {"admin": "admin", "practitioner": "practitioner", "staff": "staff",
             "client": "client"}, _TRIM, note="client logins are the clients themselves: no user",
        ),
        ValueDomain(
            "service_status", "services.service_status",
            "products.is_active" if fs else "product.statecode",
            {"0": "inactive", "1": "active", "2": "deleted"}, _TRIM,
            note="2 = deleted in Bizstim: an inactive product",
        ),
        ValueDomain(
            "service_group_status", "service_group_names.status",
            "product_categories.is_active" if fs else "deliverables.service_groups.group",
            {"0": "inactive", "1": "active"}, _TRIM,
        ),
        ValueDomain(
            "payment_kind", "payments.revenue_credit",
            "deal_products.id" if fs else "opportunity.{p}paymentkind",
            {"0": "regular", "1": "credit", "2": "debit", "3": "package"}, _TRIM,
            note=("one deal line product per kind" if fs else
                  "regular and package are revenue (opportunities); credits and debits go to "
                  "the non-revenue payments CSV"),
        ),
        ValueDomain(
            "session_confirmed", "sessions.confirmed",
            "activities.sales_activity_outcome_id" if fs else "appointment.statecode",
            {"0": "pending", "1": "confirmed"}, _TRIM,
            note="a confirmed session that has ended is completed",
        ),
    )


# --- name similarity: abbreviations Bizstim uses, and words that carry no meaning -----------

ABBREVIATIONS = {
    "p": "primary", "s": "secondary", "pract": "practitioner", "avail": "availability",
    "num": "number", "desc": "description", "addr": "address", "qb": "quickbooks",
    "zip": "zipcode", "tel": "telephone", "dob": "birth date", "recurr": "recurrence",
}
NOISE_WORDS = frozenset({"cf", "bizstim", "new", "id", "the", "of"})

# Semantic hints in destination field names: words of the name (or label) -> what
# kind of value the field holds, and how much a matching value profile says
# (an e-mail or phone profile is specific; a number or a date is not)
FIELD_SEMANTICS = (
    ({"email", "emails", "emailaddress1", "emailaddress2", "internalemailaddress"}, "email"),
    ({"phone", "mobile", "telephone", "telephone1", "telephone2", "mobilephone"}, "phone"),
    ({"date", "on", "start", "end", "closedate", "scheduledstart", "scheduledend"}, "date"),
    ({"price", "amount", "value", "wage", "cost", "priceperunit"}, "money"),
    ({"time"}, "time"),
    ({"count", "limit", "duration", "quantity"}, "integer"),
)
SEMANTIC_WEIGHTS = {"email": 0.6, "phone": 0.6, "date": 0.35, "money": 0.35, "time": 0.35,
                    "integer": 0.25}

# Words a destination field name packs together (Dataverse logical names have no
# separators): what the name says, for the name similarity
FIELD_LABELS = {
    "emailaddress1": "email address", "emailaddress2": "second email address",
    "internalemailaddress": "email address", "telephone1": "primary phone",
    "telephone2": "secondary phone", "mobilephone": "mobile phone",
    "address1_line1": "address line 1", "address1_line2": "address line 2",
    "address1_city": "city", "address1_stateorprovince": "state or province",
    "address1_postalcode": "zipcode postal code", "address1_country": "country",
    "firstname": "first name", "lastname": "last name", "fullname": "full name",
    "notetext": "note text", "filename": "file name", "mimetype": "content type",
    "productnumber": "product number code", "priceperunit": "price per unit",
    "actualvalue": "amount value", "actualclosedate": "close date",
    "scheduledstart": "scheduled start", "scheduledend": "scheduled end",
    "overriddencreatedon": "created on date", "isdisabled": "disabled status",
    "work_number": "work phone number", "mobile_number": "mobile phone number",
}
