"""What the Dynamics writer assumes about Dataverse, in one place.

Facts from `reference/dynamics.md` (Microsoft Learn), corrected where the
documentation says otherwise (see docs/decisions.md). A live environment
corrects an assumption here, and only here.
"""

from __future__ import annotations

import uuid

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
# Adaptive batch size (ours): a bulk request or $batch starts at
# BULK_BATCH_RECORDS records; it halves when one attempt takes longer than
# SLOW_REQUEST_SECONDS and grows (x1.5) while attempts take under a quarter of
# that; and one request may spend at most MAX_BUDGET_SHARE of the execution
# time per window the service reports (the most its header ever said), at the
# most execution per record seen on the table. A 429 is waited out, not a
# reason to shrink (see load/dynamics/sender.py).
MIN_BATCH_RECORDS = 5
MAX_BULK_RECORDS = 1000
SLOW_REQUEST_SECONDS = 30.0
MAX_BUDGET_SHARE = 1.0
# One request's body (a $batch of annotations carries files): at most this
# many bytes (ours; the service's own request size limit is not documented here)
MAX_BATCH_BYTES = 16 * 1024 * 1024
# Bulk reads (ours): keys per `$filter` (or-chained eq; keeps each URL short),
# several such GETs in one $batch; from FULL_LISTING_AT keys on, list every
# record carrying a Bizstim key instead (one page per 5000 records)
KEY_FILTER_CHUNK = 50
FULL_LISTING_AT = 2000
# WinOpportunity answers nothing useful when its connection drops: the writer
# re-reads the states and wins what is still open, at most this many rounds
WIN_ROUNDS = 6
# A rollback deletes in `$batch`es; an operation answered 5xx or 429 goes again,
# at most this many rounds in all (the `$batch` itself is retried by the HTTP client)
DELETE_ROUNDS = 3

# Tables whose documented messages include CreateMultiple/UpsertMultiple; the
# others go through $batch (observed per table in the entity reference)
BULK_MESSAGE_TABLES = frozenset({
    "contact", "lead", "product", "opportunity", "opportunityproduct", "uomschedule", "uom",
    "pricelevel", "productpricelevel", "account",
})

# Tables without a Bizstim alternate key (unit group, price list, price list
# item, opportunity line) get an id derived from the Bizstim key, so an upsert
# by primary key (PATCH uoms(<id>), documented to create with that id) is as
# idempotent as one by alternate key (ours)
ID_NAMESPACE = uuid.UUID("3f0c6a52-5d0e-4b8e-9a38-6f1f0b1c2d7e")

# Opportunity status reasons (documented: Won = statecode 1, statuscode 3)
OPPORTUNITY_OPEN = (0, 1)
OPPORTUNITY_WON = (1, 3)
# Activity party masks (documented): 5 required attendee, 7 organizer
PARTY_REQUIRED = 5
PARTY_ORGANIZER = 7

# Refresh a token this long before it expires (ours)
TOKEN_REFRESH_MARGIN_SECONDS = 60.0
