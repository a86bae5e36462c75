"""Mart rows shaped into Freshsales's flat form, with the ids they point to.

Parent ids come from the ledger (the runner passes them to `write`; verify
asks for them here); account-specific ids (won stage, currencies, activity
type) from AccountSettings. A row that cannot be shaped (a currency the
account has not enabled, a file missing from the workspace) raises
LookupError with the reason, and the writer records it as failed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from load.freshsales import fields, objects
from load.freshsales.account import AccountSettings
from load.ledger import Ledger
from load.model import ObjectSpec


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


class RowShaper:
    def __init__(self, con: duckdb.DuckDBPyConnection, account: AccountSettings,
                 files_dir: Path | None) -> None:
        self.con = con
        self.account = account
        self.files_dir = files_dir

    def _pairs(self, sql: str) -> dict[str, str]:
        return {str(k): v for k, v in self.con.execute(sql).fetchall()}

    def product_codes(self) -> dict[str, str]:
        return self._pairs("select bizstim_product_key, product_code "
                           f"from {objects.PRODUCTS.mart}")

    def category_names(self) -> dict[str, str]:
        return self._pairs("select bizstim_service_group_id, name "
                           f"from {objects.PRODUCT_CATEGORIES.mart}")

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
        name = spec.name
        contact = None
        if "bizstim_client_id" in row and name != "contacts":
            contact = parent_ids.get("contacts", {}).get(str(row["bizstim_client_id"]))
            if contact is None:
                return None
        if name == "contacts":
            return fields.contact_from_row(row)
        if name == "products":
            flat = fields.product_from_row(row)
            flat["unit_price"] = _number(flat.get("unit_price"))
            if flat.get("cf_default_practitioner_wage") is not None:
                flat["cf_default_practitioner_wage"] = _number(flat["cf_default_practitioner_wage"])
            return flat
        if name == "deals":
            return self._deal(row, contact, parent_ids.get("products", {}))
        if name in ("notes", "payment_notes"):
            return fields.note_from_row(row, contact)
        if name == "documents":
            return fields.document_from_row(row, contact) | {"sha256": row.get("sha256")}
        if name == "activities":
            return self._activity(row, contact)
        raise ValueError(f"no shape for {name}")

    def _deal(self, row: dict[str, Any], contact: str,
              product_ids: dict[str, str]) -> dict[str, Any]:
        currency = self.account.currencies.get(row.get("currency_code"))
        if currency is None:
            raise LookupError(f"currency {row.get('currency_code')!r} is not enabled in the "
                              "Freshsales account (Admin Settings > Currencies)")
        pipeline, stage = self.account.won_stage
        lines = []
        for line in row.get("products") or []:
            product = product_ids.get(str(line["bizstim_product_key"]))
            if product is None:
                raise LookupError(f"product {line['bizstim_product_key']} is not in Freshsales")
            lines.append({"id": product, "quantity": line["quantity"],
                          "unit_price": _number(line["unit_price"])})
        flat = {
            "name": row["name"], "amount": _number(row["amount"]), "currency_id": currency,
            "deal_pipeline_id": pipeline, "deal_stage_id": stage,
            "closed_date": row.get("closed_date"), "owner_id": row.get("owner_id"),
            "contact_ids": [contact],
            "products": sorted(lines, key=lambda p: (p["id"], str(p["quantity"]),
                                                     str(p["unit_price"]))) or None,
        }
        return flat | {k: v for k, v in row.items() if k.startswith(fields.CUSTOM_PREFIX)}

    def _activity(self, row: dict[str, Any], contact: str) -> dict[str, Any]:
        outcome = self.account.confirmed_outcome if row.get("is_confirmed") else None
        return {
            "title": row["title"], "notes": row.get("notes"),
            "start_date": row["start_date"], "end_date": row["end_date"],
            "owner_id": row.get("owner_id"),
            "sales_activity_type_id": self.account.activity_type,
            "sales_activity_outcome_id": outcome,
            "targetable_type": "Contact", "targetable_id": contact,
        }
