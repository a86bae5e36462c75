"""What the Freshsales writer assumes about the Freshsales (Freshworks CRM) API.

From `reference/freshsales.md`; "assumed" lines are ours until a live account
confirms them. A live account corrects an assumption here, and only here.
"""

from __future__ import annotations

API_PATH = "crm/sales/api"  # documented (bundle-alias URLs)
AUTH_HEADER = "Authorization"
AUTH_FORMAT = "Token token={key}"  # documented

# Rate limits per account per hour by plan (assumed: "1000/hour on the lower
# tiers, higher on Pro/Enterprise" is what is commonly cited)
PLAN_REQUESTS_PER_HOUR = {"growth": 1000, "pro": 2000, "enterprise": 5000}
WINDOW_SECONDS = 3600.0
HEADER_LIMIT = "x-ratelimit-limit"  # assumed
HEADER_REMAINING = "x-ratelimit-remaining"  # assumed
HEADER_RESET = "x-ratelimit-reset"  # assumed: seconds until the window resets
# Keep this many requests in hand (another integration may share the account)
RESERVE = 5

PER_PAGE = 100  # list views: max per_page (assumed)
BULK_UPSERT_RECORDS = 100  # bulk_upsert batch size limit (assumed)
# POST /api/<contacts|deals>/bulk_destroy {"selected_ids": [...]} (documented for
# contacts; deals assumed the same): ids per request (assumed), and that it deletes
# before it answers (assumed: a rollback reads the listing after to check)
BULK_DESTROY_RECORDS = 100

# --- How the marts land in Freshsales (our mapping choices, in one place) ---------------
# list views that together hold every contact / deal (documented view names)
CONTACT_VIEWS = ("All Contacts",)
DEAL_VIEWS = ("Won Deals", "Open Deals", "Lost Deals")  # ours are won: that view first
# the unique custom field each bulk object is upserted by (created by the admin)
UPSERT_KEYS = {"contacts": "cf_bizstim_client_id", "deals": "cf_bizstim_deal_key"}
# a Bizstim session becomes a sales activity of this type; a confirmed session
# that has ended gets this outcome
ACTIVITY_TYPE = "Meeting"
CONFIRMED_OUTCOME = "Completed"
# payment-history deals are closed won in the default pipeline
WON_FORECAST_TYPE = "Won"
# "include" side-loads of a contact's attached records (documented names)
SIDE_LOADS = {"notes": "notes", "activities": "sales_activities",
              "payment_notes": "notes", "documents": "documents"}
# custom fields longer than a text field holds are paragraphs
FIELD_TYPE_OVERRIDES = {
    ("contacts", "cf_availability_windows"): "textarea",
    ("contacts", "cf_bizstim_custom_fields"): "textarea",
}
# polling a bulk job: first wait, growth, cap (seconds; ours)
JOB_POLL_FIRST_SECONDS = 0.5
JOB_POLL_GROWTH = 1.6
JOB_POLL_MAX_SECONDS = 30.0
JOB_MAX_WAIT_SECONDS = 1800.0
