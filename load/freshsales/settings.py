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
