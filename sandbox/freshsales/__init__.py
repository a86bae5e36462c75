"""A loopback simulator of the Freshsales (Freshworks CRM) REST API, for tests and benchmarks."""

from __future__ import annotations

from typing import Any

__all__ = ["FreshsalesSandbox"]


def __getattr__(name: str) -> Any:
    # Imported lazily so `python -m sandbox.freshsales.server` does not import the
    # server module twice (runpy warns when the package already holds it).
    if name == "FreshsalesSandbox":
        from sandbox.freshsales.server import FreshsalesSandbox

        return FreshsalesSandbox
    raise AttributeError(name)
