"""A deterministic, synthetic Bizstim account ("tenant"), generated lazily.

`Tenant(size, seed).record(obj, index)` derives record number `index` of an
object from a random generator seeded by (seed, object, index) alone, so any
record can be produced on demand in any order and the large tenant (~2.8 million
records) never sits in memory. Ids are decimal strings 1..N with a gap at every
multiple of 37 (a deleted record, as a live account has), and every value is a
JSON string, "" when empty, as Bizstim returns them.

References hold at every size: a client's `client_settings_id` and `avail_id`,
a practitioner's `avail_id` list, every `users_id`, and the client, practitioner,
service and location ids that payments and sessions carry point at records that
exist, except where a messy case below says otherwise.

Messy cases, each present in the small tenant for any seed (they sit at fixed
index positions, not at random ones):

people and accounts
- staff and practitioners sharing one user account (same `users_id`) with
  different name casing: staff "ANA lópez" is practitioner "Ana López"
  (the first quarter of staff records share a practitioner's account);
- staff carry no email field; their email lives only on the user account, and
  some staff users have none either;
- practitioners without email (every 7th), clients without email;
- missing first name or missing last name;
- unicode names: accents in the name pools, CJK (王 伟, 山田 さくら), emoji
  ("Sunny ☀️"), right-to-left Arabic (فاطمة الحسن) and Hebrew (נועה כהן);
- every practitioner status (active, inactive, contactList, doNotHire).

client email and phones
- invalid emails "not-an-email" and "foo@";
- one email on two clients (siblings sharing a parent's address), and the same
  address again on a third client differing only in case;
- several emails in one field, with and without a space after the comma, and
  one with stray spaces and capitals;
- phones as "(555) 123-4567", "555.123.4567", "+1 555 123 4567",
  "+44 20 7946 0958", "5551234567", "555-123-4567", "n/a" and "", and
  `text_phone` lists of several mobiles; clients with no phone at all.

references and values
- payments with every `revenue_credit` value (0, 1, 2, 3);
- payments and sessions whose `client_id` points at a client that does not
  exist (a deleted client: an id in the gaps);
- a service whose `group_id` points at a group that does not exist;
- a service in each `service_status` (0 inactive, 1 active, 2 deleted);
- clients without client settings (`client_settings_id` ""), clients without
  availability (`avail_id` ""), and clients whose `avail_id` names an
  availability record that does not exist (its single read answers 404);
- a client_settings record whose `minTime` is after its `maxTime`;
- availability days that are off ("") and days open until "24:00";
- a few notes of 100 KB (at most ten at any size);
- every custom field key on every client, "" when empty;
- empty (0-byte) files and a handful of multi-MB (2-5 MB) files; file names
  with accents and CJK characters.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import date
from typing import Iterator

# --- Sizes ------------------------------------------------------------------

# Records per object in the small tenant; medium and large scale these.
SMALL_COUNTS = {
    "service_group_names": 6,
    "services": 24,
    "users": 40,
    "staffs": 12,
    "practitioners": 20,
    "clients": 300,
    "payments": 350,
    "sessions": 200,
    "locations": 3,
    "discounts": 5,
    "automations": 10,
}
SIZE_FACTORS = {"small": 1, "medium": 50, "large": 2000}
# Catalog objects (everything but clients, payments and sessions) grow at most
# this much: a large account has more clients, not a thousand times more staff.
CATALOG_FACTOR_CAP = 50
VOLUME_OBJECTS = frozenset({"clients", "payments", "sessions"})
# About this many client files per size; the large tenant stays under 20 000.
FILE_TARGETS = {"small": 60, "medium": 3000, "large": 20000}

# Objects derived from others rather than counted directly.
DERIVED_OBJECTS = ("client_settings", "availability", "client_files")
OBJECTS = tuple(SMALL_COUNTS) + DERIVED_OBJECTS
# A stable small number per object, mixed into record seeds.
_OBJECT_CODES = {name: code for code, name in enumerate(OBJECTS, start=1)}
_FILE_BYTES_CODE = len(OBJECTS) + 1

# Ids skip every multiple of this (records deleted long ago).
ID_GAP_EVERY = 37

# --- Pools --------------------------------------------------------------------


def _slug(text: str) -> str:
    """ASCII local part for an email address made from a name."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum()) or "user"


_FIRST = (
    "Ana", "José", "Liam", "Olivia", "Noah", "Emma", "Mateo", "Sofía", "Lucas",
    "Chloé", "Zoë", "Björn", "François", "Aarav", "Priya", "Mei", "Hiro", "Fatima",
    "Omar", "Leah", "Grace", "Ethan", "Isabella", "Mia", "Jack", "Amelia", "Léa",
    "Jürgen", "Siobhán", "Dmitri", "Ngozi", "Kwame", "Renée", "Óscar", "Ingrid",
    "Tomás", "Aoife", "Marek", "Sven", "Camille",
)
_LAST = (
    "López", "Smith", "García", "Müller", "O'Brien", "Johnson", "Nguyễn", "Brown",
    "Dubois", "Rossi", "Kowalski", "Williams", "Jones", "Martínez", "Silva",
    "Taylor", "Anderson", "Thomas", "Moore", "Jackson", "Lee", "Kim", "Patel",
    "Singh", "Cohen", "Haddad", "van der Berg", "D'Angelo", "Smith-Jones",
    "Øverby", "Fernández", "Okafor", "Schröder", "Lefèvre", "Murphy", "Novák",
)
_FIRST_SLUGS = tuple(_slug(n) for n in _FIRST)
_LAST_SLUGS = tuple(_slug(n) for n in _LAST)
# (first, last, first slug, last slug) for the unicode messy cases
_UNICODE_NAMES = (
    ("伟", "王", "wei", "wang"),  # CJK
    ("Sunny ☀️", "Day 🌼", "sunny", "day"),  # emoji
    ("فاطمة", "الحسن", "fatima", "alhassan"),  # Arabic, right-to-left
    ("נועה", "כהן", "noa", "cohen"),  # Hebrew, right-to-left
    ("さくら", "山田", "sakura", "yamada"),  # Japanese
)
_DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "example.org", "hotmail.com",
            "icloud.com", "school.edu", "proton.me")
_STREETS = ("Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Elm St", "Park Rd",
            "High Street", "Rue de la Paix", "Calle Mayor", "Sunset Blvd", "King St W")
_PLACES = (  # city, state, zipcode, country
    ("Springfield", "IL", "62701", "US"), ("Austin", "TX", "78701", "US"),
    ("Brooklyn", "NY", "11201", "US"), ("Portland", "OR", "97205", "US"),
    ("Miami", "FL", "33101", "US"), ("Denver", "CO", "80202", "US"),
    ("Toronto", "ON", "M5V 2T6", "CA"), ("Montréal", "QC", "H2X 1Y4", "CA"),
    ("London", "", "EC1A 1BB", "GB"), ("Sydney", "NSW", "2000", "AU"),
    ("Boston", "MA", "02108", "US"), ("Seattle", "WA", "98101", "US"),
    ("", "", "", ""),
)
_ADDRESS2 = ("", "", "", "", "Apt 4B", "Suite 210", "Unit 7", "c/o parents", "Floor 3")
_NOTES = (
    "", "", "", "", "Prefers afternoon sessions.", "Allergic to peanuts.",
    "Parent: call before 5pm.", "Needs help with algebra and geometry.",
    "Paid in advance for the term.", "Referred by a friend — give 10% discount.",
    "Spanish speaker; bilingual tutor preferred.", "Has an IEP; see attached file.",
    "Line one\nLine two after a newline", 'Says "thanks" a lot; quotes in note',
)
_GRADES = ("", "K", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12",
           "College", "Adult")
_SCHOOLS = ("", "", "Lincoln High", "Roosevelt Middle School", "St. Mary's Academy",
            "Escuela Bilingüe", "Home-schooled", "Westview Elementary")
_REFERRALS = ("", "", "Google", "Friend", "Flyer", "Facebook", "Yelp", "School counselor")
_GROUP_NAMES = ("Math Tutoring", "Test Prep", "Music Lessons", "Languages",
                "Speech Therapy", "Coaching")
_SERVICE_KINDS = ("Private session", "Group class", "Assessment", "10-session package",
                  "Online session", "Intro session")
_LOCATION_NAMES = ("Main Office", "Downtown Studio", "Online (Zoom)")
_FILE_TYPES = (
    ("intake_form.pdf", "application/pdf"),
    ("report_card.jpg", "image/jpeg"),
    ("session_notes.txt", "text/plain"),
    ("consent.docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("scan.png", "image/png"),
    ("résumé 履歴書.pdf", "application/pdf"),
    ("progress.csv", "text/csv"),
)
_AUTOMATION_KINDS = ("sms_reminder", "auto_invoice", "reminder_schedule", "workflow")
_TRIGGERS = ("session_booked", "24h_before_session", "invoice_due", "client_created",
             "session_cancelled")
_SCHEDULES = ("24 hours before", "daily 09:00", "every Monday 08:00", "1st of month", "")
_SEASONS = ("Summer", "Winter", "Exam season")

_BASE_DAY = date(2014, 1, 1).toordinal()
_LONG_NOTE_BYTES = 100 * 1024
_LONG_NOTE = ("Session log: worked on fractions, reading and homework review. " * 2000)[
    :_LONG_NOTE_BYTES
]


def _day(offset: int) -> str:
    return date.fromordinal(_BASE_DAY + offset).isoformat()


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _digits(rng: random.Random, n: int) -> str:
    return str(10 ** (n - 1) + rng.getrandbits(32) % (9 * 10 ** (n - 1)))


# Phone formats seen in real data; index chosen per phone.
_PHONE_FORMATS = 8


def _phone(rng: random.Random, fmt: int | None = None) -> str:
    if fmt is None:
        roll = rng.getrandbits(5)  # 0..31: mostly numbers, sometimes n/a or ""
        fmt = roll % 6 if roll < 28 else (6 if roll < 29 else 7)
    a, b = _digits(rng, 3), _digits(rng, 4)
    if fmt == 0:
        return f"(555) {a}-{b}"
    if fmt == 1:
        return f"555.{a}.{b}"
    if fmt == 2:
        return f"+1 555 {a} {b}"
    if fmt == 3:
        return f"+44 20 7946 {b}"
    if fmt == 4:
        return f"555{a}{b}"
    if fmt == 5:
        return f"555-{a}-{b}"
    if fmt == 6:
        return "n/a"
    return ""


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _hhmmss(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00"


# --- Tenant ---------------------------------------------------------------------


class Tenant:
    """A lazily generated Bizstim account; same (size, seed) -> same records."""

    def __init__(self, size: str = "small", seed: int = 42) -> None:
        if size not in SIZE_FACTORS:
            raise ValueError(f"unknown tenant size {size!r}; use one of {sorted(SIZE_FACTORS)}")
        self.size = size
        self.seed = int(seed)
        factor = SIZE_FACTORS[size]
        catalog = min(factor, CATALOG_FACTOR_CAP)
        counts = {
            obj: n * (factor if obj in VOLUME_OBJECTS else catalog)
            for obj, n in SMALL_COUNTS.items()
        }
        self._counts = counts
        self._seed_base = self.seed * 97

        # users: admins, then one per practitioner, then staff that have their
        # own account, then client accounts; the first quarter of staff share
        # a practitioner's account.
        n_users, n_pract, n_staff = counts["users"], counts["practitioners"], counts["staffs"]
        self._admins = max(1, n_users // 20)
        self._shared_staff = max(1, n_staff // 4)
        self._own_staff = n_staff - self._shared_staff
        self._first_staff_user = self._admins + n_pract
        self._first_client_user = self._first_staff_user + self._own_staff
        self._client_users = max(0, n_users - self._first_client_user)
        self._client_user_stride = max(1, counts["clients"] // max(1, self._client_users))
        self._shared_pract_stride = max(1, n_pract // self._shared_staff)

        # availability: 1-3 per practitioner first, then one per client that has one
        self._pract_avail_start = [0]
        for p in range(n_pract):
            self._pract_avail_start.append(self._pract_avail_start[-1] + 1 + (p * 7 + self.seed) % 3)
        n_clients = counts["clients"]
        counts["availability"] = self._pract_avail_start[-1] + n_clients - n_clients // 4
        counts["client_settings"] = n_clients - (n_clients + 15) // 23

        # files: every `stride`-th client owns files, 2 for every third owner, else 1
        owners_target = max(1, round(FILE_TARGETS[size] * 3 / 4))
        self._file_owner_stride = max(1, n_clients // owners_target)
        self._file_owners = (n_clients + self._file_owner_stride - 1) // self._file_owner_stride
        counts["client_files"] = self._file_start(self._file_owners)
        self._big_file_every = max(30, counts["client_files"] // 5)

        self._generators = {
            "service_group_names": self._service_group,
            "services": self._service,
            "users": self._user,
            "staffs": self._staff,
            "practitioners": self._practitioner,
            "clients": self._client,
            "payments": self._payment,
            "sessions": self._session,
            "locations": self._location,
            "discounts": self._discount,
            "automations": self._automation,
            "client_settings": self._client_settings,
            "availability": self._availability,
            "client_files": self._client_file,
        }

    # --- counts, ids and lookups ---------------------------------------------

    def count(self, obj: str) -> int:
        return self._counts[self._known(obj)]

    def counts(self) -> dict[str, int]:
        return dict(self._counts)

    @staticmethod
    def id_of(index: int) -> int:
        """Id of record `index` (0-based): 1, 2, ... skipping multiples of ID_GAP_EVERY."""
        return index + 1 + index // (ID_GAP_EVERY - 1)

    def index_of(self, obj: str, record_id: int | str) -> int | None:
        """Index of the record with this id, or None when no such record exists."""
        rid = _parse_id(record_id)
        if rid is None or rid % ID_GAP_EVERY == 0:
            return None
        index = rid - 1 - rid // ID_GAP_EVERY
        return index if index < self.count(obj) else None

    def max_id(self, obj: str) -> int:
        n = self.count(obj)
        return self.id_of(n - 1) if n else 0

    def record(self, obj: str, index: int) -> dict[str, str]:
        """Record number `index` of `obj`, always the same for the same tenant."""
        rng = random.Random((self._seed_base + _OBJECT_CODES[obj]) * (1 << 36) + index)
        return self._generators[obj](index, rng)

    def get(self, obj: str, record_id: int | str) -> dict[str, str] | None:
        index = self.index_of(obj, record_id)
        return None if index is None else self.record(obj, index)

    def iter_records(self, obj: str, start: int = 0, stop: int | None = None) -> Iterator[dict[str, str]]:
        end = self.count(obj) if stop is None else min(stop, self.count(obj))
        generate = self._generators[obj]
        seed_base = (self._seed_base + _OBJECT_CODES[obj]) * (1 << 36)
        for index in range(start, end):
            yield generate(index, random.Random(seed_base + index))

    def files_of_client(self, client_id: int | str) -> list[dict[str, str]] | None:
        """File metadata of a client ([] when it has none), None for an unknown client."""
        c = self.index_of("clients", client_id)
        if c is None:
            return None
        if c % self._file_owner_stride:
            return []
        owner = c // self._file_owner_stride
        first, stop = self._file_start(owner), self._file_start(owner + 1)
        return [self.record("client_files", f) for f in range(first, stop)]

    def file_meta(self, file_id: int | str) -> dict[str, str] | None:
        return self.get("client_files", file_id)

    def file_bytes(self, file_id: int | str) -> bytes | None:
        """The content of a file: `size` bytes derived from the seed and the file id."""
        meta = self.file_meta(file_id)
        if meta is None:
            return None
        rng = random.Random((self._seed_base + _FILE_BYTES_CODE) * (1 << 36) + int(meta["id"]))
        return rng.randbytes(int(meta["size"]))

    def _known(self, obj: str) -> str:
        if obj not in self._counts:
            raise KeyError(f"unknown object {obj!r}; known: {', '.join(OBJECTS)}")
        return obj

    # --- layout helpers ------------------------------------------------------

    @staticmethod
    def _file_start(owner: int) -> int:
        """Index of the first file of file-owner number `owner` (2, 1, 1, 2, 1, 1, ...)."""
        return owner + (owner + 2) // 3

    def _file_owner(self, file_index: int) -> int:
        owner = (3 * file_index) // 4
        while self._file_start(owner + 1) <= file_index:
            owner += 1
        while self._file_start(owner) > file_index:
            owner -= 1
        return owner

    def _client_index_of_user(self, u: int) -> int | None:
        if u >= self._counts["users"]:  # a user added later by a touch
            return None
        c = (u - self._first_client_user) * self._client_user_stride
        return c if c < self._counts["clients"] else None

    def _user_index_of_client(self, c: int) -> int | None:
        if c % self._client_user_stride:
            return None
        k = c // self._client_user_stride
        return self._first_client_user + k if k < self._client_users else None

    def _client_settings_index(self, c: int) -> int | None:
        if c % 23 == 7 or c >= self._counts["clients"]:
            return None
        return c - (c + 15) // 23

    def _client_avail_index(self, c: int) -> int | None:
        if c % 4 == 3 or c >= self._counts["clients"]:
            return None
        return self._pract_avail_start[-1] + c - c // 4

    def _missing_id(self, obj: str, k: int) -> str:
        """An id of `obj` that no record has: a gap if the object is big enough."""
        max_id = self.max_id(obj)
        gaps = max_id // ID_GAP_EVERY
        if gaps:
            return str(ID_GAP_EVERY * (1 + k % gaps))
        return str(max_id + 1 + k)

    def _random_id(self, obj: str, rng: random.Random) -> str:
        return str(self.id_of(int(rng.random() * self._counts[obj])))

    # --- generators: one per object, (index, rng) -> record --------------------

    def _person_names(self, rng: random.Random) -> tuple[str, str, str, str]:
        f = int(rng.random() * len(_FIRST))
        last = int(rng.random() * len(_LAST))
        return _FIRST[f], _LAST[last], _FIRST_SLUGS[f], _LAST_SLUGS[last]

    def _address(self, rng: random.Random) -> tuple[str, str, str, str, str, str]:
        city, state, zipcode, country = _PLACES[int(rng.random() * len(_PLACES))]
        address1 = "" if not city else f"{rng.getrandbits(12) + 1} {_STREETS[int(rng.random() * len(_STREETS))]}"
        return address1, _ADDRESS2[int(rng.random() * len(_ADDRESS2))], city, state, zipcode, country

    def _client(self, c: int, rng: random.Random) -> dict[str, str]:
        m = c % 50
        first, last, fslug, lslug = self._person_names(rng)
        if 13 <= m <= 17:
            first, last, fslug, lslug = _UNICODE_NAMES[m - 13]
        rid = self.id_of(c)
        domain = _DOMAINS[int(rng.random() * len(_DOMAINS))]
        email = f"{fslug}.{lslug}{rid}@{domain}"
        if m == 1 or rng.random() < 0.04:
            email = ""
        elif m == 2:
            email = "not-an-email"
        elif m == 3:
            email = "foo@"
        elif m in (4, 5):  # siblings sharing a parent's address
            email = f"parent.{c // 50}@gmail.com"
        elif m == 6:  # the same address again, differing only in case
            email = f"Parent.{c // 50}@GMAIL.com"
        elif m == 7:
            email = f"{email}, {fslug}.work@example.org"
        elif m == 8:
            email = f"{email},{lslug}.family@{_DOMAINS[(c // 50) % len(_DOMAINS)]}"
        elif m == 9:
            email = f" {fslug.title()}.{lslug.upper()}{rid}@Example.COM "
        if m == 10:
            first = ""
        elif m == 11:
            last = ""
        p_phone = _phone(rng, m - 23 if 23 <= m < 23 + _PHONE_FORMATS else None)
        s_phone = _phone(rng) if rng.random() < 0.3 else ""
        text_phone = _phone(rng) if rng.random() < 0.5 else ""
        if m == 21:
            p_phone = s_phone = text_phone = ""
        elif m == 22:
            text_phone = f"{_phone(rng, 5)}, {_phone(rng, 2)}"
        address1, address2, city, state, zipcode, country = self._address(rng)
        settings_index = self._client_settings_index(c)
        avail_index = self._client_avail_index(c)
        if avail_index is None:
            avail_id = ""
        elif c % 97 == 5:  # dangling: no such availability record
            avail_id = str(self.max_id("availability") + 1 + c)
        else:
            avail_id = str(self.id_of(avail_index))
        user_index = self._user_index_of_client(c)
        roll = rng.random()
        status = "active" if roll < 0.7 else ("inactive" if roll < 0.9 else "prospect")
        notes = _NOTES[int(rng.random() * len(_NOTES))]
        if c % 100 == 20 and c < 1000:
            notes = f"Client {rid}. {_LONG_NOTE}"
        return {
            "id": str(rid),
            "users_id": "" if user_index is None else str(self.id_of(user_index)),
            "client_settings_id": "" if settings_index is None else str(self.id_of(settings_index)),
            "avail_id": avail_id,
            "first_name": first,
            "last_name": last,
            "address1": address1,
            "address2": address2,
            "city": city,
            "state": state,
            "zipcode": zipcode,
            "country": country,
            "p_phone": p_phone,
            "s_phone": s_phone,
            "text_phone": text_phone,
            "email": email,
            "status": status,
            "start_date": _day(int(rng.random() * 3650)),
            "notes": notes,
            "custom_3": _GRADES[int(rng.random() * len(_GRADES))],
            "custom_7": _SCHOOLS[int(rng.random() * len(_SCHOOLS))],
            "custom_12": _REFERRALS[int(rng.random() * len(_REFERRALS))],
        }

    def _practitioner_core(self, p: int, rng: random.Random) -> tuple[str, str, str, str]:
        if p == 0:
            return "Ana", "López", "ana", "lopez"
        if p % 10 == 6:
            return _UNICODE_NAMES[(p // 10) % len(_UNICODE_NAMES)]
        return self._person_names(rng)

    def _practitioner(self, p: int, rng: random.Random) -> dict[str, str]:
        first, last, fslug, lslug = self._practitioner_core(p, rng)
        rid = self.id_of(p)
        if p < self._counts["practitioners"]:
            start, stop = self._pract_avail_start[p], self._pract_avail_start[p + 1]
        else:  # a practitioner added later by a touch has no schedule yet
            start = stop = 0
        m = p % 20
        status = {2: "contactList", 4: "doNotHire", 5: "inactive"}.get(m, "active")
        address1, address2, city, state, zipcode, country = self._address(rng)
        tier = m % 3
        return {
            "id": str(rid),
            "pract_settings_id": str(rid),
            "users_id": str(self.id_of(self._admins + p)),
            "avail_id": ",".join(str(self.id_of(a)) for a in range(start, stop)),
            "first_name": first,
            "last_name": last,
            "address1": address1,
            "address2": address2,
            "city": city,
            "state": state,
            "zipcode": zipcode,
            "country": country,
            "p_phone": _phone(rng),
            "s_phone": _phone(rng) if rng.random() < 0.3 else "",
            "text_phone": _phone(rng) if rng.random() < 0.6 else "",
            "email": "" if p % 7 == 3 else f"{fslug}.{lslug}@tutoring.example.com",
            "status": status,
            "wage_tier": str(tier),
            "hire_date": _day(int(rng.random() * 3650)),
            "practitioner_wage": _money(1500 + int(rng.random() * 3500) if tier == 0 else
                                        3_000_000 + int(rng.random() * 4_000_000)),
        }

    def _staff_names(self, s: int, rng: random.Random) -> tuple[str, str, str, str, int | None]:
        """Names of a staff member and the practitioner whose account it shares, if any."""
        if s < self._shared_staff:
            p = s * self._shared_pract_stride
            pr = random.Random((self._seed_base + _OBJECT_CODES["practitioners"]) * (1 << 36) + p)
            first, last, fslug, lslug = self._practitioner_core(p, pr)
            # same person, different casing: "ANA lópez" vs "Ana López"
            return first.upper(), last.lower(), fslug, lslug, p
        first, last, fslug, lslug = self._person_names(rng)
        return first, last, fslug, lslug, None

    def _staff(self, s: int, rng: random.Random) -> dict[str, str]:
        first, last, _, _, shared_pract = self._staff_names(s, rng)
        if shared_pract is not None:
            user_index = self._admins + shared_pract
        else:
            user_index = self._first_staff_user + s - self._shared_staff
        address1, address2, city, state, zipcode, country = self._address(rng)
        return {
            "id": str(self.id_of(s)),
            "users_id": str(self.id_of(user_index)),
            "staff_settings_id": str(self.id_of(s)),
            "first_name": first,
            "last_name": last,
            "address1": address1,
            "address2": address2,
            "city": city,
            "state": state,
            "zipcode": zipcode,
            "country": country,
            "p_phone": _phone(rng),
            "s_phone": _phone(rng) if rng.random() < 0.3 else "",
            "text_phone": _phone(rng) if rng.random() < 0.5 else "",
        }

    def _user(self, u: int, rng: random.Random) -> dict[str, str]:
        rid = self.id_of(u)
        status = "inactive" if rng.random() < 0.1 else "active"
        if u < self._admins:
            user_type, username, email = "admin", f"admin{rid}", f"admin{rid}@tutoring.example.com"
        elif u < self._first_staff_user and u - self._admins < self._counts["practitioners"]:
            p = u - self._admins
            pract = self.record("practitioners", p)
            user_type = "practitioner"
            username = _slug(pract["first_name"] + pract["last_name"]) + str(rid)
            email = pract["email"]
        elif u < self._first_client_user:
            s = u - self._first_staff_user + self._shared_staff
            sr = random.Random((self._seed_base + _OBJECT_CODES["staffs"]) * (1 << 36) + s)
            _, _, fslug, lslug, _ = self._staff_names(s, sr)
            user_type, username = "staff", f"{fslug}.{lslug}{rid}"
            # staff have no email field: this is their only address (some have none)
            email = "" if s % 9 == 4 else f"{fslug}.{lslug}@tutoring.example.com"
        else:
            c = self._client_index_of_user(u)
            user_type = "client"
            if c is None:
                username, email = f"client{rid}", ""
            else:
                client = self.record("clients", c)
                username = f"{_slug(client['first_name'] + client['last_name'])}{rid}"
                email = client["email"].split(",")[0].strip()
        return {"id": str(rid), "username": username, "email": email,
                "user_type": user_type, "status": status}

    def _service_group(self, g: int, rng: random.Random) -> dict[str, str]:
        name = _GROUP_NAMES[g % len(_GROUP_NAMES)]
        if g >= len(_GROUP_NAMES):
            name = f"{name} {g // len(_GROUP_NAMES) + 1}"
        return {"id": str(self.id_of(g)), "name": name,
                "status": "0" if rng.random() < 0.15 else "1"}

    def _service(self, k: int, rng: random.Random) -> dict[str, str]:
        m = k % 24
        n_groups = self._counts["service_group_names"]
        group = k % n_groups
        group_id = self._missing_id("service_group_names", k) if m == 11 else str(self.id_of(group))
        kind = _SERVICE_KINDS[int(rng.random() * len(_SERVICE_KINDS))]
        package = "package" in kind
        service_type = "1" if package or rng.random() < 0.3 else "0"
        status = "0" if m == 5 else ("2" if m == 7 else ("0" if rng.random() < 0.1 else "1"))
        min_duration = (30, 45, 60, 90)[int(rng.random() * 4)]
        return {
            "id": str(self.id_of(k)),
            "group_id": group_id,
            "group_num": "10" if package else "1",
            "service_description": f"{kind} in {_GROUP_NAMES[group % len(_GROUP_NAMES)].lower()}",
            "service_cost": _money(2000 + int(rng.random() * 18000)),
            "service_default_wage": _money(1200 + int(rng.random() * 4000)),
            "service_taxable": "1" if rng.random() < 0.3 else "0",
            "service_type": service_type,
            "service_status": status,
            "online_booking": "1" if rng.random() < 0.5 else "0",
            "min_duration": str(min_duration),
            "max_duration": str(min_duration * 2),
            "start_interval": "15" if rng.random() < 0.5 else "30",
            "name": f"{_GROUP_NAMES[group % len(_GROUP_NAMES)]}: {kind}",
        }

    def _payment(self, k: int, rng: random.Random) -> dict[str, str]:
        m = k % 50
        client_id = self._missing_id("clients", k // 50) if m == 13 else self._random_id("clients", rng)
        if m < 4:
            credit = m
        else:
            roll = rng.random()
            credit = 0 if roll < 0.7 else (1 if roll < 0.8 else (2 if roll < 0.9 else 3))
        return {
            "id": str(self.id_of(k)),
            "client_id": client_id,
            "qb_payment_id": "" if rng.random() < 0.6 else str(100000 + k),
            "revenue_amount": _money(500 + int(rng.random() * 49500)),
            "revenue_tax": "0.00",
            "revenue_date": _day(int(rng.random() * 3650)),
            "revenue_credit": str(credit),
            "revenue_note": ("", "", "Cash", "Check #1042", "Card on file", "Package prepaid",
                             "Refund – cancelled lesson")[int(rng.random() * 7)],
        }

    def _session(self, k: int, rng: random.Random) -> dict[str, str]:
        multi = rng.random() < 0.1
        client_id = self._missing_id("clients", k) if k % 60 == 17 else self._random_id("clients", rng)
        cancel = ""
        if rng.random() < 0.1:
            cancel = ",".join(
                f"{self._random_id('clients', rng)}|{rng.getrandbits(16)}|{k}"
                for _ in range(1 + int(rng.random() * 2))
            )
        start = 8 * 60 + 15 * int(rng.random() * 44)  # 08:00 .. 18:45
        length = (30, 45, 60, 90)[int(rng.random() * 4)]
        recurring = rng.random() < 0.3
        return {
            "id": str(self.id_of(k)),
            "confirmed": "1" if rng.random() < 0.8 else "0",
            "multi": "1" if multi else "0",
            "slots": str(4 + int(rng.random() * 5)) if multi else "1",
            "class_id": str(1 + int(rng.random() * 50)) if multi else "0",
            "display": "1",
            "pract_d": self._random_id("practitioners", rng),
            "wage_id": str(int(rng.random() * 3)),
            "client_id": client_id,
            "client_due_id": str(rng.getrandbits(16)),
            "cancel_clients": cancel,
            "temp": "0",
            "service_id": self._random_id("services", rng),
            "location_id": self._random_id("locations", rng),
            "recurr_id": str(1 + k // 10) if recurring else "0",
            "recurr_on": ("1,3", "2,4", "5", "1")[int(rng.random() * 4)] if recurring else "",
            "qb_invoice_id": "" if rng.random() < 0.5 else str(500000 + k),
            "session_status": str(int(rng.random() * 4)),
            "session_date": _day(2500 + int(rng.random() * 1500)),
            "start_time": _hhmmss(start),
            "end_time": _hhmmss(start + length),
            "public_note": ("", "", "", "Bring textbook", "Zoom link sent")[int(rng.random() * 5)],
            "private_note": ("", "", "", "Parent late again", "Invoice disputed")[int(rng.random() * 5)],
        }

    def _location(self, k: int, rng: random.Random) -> dict[str, str]:
        name = _LOCATION_NAMES[k] if k < len(_LOCATION_NAMES) else f"Branch {k + 1}"
        address1, address2, city, state, zipcode, country = self._address(rng)
        online = name.startswith("Online")
        return {
            "id": str(self.id_of(k)),
            "name": name,
            "address1": "" if online else address1,
            "address2": "" if online else address2,
            "city": "" if online else city,
            "state": "" if online else state,
            "zipcode": "" if online else zipcode,
            "country": "" if online else country,
            "p_phone": _phone(rng),
            "s_phone": "",
            "email": f"location{k + 1}@tutoring.example.com" if k % 3 != 2 else "",
            "status": "0" if k % 7 == 5 else "1",
        }

    def _discount(self, k: int, rng: random.Random) -> dict[str, str]:
        percent = k % 2 == 0
        n_services = 0 if k % 5 == 4 else 1 + int(rng.random() * 3)
        services = sorted({self.id_of(int(rng.random() * self._counts["services"]))
                           for _ in range(n_services)})
        return {
            "id": str(self.id_of(k)),
            "code": ("WELCOME10", "SIBLING", "SUMMER25", "REFERRAL", "PACKAGE5")[k % 5]
            + ("" if k < 5 else str(k)),
            "amount": str(5 + 5 * int(rng.random() * 5)) if percent else _money(500 + int(rng.random() * 5000)),
            "type": "percent" if percent else "fixed",
            "expiry": _day(3000 + int(rng.random() * 1000)),
            "services": ",".join(str(s) for s in services),
        }

    def _automation(self, k: int, rng: random.Random) -> dict[str, str]:
        kind = _AUTOMATION_KINDS[k % len(_AUTOMATION_KINDS)]
        return {
            "id": str(self.id_of(k)),
            "kind": kind,
            "name": f"{kind.replace('_', ' ').title()} #{k + 1}",
            "trigger": _TRIGGERS[int(rng.random() * len(_TRIGGERS))],
            "schedule": _SCHEDULES[int(rng.random() * len(_SCHEDULES))],
            "template": "Hi {first_name}, reminder: {service} on {date} at {time}.",
            "active": "0" if k % 4 == 3 else "1",
        }

    def _client_settings(self, k: int, rng: random.Random) -> dict[str, str]:
        min_minutes = 60 * (6 + int(rng.random() * 4))
        max_minutes = 60 * (17 + int(rng.random() * 5))
        if k % 40 == 9:  # inverted window, as a careless edit leaves it
            min_minutes, max_minutes = max_minutes, min_minutes
        return {
            "id": str(self.id_of(k)),
            "minTime": _hhmmss(min_minutes),
            "maxTime": _hhmmss(max_minutes),
            "slotDuration": ("00:30:00", "00:30:00", "00:15:00", "01:00:00")[int(rng.random() * 4)],
            "sessionLimit": str(1 + int(rng.random() * 5)),
        }

    def _availability(self, a: int, rng: random.Random) -> dict[str, str]:
        starts = self._pract_avail_start
        if a < starts[-1]:
            lo, hi = 0, len(starts) - 1  # practitioner owning slot a
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if starts[mid] <= a:
                    lo = mid
                else:
                    hi = mid
            slot = a - starts[lo]
            label = "Default" if slot == 0 else _SEASONS[(slot - 1) % len(_SEASONS)]
        else:
            label = "Default" if rng.random() < 0.85 else "Summer"
        record = {"id": str(self.id_of(a)), "label": label,
                  "start": _day(int(rng.random() * 3000)), "end": ""}
        record["end"] = _day(3000 + int(rng.random() * 700))
        for day in ("m", "t", "w", "r", "f", "sat", "sun"):
            weekend = day in ("sat", "sun")
            if (weekend and a % 50 == 4) or rng.random() < (0.7 if weekend else 0.15):
                record[f"{day}Availf"] = record[f"{day}Availt"] = ""  # day off
                continue
            begin = 60 * (7 + int(rng.random() * 5))
            until_midnight = (day == "m" and a % 50 == 3) or rng.random() < 0.05
            end = 24 * 60 if until_midnight else begin + 60 * (4 + int(rng.random() * 7))
            record[f"{day}Availf"] = _hhmm(begin)
            record[f"{day}Availt"] = _hhmm(min(end, 24 * 60))
        return record

    def _client_file(self, f: int, rng: random.Random) -> dict[str, str]:
        owner = self._file_owner(f)
        client = owner * self._file_owner_stride
        if f % self._big_file_every == 7:
            size = (2 << 20) + int(rng.random() * (3 << 20))
        elif f % 17 == 4:
            size = 0
        else:
            size = int(200 * 1000 ** rng.random())  # 200 B .. 200 KB, mostly small
        name, content_type = _FILE_TYPES[f % len(_FILE_TYPES)]
        minutes = int(rng.random() * 24 * 60)
        return {
            "id": str(self.id_of(f)),
            "client_id": str(self.id_of(client)),
            "file_name": name,
            "content_type": content_type,
            "size": str(size),
            "uploaded": f"{_day(1000 + int(rng.random() * 2600))} {_hhmm(minutes)}:{int(rng.random() * 60):02d}",
        }


def _parse_id(value: int | str) -> int | None:
    if isinstance(value, int):
        return value if value > 0 else None
    if value.isascii() and value.isdigit():
        return int(value) or None
    return None
