"""People working in Bizstim while an extraction reads it, on cue.

A live edit deletes and/or adds records of one object right after the API has
served a list page of that object (the page at `after_start`, or any page
when it is None), so a test can make "a payment deleted on page 1 while the
extraction reads page 2" happen exactly when it must. Switched on through
`BizstimSandbox.set_live_edits` or `POST /__sandbox__/live_edits`
`{"edits": [{...}, ...]}` (`[]` clears them); `GET /__sandbox__/live_edits`
answers the edits still armed and what each firing did.

Settings of an edit:
- `object`: the object whose list page fires it (and whose records it edits);
- `after_start`: the offset of the page (as requested) that fires it; None:
  every page of the object;
- `after_path`: instead of a list page, the single read at this API path
  (`client_files/17`, `availability/4`) fires it, once it has answered 200
  (e.g. a client deleted after its files were listed, before their bytes);
- `after_pages`: fire only from the N-th page of the object served since the
  edit was armed (1: the first), whatever its offset (with one request in
  flight, "after page 2" whatever the page size the reader chose);
- `delete_ids`: ids deleted when it fires (those still there);
- `delete_offsets`: the records at these offsets of the list (as it is when
  the edit fires) are deleted too, so an edit that fires again deletes again;
- `add`: records added when it fires (new ids, at the end of the list, as a
  live Bizstim appends them);
- `times`: how many times it fires (default 1); then it is disarmed.

The edit is applied after the page's body is built and before it is sent, so
the page shows the account as it was, and every request answered after it
sees the edit. A deleted client takes its files with it, as `touch` does:
`client_files/{id}` and `client_file/{id}` answer 404 from then on, while the
list page just served still shows the client.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import Any

from sandbox.bizstim import settings
from sandbox.bizstim.state import LiveTenant
from sandbox.bizstim.touch import touch


@dataclass
class LiveEdit:
    object: str
    after_start: int | None = None
    after_path: str | None = None
    after_pages: int | None = None
    delete_ids: tuple[str, ...] = ()
    delete_offsets: tuple[int, ...] = ()
    add: int = 0
    times: int = 1
    served: int = 0  # pages of the object served since armed

    @classmethod
    def from_dict(cls, spec: dict[str, Any]) -> "LiveEdit":
        unknown = set(spec) - set(cls.__dataclass_fields__) | ({"served"} & set(spec))
        if unknown:
            raise ValueError(f"unknown live edit settings: {', '.join(sorted(unknown))}")
        values = dict(spec)
        values["delete_ids"] = tuple(str(v) for v in values.get("delete_ids") or ())
        values["delete_offsets"] = tuple(int(v) for v in values.get("delete_offsets") or ())
        edit = cls(**values)
        if edit.object not in settings.TOUCHABLE_OBJECTS:
            raise ValueError(f"cannot edit {edit.object!r}; editable: "
                             f"{', '.join(settings.TOUCHABLE_OBJECTS)}")
        if edit.after_start is not None and int(edit.after_start) < 0:
            raise ValueError("after_start must be >= 0 (or null for every page)")
        if edit.after_pages is not None and int(edit.after_pages) < 1:
            raise ValueError("after_pages must be >= 1 (or null)")
        if int(edit.add) < 0 or int(edit.times) < 1 or min(edit.delete_offsets, default=0) < 0:
            raise ValueError("add and offsets must be >= 0, times >= 1")
        return edit

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        del data["served"]
        data["delete_ids"] = list(self.delete_ids)
        data["delete_offsets"] = list(self.delete_offsets)
        return data


@dataclass
class LiveEdits:
    """The armed edits of a sandbox and the log of what they did."""

    armed: list[LiveEdit] = field(default_factory=list)
    fired: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def replace(self, specs: list[dict[str, Any]]) -> None:
        parsed = [LiveEdit.from_dict(spec) for spec in specs]
        with self._lock:
            self.armed[:] = parsed
            self.fired.clear()

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {"armed": [e.as_dict() for e in self.armed], "fired": list(self.fired)}

    def page_served(self, live: LiveTenant, obj: str, start: int) -> None:
        """Fire the edits armed for this page of `obj` (called once per page served)."""
        if not self.armed:
            return
        with self._lock:
            due = []
            for edit in self.armed:
                if edit.object != obj or edit.after_path is not None:
                    continue
                edit.served += 1
                if edit.after_start is not None and int(edit.after_start) != start:
                    continue
                if edit.after_pages is not None and edit.served < int(edit.after_pages):
                    continue
                due.append(edit)
            self._fire(live, due, start)

    def read_served(self, live: LiveTenant, path: str) -> None:
        """Fire the edits armed for this single read (`method/param`, answered 200)."""
        if not self.armed:
            return
        with self._lock:
            self._fire(live, [e for e in self.armed if e.after_path == path], None)

    def _fire(self, live: LiveTenant, due: list[LiveEdit], start: int | None) -> None:
        for edit in due:
            fired = _apply(live, edit, start)
            if edit.after_path is not None:
                fired["after_path"] = edit.after_path
            self.fired.append(fired)
            edit.times -= 1
            if edit.times <= 0:
                self.armed.remove(edit)


def _apply(live: LiveTenant, edit: LiveEdit, start: int | None) -> dict[str, Any]:
    with live.edit_lock:
        doomed = list(edit.delete_ids)
        total = live.total(edit.object)
        doomed += [live.page(edit.object, offset, 1)[0]["id"]
                   for offset in edit.delete_offsets if offset < total]
        deleted = [rid for rid in dict.fromkeys(doomed) if live.delete(edit.object, rid)]
        added = touch(live, edit.object, added=int(edit.add))["added"] if edit.add else []
    return {"object": edit.object, "after_start": start, "deleted": deleted, "added": added}
