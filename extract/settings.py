"""Everything the extractor assumes about Bizstim's REST API, in one place.

Each constant carries its confidence from `reference/bizstim.md`:
documented (Bizstim's API pages), brief (the migration brief) or design (our
assumption). A live account corrects a design fact here, and only here.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- Access (documented) -------------------------------------------------------
DEFAULT_BASE_URL = "https://www.bizstim.com"
API_PREFIX = "/api"
API_KEY_HEADER = "x-api-key"

# --- Status codes (design: Bizstim does not document them) --------------------
STATUS_BAD_KEY = 401
STATUS_PLAN_WITHOUT_API = 403
STATUS_NOT_FOUND = 404

# --- Rate limit (brief: 1000 requests/hour per HTTP method per key) -----------
RATE_LIMIT_PER_WINDOW = 1000
RATE_LIMIT_WINDOW_SECONDS = 3600.0
# design: header names; the client counts on its own first, headers second
HEADER_LIMIT = "X-RateLimit-Limit"
HEADER_REMAINING = "X-RateLimit-Remaining"
HEADER_RESET = "X-RateLimit-Reset"

# --- Retries (ours) -------------------------------------------------------------
MAX_ATTEMPTS = 8  # per request, for 5xx and dropped connections
MAX_RATE_LIMITED_RETRIES = 12  # 429s for one request before the run stops (resumable)
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 60.0
# A Retry-After of 0 still waits this long, so a storm of "0" cannot spin.
RETRY_FLOOR_SECONDS = 0.05
CONNECT_TIMEOUT_SECONDS = 10.0
READ_TIMEOUT_SECONDS = 120.0

# --- Concurrency and checkpoints (ours) ---------------------------------------
REQUESTS_IN_FLIGHT_PER_KEY = 4
# A dlt load (and so a resumable checkpoint) at least this often ...
CHECKPOINT_SECONDS = 30.0
# ... or after this many records, whichever comes first.
CHECKPOINT_RECORDS = 200_000
ARROW_BATCH_RECORDS = 5_000
FILE_CHUNK_BYTES = 1 << 20

# --- Offset paging on a live account (ours) -----------------------------------
# Bizstim pages by offset with no sort order or change filter (documented): a
# record deleted below a page shifts every later record one place down, and a
# live record can slide onto a page already read. Each page therefore starts
# this many records before the previous one ended; consecutive pages must
# share a record, else the older of the two is read again (workplan.py).
# Design: the order is not documented but assumed stable between requests
# (MySQL's primary key order; the sandbox serves ids in order): records may
# come and go anywhere, but a record does not move past another. Under that
# assumption a chain of pages that share records covers every record live for
# the whole extraction; a record that moved (a list sorted by an edited
# field) could still be missed, which a frozen cutover rules out.
PAGE_OVERLAP_RECORDS = 1
# Rounds of such re-reads one attempt makes for an object before it stops,
# naming the records either side of the gap (a rerun resumes and re-reads);
# `sources.bizstim.page_shift_reread_rounds` overrides it (0: stop at the
# first gap).
PAGE_SHIFT_REREAD_ROUNDS = 3


@dataclass(frozen=True)
class ListEndpoint:
    """A plural method paged as /api/{method}/{start}/{limit}."""

    table: str
    method: str
    max_limit: int
    confidence: str

    @property
    def stride(self) -> int:
        """Offset from one page's start to the next (pages overlap)."""
        return max(1, self.max_limit - PAGE_OVERLAP_RECORDS)

    def planned_starts(self, total: int) -> list[int]:
        """The page starts that read `total` records: a page is needed while
        the previous one ends before the total."""
        return list(range(0, max(total - PAGE_OVERLAP_RECORDS, 1), self.stride))


@dataclass(frozen=True)
class SingleReadEndpoint:
    """A method read once per id that list records reference.

    `referenced_by` is SQL over the raw tables of the running extraction that
    yields the ids to read (column `ref`), so the work plan is derived from the
    data itself and a restart knows exactly what is left.
    """

    table: str
    method: str
    referenced_by: str
    depends_on: tuple[str, ...]
    # "record": one record envelope; "records": a list envelope (files of a
    # client); "bytes": the raw content of a file
    kind: str
    confidence: str
    # (table, singular method) when this read is part of a record of `table`
    # (its own details): a 404 here is re-checked with GET {method}/{id}, and
    # a 404 there means the record vanished during the extraction (it is then
    # kept out of the snapshot), not a dangling reference. The id is the ref,
    # or the `owner` column `owner_of_ref` (SQL like referenced_by) gives it.
    vanishes_with: tuple[str, str] | None = None
    owner_of_ref: str | None = None


# Extraction order (brief): service groups → services → users and staff →
# practitioners → clients (with settings and availability) → payments →
# sessions → notes and files; then the reference objects.
LIST_ENDPOINTS: tuple[ListEndpoint, ...] = (
    ListEndpoint("service_group_names", "service_group_names", 100, "design"),
    ListEndpoint("services", "services", 100, "documented"),
    ListEndpoint("users", "users", 100, "design"),
    ListEndpoint("staffs", "staffs", 100, "documented"),
    ListEndpoint("practitioners", "practitioners", 100, "documented"),
    ListEndpoint("clients", "clients", 1000, "documented"),
    ListEndpoint("payments", "payments", 100, "documented"),
    ListEndpoint("sessions", "sessions", 1000, "documented"),
    ListEndpoint("locations", "locations", 100, "documented"),
    ListEndpoint("discounts", "discounts", 100, "documented"),
    ListEndpoint("automations", "automations", 100, "design"),
)

# `{x}` in referenced_by is replaced by the running extraction id.
SINGLE_READ_ENDPOINTS: tuple[SingleReadEndpoint, ...] = (
    SingleReadEndpoint(
        "client_settings",
        "client_settings",
        "select distinct trim(client_settings_id) as ref from {raw}.clients "
        "where _extraction_id = {x} and trim(coalesce(client_settings_id, '')) <> ''",
        ("clients",),
        "record",
        "design",
    ),
    SingleReadEndpoint(
        "availability",
        "availability",
        # clients carry one avail_id, practitioners a comma-separated list
        "select distinct trim(ref) as ref from ("
        " select unnest(string_split(avail_id, ',')) as ref from {raw}.clients"
        " where _extraction_id = {x}"
        " union all"
        " select unnest(string_split(avail_id, ',')) as ref from {raw}.practitioners"
        " where _extraction_id = {x}"
        ") where trim(coalesce(ref, '')) <> ''",
        ("clients", "practitioners"),
        "record",
        "documented",
    ),
    SingleReadEndpoint(
        "client_files",
        "client_files",
        "select distinct id as ref from {raw}.clients where _extraction_id = {x}",
        ("clients",),
        "records",
        "design",
        # documented: client/{id} reads one client
        vanishes_with=("clients", "client"),
    ),
    SingleReadEndpoint(
        "file_contents",
        "client_file",
        "select distinct id as ref from {raw}.client_files where _extraction_id = {x}",
        ("client_files",),
        "bytes",
        "design",
        # a file's bytes are part of its client: a client deleted after its
        # files were listed takes them with it
        vanishes_with=("clients", "client"),
        owner_of_ref="select id as ref, trim(client_id) as owner from {raw}.client_files "
                     "where _extraction_id = {x} and trim(coalesce(client_id, '')) <> ''",
    ),
)

# Tables the extractor keeps for its own bookkeeping, beside the data.
FETCH_LOG_TABLE = "_fetch_log"
EXTRACTIONS_TABLE = "_extractions"
RECORD_HASHES_TABLE = "_record_hashes"
DELTA_TABLE = "_delta"
VANISHED_TABLE = "_vanished_records"
# Which `vanished` fetch-log rows name a record of which table (by their ref):
# a client's own files answered 404 and so did the client, or the client was
# re-checked after its file's bytes answered 404 (endpoint `client`); a file
# whose bytes went with its client.
VANISHED_REFS = {
    "clients": ("client_files", "client"),
    "client_files": ("client_file",),
}
# Records that go with a vanished parent: (column naming it, parent table).
VANISHED_WITH_PARENT = {"client_files": ("client_id", "clients")}

# The sessions list envelope carries the account time zone (documented).
ENVELOPE_TIMEZONE_FIELD = "timezone"
