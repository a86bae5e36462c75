"""The bad-input corpus: every kind of bad record a Bizstim account can hold,
and what the migration must make of it.

Each `Kind` names the Bizstim object it is about, says in a sentence what is
wrong, and states the outcome the migration must reach:

- "loads": the record reaches the destination; the applied result's
  `holds` says what the destination records hold (Freshsales field names,
  keyed by what they are: `contact:<client id>`, `deal_line:<payment id>`,
  `activity:<session id>`, `product:<service id>`, `document:<file id>`,
  `notes:<client id>`; None means empty, and {"value_map", "value"} the
  value the confirmed field map's value map gives);
- "quarantine": the record lands in `quarantine.quarantine__all` with
  `reason` as its reason code (under `ids_of` when the rows sit under
  another object, e.g. a client's availability rules);
- "excluded": the record is left out by the rule `reason` names (a
  reconciliation exclusion rule);
- "malformed": the API sent something that is not a record; it is kept in
  `bizstim_raw._malformed_records` with a reason containing `reason`.

The outcome is Freshsales'; `dynamics` says where Dynamics 365 differs.

`apply(builder)` changes a LiveTenant through a `CorpusBuilder`: it adds a
few records of its own (each kind on records no other kind touches, clean
except for the one thing wrong) and, for what only a misbehaving API can
produce (a duplicate id in a page, a type that changes on a later page, raw
Latin-1 bytes), a page quirk (sandbox/bizstim/quirks.py). It answers which
records it affected: `{"ids": [...], "holds": {...}}`, and where it says so
`"degraded"`: the fields the record loads without or cut short, each listed
in `quarantine.quarantine__degraded_fields` as (object, id, field, reason
code[, the one destination it is about]),
and `"reason_contains"`: text the quarantine sentence quotes (e.g. `U+200B`
for a zero-width space shown visibly).

`apply_corpus(live)` applies every kind (or the ones named), in order.
Records point at the tenant only where every tenant has the same thing:
practitioner 1 ("Ana López", ana.lopez@tutoring.example.com, an active
practitioner every seed generates and the destinations' seeded users
include), service 1 and location 1.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Callable

from sandbox.bizstim.quirks import PageQuirk
from sandbox.bizstim.state import LiveTenant

# An id no record has, and none the sandbox will ever give (ids climb from
# the tenant's largest one).
MISSING_ID = "987654321"
# Records of the tenant every seed generates the same way
PRACTITIONER_ID = "1"  # Ana López: resolves to a destination user
SERVICE_ID = "1"
LOCATION_ID = "1"
# Freshsales refuses a document above 25 MiB (sandbox/freshsales/settings.py)
HUGE_FILE_BYTES = 25 * 1024 * 1024 + 1
TEXT_10K = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 200)[:10_000]

OUTCOMES = ("loads", "quarantine", "excluded", "malformed")


@dataclass(frozen=True)
class Kind:
    name: str
    object: str  # the Bizstim object the kind is about (raw table name)
    description: str
    outcome: str
    reason: str | None = None  # reason code / exclusion rule / malformed reason
    apply: Callable[["CorpusBuilder"], dict[str, Any]] = field(default=lambda b: {"ids": []},
                                                               repr=False, compare=False)
    # what the affected ids are ids of, when not of `object`: the client
    # whose calendar settings are wrong ("clients"), or the quarantine rows'
    # object ("availability_rules": one row per client)
    ids_of: str | None = None
    # where Dynamics 365 differs: (outcome, reason), e.g. a client with neither
    # email nor last name loads there (its first name stands in as lastname)
    dynamics: tuple[str, str | None] | None = None

    def __post_init__(self) -> None:
        for outcome, reason in ((self.outcome, self.reason), self.dynamics or ("loads", None)):
            if outcome not in OUTCOMES:
                raise ValueError(f"{self.name}: outcome {outcome!r} is none of {OUTCOMES}")
            if outcome != "loads" and not reason:
                raise ValueError(f"{self.name}: a {outcome} kind names its reason")

    def outcome_for(self, destination: str) -> tuple[str, str | None]:
        """(outcome, reason) in that destination."""
        if destination == "dynamics" and self.dynamics is not None:
            return self.dynamics
        return self.outcome, self.reason

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "object": self.object, "description": self.description,
                "outcome": self.outcome, "reason": self.reason,
                "dynamics": list(self.outcome_for("dynamics")),
                "ids_of": self.ids_of or self.object}


# --- building records -------------------------------------------------------------------


class CorpusBuilder:
    """Adds clean records to a LiveTenant (each kind then spoils one thing)."""

    def __init__(self, live: LiveTenant) -> None:
        self.live = live
        self.kind = "corpus"
        self._serial = 0

    def _add(self, obj: str, record: dict[str, Any]) -> dict[str, Any]:
        with self.live.edit_lock:
            added = self.live.add(obj, lambda _index, new_id: {**record, "id": str(new_id)})
            return added

    def offset_of_last(self, obj: str) -> int:
        """The list offset of the record added last (added records come last)."""
        return self.live.total(obj) - 1

    def _slug(self) -> str:
        self._serial += 1
        return f"{self.kind.replace('_', '-')}-{self._serial}"

    def client(self, **fields: Any) -> dict[str, Any]:
        slug = self._slug()
        record = {
            "users_id": "", "client_settings_id": "", "avail_id": "",
            "first_name": "Corpus", "last_name": self.kind.replace("_", " ").title(),
            "address1": "1 Main St", "address2": "", "city": "Springfield", "state": "IL",
            "zipcode": "62701", "country": "US", "p_phone": "", "s_phone": "", "text_phone": "",
            "email": f"corpus.{slug}@example.org", "status": "active", "start_date": "2020-01-15",
            "notes": "", "custom_3": "", "custom_7": "", "custom_12": "",
        }
        record.update(fields)
        return self._add("clients", record)

    def payment(self, client_id: str, **fields: Any) -> dict[str, Any]:
        record = {"client_id": str(client_id), "qb_payment_id": "", "revenue_amount": "40.00",
                  "revenue_tax": "0.00", "revenue_date": "2021-03-01", "revenue_credit": "0",
                  "revenue_note": f"corpus {self.kind}"}
        record.update(fields)
        return self._add("payments", record)

    def session(self, client_id: str, **fields: Any) -> dict[str, Any]:
        record = {
            "confirmed": "1", "multi": "0", "slots": "1", "class_id": "0", "display": "1",
            "pract_d": PRACTITIONER_ID, "wage_id": "0", "client_id": str(client_id),
            "client_due_id": "0", "cancel_clients": "", "temp": "0", "service_id": SERVICE_ID,
            "location_id": LOCATION_ID, "recurr_id": "0", "recurr_on": "", "qb_invoice_id": "",
            "session_status": "1", "session_date": "2022-05-10", "start_time": "10:00:00",
            "end_time": "11:00:00", "public_note": f"corpus {self.kind}", "private_note": "",
        }
        record.update(fields)
        return self._add("sessions", record)

    def group(self, **fields: Any) -> dict[str, Any]:
        record = {"name": f"Corpus {self.kind}", "status": "1"}
        record.update(fields)
        return self._add("service_group_names", record)

    def service(self, group_id: str, **fields: Any) -> dict[str, Any]:
        record = {
            "group_id": str(group_id), "group_num": "1", "service_description": f"corpus {self.kind}",
            "service_cost": "50.00", "service_default_wage": "20.00", "service_taxable": "0",
            "service_type": "0", "service_status": "1", "online_booking": "0",
            "min_duration": "60", "max_duration": "120", "start_interval": "15",
            "name": f"Corpus: {self.kind}",
        }
        record.update(fields)
        return self._add("services", record)

    def settings(self, **fields: Any) -> dict[str, Any]:
        record = {"minTime": "08:00:00", "maxTime": "18:00:00", "slotDuration": "00:30:00",
                  "sessionLimit": "2"}
        record.update(fields)
        return self._add("client_settings", record)

    def availability(self, **fields: Any) -> dict[str, Any]:
        record: dict[str, Any] = {"label": "Default", "start": "2020-01-01", "end": "2030-12-31"}
        for day in ("m", "t", "w", "r", "f"):
            record[f"{day}Availf"], record[f"{day}Availt"] = "09:00", "17:00"
        for day in ("sat", "sun"):
            record[f"{day}Availf"] = record[f"{day}Availt"] = ""
        record.update(fields)
        return self._add("availability", record)

    def staff(self, **fields: Any) -> dict[str, Any]:
        record = {"users_id": "", "staff_settings_id": "", "first_name": "Corpus",
                  "last_name": self.kind.replace("_", " ").title(), "address1": "", "address2": "",
                  "city": "", "state": "", "zipcode": "", "country": "", "p_phone": "",
                  "s_phone": "", "text_phone": ""}
        record.update(fields)
        return self._add("staffs", record)

    def file(self, client_id: str, content: bytes | None, listed_under: str | None = None,
             **fields: Any) -> dict[str, Any]:
        meta = {"client_id": str(client_id), "file_name": f"corpus-{self.kind}.txt",
                "content_type": "text/plain", "size": str(len(content or b"")),
                "uploaded": "2022-01-10 09:30:00"}
        meta.update(fields)
        return self.live.add_file(meta, content, listed_under)

    def quirk(self, **spec: Any) -> PageQuirk:
        quirk = PageQuirk.from_dict(spec)
        with self.live.edit_lock:
            self.live.page_quirks.append(quirk)
        return quirk


def _ids(*records: dict[str, Any]) -> list[str]:
    return [str(r["id"]) for r in records]


def _contact(client: dict[str, Any], **holds: Any) -> dict[str, Any]:
    """The result of a kind about one client."""
    return {"ids": _ids(client), "holds": {f"contact:{client['id']}": holds} if holds else {}}


# --- the kinds ----------------------------------------------------------------------------------


def _invalid_email(b: CorpusBuilder) -> dict[str, Any]:
    return _contact(b.client(email="jane at example dot com"))


def _invalid_beside_valid(b: CorpusBuilder) -> dict[str, Any]:
    client = b.client(email="jane@@example.org, corpus.second.valid@example.org")
    return _contact(client, email="corpus.second.valid@example.org")


def _unicode_email(b: CorpusBuilder) -> dict[str, Any]:
    return _contact(b.client(email="josé@exämple.com"))


def _duplicate_email_across_clients(b: CorpusBuilder) -> dict[str, Any]:
    first = b.client(email="corpus.family@example.org")
    second = b.client(email="Corpus.Family@EXAMPLE.org")
    return {"ids": _ids(first, second), "holds": {
        f"contact:{first['id']}": {"email": "corpus.family@example.org", "cf_shared_emails": None},
        f"contact:{second['id']}": {"email": None, "cf_shared_emails": "corpus.family@example.org"},
    }}


def _duplicate_email_in_one_client(b: CorpusBuilder) -> dict[str, Any]:
    client = b.client(email="corpus.twice@example.org, CORPUS.TWICE@example.org")
    return _contact(client, email="corpus.twice@example.org", other_emails=[])


def _missing_email(b: CorpusBuilder) -> dict[str, Any]:
    return _contact(b.client(email=""), email=None, last_name="Missing Email")


def _no_email_no_last_name(b: CorpusBuilder) -> dict[str, Any]:
    return _contact(b.client(email="", last_name=""))


def _email_spaces_and_capitals(b: CorpusBuilder) -> dict[str, Any]:
    client = b.client(email="   Corpus.Mixed.Case@Example.ORG   ")
    return _contact(client, email="corpus.mixed.case@example.org")


def _many_emails(b: CorpusBuilder) -> dict[str, Any]:
    addresses = [f"corpus.many.{n}@example.org" for n in range(12)]
    client = b.client(email=",".join(addresses))
    return _contact(client, email=addresses[0], other_emails=sorted(addresses[1:]))


def _empty_names(b: CorpusBuilder) -> dict[str, Any]:
    return _contact(b.client(first_name="", last_name=""))


def _whitespace_only_names(b: CorpusBuilder) -> dict[str, Any]:
    return _contact(b.client(first_name="   ", last_name="\t \u00a0\n", city="  \t "))


def _whitespace_only_values(b: CorpusBuilder) -> dict[str, Any]:
    client = b.client(city="   ", state="\t", zipcode=" \u00a0 ", address1="  ", address2="\n")
    return _contact(client, city=None, state=None, zipcode=None, address=None,
                    last_name="Whitespace Only Values")


def _name_10k(b: CorpusBuilder) -> dict[str, Any]:
    return _contact(b.client(first_name=TEXT_10K))


def _city_10k(b: CorpusBuilder) -> dict[str, Any]:
    return _contact(b.client(city=TEXT_10K))


def _notes_10k(b: CorpusBuilder) -> dict[str, Any]:
    client = b.client(notes=TEXT_10K)
    return {"ids": _ids(client), "holds": {f"notes:{client['id']}": {"text": TEXT_10K}}}


def _custom_field_10k(b: CorpusBuilder) -> dict[str, Any]:
    client = b.client(custom_7=TEXT_10K)
    return _contact(client, custom_fields={"custom_7": TEXT_10K})


def _control_characters(b: CorpusBuilder) -> dict[str, Any]:
    client = b.client(first_name="Ann\u0007e", last_name="Lee\u001b[31m\u0000",
                      notes="line one\u000bline two\u0000\u0008 end")
    return _contact(client, first_name="Anne", last_name="Lee[31m")


def _mojibake(b: CorpusBuilder) -> dict[str, Any]:
    # "José Müller" once stored as UTF-8 bytes read back as Latin-1
    client = b.client(first_name="JosÃ©", last_name="MÃ¼ller")
    return _contact(client, first_name="JosÃ©", last_name="MÃ¼ller")


def _latin1_bytes(b: CorpusBuilder) -> dict[str, Any]:
    client = b.client(first_name="Anaïs", last_name="Lüdenscheidt-Gaßner")
    for text in ("Anaïs", "Lüdenscheidt-Gaßner"):
        b.quirk(object="clients", action="latin1_bytes", text=text)
    return _contact(client, first_name="Anaïs", last_name="Lüdenscheidt-Gaßner")


def _emoji_rtl(b: CorpusBuilder) -> dict[str, Any]:
    first, last = "🦄 Zoë 👩🏽‍🔬", "\u200fשלום عالم"
    return _contact(b.client(first_name=first, last_name=last), first_name=first, last_name=last)


def _decomposed_unicode(b: CorpusBuilder) -> dict[str, Any]:
    first = "Zoe\u0308 Rene\u0301e"  # combining marks (NFD), as some Mac tools save
    return _contact(b.client(first_name=first), first_name=first)


def _sql_and_html(b: CorpusBuilder) -> dict[str, Any]:
    last = "O'Brien'); DROP TABLE clients;--"
    note = '<script>alert("x")</script> \'; DELETE FROM payments; -- {{ var }}'
    client = b.client(last_name=last, notes=note)
    return {"ids": _ids(client), "holds": {f"contact:{client['id']}": {"last_name": last},
                                           f"notes:{client['id']}": {"text": note}}}


def _zipcode_leading_zero(b: CorpusBuilder) -> dict[str, Any]:
    return _contact(b.client(zipcode="02108", city="Boston", state="MA"), zipcode="02108")


def _unknown_status(b: CorpusBuilder) -> dict[str, Any]:
    # the confirmed field map's value map decides what it becomes (the
    # proposal offers one for every value it finds; a person confirms it)
    return _contact(b.client(status="ARCHIVED"),
                    cf_bizstim_status={"value_map": "client_status", "value": "archived"})


def _unparseable_phone(b: CorpusBuilder) -> dict[str, Any]:
    client = b.client(p_phone="call after 5pm", s_phone="12", text_phone="n/a, ???")
    return _contact(client, work_number=None, mobile_number=None)


def _phone_extension(b: CorpusBuilder) -> dict[str, Any]:
    client = b.client(p_phone="+1 (555) 201-3344 ext. 12", text_phone="555.201.9876")
    return _contact(client, work_number="+15552013344", mobile_number="+15552019876")


def _zero_date(b: CorpusBuilder) -> dict[str, Any]:
    return _contact(b.client(start_date="0000-00-00"), cf_bizstim_start_date=None)


def _start_date_before_1900(b: CorpusBuilder) -> dict[str, Any]:
    return _contact(b.client(start_date="1899-12-31"), cf_bizstim_start_date="1899-12-31")


def _start_date_in_future(b: CorpusBuilder) -> dict[str, Any]:
    return _contact(b.client(start_date="2099-01-01"), cf_bizstim_start_date="2099-01-01")


def _custom_field_names(b: CorpusBuilder) -> dict[str, Any]:
    client = b.client(**{
        'custom_"Parent\'s name"': "Maria",
        "custom_Grade Level": "7th",
        "custom_x'); DROP TABLE clients;--": "still data",
    })
    return _contact(client, custom_field_values=["Maria", "7th", "still data"])


def _new_custom_field_mid_extraction(b: CorpusBuilder) -> dict[str, Any]:
    client = b.client()
    b.quirk(object="clients", action="add_field", from_offset=b.offset_of_last("clients"),
            ids=[client["id"]], field="custom_99", value="appeared late")
    return _contact(client, custom_fields={"custom_99": "appeared late"})


def _orphan_client_user(b: CorpusBuilder) -> dict[str, Any]:
    return _contact(b.client(users_id=MISSING_ID), last_name="Orphan Client User")


def _orphan_client_settings(b: CorpusBuilder) -> dict[str, Any]:
    client = b.client(client_settings_id=MISSING_ID)
    return _contact(client, cf_availability_min_time=None, cf_slot_duration=None)


def _orphan_client_availability(b: CorpusBuilder) -> dict[str, Any]:
    client = b.client(avail_id=MISSING_ID)
    return _contact(client, cf_availability_windows=None)


def _min_after_max(b: CorpusBuilder) -> dict[str, Any]:
    settings = b.settings(minTime="18:00:00", maxTime="08:00:00")
    client = b.client(client_settings_id=settings["id"])
    return _contact(client, cf_availability_min_time=None, cf_availability_max_time=None)


def _unreadable_settings(b: CorpusBuilder) -> dict[str, Any]:
    settings = b.settings(minTime="8am", maxTime="", slotDuration="half an hour")
    client = b.client(client_settings_id=settings["id"])
    return _contact(client, cf_availability_min_time=None, cf_slot_duration=None)


def _window_inverted(b: CorpusBuilder) -> dict[str, Any]:
    availability = b.availability(mAvailf="17:00", mAvailt="09:00")
    client = b.client(avail_id=availability["id"])
    return _contact(client, cf_availability_windows="Tue 09:00-17:00; Wed 09:00-17:00; "
                                                    "Thu 09:00-17:00; Fri 09:00-17:00")


def _window_out_of_range(b: CorpusBuilder) -> dict[str, Any]:
    availability = b.availability(tAvailf="09:00", tAvailt="25:61", wAvailf="7:5", wAvailt="12:00")
    client = b.client(avail_id=availability["id"])
    return _contact(client, cf_availability_windows="Mon 09:00-17:00; Thu 09:00-17:00; "
                                                    "Fri 09:00-17:00")


def _valid_schedule(b: CorpusBuilder) -> dict[str, Any]:
    settings = b.settings(minTime="07:30:00", maxTime="24:00:00", slotDuration="01:00:00")
    availability = b.availability(fAvailf="12:00", fAvailt="24:00")
    client = b.client(client_settings_id=settings["id"], avail_id=availability["id"])
    return _contact(client, cf_availability_min_time="07:30", cf_availability_max_time="24:00",
                    cf_slot_duration=60, cf_availability_windows=(
                        "Mon 09:00-17:00; Tue 09:00-17:00; Wed 09:00-17:00; Thu 09:00-17:00; "
                        "Fri 12:00-24:00"))


def _duplicate_client_in_page(b: CorpusBuilder) -> dict[str, Any]:
    client = b.client()
    # the same record twice in one page, right after itself
    b.quirk(object="clients", action="repeat_record", from_offset=b.offset_of_last("clients"),
            record_id=client["id"])
    return _contact(client, last_name=client["last_name"])


def _null_record(b: CorpusBuilder) -> dict[str, Any]:
    host = b.client()
    b.quirk(object="clients", action="insert_raw", from_offset=b.offset_of_last("clients"), raw=None)
    return {"ids": [], "host": host["id"]}


# payments


def _client_child_kind(make: str, **fields: Any) -> Callable[[CorpusBuilder], dict[str, Any]]:
    """A record of a client (`make`: "payment" or "session") with the given
    fields; the client is the record's context."""
    def apply(b: CorpusBuilder) -> dict[str, Any]:
        client = b.client()
        made = getattr(b, make)(client["id"], **fields)
        return {"ids": _ids(made), "client": client["id"]}
    return apply


def _payment_kind(**payment: Any) -> Callable[[CorpusBuilder], dict[str, Any]]:
    return _client_child_kind("payment", **payment)


def _loaded_payment(amount: float, **payment: Any) -> Callable[[CorpusBuilder], dict[str, Any]]:
    def apply(b: CorpusBuilder) -> dict[str, Any]:
        client = b.client()
        made = b.payment(client["id"], **payment)
        return {"ids": _ids(made), "holds": {f"deal_line:{made['id']}": {"unit_price": amount}}}
    return apply


def _orphan_payment(b: CorpusBuilder) -> dict[str, Any]:
    return {"ids": _ids(b.payment(MISSING_ID))}


def _payment_reference_with_spaces(b: CorpusBuilder) -> dict[str, Any]:
    client = b.client()
    made = b.payment(f"  {client['id']} ")
    return {"ids": _ids(made), "holds": {f"deal_line:{made['id']}": {"unit_price": 40.0}}}


def _type_change_later_page(b: CorpusBuilder) -> dict[str, Any]:
    client = b.client()
    made = b.payment(client["id"], revenue_amount="42.50", revenue_credit="0")
    offset = b.offset_of_last("payments")
    b.quirk(object="payments", action="as_json_numbers", from_offset=offset, ids=[made["id"]],
            fields=["revenue_amount", "client_id", "revenue_credit", "revenue_tax"])
    return {"ids": _ids(made), "holds": {f"deal_line:{made['id']}": {"unit_price": 42.5}},
            "page_start": offset - offset % 100}


def _new_field_later_page(b: CorpusBuilder) -> dict[str, Any]:
    client = b.client()
    made = b.payment(client["id"], revenue_amount="12.00")
    b.quirk(object="payments", action="add_field", from_offset=b.offset_of_last("payments"),
            ids=[made["id"]], field="processor", value="stripe")
    return {"ids": _ids(made), "holds": {f"deal_line:{made['id']}": {"unit_price": 12.0}}}


def _duplicate_payment_across_pages(b: CorpusBuilder) -> dict[str, Any]:
    client = b.client()
    made = b.payment(client["id"], revenue_amount="33.00")
    # the record also shows up on the first page (offset paging on a live account)
    b.quirk(object="payments", action="repeat_record", from_offset=10, record_id=made["id"])
    return {"ids": _ids(made), "holds": {f"deal_line:{made['id']}": {"unit_price": 33.0}}}


def _record_without_id(b: CorpusBuilder) -> dict[str, Any]:
    client = b.client()
    made = b.payment(client["id"])
    b.quirk(object="payments", action="insert_raw", from_offset=b.offset_of_last("payments"),
            raw={"id": "", "client_id": client["id"], "revenue_amount": "15.00",
                 "revenue_date": "2021-04-01", "revenue_credit": "0"})
    return {"ids": [], "host": made["id"]}


# sessions


def _session_kind(**session: Any) -> Callable[[CorpusBuilder], dict[str, Any]]:
    return _client_child_kind("session", **session)


def _loaded_session(holds: dict[str, Any] | None = None, **session: Any
                    ) -> Callable[[CorpusBuilder], dict[str, Any]]:
    """A session that loads; `holds` may name the session's own id as {id}."""
    def apply(b: CorpusBuilder) -> dict[str, Any]:
        client = b.client()
        made = b.session(client["id"], **session)
        shown = {k: (v.format(id=made["id"]) if isinstance(v, str) else v)
                 for k, v in (holds or {}).items()}
        return {"ids": _ids(made), "holds": {f"activity:{made['id']}": shown}}
    return apply


def _orphan_session_client(b: CorpusBuilder) -> dict[str, Any]:
    return {"ids": _ids(b.session(MISSING_ID))}


def _orphan_session_practitioner(b: CorpusBuilder) -> dict[str, Any]:
    client = b.client()
    made = b.session(client["id"], pract_d=MISSING_ID)
    # the client itself still loads (with no owner: it has no other session)
    return {"ids": _ids(made), "holds": {f"contact:{client['id']}": {"owner_id": None}}}


# services and groups


def _orphan_service_group(b: CorpusBuilder) -> dict[str, Any]:
    return {"ids": _ids(b.service(MISSING_ID))}


def _service_without_group(b: CorpusBuilder) -> dict[str, Any]:
    service = b.service("")
    return {"ids": _ids(service), "holds": {f"product:{service['id']}": {"category": None}}}


def _circular_groups(b: CorpusBuilder) -> dict[str, Any]:
    first = b.group(name="Corpus circle A")
    second = b.group(name="Corpus circle B", parent_id=first["id"])
    first_again = dict(first, parent_id=second["id"])  # A -> B -> A
    b.live.replace("service_group_names", first_again)
    service = b.service(first["id"])
    return {"ids": _ids(first, second), "holds": {
        f"product:{service['id']}": {"category": "Corpus circle A"}}}


def _group_without_name(b: CorpusBuilder) -> dict[str, Any]:
    group = b.group(name="  ")
    service = b.service(group["id"])
    return {"ids": _ids(group), "service": service["id"]}


def _degraded_start_date(start_date: str) -> Callable[[CorpusBuilder], dict[str, Any]]:
    """A client whose start date the date rule cannot read: it loads without
    it, and the value is listed with its reason."""
    def apply(b: CorpusBuilder) -> dict[str, Any]:
        client = b.client(start_date=start_date)
        return {**_contact(client, cf_bizstim_start_date=None),
                "degraded": [("clients", str(client["id"]), "start_date", "invalid_date")]}
    return apply


def _quoting(text: str, kind: Callable[[CorpusBuilder], dict[str, Any]]
             ) -> Callable[[CorpusBuilder], dict[str, Any]]:
    """`kind`, whose quarantine sentence must quote `text`."""
    def apply(b: CorpusBuilder) -> dict[str, Any]:
        return {**kind(b), "reason_contains": text}
    return apply


def _payment_quoting(text: str, **payment: Any) -> Callable[[CorpusBuilder], dict[str, Any]]:
    """A payment kind whose quarantine sentence must quote `text`."""
    return _quoting(text, _payment_kind(**payment))


def _unreadable_service_cost(b: CorpusBuilder) -> dict[str, Any]:
    group = b.group(name="Corpus unreadable cost")
    service = b.service(group["id"], service_cost="1,250.00")
    return {"ids": _ids(service), "reason_contains": '"1,250.00"'}


def _cut(text: str, tail: str, max_chars: int) -> str:
    """What the marts make of a built text longer than the field (fit_text)."""
    full = text + tail
    return full if len(full) <= max_chars else text[:max_chars - 1 - len(tail)] + "…" + tail


def _service_name_244_chars(b: CorpusBuilder) -> dict[str, Any]:
    """A service named with 244 characters: a Freshsales product takes it
    (255), a Dynamics product does not (100); the session's activity title
    and appointment subject built from it are cut to 255 and 200 and listed."""
    name = "Corpus long service " + "x" * 224
    group = b.group(name="Corpus long service name")
    service = b.service(group["id"], name=name)
    session = b.session(b.client()["id"], service_id=service["id"])
    tail = f" (Bizstim session {session['id']})"
    return {"ids": _ids(service),
            "holds": {f"product:{service['id']}": {"name": name},
                      f"activity:{session['id']}": {"title": _cut(name, tail, 255)}},
            "degraded": [("sessions", str(session["id"]), "title", "truncated", "freshsales"),
                         ("sessions", str(session["id"]), "subject", "truncated", "dynamics")]}


def _client_names_200_chars(b: CorpusBuilder) -> dict[str, Any]:
    """First and last names of 200 characters each: a Freshsales contact takes
    them (255 each), but the deal name built from both is cut to 255."""
    first, last = "F" * 200, "L" * 200
    client = b.client(first_name=first, last_name=last)
    b.payment(client["id"])
    name = _cut(f"Bizstim payment history: {first} {last}", "", 255)
    return {"ids": _ids(client), "holds": {f"deal:{client['id']}": {"name": name}},
            "degraded": [("clients", str(client["id"]), "deal name", "truncated", "freshsales")]}


def _id_duplicated_after_trimming(b: CorpusBuilder) -> dict[str, Any]:
    """Two payments whose ids are "N" and " N ": which one a reference means
    cannot be told, so both wait in quarantine (the gate stays open)."""
    client = b.client()
    first = b.payment(client["id"])
    with b.live.edit_lock:
        second = b.live.add("payments", lambda _index, _new_id: {
            **first, "id": f" {first['id']} ", "revenue_note": f"corpus {b.kind} (padded id)"})
    return {"ids": _ids(first, second), "reason_contains": f'" {first["id"]} "'}


def _negative_service_cost(b: CorpusBuilder) -> dict[str, Any]:
    group = b.group(name="Corpus negative cost")
    service = b.service(group["id"], service_cost="-10.00")
    return {"ids": _ids(service), "holds": {f"product:{service['id']}": {"unit_price": -10.0}}}


def _service_without_name(b: CorpusBuilder) -> dict[str, Any]:
    group = b.group(name="Corpus unnamed service")
    service = b.service(group["id"], name="")
    return {"ids": _ids(service),
            "holds": {f"product:{service['id']}": {"name": f"Service {service['id']}"}}}


def _duplicate_service_in_page(b: CorpusBuilder) -> dict[str, Any]:
    group = b.group(name="Corpus duplicate service")
    service = b.service(group["id"])
    b.quirk(object="services", action="repeat_record", from_offset=b.offset_of_last("services"),
            record_id=service["id"])
    return {"ids": _ids(service), "holds": {f"product:{service['id']}": {"unit_price": 50.0}}}


def _not_an_object(b: CorpusBuilder) -> dict[str, Any]:
    group = b.group(name="Corpus not an object")
    service = b.service(group["id"])
    b.quirk(object="services", action="insert_raw", from_offset=b.offset_of_last("services"),
            raw="<html><body>502 Bad Gateway</body></html>")
    return {"ids": [], "host": service["id"]}


# files


def _file_kind(loads: bool, content: bytes | None = b"corpus file\n", listed_elsewhere: bool = False,
               **meta: Any) -> Callable[[CorpusBuilder], dict[str, Any]]:
    def apply(b: CorpusBuilder) -> dict[str, Any]:
        client = b.client()
        owner = MISSING_ID if listed_elsewhere else client["id"]
        made = b.file(owner, content, listed_under=client["id"], **meta)
        holds = {}
        if loads:
            holds = {f"document:{made['id']}": {"file_name": made["file_name"],
                                               "size": len(content or b"")}}
        return {"ids": _ids(made), "client": client["id"], "holds": holds}
    return apply


def _huge_content() -> bytes:
    return random.Random("corpus:huge").randbytes(HUGE_FILE_BYTES)


def _huge_file(b: CorpusBuilder) -> dict[str, Any]:
    client = b.client()
    made = b.file(client["id"], _huge_content(), file_name="scan-archive.zip",
                  content_type="application/zip")
    return {"ids": _ids(made), "client": client["id"]}


# people


def _orphan_staff_user(b: CorpusBuilder) -> dict[str, Any]:
    return {"ids": _ids(b.staff(users_id=MISSING_ID))}


# --- the list -------------------------------------------------------------------------------------

KINDS: tuple[Kind, ...] = (
    # emails
    Kind("invalid_email", "clients", "The only email is not an address.", "quarantine",
         "invalid_email", _invalid_email),
    Kind("invalid_email_beside_a_valid_one", "clients",
         "A broken address before a valid one in the comma-separated list.", "loads",
         apply=_invalid_beside_valid),
    Kind("non_ascii_email", "clients", "An internationalised address (josé@exämple.com).",
         "quarantine", "invalid_email", _unicode_email),
    Kind("email_with_zero_width_space", "clients",
         "The only email hides a zero-width space; the reason shows it as U+200B.", "quarantine",
         "invalid_email", _quoting("jane.doeU+200B@example.org",
                                   lambda b: _contact(b.client(email="jane.doe\u200b@example.org")))),
    Kind("duplicate_email_across_clients", "clients",
         "Two clients share an address, differing in case.", "loads",
         apply=_duplicate_email_across_clients),
    Kind("duplicate_email_in_one_client", "clients", "One client lists the same address twice.",
         "loads", apply=_duplicate_email_in_one_client),
    Kind("missing_email", "clients", "No email at all (the last name is there).", "loads",
         apply=_missing_email),
    Kind("missing_email_and_last_name", "clients", "Only a first name: no email, no last name.",
         "quarantine", "no_last_name_or_email", _no_email_no_last_name, dynamics=("loads", None)),
    Kind("email_with_spaces_and_capitals", "clients", "Stray spaces and capitals around the address.",
         "loads", apply=_email_spaces_and_capitals),
    Kind("many_emails_in_one_field", "clients", "Twelve addresses in the email field.", "loads",
         apply=_many_emails),
    # names and text
    Kind("empty_names", "clients", "First and last name empty.", "quarantine", "no_name",
         _empty_names),
    Kind("whitespace_only_names", "clients",
         "Names of spaces, tabs, a no-break space and a newline.", "quarantine", "no_name",
         _whitespace_only_names),
    Kind("whitespace_only_values", "clients", "Address, city, state and zip of whitespace only.",
         "loads", apply=_whitespace_only_values),
    Kind("first_name_10000_chars", "clients", "A 10,000-character first name.", "quarantine",
         "value_too_long", _name_10k),
    Kind("city_10000_chars", "clients", "A 10,000-character city.", "quarantine",
         "value_too_long", _city_10k),
    Kind("notes_10000_chars", "clients", "A 10,000-character note.", "loads", apply=_notes_10k),
    Kind("custom_field_10000_chars", "clients", "A 10,000-character custom field value.", "loads",
         apply=_custom_field_10k),
    Kind("control_characters", "clients",
         "BEL, ESC, NUL, vertical tab and backspace inside names and notes.", "loads",
         apply=_control_characters),
    Kind("latin1_mojibake", "clients",
         "UTF-8 text once read as Latin-1 (\"JosÃ©\"): stored that way, it loads as it is.",
         "loads", apply=_mojibake),
    Kind("latin1_bytes_in_a_utf8_page", "clients",
         "A legacy row whose names arrive as raw Latin-1 bytes inside the UTF-8 JSON page.",
         "loads", apply=_latin1_bytes),
    Kind("emoji_and_right_to_left_text", "clients",
         "Emoji (a ZWJ sequence with a skin tone) and Hebrew/Arabic with a right-to-left mark.",
         "loads", apply=_emoji_rtl),
    Kind("decomposed_unicode", "clients", "Accents as combining marks (NFD).", "loads",
         apply=_decomposed_unicode),
    Kind("sql_and_html_in_values", "clients", "SQL, quotes, HTML and Jinja in a name and a note.",
         "loads", apply=_sql_and_html),
    Kind("zipcode_with_leading_zero", "clients", "A number-like string (\"02108\") stays text.",
         "loads", apply=_zipcode_leading_zero),
    Kind("unknown_client_status", "clients",
         "A status outside active/inactive/prospect; it loads as the confirmed value map says.", "loads",
         apply=_unknown_status),
    Kind("unparseable_phone_numbers", "clients", "Phones that are words, too short, or n/a.",
         "loads", apply=_unparseable_phone),
    Kind("phone_with_extension", "clients", "A formatted phone with an extension.", "loads",
         apply=_phone_extension),
    Kind("mysql_zero_date", "clients", "A start date of 0000-00-00 (MySQL's empty date).", "loads",
         apply=_zero_date),
    Kind("date_before_1900", "clients", "A start date in 1899.", "loads",
         apply=_start_date_before_1900),
    Kind("date_in_the_future", "clients", "A start date in 2099.", "loads",
         apply=_start_date_in_future),
    Kind("client_names_200_chars", "clients", "First and last names of 200 characters, a payment.",
         "loads", apply=_client_names_200_chars, dynamics=("quarantine", "value_too_long")),
    Kind("start_date_day_first", "clients", "A start date of 15/03/2021 (day first).", "loads",
         apply=_degraded_start_date("15/03/2021")),
    Kind("start_date_that_does_not_exist", "clients", "A start date of 2024-02-31.", "loads",
         apply=_degraded_start_date("2024-02-31")),
    # custom fields
    Kind("custom_field_names_with_quotes_spaces_and_sql", "clients",
         "Custom field keys with quotes, spaces and SQL in them.", "loads",
         apply=_custom_field_names),
    Kind("new_custom_field_mid_extraction", "clients",
         "A custom field that only later records of the list carry.", "loads",
         apply=_new_custom_field_mid_extraction),
    # client references and calendar settings
    Kind("orphan_client_user", "clients", "users_id names a user that does not exist.", "loads",
         apply=_orphan_client_user),
    Kind("orphan_client_settings", "clients",
         "client_settings_id names settings that do not exist (404).", "quarantine",
         "missing_settings_record", _orphan_client_settings, ids_of="availability_rules"),
    Kind("orphan_client_availability", "clients",
         "avail_id names a schedule that does not exist (404).", "quarantine",
         "missing_availability_record", _orphan_client_availability,
         ids_of="availability_rules"),
    Kind("min_time_after_max_time", "client_settings", "minTime 18:00 after maxTime 08:00.",
         "quarantine", "min_time_after_max_time", _min_after_max,
         ids_of="availability_rules"),
    Kind("unreadable_calendar_settings", "client_settings",
         "minTime \"8am\", maxTime empty, slotDuration in words.", "quarantine",
         "unreadable_calendar_settings", _unreadable_settings,
         ids_of="availability_rules"),
    Kind("availability_window_inverted", "availability", "Monday from 17:00 to 09:00.",
         "quarantine", "window_from_after_to", _window_inverted,
         ids_of="availability_rules"),
    Kind("availability_time_out_of_range", "availability",
         "A window ending at 25:61 and one starting at 7:5.", "quarantine",
         "unreadable_window", _window_out_of_range, ids_of="availability_rules"),
    Kind("schedule_open_until_midnight", "availability",
         "Settings and a window ending at 24:00 (valid: midnight).", "loads",
         apply=_valid_schedule, ids_of="clients"),
    # what only a misbehaving API produces
    Kind("duplicate_id_in_a_page", "clients", "The same client twice in one page.", "loads",
         apply=_duplicate_client_in_page),
    Kind("null_in_a_page", "clients", "A JSON null among the records of a page.", "malformed",
         "not a record", _null_record),
    Kind("type_change_on_a_later_page", "payments",
         "Amount, client id and kind arrive as JSON numbers on a later page.", "loads",
         apply=_type_change_later_page),
    Kind("new_field_on_a_later_page", "payments", "A field only a later page carries.", "loads",
         apply=_new_field_later_page),
    Kind("duplicate_id_across_pages", "payments",
         "A payment served on the first page and again on the last.", "loads",
         apply=_duplicate_payment_across_pages),
    Kind("record_without_id", "payments", "A record whose id is empty.", "malformed",
         "no id", _record_without_id),
    Kind("record_not_an_object", "services", "An HTML error string among the records.",
         "malformed", "not a record", _not_an_object),
    Kind("duplicate_id_in_a_services_page", "services", "The same service twice in one page.",
         "loads", apply=_duplicate_service_in_page),
    # payments
    Kind("orphan_payment_client", "payments", "client_id names a client that does not exist.",
         "quarantine", "orphan_payment", _orphan_payment),
    Kind("orphan_payment_service", "payments",
         "An extra service_id naming a service that does not exist (payments reference none).",
         "loads", apply=_loaded_payment(40.0, service_id=MISSING_ID)),
    Kind("reference_with_spaces", "payments", "client_id with spaces around it.", "loads",
         apply=_payment_reference_with_spaces),
    Kind("negative_amount", "payments", "A regular payment of -25.00.", "loads",
         apply=_loaded_payment(-25.0, revenue_amount="-25.00")),
    Kind("zero_amount", "payments", "A payment of 0.00.", "loads",
         apply=_loaded_payment(0.0, revenue_amount="0.00")),
    Kind("huge_amount", "payments", "An amount of 123,456,789,012.00 (beyond 12 digits).",
         "quarantine", "amount_out_of_range", _payment_kind(revenue_amount="123456789012.00")),
    Kind("amount_with_thousands_separator", "payments", "\"1,250.00\".", "quarantine",
         "invalid_amount", _payment_kind(revenue_amount="1,250.00")),
    Kind("amount_with_currency_symbol", "payments", "\"$40.00\".", "quarantine", "invalid_amount",
         _payment_kind(revenue_amount="$40.00")),
    Kind("id_duplicated_after_trimming", "payments", "Two payments with ids \"N\" and \" N \".",
         "quarantine", "ambiguous_id", _id_duplicated_after_trimming),
    Kind("amount_with_three_decimals", "payments", "\"40.005\" (not rounded to 40.01).",
         "quarantine", "invalid_amount", _payment_quoting('"40.005"', revenue_amount="40.005")),
    Kind("amount_with_underscore", "payments", "\"1_000\" (not read as 1000).", "quarantine",
         "invalid_amount", _payment_kind(revenue_amount="1_000")),
    Kind("amount_with_exponent", "payments", "\"1e3\" (not read as 1000).", "quarantine",
         "invalid_amount", _payment_kind(revenue_amount="1e3")),
    Kind("amount_with_zero_width_space", "payments", "\"40\u200b.00\": the sentence shows U+200B.",
         "quarantine", "invalid_amount", _payment_quoting("40U+200B.00", revenue_amount="40\u200b.00")),
    Kind("payment_date_day_first", "payments", "A date as 15/03/2021.", "quarantine",
         "invalid_date", _payment_quoting('"15/03/2021"', revenue_date="15/03/2021")),
    Kind("unknown_currency", "payments", "A currency field the destination does not know (XYZ).",
         "quarantine", "unknown_currency", _payment_kind(currency="XYZ")),
    Kind("foreign_currency", "payments", "A payment in EUR on a USD account.", "quarantine",
         "foreign_currency", _payment_kind(currency="EUR")),
    Kind("account_currency_in_lower_case", "payments",
         "A currency field holding the account's currency as \" usd \".", "loads",
         apply=_loaded_payment(40.0, currency=" usd ")),
    Kind("unknown_payment_kind", "payments", "revenue_credit 9.", "quarantine",
         "unknown_payment_kind", _payment_kind(revenue_credit="9")),
    Kind("payment_date_in_the_future", "payments", "A payment dated 2099-12-31.", "loads",
         apply=_loaded_payment(40.0, revenue_date="2099-12-31")),
    Kind("payment_date_before_1900", "payments", "A payment dated 1899-06-30.", "loads",
         apply=_loaded_payment(40.0, revenue_date="1899-06-30")),
    Kind("malformed_payment_date", "payments", "A date as 31/12/2021.", "quarantine",
         "invalid_date", _payment_kind(revenue_date="31/12/2021")),
    Kind("impossible_payment_date", "payments", "2021-02-30.", "quarantine", "invalid_date",
         _payment_kind(revenue_date="2021-02-30")),
    # sessions
    Kind("orphan_session_client", "sessions", "client_id names a client that does not exist.",
         "quarantine", "orphan_session", _orphan_session_client),
    Kind("orphan_session_practitioner", "sessions",
         "pract_d names a practitioner that does not exist.", "quarantine",
         "orphan_practitioner", _orphan_session_practitioner),
    Kind("orphan_session_service", "sessions", "service_id names a service that does not exist.",
         "loads", apply=_loaded_session({"title": "Session (Bizstim session {id})"},
                                        service_id=MISSING_ID)),
    Kind("session_in_the_future", "sessions", "A session on 2031-06-02.", "loads",
         apply=_loaded_session({"start_date": "2031-06-02T14:00:00Z"}, session_date="2031-06-02")),
    Kind("session_before_1900", "sessions", "A session on 1899-03-01.", "loads",
         apply=_loaded_session(session_date="1899-03-01")),
    Kind("session_ends_before_it_starts", "sessions", "Start 15:00, end 14:00.", "quarantine",
         "invalid_time", _session_kind(start_time="15:00:00", end_time="14:00:00")),
    Kind("session_time_out_of_range", "sessions", "A start time of 25:00:00.", "quarantine",
         "invalid_time", _session_kind(start_time="25:00:00")),
    Kind("malformed_session_date", "sessions", "A session date of 2022-02-30.", "quarantine",
         "invalid_time", _session_kind(session_date="2022-02-30")),
    Kind("session_date_day_first", "sessions", "A session date of 15/03/2021 (day first).",
         "quarantine", "invalid_time", _quoting('"15/03/2021"', _session_kind(session_date="15/03/2021"))),
    # services and groups
    Kind("orphan_service_group", "services", "group_id names a group that does not exist.",
         "quarantine", "missing_service_group", _orphan_service_group),
    Kind("service_without_group", "services", "group_id empty.", "loads",
         apply=_service_without_group),
    Kind("circular_service_groups", "service_group_names",
         "Two groups naming each other as parent (an extra field; Bizstim groups are flat).",
         "loads", apply=_circular_groups,
         dynamics=("excluded", "delivered as the service-groups CSV")),
    Kind("service_group_without_name", "service_group_names", "A group whose name is blank.",
         "excluded", "a group without a name cannot be a category", _group_without_name,
         dynamics=("excluded", "delivered as the service-groups CSV")),
    Kind("negative_service_cost", "services", "A service costing -10.00.", "loads",
         apply=_negative_service_cost),
    Kind("service_name_244_chars", "services",
         "A service name of 244 characters, and a session of it.", "loads",
         apply=_service_name_244_chars, dynamics=("quarantine", "value_too_long")),
    Kind("service_cost_with_thousands_separator", "services",
         "A service costing \"1,250.00\" (not loaded as a product without a price).", "quarantine",
         "invalid_amount", _unreadable_service_cost),
    Kind("service_without_name", "services", "A service with an empty name.", "loads",
         apply=_service_without_name),
    # files
    Kind("file_name_with_dot_dot_slash", "client_files", "A file named ../../../etc/passwd.",
         "loads", apply=_file_kind(True, file_name="../../../etc/passwd")),
    Kind("file_name_with_unicode_and_tabs", "client_files",
         "A file name with a tab, accents and an emoji.", "loads",
         apply=_file_kind(True, file_name="résumé\tfinal 📎 (v2).pdf",
                          content_type="application/pdf")),
    Kind("zero_byte_file", "client_files", "An empty file.", "loads",
         apply=_file_kind(True, content=b"", file_name="empty.txt")),
    Kind("file_without_content_type", "client_files", "No content type.", "loads",
         apply=_file_kind(True, content_type="", file_name="mystery.bin")),
    Kind("huge_file", "client_files", "A file one byte over Freshsales' 25 MiB.", "quarantine",
         "file_too_large", _huge_file),
    Kind("file_name_300_chars", "client_files", "A file name of 300 characters.", "quarantine",
         "file_name_too_long", _file_kind(False, file_name="scan-" + "x" * 291 + ".pdf")),
    Kind("file_bytes_missing", "client_files", "Listed, but its bytes answer 404.", "quarantine",
         "file_not_fetched", _file_kind(False, content=None)),
    Kind("orphan_file_client", "client_files",
         "Listed under a client but naming one that does not exist.", "quarantine", "orphan_file",
         _file_kind(False, listed_elsewhere=True)),
    # people
    Kind("orphan_staff_user", "staffs", "A staff member whose users_id names no user.", "excluded",
         "provisioning queue", _orphan_staff_user),
)

KINDS_BY_NAME = {kind.name: kind for kind in KINDS}


def apply_corpus(live: LiveTenant, kinds: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """Apply every kind (or the named ones) to the account, in order; answers
    {kind: {"object", "outcome", "reason", "ids", ...}}."""
    names = list(KINDS_BY_NAME) if kinds is None else list(kinds)
    unknown = [name for name in names if name not in KINDS_BY_NAME]
    if unknown:
        raise ValueError(f"unknown corpus kinds: {', '.join(unknown)}")
    builder = CorpusBuilder(live)
    applied = {}
    with live.edit_lock:
        for name in names:
            kind = KINDS_BY_NAME[name]
            builder.kind = name
            result = kind.apply(builder)
            applied[name] = {**kind.describe(), "holds": {}, **result}
    return applied
