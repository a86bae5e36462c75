"""The loader's public face: what the CLI, the demo and the benchmarks use.

    from load import open_writer, Runner, DestinationError

- `open_writer(destination, con)`: the destination's `Writer`, configured from
  the environment (credentials never leave it);
- `Runner(con, writer)`: load (full, delta, sample, dry run, resume), verify and
  rollback, with the ledger;
- `gate_problems(...)`: why the marts may not be loaded yet;
- the errors (`load.errors`): a `DestinationError` stops a run cleanly and the
  same command resumes it; `DestinationConfigError` and `LoadRefused` say what
  to fix first;
- what the admin must create (`freshsales_custom_fields`, `dynamics_custom_columns`,
  the product categories), read from the mart contracts.

Names are imported when first used, so `import load` stays cheap for the CLI.
"""

from __future__ import annotations

import importlib
from typing import Any

from load.errors import (AmbiguousWrite, ApiError, AuthError, DestinationConfigError,
                         DestinationError, GaveUp, JobTimedOut, LoadRefused)

_WHERE = {
    "DESTINATIONS": ("load.destinations", "DESTINATIONS"),
    "open_writer": ("load.destinations", "open_writer"),
    "Writer": ("load.model", "Writer"),
    "ObjectSpec": ("load.model", "ObjectSpec"),
    "Runner": ("load.runner", "Runner"),
    "Observer": ("load.runner", "Observer"),
    "LoadReport": ("load.runner", "LoadReport"),
    "VerifyReport": ("load.runner", "VerifyReport"),
    "RollbackReport": ("load.runner", "RollbackReport"),
    "Ledger": ("load.ledger", "Ledger"),
    "PhaseLine": ("load.ledger", "PhaseLine"),
    "gate_problems": ("load.gate", "gate_problems"),
    "contracts": ("load.contract", "contracts"),
    "project_dir": ("load.contract", "project_dir"),
    "freshsales_custom_fields": ("load.freshsales.preflight", "required_fields"),
    "freshsales_category_field": ("load.freshsales.preflight", "category_field"),
    "freshsales_category_names": ("load.freshsales.preflight", "category_names"),
    "dynamics_custom_columns": ("load.dynamics.preflight", "required_columns"),
    "estimate": ("load.estimate", None),
}

__all__ = ["AmbiguousWrite", "ApiError", "AuthError", "DestinationConfigError",
           "DestinationError", "GaveUp", "JobTimedOut", "LoadRefused", *_WHERE]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'load' has no attribute {name!r}")
    module, attribute = _WHERE[name]
    found = importlib.import_module(module)
    value = found if attribute is None else getattr(found, attribute)
    globals()[name] = value
    return value
