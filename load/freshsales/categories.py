"""Product categories: the choices of a product picklist field (the contract's
`choices`), which only an admin can add (Admin Settings > Product fields). The
load checks each category is a choice and writes nothing; the preflight lists
the missing ones, and `sandbox admin` plays the admin."""

from __future__ import annotations

from typing import Any

from load.freshsales import fields, preflight
from load.freshsales.account import AccountSettings
from load.freshsales.rows import RowShaper
from load.ledger import RecordResult
from load.model import ObjectSpec, WriteBatch

OBJECT = "product_categories"


class CategoryChoices:
    def __init__(self, account: AccountSettings, shaper: RowShaper) -> None:
        self.account = account
        self.shaper = shaper
        self.known: dict[str, dict[str, Any]] = {}  # Bizstim key -> {id, name}

    @staticmethod
    def _name_field():
        (name,) = fields.shape(OBJECT).written()
        return name

    def _choices(self) -> dict[str, str]:
        """Category name -> choice id."""
        return self.account.category_choices(preflight.category_field())

    def prepare(self, spec: ObjectSpec) -> None:
        name = self._name_field()
        names = self.shaper.keys_by_field(spec, name)
        choices = self._choices()
        self.known = {k: {"id": choices[n], name.field: n}
                      for k, n in names.items() if n in choices}

    def lookup(self, keys: list[str]) -> dict[str, str]:
        return {k: str(self.known[k]["id"]) for k in keys if k in self.known}

    def read(self, destination_id: str) -> dict[str, Any] | None:
        by_id = {v: n for n, v in self._choices().items()}
        if destination_id not in by_id:
            return None
        return {self._name_field().field: by_id[destination_id]}

    def differences(self, row: dict[str, Any], record: dict[str, Any]
                    ) -> dict[str, tuple[Any, Any]]:
        name = self._name_field()
        return fields.differences({name.field: row[name.column]}, record)

    def check(self, batch: WriteBatch) -> list[RecordResult]:
        """Unchanged when the choice exists, else failed with what the admin must add."""
        name = self._name_field()
        results = []
        for row in batch.rows:
            key = str(row[batch.spec.key])
            if key in self.known:
                results.append(RecordResult(key, "unchanged", str(self.known[key]["id"]),
                                            batch.hashes[key]))
            else:
                results.append(RecordResult(
                    key, "failed", payload_hash=batch.hashes[key],
                    error=f"the product field {preflight.category_field()!r} has no choice "
                          f"{row[name.column]!r}: add it in Admin Settings > Product fields"))
        return results
