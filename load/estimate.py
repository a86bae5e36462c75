"""The load's estimate, before anything is extracted: requests per phase from
the Bizstim inventory's counts, and hours under the destination's quota.

Upper bounds where the count is only known after the mapping (every client
a contact, one note per client, every payment a line). `bizstim-migrate
report` sets the achieved requests per phase beside these."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class PhaseEstimate:
    phase: str  # the loader's object name
    records: int
    requests: int


def _bulk(records: int, per_request: int, overhead: int) -> int:
    """Bulk writes: a request per batch plus the batch's fixed overhead (polls, reads)."""
    return math.ceil(records / per_request) * (1 + overhead) if records else 0


def freshsales(totals: dict[str, int], files: int) -> list[PhaseEstimate]:
    from load.freshsales import settings

    clients = totals.get("clients", 0)
    payments = totals.get("payments", 0)
    per_page = settings.PER_PAGE
    bulk = settings.BULK_UPSERT_RECORDS
    return [
        # checked against the field's choices, one read
        PhaseEstimate("product_categories", totals.get("service_group_names", 0), 1),
        PhaseEstimate("products", totals.get("services", 0),
                      totals.get("services", 0) + 1),
        # a bulk job (upsert, ~2 polls, ~1 page of the view read back) per 100,
        # and the view listed once before the phase
        PhaseEstimate("contacts", clients, _bulk(clients, bulk, 3) + math.ceil(
            clients / per_page)),
        PhaseEstimate("deals", min(clients, payments), _bulk(min(clients, payments), bulk, 3)
                      + math.ceil(min(clients, payments) / per_page)),
        PhaseEstimate("notes", clients, clients),
        PhaseEstimate("documents", files, files),
        PhaseEstimate("activities", totals.get("sessions", 0), totals.get("sessions", 0)),
    ]


def dynamics(totals: dict[str, int], files: int) -> list[PhaseEstimate]:
    from load.dynamics import settings

    batch = settings.BULK_BATCH_RECORDS
    clients = totals.get("clients", 0)
    payments = totals.get("payments", 0)
    people = totals.get("practitioners", 0) + totals.get("staffs", 0)
    phases = [
        ("systemuser_updates", people), ("unit_groups", 1), ("price_lists", 1),
        ("products", totals.get("services", 0)),
        ("price_list_items", totals.get("services", 0)),
        ("contacts_and_leads", clients), ("opportunities", payments),
        ("opportunity_products", payments), ("annotations", clients + files),
        ("appointments", totals.get("sessions", 0)),
    ]
    # one bulk request (UpsertMultiple or a $batch) per batch, one read per phase
    return [PhaseEstimate(name, n, _bulk(n, batch, 0) + 1) for name, n in phases]


def hours(requests: int, per_hour: float) -> float:
    return requests / per_hour if per_hour else float("inf")


def quota_per_hour(destination: str, plan: str = "growth") -> float:
    if destination == "freshsales":
        from load.freshsales import settings

        return float(settings.PLAN_REQUESTS_PER_HOUR[plan])
    from load.dynamics import settings

    return settings.REQUESTS_PER_WINDOW * 3600.0 / settings.WINDOW_SECONDS


ESTIMATORS = {"freshsales": freshsales, "dynamics": dynamics}
