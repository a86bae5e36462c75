"""The OData error every failure becomes: `{"error": {"code": "0x…", "message": …}}`."""

from __future__ import annotations

from dataclasses import dataclass, field

from sandbox.dynamics import settings


@dataclass
class ODataError(Exception):
    status: int
    code: str
    message: str
    headers: list[tuple[str, str]] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message}}


def not_found(logical_name: str, record_id: str) -> ODataError:
    """documented wording: "account With Id = <guid> Does Not Exist"."""
    return ODataError(404, settings.CODE_NOT_FOUND, f"{logical_name} With Id = {record_id} Does Not Exist")


def key_not_found(logical_name: str) -> ODataError:
    """observed wording for a missing record named by alternate key."""
    return ODataError(404, settings.CODE_NOT_FOUND,
                      f"A record with the specified key values does not exist in {logical_name} entity")


def duplicate() -> ODataError:
    """documented: 412 DuplicateRecord; observed code 0x80040237."""
    return ODataError(412, settings.CODE_DUPLICATE, "A record with matching key values already exists.")


def payload_error(entity_set: str, inner: str) -> ODataError:
    """observed: 400 0x80048d19 with the OData reader's message inside."""
    return ODataError(400, settings.CODE_INVALID_PAYLOAD,
                      settings.PAYLOAD_ERROR_PREFIX.format(entity_set=entity_set) + inner)


def unknown_property(entity_set: str, logical_name: str, prop: str) -> ODataError:
    return payload_error(
        entity_set,
        f"The property '{prop}' does not exist on type '{settings.SERVICE_NAMESPACE}.{logical_name}'. "
        "Make sure to only use property names that are defined by the type or mark the type as open type.")


def bad_query(message: str) -> ODataError:
    return ODataError(400, settings.CODE_BAD_QUERY, message)


def segment_not_found(segment: str) -> ODataError:
    """observed: an unknown entity set or function."""
    return ODataError(404, settings.CODE_BAD_QUERY, f"Resource not found for the segment '{segment}'.")


def method_not_allowed(method: str, what: str) -> ODataError:
    return ODataError(405, settings.CODE_BAD_QUERY, f"The HTTP method '{method}' is not allowed on {what}.")
