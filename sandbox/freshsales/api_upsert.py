"""Upsert, bulk upsert (a background job), bulk delete, job status.

    POST /api/<obj>/upsert       {"unique_identifier": {<field>: value}, "<singular>": {...}}
                                 -> 201 {"<singular>": {...}} created | 200 updated
    POST /api/<obj>/bulk_upsert  {"<obj>": [{<field>: value, "data": {...}}, ...]}   (at most 100)
                                 -> 200 {"job_status_url": "<api base>/job_statuses/<id>"}
    GET  /api/job_statuses/:id   -> 200 {"job_status": {"id", "status": "in_progress"|"completed",
                                    "entity", "total", "processed", "success_count", "created_count",
                                    "updated_count", "failure_count",
                                    "failures": [{"index", "unique_identifier", "errors": [...]}],
                                    "created_at", "updated_at", "completed_at"}}
    POST /api/<obj>/bulk_destroy {"selected_ids": [...]}  -> 200 {"message": "..."}
    POST /api/cpq/products/products_bulk_delete {"selected_ids": [...]}  (same)

<obj> is contacts, deals or sales_accounts.
"""

from __future__ import annotations

from typing import Callable

from sandbox.freshsales import settings
from sandbox.freshsales.entities import ENTITIES
from sandbox.freshsales.errors import invalid, not_found
from sandbox.freshsales.jobs import BulkJobs
from sandbox.freshsales.records import Records
from sandbox.freshsales.routing import Call, Router, ok
from sandbox.freshsales.store import as_id
from sandbox.freshsales.upsert import upsert
from sandbox.http_util import Response


class UpsertRoutes:
    def __init__(self, records: Records, jobs: BulkJobs, job_delay: Callable[[int], float]) -> None:
        self.records = records
        self.jobs = jobs
        self.job_delay = job_delay  # records in a job -> real seconds until it runs

    def register(self, router: Router) -> None:
        for obj in settings.UPSERT_OBJECTS:
            route = ENTITIES[obj].route
            router.add("POST", f"{route}/upsert", self._upsert(obj))
            router.add("POST", f"{route}/bulk_upsert", self._bulk_upsert(obj))
            router.add("POST", f"{route}/bulk_destroy", self._bulk_destroy(obj))
        router.add("POST", f"{ENTITIES['products'].route}/products_bulk_delete", self._bulk_destroy("products"))
        router.add("GET", f"{settings.JOB_STATUS_PATH}/:id", self._job_status)

    def _upsert(self, obj: str):
        singular = ENTITIES[obj].singular

        def handle(call: Call) -> Response:
            body = call.object_body()
            if "unique_identifier" not in body:
                raise invalid("unique_identifier is required")
            record, created = upsert(self.records, obj, body["unique_identifier"], body.get(singular),
                                     call.actor_id)
            status = settings.STATUS_UPSERT_CREATED if created else settings.STATUS_UPSERT_UPDATED
            return ok({singular: self.records.render(obj, record, ("products",))}, status)
        return handle

    def _bulk_upsert(self, obj: str):
        def handle(call: Call) -> Response:
            items = call.object_body().get(obj)
            if not isinstance(items, list) or not items:
                raise invalid(f'the body must hold a non-empty list: {{"{obj}": [{{<identifier>: value, '
                              f'"data": {{...}}}}]}}')
            if len(items) > settings.BULK_UPSERT_MAX:
                raise invalid(settings.MESSAGE_BULK_TOO_MANY.format(limit=settings.BULK_UPSERT_MAX,
                                                                    count=len(items)))
            job = self.jobs.submit(obj, items, call.actor_id, self.job_delay(len(items)))
            return ok({"job_status_url": f"{call.base_url}/{settings.JOB_STATUS_PATH}/{job.id}"})
        return handle

    def _job_status(self, call: Call) -> Response:
        job_id = as_id(call.params["id"])
        job = None if job_id is None else self.jobs.get(job_id)
        if job is None:
            raise not_found("Job not found")
        return ok(job.body())

    def _bulk_destroy(self, obj: str):
        def handle(call: Call) -> Response:
            ids = call.object_body().get("selected_ids")
            if not isinstance(ids, list) or not ids:
                raise invalid('the body must hold {"selected_ids": [ids]}')
            if len(ids) > settings.BULK_DESTROY_MAX:
                raise invalid(settings.MESSAGE_BULK_TOO_MANY.format(limit=settings.BULK_DESTROY_MAX,
                                                                    count=len(ids)))
            with self.records.store.lock:
                for value in ids:
                    if self.records.store.exists(obj, value):
                        self.records.delete(obj, value)
            return ok({"message": settings.BULK_DESTROY_MESSAGE})
        return handle
