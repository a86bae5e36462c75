"""Contacts and deals in bulk: `bulk_upsert` jobs by the Bizstim key, and the
list views that tell which destination record each key became.

A bulk upsert answers with a job to poll; the job reports failures by index
but not the ids it created. So after a job the writer pages through the
object's views, newest update first, until it has seen every key the job
wrote: one request per hundred records instead of one per record.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

from load.freshsales import settings
from load.errors import JobTimedOut
from load.freshsales.client import FreshsalesClient


@dataclass
class JobOutcome:
    failures: dict[int, str]  # index in the request -> the destination's message
    created: int
    updated: int
    submitted_at: datetime | None  # the destination's clock: records it wrote are newer


def run_bulk_upsert(client: FreshsalesClient, obj: str, key_field: str,
                    items: list[tuple[str, dict[str, Any]]]) -> JobOutcome:
    """Upsert up to BULK_UPSERT_RECORDS records and wait for the job to finish."""
    body = {obj: [{key_field: key, "data": data} for key, data in items]}
    # the key names the record, so sending it twice never makes two
    answer = client.post(f"{obj}/bulk_upsert", body, idempotent=True)
    url = (answer or {}).get("job_status_url")
    if not url:
        raise RuntimeError(f"Freshsales accepted a bulk upsert of {obj} without a job to follow")
    status = _wait(client, url)
    failures = {}
    for failure in status.get("failures") or []:
        errors = failure.get("errors") or []
        failures[int(failure.get("index", -1))] = "; ".join(str(e) for e in errors) or "rejected"
    return JobOutcome(failures, int(status.get("created_count") or 0),
                      int(status.get("updated_count") or 0), parse_time(status.get("created_at")))


def parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _wait(client: FreshsalesClient, url: str) -> dict[str, Any]:
    pause = settings.JOB_POLL_FIRST_SECONDS * min(1.0, client.config.window_seconds / 3600.0)
    waited = 0.0
    while True:
        status = client.get(url).get("job_status") or {}
        if status.get("status") == "completed":
            return status
        if waited > settings.JOB_MAX_WAIT_SECONDS:
            raise JobTimedOut(f"The Freshsales bulk job at {url.rsplit('/', 1)[-1]} did not "
                              f"finish in {settings.JOB_MAX_WAIT_SECONDS:.0f} s")
        time.sleep(pause)
        waited += pause
        pause = min(pause * settings.JOB_POLL_GROWTH, settings.JOB_POLL_MAX_SECONDS)


class Views:
    """Paging through an object's list views (contacts, deals)."""

    def __init__(self, client: FreshsalesClient) -> None:
        self.client = client
        self._ids: dict[str, list[str]] = {}

    def view_ids(self, obj: str) -> list[str]:
        if obj not in self._ids:
            wanted = settings.CONTACT_VIEWS if obj == "contacts" else settings.DEAL_VIEWS
            filters = self.client.get(f"{obj}/filters").get("filters", [])
            by_name = {f.get("name"): str(f.get("id")) for f in filters}
            missing = [name for name in wanted if name not in by_name]
            if missing:
                raise LookupError(f"Freshsales has no {obj} view named {missing}: the writer "
                                  "lists records through them (load/freshsales/settings.py)")
            self._ids[obj] = [by_name[name] for name in wanted]
        return self._ids[obj]

    def records(self, obj: str, updated_since: datetime | None = None
                ) -> Iterator[dict[str, Any]]:
        """Every record of the views; with `updated_since`, newest update first and
        only down to that instant (a second of slack for clock rounding)."""
        params: dict[str, Any] = {"per_page": settings.PER_PAGE}
        floor = None
        if updated_since is not None:
            params |= {"sort": "updated_at", "sort_type": "desc"}
            floor = updated_since - timedelta(seconds=1)
        for view_id in self.view_ids(obj):
            page = 1
            while True:
                answer = self.client.get(f"{obj}/view/{view_id}", {**params, "page": page})
                older = False
                for record in answer.get(obj, []):
                    stamp = parse_time(record.get("updated_at"))
                    if floor is not None and stamp is not None and stamp < floor:
                        older = True
                        break
                    yield record
                if older or page >= int((answer.get("meta") or {}).get("total_pages") or 0):
                    break
                page += 1


def key_of(record: dict[str, Any], key_field: str) -> str | None:
    value = (record.get("custom_field") or {}).get(key_field)
    return None if value is None else str(value)
