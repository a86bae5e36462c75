"""A loopback simulator of Dynamics 365 Sales (Dataverse Web API v9.2) and its Entra ID token endpoint."""

from __future__ import annotations

from typing import Any

__all__ = ["DynamicsSandbox"]


def __getattr__(name: str) -> Any:
    # Imported lazily so `python -m sandbox.dynamics.server` does not import the
    # server module twice (runpy warns when the package already holds it).
    if name == "DynamicsSandbox":
        from sandbox.dynamics.server import DynamicsSandbox

        return DynamicsSandbox
    raise AttributeError(name)
