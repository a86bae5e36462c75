"""Change an account the way people do between two extractions.

A touch changes, adds and deletes records of one object. Which records, and
how, follows from the tenant seed and the touch counter alone, so two sandboxes
with the same seed given the same touches end up identical.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sandbox.bizstim import settings
from sandbox.bizstim.state import LiveTenant

# Fields a touch may change, per object; each change is visible in the record.
MUTABLE_FIELDS = {
    "clients": ("p_phone", "email", "notes", "status", "city"),
    "practitioners": ("p_phone", "email", "status", "practitioner_wage"),
    "staffs": ("p_phone", "last_name", "city"),
    "users": ("email", "status"),
    "services": ("service_cost", "name", "service_status"),
    "service_group_names": ("name", "status"),
    "payments": ("revenue_amount", "revenue_note", "revenue_date"),
    "sessions": ("session_status", "public_note", "start_time"),
    "locations": ("p_phone", "name"),
    "discounts": ("amount", "expiry"),
    "automations": ("active", "template"),
}
# Closed value sets: a change moves to the next value.
STATUS_DOMAINS = {
    ("clients", "status"): ("active", "inactive", "prospect"),
    ("practitioners", "status"): ("active", "inactive", "contactList", "doNotHire"),
    ("users", "status"): ("active", "inactive"),
    ("services", "service_status"): ("0", "1", "2"),
    ("service_group_names", "status"): ("0", "1"),
    ("sessions", "session_status"): ("0", "1", "2", "3"),
    ("automations", "active"): ("0", "1"),
}
# Links a brand-new record cannot have yet (a new client has no settings,
# schedule or login until someone creates them).
LINKS_BLANK_ON_NEW = {
    "clients": ("users_id", "client_settings_id", "avail_id"),
    "practitioners": ("users_id", "avail_id"),
    "staffs": ("users_id",),
}
_MONEY_FIELDS = frozenset({"service_cost", "revenue_amount", "practitioner_wage", "amount"})
_DATE_FIELDS = frozenset({"revenue_date", "expiry"})


def split_count(count: int) -> tuple[int, int, int]:
    """(changed, added, deleted) for `count` edits: ~60/20/20, each >= 1 from 3 on."""
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    if count < 3:
        return count - count // 2, count // 2, 0
    added = max(1, round(count * settings.TOUCH_SHARE_ADDED))
    deleted = max(1, count - added - max(1, round(count * settings.TOUCH_SHARE_CHANGED)))
    return count - added - deleted, added, deleted


def touch(live: LiveTenant, obj: str, *, count: int | None = None, changed: int | None = None,
          added: int | None = None, deleted: int | None = None) -> dict[str, object]:
    """Edit `obj`; answer {"object", "changed": [ids], "added": [ids], "deleted": [ids]}."""
    with live.edit_lock:
        return _touch(live, obj, count, changed, added, deleted)


def _touch(live: LiveTenant, obj: str, count: int | None, changed: int | None,
           added: int | None, deleted: int | None) -> dict[str, object]:
    if obj not in settings.TOUCHABLE_OBJECTS:
        raise ValueError(f"cannot touch {obj!r}; touchable: {', '.join(settings.TOUCHABLE_OBJECTS)}")
    if count is not None:
        if any(v is not None for v in (changed, added, deleted)):
            raise ValueError("give either count or changed/added/deleted, not both")
        n_changed, n_added, n_deleted = split_count(int(count))
    else:
        n_changed, n_added, n_deleted = int(changed or 0), int(added or 0), int(deleted or 0)
    if min(n_changed, n_added, n_deleted) < 0:
        raise ValueError("changed, added and deleted must be >= 0")

    touch_no = live.touches + 1
    rng = random.Random(f"{live.tenant.seed}:touch:{touch_no}:{obj}")
    total = live.total(obj)
    if n_changed + n_deleted > total:
        raise ValueError(f"{obj} has {total} records; cannot change {n_changed} and delete {n_deleted}")
    live.touches = touch_no

    offsets = rng.sample(range(total), n_changed + n_deleted)
    picked = [live.page(obj, offset, 1)[0] for offset in offsets]
    changed_ids, deleted_ids = [], []
    for record in picked[:n_changed]:
        live.replace(obj, _changed_copy(obj, record, rng, touch_no))
        changed_ids.append(record["id"])
    for record in picked[n_changed:]:
        live.delete(obj, record["id"])
        deleted_ids.append(record["id"])

    def make(fresh_index: int, new_id: int) -> dict[str, str]:
        record = dict(live.tenant.record(obj, fresh_index))
        record["id"] = str(new_id)
        for link in LINKS_BLANK_ON_NEW.get(obj, ()):
            record[link] = ""
        return record

    added_ids = [live.add(obj, make)["id"] for _ in range(n_added)]
    return {
        "object": obj,
        "changed": sorted(changed_ids, key=int),
        "added": added_ids,
        "deleted": sorted(deleted_ids, key=int),
    }


def _changed_copy(obj: str, record: dict[str, str], rng: random.Random, touch_no: int) -> dict[str, str]:
    fields = [f for f in MUTABLE_FIELDS.get(obj, ()) if f in record]
    if not fields:  # an object without a list: change its last field's text
        fields = [list(record)[-1]]
    name = fields[int(rng.random() * len(fields))]
    new = dict(record)
    old = record[name]
    new[name] = _new_value(obj, name, old, rng, touch_no, record["id"])
    if new[name] == old:
        new[name] = f"{old} (edited {touch_no})"
    return new


def _new_value(obj: str, name: str, old: str, rng: random.Random, touch_no: int, record_id: str) -> str:
    domain = STATUS_DOMAINS.get((obj, name))
    if domain:
        position = domain.index(old) if old in domain else -1
        return domain[(position + 1) % len(domain)]
    if name.endswith("phone"):
        return f"+1 555 {100 + rng.getrandbits(16) % 900} {1000 + rng.getrandbits(16) % 9000}"
    if name == "email":
        return f"updated.{record_id}.{touch_no}@example.org"
    if name in _MONEY_FIELDS:
        cents = round(float(old or 0) * 100)
        return f"{(cents + 100 + rng.getrandbits(12)) / 100:.2f}"
    if name in _DATE_FIELDS and old:
        return (date.fromisoformat(old) + timedelta(days=30)).isoformat()
    if name == "start_time" and old:
        hours, minutes, seconds = (int(part) for part in old.split(":"))
        shifted = (hours * 60 + minutes + 30) % (24 * 60)
        return f"{shifted // 60:02d}:{shifted % 60:02d}:{seconds:02d}"
    if name == "city":
        return ("Springfield", "Austin", "Toronto", "London")[touch_no % 4] if old != "Springfield" else "Austin"
    return f"{old} (edited {touch_no})".strip()
