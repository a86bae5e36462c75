"""What the Dynamics writer assumes about Dataverse, in one place.

Facts from `reference/dynamics.md` (Microsoft Learn), corrected where the
documentation says otherwise (see docs/decisions.md). A live environment
corrects an assumption here, and only here.
"""

from __future__ import annotations

API_PATH = "api/data/v9.2"  # documented
AUTHORITY_HOST = "https://login.microsoftonline.com"  # documented (Entra ID)
TOKEN_PATH = "oauth2/v2.0/token"  # documented
DEFAULT_PUBLISHER_PREFIX = "new_"  # documented default publisher

# Service protection, per user, sliding window (documented)
WINDOW_SECONDS = 300.0
REQUESTS_PER_WINDOW = 6000
CONCURRENT_REQUESTS = 52
# Slow down when fewer requests than this are left in the window (ours)
BURST_RESERVE = 20
HEADER_BURST_REMAINING = "x-ms-ratelimit-burst-remaining-xrm-requests"
HEADER_TIME_REMAINING = "x-ms-ratelimit-time-remaining-xrm-requests"

# Bulk writes: recommended 100-1000 records a request (documented); a $batch
# holds at most 1000 requests (documented)
BULK_BATCH_RECORDS = 500
MAX_BATCH_REQUESTS = 1000
PAGE_SIZE = 5000  # Prefer: odata.maxpagesize at most 5000 (documented)

# Tables whose documented messages include CreateMultiple/UpsertMultiple; the
# others go through $batch (observed per table in the entity reference)
BULK_MESSAGE_TABLES = frozenset({
    "contact", "lead", "product", "opportunity", "opportunityproduct", "uomschedule", "uom",
    "pricelevel", "productpricelevel", "account",
})

# Refresh a token this long before it expires (ours)
TOKEN_REFRESH_MARGIN_SECONDS = 60.0
