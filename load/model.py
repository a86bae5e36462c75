"""What the runner needs to know about a destination, and what a writer does.

The runner is destination-agnostic: phases, ledger, modes (full, delta,
sample, dry run, resume), reconciliation lines, verify and rollback live in
`runner.py`. A destination package (`load/freshsales/`, `load/dynamics/`)
provides a `Writer` (the base class below declares every capability the
runner uses): the objects in load order, and how to write, find, read, delete
and restore one kind of record through its API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from abc import ABC, abstractmethod
from typing import Any

from load.errors import ApiError
from load.ledger import RecordResult


@dataclass(frozen=True)
class ParentRef:
    """A mart column holding the Bizstim key of a record of an earlier phase.

    The runner resolves it to that record's destination id (through the
    ledger) and passes the ids to the writer; a sample load pulls the parents
    of every sampled record in."""

    column: str
    parent: str  # the parent's ObjectSpec.name
    required: bool = True
    # for a column holding a list of dicts (e.g. a deal's product lines): the
    # dict key that holds the parent's Bizstim key
    item_key: str | None = None

    def keys_in(self, row: dict[str, Any]) -> list[str]:
        """The parent keys a row refers to through this column."""
        value = row.get(self.column)
        if value is None:
            return []
        if self.item_key is None:
            return [str(value)]
        return [str(item[self.item_key]) for item in value
                if isinstance(item, dict) and item.get(self.item_key) is not None]


@dataclass(frozen=True)
class ObjectSpec:
    name: str  # ledger object name, e.g. "contacts"
    mart: str  # schema-qualified table the rows come from
    key: str  # the mart column holding the Bizstim key (the external id)
    parents: tuple[ParentRef, ...] = ()
    batch_size: int = 100
    label: str = ""  # what a person calls it, e.g. "Contacts (with availability)"


@dataclass
class WriteBatch:
    """Rows of one object to write, with what the runner already knows."""

    spec: ObjectSpec
    rows: list[dict[str, Any]]  # mart rows (payload columns and the key)
    hashes: dict[str, str]  # source key -> payload hash
    existing: dict[str, str]  # source key -> id of a record an earlier run wrote
    parent_ids: dict[str, dict[str, str]] = field(default_factory=dict)  # parent -> key -> id
    # source key -> id of a record this run created before it was killed (its
    # answer never reached the ledger): write it again as an update of that
    # record, and still call it created
    resumed: dict[str, str] = field(default_factory=dict)


class Writer(ABC):
    """A destination's writer: every capability the runner uses, declared here.
    The abstract ones each destination must provide; the others have a default
    that is correct but slow (a request per record), which a writer overrides
    where its API can do better."""

    destination: str

    @abstractmethod
    def objects(self) -> list[ObjectSpec]:
        """Every object in dependency (load) order."""

    @abstractmethod
    def account(self) -> str:
        """Which account the credentials reach, as the destination names it (the
        ledger is bound to it, so a workspace pointed at another account notices)."""

    @abstractmethod
    def preflight(self) -> list[str]:
        """Problems that must stop a load (missing custom fields, bad credentials…),
        each a sentence an admin can act on. Empty when all is ready."""

    @abstractmethod
    def before_images(self, spec: ObjectSpec, ids: dict[str, str | None]
                      ) -> dict[str, dict[str, Any]]:
        """source key -> the fields a write will change, as the destination holds them
        now, for records a write may update (the ledger keeps them before the write
        is sent, so a rollback restores them even after a crash). An id is None for a
        record no ledger row names: the writer returns its image when the destination
        already holds a record with that key (found by prepare()), else nothing. No
        version fields: a restore puts these back and the check compares them."""

    @abstractmethod
    def write(self, batch: WriteBatch) -> list[RecordResult]:
        """Create or update every row; one result per row (failed ones with the
        destination's message). Never raises for a single bad record."""

    @abstractmethod
    def lookup(self, spec: ObjectSpec, keys: list[str]) -> dict[str, str]:
        """Destination ids of the records carrying these Bizstim keys."""

    @abstractmethod
    def read(self, spec: ObjectSpec, destination_id: str) -> dict[str, Any] | None:
        """The record as the destination holds it now (None when gone)."""

    @abstractmethod
    def version(self, record: dict[str, Any]) -> str:
        """What changes whenever anybody edits the record (e.g. updated_at)."""

    @abstractmethod
    def comparable(self, spec: ObjectSpec, row: dict[str, Any], record: dict[str, Any]
                   ) -> dict[str, tuple[Any, Any]]:
        """Fields whose mart value and destination value differ (verify)."""

    @abstractmethod
    def delete(self, spec: ObjectSpec, destination_id: str) -> None:
        """Delete one record (already gone is not an error)."""

    @abstractmethod
    def restore(self, spec: ObjectSpec, destination_id: str, before_image: dict[str, Any]
                ) -> None:
        """Put a before-image back."""

    # --- capabilities with a default ---------------------------------------------------
    @property
    def requests_sent(self) -> int | None:
        """Requests sent so far (the report's throughput), when the writer counts them."""
        return None

    def quota(self) -> tuple[int, float] | None:
        """(requests per window, window seconds) the writer paces under, if any."""
        return None

    def prepare(self, spec: ObjectSpec, keys: list[str]) -> None:
        """Called once per phase, before any write or lookup, with the keys the
        phase may write: a writer may read the destination's state for all of
        them at once (a listing is far cheaper than one read per record)."""

    def current_versions(self, spec: ObjectSpec, ids: list[str]) -> dict[str, str]:
        """Destination id -> version of those `ids` the destination still holds."""
        return versions_one_by_one(self, spec, ids)

    def dependants(self, spec: ObjectSpec, ids: list[str]) -> dict[str, list[str]]:
        """Destination id -> the records that point at it there ("annotation 1f3…"),
        for a destination that deletes them with it (Dataverse cascades). A rollback
        never deletes a record something else still points at. Default: none known."""
        return {}

    def delete_many(self, spec: ObjectSpec, ids: list[str]) -> dict[str, str]:
        """Delete in the order given; destination id -> why one could not be deleted."""
        return delete_one_by_one(self, spec, ids)


def versions_one_by_one(writer: Writer, spec: ObjectSpec, ids: list[str]) -> dict[str, str]:
    """Destination id -> version, for those of `ids` the destination still holds,
    a read per record."""
    found = {}
    for destination_id in ids:
        current = writer.read(spec, destination_id)
        if current is not None:
            found[destination_id] = writer.version(current)
    return found


def delete_one_by_one(writer: Writer, spec: ObjectSpec, ids: list[str]) -> dict[str, str]:
    """Delete in the order given, a request per record; destination id -> why not."""
    refused = {}
    for destination_id in ids:
        try:
            writer.delete(spec, destination_id)
        except ApiError as error:
            refused[destination_id] = error.message
    return refused
