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

# Custom columns the marts fill, per table: mart column -> (attribute type,
# is the alternate key). Their logical name is the publisher prefix plus the
# column name without underscores (bizstim_client_id -> new_bizstimclientid).
CUSTOM_COLUMNS = {
    "systemuser": {
        "practitioner_wage": ("Money", False),
        "bizstim_role": ("String", False),
        "staff_type": ("String", False),
        "bizstim_staff_id": ("String", False),
    },
    "contact": {
        "bizstim_client_id": ("String", True),
        "bizstim_status": ("String", False),
        "availability_slot_data": ("Memo", False),
    },
    "lead": {
        "bizstim_client_id": ("String", True),
        "bizstim_status": ("String", False),
        "availability_slot_data": ("Memo", False),
    },
    "product": {
        "bizstim_service_id": ("String", True),
        "service_group_id": ("String", False),
        "service_session_count": ("Integer", False),
        "default_practitioner_wage": ("Money", False),
    },
    "opportunity": {
        "bizstim_payment_id": ("String", True),
        "original_payment_date": ("DateTime", False),
    },
    "annotation": {"bizstim_annotation_key": ("String", True)},
    "appointment": {"bizstim_session_id": ("String", True)},
}
