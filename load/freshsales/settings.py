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

# --- Account facts the writer resolves at run time (the mapping is the marts' contracts) ---
# list views that together hold every contact / deal (documented view names)
CONTACT_VIEWS = ("All Contacts",)
DEAL_VIEWS = ("Won Deals", "Open Deals", "Lost Deals")  # ours are won: that view first
# a deal stage belongs to a pipeline: the writer sets the pipeline of the stage
# the mart names (documented attribute)
STAGE_PIPELINE_FIELD = "deal_pipeline_id"
# lookups by name: the contract's `via` -> the selector listing the names and ids
NAMED_SELECTORS = {"activity_type": "sales_activity_types",
                   "activity_outcome": "sales_activity_outcomes"}
# "include" side-loads of a contact's attached records (documented names)
SIDE_LOADS = {"notes": "notes", "activities": "sales_activities",
              "payment_notes": "notes", "documents": "documents"}
# a document's upload form carries this beside the contract's fields (documented)
DOCUMENT_FORM_EXTRAS = {"is_shared": "false"}
# polling a bulk job: first wait, growth, cap (seconds; ours)
JOB_POLL_FIRST_SECONDS = 0.5
JOB_POLL_GROWTH = 1.6
JOB_POLL_MAX_SECONDS = 30.0
JOB_MAX_WAIT_SECONDS = 1800.0
