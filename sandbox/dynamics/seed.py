"""What a fresh Dynamics 365 Sales environment holds before the migration starts.

- users: the built-in SYSTEM and INTEGRATION users, the application user the
  app registration runs as (applicationid = client id, access mode 4
  "non-interactive"), and the people the customer's IT provisioned in Entra ID
  (constructor argument; the default six share the Bizstim tenant's domain,
  one of them with odd capitals, to test e-mail matching);
- one currency, USD, the base currency;
- the Sales app's "Default Unit" unit group with its base unit "Primary Unit".
All assumed (settings.py), created through the same write path as the API.
"""

from __future__ import annotations

from typing import Any

from sandbox.dynamics import settings
from sandbox.dynamics.records import Context, Records


def normalise_users(users: list[Any] | tuple[Any, ...] | None) -> list[dict[str, Any]]:
    """Users given as e-mail strings or dicts -> dicts with first/last name and e-mail."""
    if users is None:
        return [dict(u) for u in settings.DEFAULT_USERS]
    result = []
    for user in users:
        if isinstance(user, str):
            local = user.split("@", 1)[0]
            first, _, last = local.replace("_", ".").partition(".")
            result.append({"firstname": first.title(), "lastname": (last or first).title(),
                           "internalemailaddress": user})
        elif isinstance(user, dict):
            if not user.get("internalemailaddress"):
                raise ValueError(f"a user needs internalemailaddress: {user!r}")
            result.append(dict(user))
        else:
            raise TypeError(f"a user is an e-mail string or a dict, got {user!r}")
    return result


class Seeder:
    def __init__(self, records: Records, api_base: str) -> None:
        self.records = records
        self.api_base = api_base

    def _put_extra(self, table: str, row_id: str, values: dict[str, Any]) -> None:
        store = self.records.store
        row = dict(store.get(table, row_id) or {})
        row.update(values)
        store.put(table, row_id, row)

    def run(self, users: list[dict[str, Any]], client_id: str, system_user_id: str,
            app_user_id: str) -> dict[str, str]:
        """Create the seed records; returns the ids worth knowing."""
        records = self.records
        schema = records.schema
        system = Context(system_user_id, self.api_base, internal=True)
        systemusers = schema.tables["systemuser"]
        ids: dict[str, str] = {}
        for index, spec in enumerate(settings.SYSTEM_USERS):
            body = {"systemuserid": system_user_id if index == 0 else records.ids.new(),
                    "lastname": spec["fullname"], "accessmode": spec["accessmode"]}
            row = records.create(systemusers, body, system)
            self._put_extra("systemuser", row["systemuserid"], {"isdisabled": spec["isdisabled"]})
        first, _, last = settings.APPLICATION_USER_NAME.partition(" ")
        records.create(systemusers, {
            "systemuserid": app_user_id, "firstname": first, "lastname": last, "accessmode": 4,
            "applicationid": client_id, "azureactivedirectoryobjectid": records.ids.new(),
        }, system)
        self._put_extra("systemuser", app_user_id, {"isdisabled": False})
        for user in users:
            email = user["internalemailaddress"]
            body = {"firstname": user.get("firstname"), "lastname": user.get("lastname"),
                    "internalemailaddress": email, "domainname": user.get("domainname", email),
                    "azureactivedirectoryobjectid": user.get("azureactivedirectoryobjectid") or records.ids.new(),
                    "accessmode": user.get("accessmode", 0)}
            if user.get("title"):
                body["title"] = user["title"]
            row = records.create(systemusers, body, system)
            self._put_extra("systemuser", row["systemuserid"], {"isdisabled": bool(user.get("isdisabled", False))})
            ids.setdefault("first_person", row["systemuserid"])
        currency = records.create(schema.tables["transactioncurrency"], dict(settings.BASE_CURRENCY), system)
        ids["base_currency"] = currency["transactioncurrencyid"]
        group, unit = settings.DEFAULT_UNIT_GROUP
        schedule = records.create(schema.tables["uomschedule"], {"name": group, "baseuomname": unit}, system)
        ids["default_unit_group"] = schedule["uomscheduleid"]
        return ids
