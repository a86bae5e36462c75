"""What the Bizstim simulator assumes about the real API, in one place.

Confidence follows `reference/bizstim.md`: **documented** (Bizstim's API pages),
**brief** (the migration brief) or **design** (our assumption where nothing public
exists). When a live account contradicts a design fact, correct it here and the
simulator follows; nothing else in `sandbox/bizstim/` hard-codes these values.
"""

from __future__ import annotations

# --- Access (documented) ------------------------------------------------------
API_PREFIX = "/api/"
API_KEY_HEADER = "x-api-key"
API_KEY_BYTES = 20  # documented: keys are 40 characters -> 20 random bytes as hex

# Plans that may call the API (documented: trial or Enterprise).
PLANS_WITH_API_ACCESS = frozenset({"enterprise", "trial"})
# design: the plan of the extra key a generated sandbox carries to exercise 403
PLAN_WITHOUT_API_ACCESS = "small_business"
GENERATED_ENTERPRISE_KEYS = 2  # brief: a second key for accounts > 50 000 records

# --- Paging (documented) ------------------------------------------------------
PAGE_MAX_BY_METHOD = {"clients": 1000, "sessions": 1000}
PAGE_MAX_DEFAULT = 100  # practitioners, services, payments, staffs, locations, discounts, ...

# Plural list methods and the tenant object each one pages over.
# documented: clients, services, payments, practitioners, staffs, sessions,
# locations, discounts; design: users, service_group_names, automations.
LIST_METHODS = {
    "clients": "clients",
    "practitioners": "practitioners",
    "staffs": "staffs",
    "users": "users",
    "services": "services",
    "service_group_names": "service_group_names",
    "payments": "payments",
    "sessions": "sessions",
    "locations": "locations",
    "discounts": "discounts",
    "automations": "automations",
}

# Singular read methods -> tenant object (documented except client_settings: design).
SINGLE_METHODS = {
    "client": "clients",
    "service": "services",
    "payment": "payments",
    "location": "locations",
    "discount": "discounts",
    "practitioner": "practitioners",
    "availability": "availability",
    "client_settings": "client_settings",
}

# design: files of a client (metadata list) and one file's bytes
CLIENT_FILES_METHOD = "client_files"
CLIENT_FILE_METHOD = "client_file"

# The sessions list envelope carries the account time zone (documented: the
# field exists; design: its value).
TIMEZONE_BY_METHOD = {"sessions": "America/New_York"}

# --- Rate limit (brief: 1000 requests an hour per HTTP method per key) --------
DEFAULT_RATE_LIMIT_PER_HOUR = 1000
RATE_LIMIT_WINDOW_SECONDS = 3600.0  # one "hour"; divided by time_scale in real time
# design: how throttling is announced (not documented anywhere)
HEADER_LIMIT = "X-RateLimit-Limit"
HEADER_REMAINING = "X-RateLimit-Remaining"
HEADER_RESET = "X-RateLimit-Reset"  # real seconds until the window resets
HEADER_RETRY_AFTER = "Retry-After"

# --- Status codes and messages (design: Bizstim documents none) ---------------
STATUS_BAD_REQUEST = 400
STATUS_BAD_KEY = 401
STATUS_PLAN_WITHOUT_API = 403
STATUS_NOT_FOUND = 404
STATUS_METHOD_NOT_ALLOWED = 405
STATUS_RATE_LIMITED = 429
INJECTED_ERROR_STATUSES = (500, 503)

MESSAGE_BAD_KEY = "Invalid API key"
MESSAGE_PLAN_WITHOUT_API = "API access requires the Enterprise plan"
MESSAGE_NOT_FOUND = "Record not found"
MESSAGE_UNKNOWN_METHOD = "Unknown API method"
MESSAGE_BAD_PAGING = "Invalid paging parameters: start and limit must be non-negative integers"
MESSAGE_METHOD_NOT_ALLOWED = "Only GET is supported"
MESSAGE_RATE_LIMITED = "Rate limit exceeded"
MESSAGE_SERVER_ERROR = "Internal server error"

# --- Control surface (ours, never part of the real API) -----------------------
CONTROL_PREFIX = "/__sandbox__/"
# A records dump above this many records must be paged with ?start=&limit=,
# so the large tenant is never materialised by one careless call.
CONTROL_RECORDS_MAX = 200_000
# Objects /__sandbox__/touch may change (every list object).
TOUCHABLE_OBJECTS = tuple(LIST_METHODS.values())
# Share of a touch `count` that is changed / added; the rest is deleted.
TOUCH_SHARE_CHANGED = 0.6
TOUCH_SHARE_ADDED = 0.2
