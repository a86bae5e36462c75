"""Bulk upsert jobs: accepted at once, run in the background, polled.

`POST /api/<obj>/bulk_upsert` answers with a job status URL; the records are
written when the job runs, a few (time-scaled) seconds later, by one worker
thread (or at once by `run_all`, or by a poll that finds the job due).
Each item is `{<one identifier>: value, "data": {…}}` and succeeds or fails
on its own. The job status body is assumed (settings.py): counts and the
failed items with their errors, no per-record ids.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from sandbox.freshsales import settings
from sandbox.freshsales.errors import ApiError
from sandbox.freshsales.records import Records, stamp, utc_now
from sandbox.freshsales.upsert import upsert


@dataclass
class Job:
    id: int
    obj: str
    items: list[Any]
    actor_id: int
    due: float  # monotonic seconds
    created_at: str
    status: str = settings.JOB_STATUS_IN_PROGRESS
    updated_at: str = ""
    completed_at: str | None = None
    created: int = 0
    updated: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        done = self.status == settings.JOB_STATUS_COMPLETED
        return {"job_status": {
            "id": self.id, "status": self.status, "entity": self.obj, "total": len(self.items),
            "processed": len(self.items) if done else 0,
            "success_count": self.created + self.updated, "created_count": self.created,
            "updated_count": self.updated, "failure_count": len(self.failures),
            "failures": [dict(f) for f in self.failures],
            "created_at": self.created_at, "updated_at": self.updated_at or self.created_at,
            "completed_at": self.completed_at,
        }}


class BulkJobs:
    def __init__(self, records: Records, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.records = records
        self._monotonic = monotonic
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self.reset()

    def reset(self) -> None:
        with self._cond:
            self._jobs: dict[int, Job] = {}
            self._ids = itertools.count(1)

    # --- the API's side -------------------------------------------------------------

    def submit(self, obj: str, items: list[Any], actor_id: int, delay_seconds: float) -> Job:
        with self._cond:
            job = Job(next(self._ids), obj, items, actor_id, self._monotonic() + max(0.0, delay_seconds),
                      stamp(utc_now()))
            self._jobs[job.id] = job
            self._cond.notify_all()
            return job

    def get(self, job_id: int) -> Job | None:
        with self._cond:
            job = self._jobs.get(job_id)
        if job is not None and job.status != settings.JOB_STATUS_COMPLETED and job.due <= self._monotonic():
            self._run(job)  # the worker may lag behind a poll; the poll sees what is due
        return job

    def all(self) -> list[Job]:
        with self._cond:
            return list(self._jobs.values())

    def pending(self) -> int:
        with self._cond:
            return sum(j.status != settings.JOB_STATUS_COMPLETED for j in self._jobs.values())

    def run_all(self) -> int:
        """Run every pending job now (tests); returns how many ran."""
        ran = 0
        for job in self.all():
            ran += self._run(job)
        return ran

    # --- the worker ---------------------------------------------------------------------

    def start(self) -> None:
        with self._cond:
            if self._thread is not None:
                return
            self._stopping = False
            self._thread = threading.Thread(target=self._loop, name="freshsales-bulk-jobs", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        with self._cond:
            thread, self._thread = self._thread, None
            self._stopping = True
            self._cond.notify_all()
        if thread is not None:
            thread.join(timeout=5)

    def _loop(self) -> None:
        while True:
            with self._cond:
                if self._stopping:
                    return
                waiting = [j for j in self._jobs.values() if j.status != settings.JOB_STATUS_COMPLETED]
                now = self._monotonic()
                due = [j for j in waiting if j.due <= now]
                if not due:
                    timeout = min((j.due for j in waiting), default=now + 1.0) - now
                    self._cond.wait(timeout=max(0.001, min(timeout, 1.0)))
                    continue
            for job in sorted(due, key=lambda j: j.due):
                self._run(job)

    def _run(self, job: Job) -> int:
        with self.records.store.lock:  # one job at a time, atomically against the API's writes
            if job.status == settings.JOB_STATUS_COMPLETED:
                return 0
            for index, item in enumerate(job.items):
                self._item(job, index, item)
            job.status = settings.JOB_STATUS_COMPLETED
            job.completed_at = job.updated_at = stamp(utc_now())
            return 1

    def _item(self, job: Job, index: int, item: Any) -> None:
        identifier: Any = None
        try:
            if not isinstance(item, dict):
                raise ApiError(settings.STATUS_VALIDATION, "each item must be a JSON object")
            identifier = {k: v for k, v in item.items() if k != "data"}
            _, created = upsert(self.records, job.obj, identifier, item.get("data"), job.actor_id)
        except ApiError as exc:
            job.failures.append({"index": index, "unique_identifier": identifier, "errors": exc.messages})
            return
        if created:
            job.created += 1
        else:
            job.updated += 1
