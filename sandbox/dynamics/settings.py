"""What the Dynamics 365 Sales (Dataverse Web API) simulator assumes, in one place.

Every value carries where it comes from:
- **documented**: Microsoft Learn (the MicrosoftDocs/powerapps-docs sources);
- **observed**: seen in public client code, issue threads or captured responses;
- **reference**: `reference/dynamics.md` only (not confirmed elsewhere);
- **assumed**: our working assumption where no public fact was found.

A real environment that contradicts an assumed value is corrected here; nothing
else in `sandbox/dynamics/` hard-codes these values.
"""

from __future__ import annotations

# --- Paths ---------------------------------------------------------------------
API_VERSION = "v9.2"  # documented: current Web API version
API_PREFIX = "/api/data/v9.2"
CONTROL_PREFIX = "/__sandbox__/"
SERVICE_NAMESPACE = "Microsoft.Dynamics.CRM"  # documented: bound actions, @odata.type

# --- Entra ID token endpoint (documented: OAuth 2.0 client credentials, v2.0) -----
TOKEN_PATH_SUFFIX = "/oauth2/v2.0/token"
OPENID_CONFIGURATION_SUFFIX = "/v2.0/.well-known/openid-configuration"
GRANT_TYPE_CLIENT_CREDENTIALS = "client_credentials"
SCOPE_SUFFIX = "/.default"
DEFAULT_TOKEN_LIFETIME_SECONDS = 3599.0  # documented/observed: expires_in 3599
# Entra ID error answers: (HTTP status, error, AADSTS number, description).
# observed: a wrong secret is 401 invalid_client AADSTS7000215 (azure sdk tests,
# kubectl logs); the others are observed in Entra's public error reference.
AAD_ERRORS = {
    "bad_secret": (401, "invalid_client", 7000215,
                   "Invalid client secret provided. Ensure the secret being sent in the request is the "
                   "client secret value, not the client secret ID, for a secret added to app '{client_id}'."),
    "unknown_client": (400, "unauthorized_client", 700016,
                       "Application with identifier '{client_id}' was not found in the directory '{tenant}'. "
                       "This can happen if the application has not been installed by the administrator of the "
                       "tenant or consented to by any user in the tenant."),
    "unknown_tenant": (400, "invalid_request", 90002, "Tenant '{tenant}' not found."),
    "missing_parameter": (400, "invalid_request", 900144,
                          "The request body must contain the following parameter: '{parameter}'."),
    "unsupported_grant": (400, "unsupported_grant_type", 70003,
                          "The app requested an unsupported grant type '{grant_type}'."),
    "bad_scope": (400, "invalid_resource", 500011,
                  "The resource principal named {resource} was not found in the tenant named {tenant}. This can "
                  "happen if the application has not been installed by the administrator of the tenant or "
                  "consented to by any user in the tenant. You might have sent your authentication request to "
                  "the wrong tenant."),
    "bad_scope_format": (400, "invalid_scope", 1002012,
                         "The provided value for scope {scope} is not valid. Client credential flows must have a "
                         "scope value with /.default suffixed to the resource identifier (application ID URI)."),
}
AAD_ERROR_URI = "https://login.microsoftonline.com/error?code={code}"

# --- Web API authentication failures (documented: 401 for a missing, bad or
# expired token; assumed: the body, Dataverse sends the WWW-Authenticate header
# and an OData error; the code below is our assumption) ------------------------
CODE_UNAUTHORIZED = "0x80072243"  # assumed
MESSAGE_UNAUTHORIZED = ("Authentication failed: the bearer token is missing, malformed, expired or not for this "
                        "environment.")

# --- Service protection limits (documented: api-limits.md) ---------------------
WINDOW_SECONDS = 300.0  # 5-minute sliding window
REQUESTS_PER_WINDOW = 6000
EXECUTION_SECONDS_PER_WINDOW = 1200.0  # 20 minutes of combined execution time
CONCURRENT_REQUESTS = 52
CODE_TOO_MANY_REQUESTS = "0x80072322"  # -2147015902
CODE_EXECUTION_TIME = "0x80072321"  # -2147015903
CODE_CONCURRENCY = "0x80072326"  # -2147015898
MESSAGE_TOO_MANY_REQUESTS = "Number of requests exceeded the limit of {limit} over time window of {window} seconds."
MESSAGE_EXECUTION_TIME = ("Combined execution time of incoming requests exceeded limit of {limit_ms:,} "
                          " milliseconds over time window of {window} seconds. Decrease number of concurrent "
                          "requests or reduce the duration of requests and try again later.")
MESSAGE_CONCURRENCY = "Number of concurrent requests exceeded the limit of {limit}."
HEADER_BURST_REMAINING = "x-ms-ratelimit-burst-remaining-xrm-requests"  # documented
HEADER_TIME_REMAINING = "x-ms-ratelimit-time-remaining-xrm-requests"  # documented; observed "1,199.46"
HEADER_DOP_HINT = "x-ms-dop-hint"  # observed (values 4 and 48 seen)
DOP_HINT = 4  # assumed
HEADER_RETRY_AFTER = "Retry-After"  # documented: seconds
# documented: a $batch (like CreateMultiple) counts as ONE request toward the
# number-of-requests limit ("a batch ... will avoid the number of requests
# limit"); what grows is execution time. True makes every request inside a
# $batch count as one request too (the reference's stricter reading).
BATCH_COUNTS_EACH_REQUEST = False
# assumed: how long a refused concurrent request should wait (simulated seconds)
CONCURRENCY_RETRY_AFTER_SECONDS = 1.0
# assumed: simulated server execution time per operation, in milliseconds. The
# bulk messages are documented as more efficient per record than single writes.
EXECUTION_MS = {
    "read": 10.0,
    "write": 25.0,
    "bulk_record": 6.0,
    "batch_overhead": 2.0,
    "metadata": 10.0,
    "action": 40.0,
}

# --- Paging and queries (documented: page-results.md) ---------------------------
MAX_PAGE_SIZE = 5000  # "You can't request a page size larger than 5,000"
DEFAULT_PAGE_SIZE = 5000
MAX_COUNT = 5000  # documented: $count returns at most 5000
# documented: with both $top and Prefer: odata.maxpagesize, $top is ignored
TOP_IGNORED_WITH_MAXPAGESIZE = True

# --- Batches (documented: execute-batch-operations-using-web-api.md) ------------
MAX_BATCH_REQUESTS = 1000
CODE_BATCH_TOO_LARGE = "0x8006088a"  # assumed
MESSAGE_CHANGESET_TOO_LARGE = ("The current change set contains too many operations. A maximum number of "
                               "'1000' operations are allowed in a change set.")  # observed
# assumed
MESSAGE_BATCH_TOO_LARGE = "The batch contains {count} requests; a maximum of 1000 requests is allowed in a batch."

# --- Error codes -----------------------------------------------------------------
CODE_NOT_FOUND = "0x80040217"  # documented/observed: ObjectDoesNotExist
CODE_DUPLICATE = "0x80040237"  # observed: 412 "A record with matching key values already exists."
CODE_VERSION_MISMATCH = "0x80060882"  # observed (412 on an If-Match etag mismatch)
CODE_INVALID_PAYLOAD = "0x80048d19"  # observed: "Error identified in Payload provided by the user ..."
CODE_BAD_QUERY = "0x80060888"  # observed: "Resource not found for the segment ...", bad $select / $filter
CODE_VALIDATION = "0x80044331"  # documented: "A validation error occurred. The length of ..."
CODE_REQUIRED_MISSING = "0x80040200"  # reference/assumed: a SystemRequired column left empty
CODE_INVALID_ARGUMENT = "0x80040203"  # assumed: InvalidArgument for business-rule refusals
CODE_UNEXPECTED = "0x80040216"  # assumed: "An unexpected error occurred." (injected 5xx)
CODE_CANNOT_DELETE = "0x80040227"  # assumed: CannotDeleteDueToAssociation (405, documented status)
CODE_INVALID_STATE = "0x80040203"  # assumed: invalid statecode/statuscode pair
# assumed code; observed message "The 'X' method does not support entities of type 'y'."
CODE_MESSAGE_NOT_SUPPORTED = "0x80040203"
CODE_ATTACHMENT = "0x80044a02"  # assumed: attachment too large / not valid
CODE_CLOSED = "0x80040203"  # assumed: writing to a closed opportunity or its lines
PAYLOAD_ERROR_PREFIX = ("Error identified in Payload provided by the user for Entity :'{entity_set}', For more "
                        "information on this error please follow this help link "
                        "https://go.microsoft.com/fwlink/?linkid=2195293  ---->  InnerException : "
                        "Microsoft.OData.ODataException: ")  # observed

# --- Records ---------------------------------------------------------------------
# observed: only SystemRequired columns are enforced by the platform; a
# "business required" (ApplicationRequired) column is a form rule, so a contact
# without lastname is created through the API (documented batch example creates
# contacts with firstname only).
ENFORCE_APPLICATION_REQUIRED = False
# assumed: string equality in $filter, alternate keys and indexes follows SQL
# Server's default Dataverse collation Latin1_General_CI_AI (case and accent
# insensitive).
CASE_INSENSITIVE = True
ACCENT_INSENSITIVE = True
# assumed: the platform does not reject a badly formed e-mail address in an
# Email-format column (no public fact either way).
VALIDATE_EMAIL_FORMAT = False
# assumed: a closed (won/lost) opportunity and its lines refuse updates, and
# products cannot be added to it, so lines must be written before the close.
CLOSED_OPPORTUNITY_READ_ONLY = True
# assumed (Sales behaviour, not re-checked): creating a unit group (uomschedule)
# creates its base unit named baseuomname (quantity 1, isschedulebaseuom true).
UOMSCHEDULE_CREATES_BASE_UNIT = True
# assumed: an alternate key becomes Active at once (real index creation is an
# asynchronous job; Pending first, Failed when existing rows duplicate a key).
KEY_INDEX_IMMEDIATE = True
DEFAULT_PUBLISHER_PREFIX = "new_"
# assumed (the well-known org default, not re-checked): the maximum attachment
# size is 5,242,880 bytes; an admin can raise it
MAX_ATTACHMENT_BYTES = 5_242_880
# assumed: the Entra-synchronised systemuser columns a loader may not write
SYSTEMUSER_SYNCED_COLUMNS = (
    "firstname", "lastname", "fullname", "internalemailaddress", "domainname",
    "azureactivedirectoryobjectid", "isdisabled", "accessmode", "applicationid",
)

# --- Bulk operation messages -----------------------------------------------------
# documented: each table's reference page lists CreateMultiple/UpdateMultiple
# (and UpsertMultiple works where both do). Listed there: contact, product,
# opportunityproduct, uomschedule. Absent from the lists: appointment,
# phonecall, annotation. assumed (no page read): lead, opportunity, account,
# uom, pricelevel, productpricelevel, transactioncurrency support them;
# systemuser does not.
BULK_MESSAGES_UNSUPPORTED = frozenset({"appointment", "phonecall", "annotation", "systemuser",
                                       "opportunityclose"})
# documented: UpsertMultiple answers 204 (no UpsertMultipleResponse body);
# CreateMultiple answers 200 {"Ids": [...]}; UpdateMultiple answers 204.

# --- Seed data (assumed: what a fresh Dynamics 365 Sales org holds) ---------------
ORGANIZATION_NAME = "Bizstim Sandbox Org"
DEFAULT_USERS = (
    {"firstname": "Admin", "lastname": "One", "internalemailaddress": "admin1@tutoring.example.com"},
    {"firstname": "Ana", "lastname": "López", "internalemailaddress": "ana.lopez@tutoring.example.com"},
    {"firstname": "Ethan", "lastname": "Smith", "internalemailaddress": "ethan.smith@tutoring.example.com"},
    {"firstname": "Camille", "lastname": "Novák", "internalemailaddress": "camille.novak@tutoring.example.com"},
    {"firstname": "Emma", "lastname": "Jones", "internalemailaddress": "Emma.Jones@Tutoring.Example.com"},
    {"firstname": "Wei", "lastname": "Wang", "internalemailaddress": "wei.wang@tutoring.example.com"},
)
SYSTEM_USERS = (  # assumed: the built-in, non-interactive users every org has
    {"fullname": "SYSTEM", "accessmode": 3, "isdisabled": True},
    {"fullname": "INTEGRATION", "accessmode": 3, "isdisabled": True},
)
APPLICATION_USER_NAME = "# Bizstim Migration"  # the app registration's application user
DEFAULT_UNIT_GROUP = ("Default Unit", "Primary Unit")  # assumed: Sales seeds this unit group
BASE_CURRENCY = {"isocurrencycode": "USD", "currencyname": "US Dollar", "currencysymbol": "$",
                 "currencyprecision": 2, "exchangerate": 1.0}

# --- Control surface (ours, never part of the real API) -----------------------
CONTROL_RECORDS_MAX = 200_000
ATTRIBUTE_TYPES = ("String", "Memo", "Integer", "Decimal", "Money", "Double", "Boolean",
                   "DateTime", "Picklist", "Uniqueidentifier", "Lookup", "BigInt")
DEFAULT_STRING_MAX_LENGTH = 100
DEFAULT_MEMO_MAX_LENGTH = 2000
