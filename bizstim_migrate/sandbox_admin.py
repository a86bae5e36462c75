"""The customer's admin, played on the sandbox: what the preflight asks an admin
to create by hand (custom fields, category choices, custom columns and keys),
created through the sandbox's control surface. Only for the demo and tests:
on a real account a person does this in the admin UI, and the tool refuses to
call anything but a loopback sandbox here."""

from __future__ import annotations

from typing import Mapping
from urllib.parse import urlparse

import duckdb
import requests

CONTROL = "/__sandbox__"


def _control(base_url: str) -> str:
    host = urlparse(base_url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise RuntimeError(f"{base_url} is not a local sandbox: an admin sets a real account up")
    return base_url.rstrip("/") + CONTROL


def _post(url: str, body: dict) -> None:
    response = requests.post(url, json=body, timeout=30)
    if response.status_code >= 400 and "already" not in response.text:
        raise RuntimeError(f"sandbox control {url.rsplit('/', 1)[-1]}: {response.text[:300]}")


def set_up_freshsales(env: Mapping[str, str], con: duckdb.DuckDBPyConnection | None = None
                      ) -> list[str]:
    """Create every custom field the marts use, and the product category choices
    the marts name (when they are built). Returns what was done."""
    from load import freshsales_category_field as category_field
    from load import freshsales_category_names as category_names
    from load import freshsales_custom_fields as required_fields

    control = _control(env["FRESHSALES_BASE_URL"])
    existing = requests.get(f"{control}/records/fields", timeout=30).json()
    have = {(f.get("entity") or f.get("base_model", "").lower() + "s", f.get("name"))
            for f in existing} if isinstance(existing, list) else set()
    done = []
    for field in required_fields(con):
        if (field.entity, field.name) in have:
            continue
        _post(f"{control}/fields", {"entity": field.entity, "name": field.name,
                                    "label": field.name[3:].replace("_", " ").capitalize(),
                                    "type": field.field_type, "unique": field.unique})
        done.append(f"field {field.describe()}")
    if con is not None:
        names = category_names(con)
        if names:
            _post(f"{control}/choices", {"entity": "products", "field": category_field(),
                                         "choices": names})
            done.append(f"{len(names)} product category choices")
    return done


def set_up_dynamics(env: Mapping[str, str], con: duckdb.DuckDBPyConnection | None = None
                    ) -> list[str]:
    """Create every custom column and alternate key the marts use (and, once they
    are built, the ones the confirmed field map re-points)."""
    from load import dynamics_custom_columns as required_columns

    control = _control(env["DYNAMICS_BASE_URL"])
    prefix = env.get("DYNAMICS_PUBLISHER_PREFIX") or "new_"
    done = []
    for column in required_columns(prefix, con):
        _post(f"{control}/attributes", {"entity": column.table,
                                        "logical_name": column.logical_name,
                                        "type": column.attribute_type,
                                        "alternate_key": column.alternate_key})
        done.append(column.describe())
    return done
