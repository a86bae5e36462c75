"""Files attached to a contact, account, deal or product.

    POST   /api/documents   multipart/form-data: file (required), file_name, is_shared,
                            targetable_type (Contact|SalesAccount|Deal|Product), targetable_id
                            -> 200 {"document": {"id", "file_name", "content_type", "file_size",
                                    "is_shared", "targetable_type", "targetable_id",
                                    "created_at", "updated_at"}}
    GET    /api/documents/:id  -> 200 {"document": {...}}
    DELETE /api/documents/:id  -> 200 true

The bytes are kept (the control surface hands them back, for verification);
uploads count against the account's storage, which scales with the plan
(assumed figures, settings.py).
"""

from __future__ import annotations

import hashlib
from typing import Callable

from sandbox.freshsales import multipart, settings
from sandbox.freshsales.errors import ApiError, invalid, not_found
from sandbox.freshsales.records import Records
from sandbox.freshsales.routing import Call, Router, ok
from sandbox.freshsales.store import Record, as_id
from sandbox.http_util import Response, json_body


class DocumentRoutes:
    def __init__(self, records: Records, storage_limit: Callable[[], int]) -> None:
        self.records = records
        self.storage_limit = storage_limit

    def register(self, router: Router) -> None:
        router.add("POST", "documents", self._upload)
        router.add("GET", "documents/:id", self._read)
        router.add("DELETE", "documents/:id", self._delete)

    def used_bytes(self) -> int:
        return sum(d.get("file_size") or 0 for d in self.records.store.all("documents"))

    def _upload(self, call: Call) -> Response:
        content_type = call.request.headers.get("content-type", "")
        try:
            form = multipart.parse(content_type, call.request.body)
        except ValueError as exc:
            raise invalid(str(exc)) from None
        upload = form.get("file")
        if not isinstance(upload, multipart.Upload):
            raise invalid("file is required (a multipart file part named 'file')")
        if len(upload.data) > settings.FILE_MAX_BYTES:
            raise invalid(settings.MESSAGE_FILE_TOO_LARGE.format(limit=settings.FILE_MAX_BYTES))
        name = form.get("file_name") if isinstance(form.get("file_name"), str) and form["file_name"] else \
            upload.filename
        payload = {"file_name": name, "is_shared": form.get("is_shared", "false"),
                   "targetable_type": form.get("targetable_type"), "targetable_id": form.get("targetable_id")}
        with self.records.store.lock:
            if self.used_bytes() + len(upload.data) > self.storage_limit():
                raise ApiError(settings.STATUS_STORAGE_FULL, settings.MESSAGE_STORAGE_FULL)
            record = self.records.create("documents", payload, call.actor_id)
            record = {**record, "content_type": upload.content_type, "file_size": len(upload.data),
                      "_sha256": hashlib.sha256(upload.data).hexdigest(), "_data": upload.data}
            self.records.store.put("documents", record)
        return ok({"document": self.records.render("documents", record)}, settings.STATUS_CREATED)

    def _read(self, call: Call) -> Response:
        return ok({"document": self.records.render("documents", self._get(call))})

    def _delete(self, call: Call) -> Response:
        self.records.delete("documents", self._get(call)["id"])
        return Response(200, json_body(settings.DELETE_BODY))

    def _get(self, call: Call) -> Record:
        record = self.records.store.get("documents", as_id(call.params["id"]))
        if record is None:
            raise not_found()
        return record
