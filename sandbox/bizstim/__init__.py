"""A loopback simulator of Bizstim's REST API, for tests and benchmarks."""

from __future__ import annotations

from typing import Any

__all__ = ["BizstimSandbox"]


def __getattr__(name: str) -> Any:
    # Imported lazily so `python -m sandbox.bizstim.server` does not import the
    # server module twice (runpy warns when the package already holds it).
    if name == "BizstimSandbox":
        from sandbox.bizstim.server import BizstimSandbox

        return BizstimSandbox
    raise AttributeError(name)
