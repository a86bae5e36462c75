"""What the Freshsales simulator assumes about the real API, in one place.

Confidence, as in `reference/README.md`:
- **documented**: Freshworks' own pages (developers.freshworks.com/crm/api,
  crmsupport.freshworks.com, support.freshsales.io);
- **observed**: seen in public client code or users' reports (the source is named);
- **assumed**: our working assumption where nothing public was found.

A live account corrects an assumption here, and only here: nothing else in
`sandbox/freshsales/` hard-codes these values. Every "assumed" line is a
question for the first live account.
"""

from __future__ import annotations

# --- Access -------------------------------------------------------------------
# documented: https://<bundle-alias>.myfreshworks.com/crm/sales/api/<resource>
API_PREFIX = "/crm/sales/api/"
AUTH_HEADER = "Authorization"
# documented: "Authorization: Token token=<API key>"
AUTH_SCHEME = "Token"
AUTH_TOKEN_PARAM = "token="
# observed: a Freshworks engineer's bulk-import script sends "Token <key>"
# without "token=" (github: nirmalkumar.sathiamurthi's bulk_import.py, 2023),
# so the bare form is accepted too.
ACCEPT_BARE_TOKEN = True
API_KEY_BYTES = 16  # assumed: keys look like "sfg999666t673t7t82"; ours are token_urlsafe(16)
# assumed: what a bad key gets (recollection of live 401s; unconfirmed)
UNAUTHORIZED_BODY = {"login": "failed", "message": "Incorrect or expired API key"}

# --- Plans and rate limits ----------------------------------------------------
# documented (crmsupport.freshworks.com, "Does the web application have API
# request limits for an account?", article 50000005599): per account per hour,
# irrespective of the number of users; Free 1000, Growth 1000, Pro 2000,
# Enterprise 5000; past it: 429 Too Many Requests.
PLAN_REQUESTS_PER_HOUR = {"free": 1000, "growth": 1000, "pro": 2000, "enterprise": 5000}
PLANS = tuple(PLAN_REQUESTS_PER_HOUR)
RATE_LIMIT_WINDOW_SECONDS = 3600.0  # one "hour"; divided by time_scale in real time
# documented for the Freshsales (classic) plans Blossom/Garden/Estate/Forest:
# 400 requests per minute on top of the hourly cap (support.freshsales.io,
# article 50000010026). Not documented for Growth/Pro/Enterprise, so off by
# default; configure(per_minute_limit=400) switches it on.
PER_MINUTE_LIMIT_DOCUMENTED = 400
DEFAULT_PER_MINUTE_LIMIT: int | None = None
MINUTE_WINDOW_SECONDS = 60.0
# assumed (no public Freshsales source names them): lower-case x-ratelimit-*,
# reset in (real) seconds until the window ends, decimals allowed.
HEADER_LIMIT = "x-ratelimit-limit"
HEADER_REMAINING = "x-ratelimit-remaining"
HEADER_RESET = "x-ratelimit-reset"
HEADER_RETRY_AFTER = "Retry-After"
# assumed (reference: "a Retry-After may be absent"): a 429 carries no
# Retry-After unless the fault settings set one; the client computes its wait
# from x-ratelimit-reset.
RETRY_AFTER_ON_429 = False
MESSAGE_RATE_LIMITED = "Too many requests. The API rate limit for your account has been exceeded."

# --- Errors ---------------------------------------------------------------------
# observed: {"errors": {"code": 400, "message": ["<email> already exists ..."]}}
# (ToolJet's license service parses exactly this; cadabams' lead form matches
# "already exists"). The message texts below are assumed unless marked.
STATUS_VALIDATION = 400
STATUS_NOT_FOUND = 404
STATUS_METHOD_NOT_ALLOWED = 405
STATUS_RATE_LIMITED = 429
STATUS_STORAGE_FULL = 403  # assumed
INJECTED_ERROR_STATUSES = (500, 502, 503)
MESSAGE_NOT_FOUND = "Record not found"  # assumed
MESSAGE_NO_ROUTE = "The requested URL was not found"  # assumed
MESSAGE_SERVER_ERROR = "Something went wrong. Please try again later."  # assumed
MESSAGE_BAD_JSON = "Request body is not valid JSON"  # assumed
MESSAGE_UNKNOWN_CUSTOM_FIELD = "Unknown custom field {name}"  # assumed
MESSAGE_DUPLICATE_EMAIL = "Contact with email {email} already exists"  # observed shape: "<email> already exists"
MESSAGE_DUPLICATE_UNIQUE = "{label} {value} already exists"  # assumed
MESSAGE_REQUIRED = "{label} can't be blank"  # assumed (Rails wording)
MESSAGE_REQUIRED_ANY = "Please enter at least one of: {labels}"  # assumed
MESSAGE_INVALID_EMAIL = "Email {email} is invalid"  # assumed
MESSAGE_INVALID_REFERENCE = "Invalid {label} {value}"  # assumed: owner, stage, currency, ... ids
MESSAGE_INVALID_TARGETABLE = "Invalid targetable_id {value} for {type}"  # assumed
MESSAGE_INVALID_TARGETABLE_TYPE = "Invalid targetable_type {value}; use one of {types}"  # assumed
MESSAGE_INVALID_VALUE = "Invalid value {value!r} for {label}"  # assumed
MESSAGE_INVALID_CHOICE = "Invalid choice {value!r} for {label}; choices: {choices}"  # assumed
MESSAGE_TOO_LONG = "{label} is too long (maximum is {limit} characters)"  # assumed
MESSAGE_NOT_UNIQUE_IDENTIFIER = "{name} cannot be used as a unique identifier"  # assumed
MESSAGE_BULK_TOO_MANY = "A bulk request takes at most {limit} records, got {count}"  # assumed
MESSAGE_STORAGE_FULL = "Your account has exceeded its file storage limit"  # assumed
MESSAGE_FILE_TOO_LARGE = "File size exceeds the limit of {limit} bytes"  # assumed

# --- Status codes of successful writes --------------------------------------------
# observed: activepieces' Freshsales piece treats 200 as the success of POST
# /api/contacts; Datafly's integration notes say upsert answers 201 Created when
# it creates and 200 OK when it updates.
STATUS_CREATED = 200
STATUS_UPSERT_CREATED = 201
STATUS_UPSERT_UPDATED = 200
# assumed: DELETE answers 200 with the JSON body `true`
DELETE_BODY = True

# --- Lists -------------------------------------------------------------------------
# documented: /api/contacts/view/:view_id?page=N; meta.total_pages.
PER_PAGE_DEFAULT = 25  # assumed
PER_PAGE_MAX = 100  # assumed (reference): larger values are clamped
# assumed: lists come in creation order unless ?sort=<field>&sort_type=asc|desc
DEFAULT_SORT = ("created_at", "asc")
# documented names of the default views; observed (n8n's Freshworks CRM node):
# deals have no "All Deals" view, so an "all deals" read goes through the
# open / won / lost views.
VIEWS = {
    "contacts": ("All Contacts", "My Contacts", "Recently Modified"),
    "sales_accounts": ("All Accounts", "My Accounts"),
    "deals": ("My Deals", "Open Deals", "Won Deals", "Lost Deals"),
}
RECENT_DAYS = 7  # "Recently Modified": updated in the last week (assumed)

# --- Upsert, bulk upsert and jobs ------------------------------------------------------
# documented: POST /api/<contacts|deals|sales_accounts>/upsert with
# {"unique_identifier": {"emails": ...} | {"cf_<unique field>": ...}, "<singular>": {...}}.
# observed (the Freshworks engineer's bulk_import.py; a Python client that
# polls /api/job_statuses/<id>): POST /api/contacts/bulk_upsert takes
# {"contacts": [{"emails": "<email>", "data": {...}} | {"id": ..., "data": {...}}]},
# at most 100 a call, answers 200 with {"job_status_url": ".../api/job_statuses/<id>"},
# and the job runs in the background.
BULK_UPSERT_MAX = 100
BULK_DESTROY_MAX = 100  # assumed
UPSERT_OBJECTS = ("contacts", "deals", "sales_accounts")
# identifiers other than unique custom fields, per object (documented: emails
# for contacts; observed in the docs' parameter list: id for deals).
UPSERT_BUILTIN_IDENTIFIERS = {
    "contacts": ("id", "emails", "email"),
    "deals": ("id",),
    "sales_accounts": ("id", "name"),
}
JOB_STATUS_PATH = "job_statuses"
# assumed: how long a job takes (simulated seconds, divided by time_scale)
JOB_BASE_SECONDS = 2.0
JOB_SECONDS_PER_RECORD = 0.02
# assumed: the job status body. Counts and failed items only; no per-record
# ids, so a loader resolves ids with lookup or a list view.
JOB_STATUS_IN_PROGRESS = "in_progress"
JOB_STATUS_COMPLETED = "completed"
# assumed: bulk_destroy deletes at once and answers this
BULK_DESTROY_MESSAGE = "The selected records have been deleted"

# --- Lookup ---------------------------------------------------------------------------
# documented: GET /api/lookup?q=<value>&f=<field>&entities=contact[,sales_account,deal];
# observed (ToolJet, cadabams, iPostal1 clients): the answer nests the list:
# {"contacts": {"contacts": [...]}}; f can be email, mobile_number or a cf_ field.
LOOKUP_ENTITIES = {"contact": "contacts", "sales_account": "sales_accounts", "deal": "deals"}
LOOKUP_LIMIT = 25  # assumed

# --- Field values -------------------------------------------------------------------------
TEXT_MAX_CHARS = 255  # assumed: text fields (standard and custom)
LONG_TEXT_MAX_CHARS = 65_535  # assumed: textarea fields, note descriptions (a MySQL TEXT column)
EMAIL_PATTERN = r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$"  # assumed
CUSTOM_FIELD_PREFIX = "cf_"  # documented
CUSTOM_FIELD_TYPES = ("text", "textarea", "number", "date", "datetime", "checkbox", "dropdown",
                      "radio", "multiselect_dropdown", "url")  # assumed spellings
CHOICE_TYPES = frozenset({"dropdown", "radio", "multiselect_dropdown"})
# assumed: an unknown top-level attribute is dropped (Rails strong parameters);
# an unknown cf_ is an error (the brief; message assumed).
DROP_UNKNOWN_ATTRIBUTES = True
# assumed: record timestamps in UTC with milliseconds, strictly increasing per
# record (the live API shows seconds and the account's offset; milliseconds
# let a test see an edit made in the same second as a write).
TIMESTAMP_PRECISION = "milliseconds"  # isoformat timespec

# --- Required fields ------------------------------------------------------------------------
# reference: a contact needs last_name or email. Public sources disagree (the
# activepieces issue #1124 says only email is required; a generated endpoint
# reference marks email and last_name required), so this stays the reference's
# rule until a live account says otherwise.
REQUIRED_ANY = {"contacts": ("last_name", "email")}
REQUIRED_ALL = {
    "contacts": (),
    "sales_accounts": ("name",),  # documented
    "deals": ("name", "amount"),  # name documented; amount assumed (the UI's "Deal value")
    "products": ("name",),  # observed (generated reference of /api/cpq/products)
    "notes": ("description", "targetable_type", "targetable_id"),  # observed (same)
    "tasks": ("title", "due_date", "targetable_type", "targetable_id"),  # observed (same)
    "appointments": ("title", "from_date", "end_date", "targetable_type", "targetable_id"),  # observed
    "sales_activities": ("title", "owner_id", "sales_activity_type_id",
                         "targetable_type", "targetable_id"),  # observed
    "documents": ("targetable_type", "targetable_id"),  # observed: multipart file + targetable
}
# assumed: a sales account name is unique in the account
UNIQUE_STANDARD = {"sales_accounts": ("name",)}

# documented targetable types (notes, tasks, appointments, sales activities);
# observed: files may also target a Product.
TARGETABLE_TYPES = {"Contact": "contacts", "SalesAccount": "sales_accounts", "Deal": "deals"}
DOCUMENT_TARGETABLE_TYPES = {**TARGETABLE_TYPES, "Product": "products"}
# documented ("View a Contact": include=notes,sales_activities,appointments,tasks,...);
# assumed: side-loaded records come as top-level lists beside the record
# ({"contact": {...}, "notes": [...]}), documents among them
SIDE_LOADS = {"Contact": ("notes", "sales_activities", "appointments", "tasks", "documents"),
              "Deal": ("notes", "sales_activities", "appointments", "tasks", "documents")}
ATTENDEE_TYPES = {"FdMultitenant::User": "users", "Contact": "contacts"}  # observed (n8n node)

# --- Documents (files) --------------------------------------------------------------------------
# observed (generated reference, "Create File"): POST /api/documents as
# multipart/form-data with file, file_name, is_shared, targetable_id,
# targetable_type (Contact, SalesAccount, Deal or Product). ("documents" under
# /api/cpq/cpq_documents are CPQ quotes, not files: not simulated.)
FILE_MAX_BYTES = 25 * 1024 * 1024  # assumed
# assumed (reference: "file storage per account scales with the plan"): per user
PLAN_STORAGE_BYTES_PER_USER = {"free": 1 << 30, "growth": 2 << 30, "pro": 5 << 30, "enterprise": 10 << 30}

# --- Deals and products ------------------------------------------------------------------------
# assumed (reference): products on a deal travel as
# {"deal": {"products": [{"id": <product id>, "quantity", "unit_price", "discount"}]}}
# on POST or PUT /api/deals/:id (a PUT replaces the list); GET /api/deals/:id?include=products
# shows them inside the deal.
DEAL_PRODUCT_FIELDS = ("id", "quantity", "unit_price", "discount", "billing_cycle")
# assumed: a deal moved to a won or lost stage without a closed_date gets today's date
AUTO_CLOSED_DATE = True
# documented (CPQ): a product is priced per currency in product_pricings.
PRODUCT_CATEGORY_FIELD = "category"  # assumed: a dropdown whose choices the admin manages
PRODUCT_CATEGORY_CHOICES: tuple[str, ...] = ()  # assumed: a new account has none

# --- Seed: the customer's users and the account's selectors ----------------------------------
# Users cannot be created through the API (documented by absence): the
# customer invites them in the admin UI; the sandbox is seeded with them.
# The default six share the Bizstim tenant's domain (one with odd capitals, to
# test e-mail matching); the first is the admin whose API key the sandbox hands out.
DEFAULT_USERS = (
    {"display_name": "Admin One", "email": "admin1@tutoring.example.com"},
    {"display_name": "Ana López", "email": "ana.lopez@tutoring.example.com"},
    {"display_name": "Ethan Smith", "email": "ethan.smith@tutoring.example.com"},
    {"display_name": "Camille Novák", "email": "camille.novak@tutoring.example.com"},
    {"display_name": "Emma Jones", "email": "Emma.Jones@Tutoring.Example.com"},
    {"display_name": "Wei Wang", "email": "wei.wang@tutoring.example.com"},
)
# assumed: what a new account's selectors hold (names from the product UI)
DEAL_PIPELINES = (
    {"name": "Default Pipeline", "is_default": True, "stages": (
        ("New", "Open", 10), ("Qualification", "Open", 30), ("Proposal", "Open", 60),
        ("Negotiation", "Open", 80), ("Won", "Won", 100), ("Lost", "Lost", 0))},
)
CURRENCIES = (  # the first is the account's base currency (assumed: USD)
    {"currency_code": "USD", "currency_type": 1, "exchange_rate": "1.0"},
    {"currency_code": "EUR", "currency_type": 2, "exchange_rate": "0.92"},
    {"currency_code": "GBP", "currency_type": 2, "exchange_rate": "0.79"},
    {"currency_code": "CAD", "currency_type": 2, "exchange_rate": "1.36"},
    {"currency_code": "AUD", "currency_type": 2, "exchange_rate": "1.52"},
)
SALES_ACTIVITY_TYPES = ("Call", "Email", "Meeting", "Chat", "SMS", "Task")
SALES_ACTIVITY_OUTCOMES = ("Interested", "Not interested", "Left voicemail", "No response", "Completed")
CONTACT_STATUSES = ("New", "Contacted", "Interested", "Customer", "Inactive")
LIFECYCLE_STAGES = ("Lead", "Sales Qualified Lead", "Customer")
LEAD_SOURCES = ("Web", "Referral", "Phone", "Email", "Import")
TERRITORIES = ("Default",)
DEAL_TYPES = ("New Business", "Existing Business")
DEAL_REASONS = ("Price", "Timing", "Competitor", "Other")
DEAL_PAYMENT_STATUSES = ("Pending", "Paid", "Refunded")
# GET /api/selector/<name> -> the table it lists (the answer's key is <name>);
# owners is built from the users
SELECTORS = {
    "sales_activity_types": "sales_activity_types",
    "sales_activity_outcomes": "sales_activity_outcomes",
    "currencies": "currencies",
    "deal_pipelines": "deal_pipelines",
    "deal_stages": "deal_stages",
    "contact_statuses": "contact_statuses",
    "lifecycle_stages": "lifecycle_stages",
    "lead_sources": "lead_sources",
    "territories": "territories",
    "deal_types": "deal_types",
    "deal_reasons": "deal_reasons",
    "deal_payment_statuses": "deal_payment_statuses",
}
OWNERS_SELECTOR = "owners"  # documented: GET /api/selector/owners -> {"users": [...]}

# Ids: large integers like a live account's; each object has its own range,
# so an id of the wrong kind is a 404, not a silent hit (assumed).
ID_BASE = 70_000_000_000
ID_STRIDE = 10_000_000

# --- Control surface (ours, never part of the real API) ---------------------------------------
CONTROL_PREFIX = "/__sandbox__/"
CONTROL_RECORDS_MAX = 200_000
