"""Mart rows shaped into Freshsales's flat form, with the ids they point to.

Which column lands in which field is the contract's (fields.py); this module
resolves what a lookup names to an id: parents from the ledger (the runner
passes them to `write`; verify asks for them here), account-specific ids (the
deal stage, currencies, activity type and outcome, by the names the marts
carry) from AccountSettings. A row that cannot be shaped (a currency the
account has not enabled, a file missing from the workspace) raises LookupError
with the reason, and the writer records it as failed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from load.contract import DestinationField
from load.freshsales import fields, settings
from load.freshsales.account import AccountSettings
from load.ledger import Ledger
from load.model import ObjectSpec


class MissingParent(LookupError):
    """A parent record the ledger does not know."""

    def __init__(self, parent: str, key: Any) -> None:
        super().__init__(f"its {parent[:-1]} {key} is not in Freshsales")
        self.parent = parent


class RowShaper:
    def __init__(self, con: duckdb.DuckDBPyConnection, account: AccountSettings,
                 files_dir: Path | None) -> None:
        self.con = con
        self.account = account
        self.files_dir = files_dir

    def _pairs(self, sql: str) -> dict[str, str]:
        return {str(k): v for k, v in self.con.execute(sql).fetchall()}

    def keys_by_field(self, spec: ObjectSpec, f: DestinationField) -> dict[str, str]:
        """Bizstim key -> the value of one contract field (e.g. the product code a
        product is found by, a category's name)."""
        return self._pairs(f"select {spec.key}, {f.column} from {spec.mart}")

    def parent_ids_for(self, spec: ObjectSpec) -> dict[str, dict[str, str]]:
        ledger = Ledger(self.con)
        return {p.parent: {k: v[0] for k, v in ledger.current("freshsales", p.parent).items()}
                for p in spec.parents}

    def file_path(self, row: dict[str, Any]) -> Path:
        stored = row.get("stored_path")
        if not stored or self.files_dir is None:
            raise LookupError("the file's content was not extracted (no stored path)")
        root = self.files_dir.resolve()
        path = (root / stored).resolve()
        if root not in path.parents:
            raise LookupError(f"the stored path {stored!r} leaves the workspace's files folder")
        if not path.is_file():
            raise LookupError(f"the file's content is missing from {root}: extract again")
        return path

    def flat(self, spec: ObjectSpec, row: dict[str, Any],
             parent_ids: dict[str, dict[str, str]]) -> dict[str, Any] | None:
        """The record as Freshsales should hold it. None when a parent is missing
        (verify only: the runner never writes such a row)."""
        try:
            return fields.from_row(spec.name, row, self._resolver(parent_ids))
        except MissingParent as missing:
            # a record whose contact is not in Freshsales (verify: the runner never
            # writes such a row); a missing product fails the deal with its reason
            if missing.parent == "contacts":
                return None
            raise

    def _resolver(self, parent_ids: dict[str, dict[str, str]]):
        def resolve(f: DestinationField, value: Any) -> Any:
            via = str(f.via)
            if via.startswith("parent:"):
                parent = via.split(":", 1)[1]
                found = parent_ids.get(parent, {}).get(str(value))
                if found is None:
                    raise MissingParent(parent, value)
                return found
            if via == "currency":
                found = self.account.currencies.get(value)
                if found is None:
                    raise LookupError(f"currency {value!r} is not enabled in the Freshsales "
                                      "account (Admin Settings > Currencies)")
                return found
            if via == "deal_stage":
                pipeline, stage = self.account.stage(str(value))
                return {f.field: stage, settings.STAGE_PIPELINE_FIELD: pipeline}
            if via in settings.NAMED_SELECTORS:
                return self.account.named(settings.NAMED_SELECTORS[via], str(value))
            raise ValueError(f"{f.model}.{f.column}: unknown lookup {via!r}")
        return resolve
