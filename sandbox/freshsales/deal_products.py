"""Products on a deal, and a product's prices per currency (CPQ).

A deal's `products` list (assumed shape, settings.DEAL_PRODUCT_FIELDS) is
replaced as a whole by each write that carries it; every line must name an
existing product. A product's `product_pricings` (documented) price it per
currency code, which must be one of the account's currencies.
"""

from __future__ import annotations

from typing import Any

from sandbox.freshsales import settings
from sandbox.freshsales.errors import Problems
from sandbox.freshsales.fields import check_value
from sandbox.freshsales.store import Store, as_id


def normalise(store: Store, lines: Any, problems: Problems) -> list[dict[str, Any]]:
    if lines is None:
        return []
    if not isinstance(lines, list):
        problems.add("products must be a list of {id, quantity, unit_price, discount}")
        return []
    result = []
    for line in lines:
        if not isinstance(line, dict):
            problems.add(f"a product line must be an object, got {line!r}")
            continue
        product = store.get("products", as_id(line.get("id")))
        if product is None:
            problems.add(settings.MESSAGE_INVALID_REFERENCE.format(label="Product", value=line.get("id")))
            continue
        unknown = set(line) - set(settings.DEAL_PRODUCT_FIELDS)
        if unknown:
            problems.add(f"Unknown product line attributes {sorted(unknown)}")
        quantity = check_value("number", "Quantity", line.get("quantity", 1), problems)
        if quantity is not None and quantity <= 0:
            problems.add(f"Quantity must be greater than 0, got {quantity}")
        price = line.get("unit_price")
        if price is None:
            pricings = product.get("product_pricings") or []
            price = pricings[0]["unit_price"] if pricings else 0
        unit_price = check_value("number", "Unit price", price, problems)
        discount = check_value("number", "Discount", line.get("discount", 0), problems)
        result.append({"id": product["id"], "name": product["name"], "quantity": quantity,
                       "unit_price": unit_price, "discount": discount,
                       "billing_cycle": line.get("billing_cycle")})
    return result


def pricings(store: Store, items: Any, problems: Problems) -> list[dict[str, Any]]:
    if items is None:
        return []
    if not isinstance(items, list):
        problems.add("product_pricings must be a list of {currency_code, unit_price}")
        return []
    codes = {c["currency_code"]: c["id"] for c in store.all("currencies")}
    result = []
    for item in items:
        code = item.get("currency_code") if isinstance(item, dict) else None
        if code not in codes:
            problems.add(settings.MESSAGE_INVALID_REFERENCE.format(label="Currency", value=code))
            continue
        price = check_value("number", "Unit price", item.get("unit_price"), problems)
        if price is None and item.get("unit_price") is None:
            problems.add(settings.MESSAGE_REQUIRED.format(label="Unit price"))
        result.append({"currency_code": code, "currency_id": codes[code], "unit_price": price})
    return result
