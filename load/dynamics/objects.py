"""What the Dynamics writer loads, in load order: for each phase, the mart it
reads, the Dataverse table it writes and how a record is named (alternate key,
an id derived from the Bizstim key, or the id itself). Which mart column fills
which Dataverse column is the mart contract's `meta` (load/contract.py); a
`Field` is one of those, as the writer sends it.

A `Field` maps one mart column; `via` says how a lookup's target is found:
- "id": the mart holds the target's guid (owners: resolved system users);
- "parent:<object>": the mart holds a parent's Bizstim key; the runner's
  ledger gives its id;
- "currency": the mart holds an ISO code (transactioncurrencies);
- "unit:<column>": the mart holds a unit name inside the unit group whose
  Bizstim key is in <column>.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from load.contract import DestinationField, Model, contracts, mapped_fields
from load.dynamics import settings
from load.model import ObjectSpec, ParentRef


def logical_name(prefix: str, name: str) -> str:
    """A custom column's logical name: the publisher prefix and the contract's
    field name (bizstimclientid -> new_bizstimclientid)."""
    return prefix + name.replace("_", "")

# entity sets of the tables a lookup may point at
ENTITY_SETS = {
    "systemuser": "systemusers", "team": "teams", "contact": "contacts", "lead": "leads",
    "account": "accounts", "transactioncurrency": "transactioncurrencies",
    "uomschedule": "uomschedules", "uom": "uoms", "pricelevel": "pricelevels",
    "product": "products", "productpricelevel": "productpricelevels",
    "opportunity": "opportunities", "opportunityproduct": "opportunityproducts",
    "annotation": "annotations", "appointment": "appointments",
}


@dataclass(frozen=True)
class Field:
    column: str  # mart column
    attribute: str  # Dataverse column (for a lookup: the lookup column)
    kind: str = "text"  # text | money | int | bool | datetime | date | lookup | state
    via: str | None = None  # lookups: id | parent:<object> | currency | unit:<column>
    target: str | None = None  # lookups: the target table
    nav: str | None = None  # lookups: the navigation property (default: attribute)
    create_only: bool = False  # sent only when the record is created
    write: bool = True  # False: compared by verify only (the service derives it)
    states: dict[Any, tuple[int, int]] | None = None  # kind state: mart value -> pair
    read_as: str | None = None  # compared with another column (overriddencreatedon)
    json_key: str | None = None  # the mart column is a JSON object: this key's value

    @property
    def read_names(self) -> tuple[str, ...]:
        """The columns a read shows this field under."""
        if self.read_as:
            return (self.read_as,)
        if self.kind == "lookup":
            return (f"_{self.attribute}_value",)
        if self.kind == "state":
            return ("statecode", "statuscode")
        return (self.attribute,)

    @property
    def nav_name(self) -> str:
        return self.nav or self.attribute


@dataclass(frozen=True)
class ObjectMap:
    spec: ObjectSpec
    logical: str  # table logical name
    entity_set: str
    primary_id: str
    address: str  # key (alternate key) | uuid (id derived from the key) | id (the key is the id)
    fields: tuple[Field, ...]
    key_attribute: str | None = None  # the alternate-key column (address "key")
    bulk: bool = False  # UpsertMultiple is available
    update_only: bool = False  # never created (system users)
    adopt_by_name: bool = False  # reuse a record of the same name the customer already has
    heavy: tuple[str, ...] = ()  # columns read only for the records that need them
    extra_read: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.spec.name

    def select(self, heavy: bool = False) -> list[str]:
        """Columns a snapshot reads (lookups as `_x_value`)."""
        names = [self.primary_id, "versionnumber"]
        if self.key_attribute:
            names.append(self.key_attribute)
        for f in self.fields:
            for name in f.read_names:
                if name in self.heavy and not heavy:
                    continue
                names.append(name)
        names += list(self.extra_read)
        if heavy:
            names += list(self.heavy)
        return list(dict.fromkeys(names))

    def derived_id(self, key: str) -> str:
        return str(uuid.uuid5(settings.ID_NAMESPACE, f"{self.logical}:{key}"))

    def address_of(self, key: str, known_id: str | None = None) -> str:
        """The URL naming the record, relative to the API base."""
        if known_id:
            return f"{self.entity_set}({known_id})"
        if self.address == "key":
            from load.dynamics.odata import by_key

            return by_key(self.entity_set, self.key_attribute, key)
        if self.address == "uuid":
            return f"{self.entity_set}({self.derived_id(key)})"
        return f"{self.entity_set}({key})"


def line_id(payment_key: str) -> str:
    """The id of an opportunity's (one) line, derived from the payment."""
    return str(uuid.uuid5(settings.ID_NAMESPACE, f"opportunityproduct:{payment_key}"))


def fields_of(model: Model, prefix: str, record: str | None = None) -> tuple[Field, ...]:
    """The contract's destination fields of a mart, as the writer sends them
    (custom columns under the publisher prefix)."""
    found = []
    for f in model.fields(record):
        if f.is_field_map:  # its fields are in the data: see mapped_fields_of
            continue
        found.append(Field(
            f.column, logical_name(prefix, f.field) if f.is_custom else f.field,
            f.kind if f.kind in ("lookup", "state") else f.value, via=f.via, target=f.target,
            nav=f.nav, create_only=f.create_only, write=f.write, states=f.states,
            read_as=f.read_as))
    return tuple(found)


def mapped_fields_of(model: Model, prefix: str, con: Any) -> tuple[Field, ...]:
    """The custom columns the confirmed field map re-points, each a text field read
    from its key of the field-map column (empty before the marts are built)."""
    if con is None:
        return ()
    return tuple(Field(f.column, logical_name(prefix, name), f.value if f.value != "field_map"
                       else "text", json_key=name)
                 for f, name in mapped_fields(con, "dynamics") if f.model == model.name)


def key_attribute(model: Model, prefix: str) -> str | None:
    key = model.key_field
    return None if key is None else logical_name(prefix, key.field) if key.is_custom \
        else key.field


def line_map() -> ObjectMap:
    """An opportunity's line: the mart columns the contract gives the
    opportunityproduct record, written under an id derived from the payment."""
    model = contracts("dynamics")["dynamics__opportunities"]
    return ObjectMap(
        ObjectSpec("opportunity_lines", "dynamics.dynamics__opportunities", "bizstim_payment_id"),
        "opportunityproduct", "opportunityproducts", "opportunityproductid", "uuid",
        fields_of(model, "", record="opportunityproduct"),
        bulk="opportunityproduct" in settings.BULK_MESSAGE_TABLES)


@dataclass(frozen=True)
class Table:
    """Where a phase writes, and how its records are named: not mapping (the
    contract says which columns go where), the table's own API facts."""

    name: str
    mart: str
    key: str  # the mart column holding the Bizstim key
    logical: str
    entity_set: str
    primary_id: str
    address: str  # key | uuid | id
    label: str
    parents: tuple[ParentRef, ...] = ()
    update_only: bool = False
    adopt_by_name: bool = False
    heavy: tuple[str, ...] = ()
    extra_read: tuple[str, ...] = ()


TO_PEOPLE = (ParentRef("regarding_contact_id", "contacts"), ParentRef("regarding_lead_id", "leads"))
# every phase in load order
TABLES = (
    Table("systemusers", "dynamics__systemuser_updates", "systemuserid", "systemuser",
          "systemusers", "systemuserid", "id", "System users (custom columns)",
          update_only=True),
    Table("unit_groups", "dynamics__unit_groups", "bizstim_unit_group_key", "uomschedule",
          "uomschedules", "uomscheduleid", "uuid", "Unit group", adopt_by_name=True),
    Table("price_lists", "dynamics__price_lists", "bizstim_price_list_key", "pricelevel",
          "pricelevels", "pricelevelid", "uuid", "Price list", adopt_by_name=True),
    Table("products", "dynamics__products", "bizstim_service_id", "product", "products",
          "productid", "key", "Products",
          parents=(ParentRef("bizstim_unit_group_key", "unit_groups"),)),
    Table("price_list_items", "dynamics__price_list_items", "bizstim_service_id",
          "productpricelevel", "productpricelevels", "productpricelevelid", "uuid",
          "Price list items",
          parents=(ParentRef("bizstim_service_id", "products"),
                   ParentRef("bizstim_price_list_key", "price_lists"),
                   ParentRef("bizstim_unit_group_key", "unit_groups"))),
    Table("contacts", "dynamics__contacts", "bizstim_client_id", "contact", "contacts",
          "contactid", "key", "Contacts"),
    Table("leads", "dynamics__leads", "bizstim_client_id", "lead", "leads", "leadid", "key",
          "Leads"),
    Table("opportunities", "dynamics__opportunities", "bizstim_payment_id", "opportunity",
          "opportunities", "opportunityid", "key",
          "Opportunities (closed-won, with their line)",
          parents=(ParentRef("bizstim_client_id", "contacts"),),
          extra_read=("statecode", "statuscode")),
    Table("annotations", "dynamics__annotations", "bizstim_annotation_key", "annotation",
          "annotations", "annotationid", "key", "Notes and files", parents=TO_PEOPLE,
          heavy=("documentbody",), extra_read=("filesize",)),
    Table("appointments", "dynamics__appointments", "bizstim_session_id", "appointment",
          "appointments", "activityid", "key", "Appointments (sessions)", parents=TO_PEOPLE),
)


def object_maps(prefix: str, batch_size: int | None = None, con: Any = None
                ) -> list[ObjectMap]:
    """Every phase in load order, its fields read from the mart contracts (and, with
    the warehouse, the custom fields the confirmed field map re-points)."""
    declared = contracts("dynamics")
    maps = []
    for table in TABLES:
        model = declared[table.mart]
        spec = ObjectSpec(table.name, f"dynamics.{table.mart}", table.key, table.parents,
                          batch_size or settings.MAX_BULK_RECORDS, table.label)
        maps.append(ObjectMap(
            spec, table.logical, table.entity_set, table.primary_id, table.address,
            fields_of(model, prefix) + mapped_fields_of(model, prefix, con),
            key_attribute=key_attribute(model, prefix),
            bulk=table.logical in settings.BULK_MESSAGE_TABLES,
            update_only=table.update_only, adopt_by_name=table.adopt_by_name,
            heavy=table.heavy, extra_read=table.extra_read))
    return maps


def custom_columns(prefix: str, con: Any = None) -> list[tuple[str, DestinationField]]:
    """(table logical name, field) of every custom column the marts fill: those
    the contracts name, and (`con`: the marts built) those the field map re-points."""
    declared = contracts("dynamics")
    tables = {table.mart: table.logical for table in TABLES}
    found = [(table.logical, f) for table in TABLES for f in declared[table.mart].fields()
             if f.is_custom and not f.is_field_map]
    if con is not None:
        found += [(tables[f.model], replace(f, field=name))
                  for f, name in mapped_fields(con, "dynamics")]
    return found


@dataclass
class Prepared:
    """What prepare() read for one phase."""

    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> record
    keys: set[str] = field(default_factory=set)  # keys asked for
    lines: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # opportunity id -> lines
