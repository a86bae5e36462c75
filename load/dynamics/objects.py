"""What the Dynamics writer loads, in load order: for each phase, the mart it
reads, the Dataverse table it writes, how a record is named (alternate key,
an id derived from the Bizstim key, or the id itself) and every mart column's
Dataverse column.

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
from dataclasses import dataclass, field
from typing import Any

from load.dynamics import settings
from load.dynamics.preflight import logical_name
from load.model import ObjectSpec, ParentRef

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
    column: str  # mart column ("" for a constant)
    attribute: str  # Dataverse column (for a lookup: the lookup column)
    kind: str = "text"  # text | money | int | bool | datetime | date | lookup | state
    via: str | None = None  # lookups: id | parent:<object> | currency | unit:<column>
    target: str | None = None  # lookups: the target table
    nav: str | None = None  # lookups: the navigation property (default: attribute)
    create_only: bool = False  # sent only when the record is created
    write: bool = True  # False: compared by verify only (the service derives it)
    constant: Any = None  # a value that is not in the mart
    states: dict[Any, tuple[int, int]] | None = None  # kind state: mart value -> pair
    read_as: str | None = None  # compared with another column (overriddencreatedon)

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


LINE_FIELDS = (
    Field("line_productdescription", "productdescription"),
    Field("line_isproductoverridden", "isproductoverridden", "bool"),
    Field("line_quantity", "quantity", "money"),
    Field("line_priceperunit", "priceperunit", "money"),
    Field("", "ispriceoverridden", "bool", constant=True),
)


def _people(prefix: str, entity: str) -> tuple[Field, ...]:
    fields = [
        Field("bizstim_client_id", logical_name(prefix, "bizstim_client_id")),
        Field("firstname", "firstname"), Field("lastname", "lastname"),
        Field("emailaddress1", "emailaddress1"), Field("emailaddress2", "emailaddress2"),
        Field("telephone1", "telephone1"), Field("mobilephone", "mobilephone"),
        Field("address1_line1", "address1_line1"), Field("address1_line2", "address1_line2"),
        Field("address1_city", "address1_city"),
        Field("address1_stateorprovince", "address1_stateorprovince"),
        Field("address1_postalcode", "address1_postalcode"),
        Field("address1_country", "address1_country"),
        Field("owner_systemuserid", "ownerid", "lookup", via="id", target="systemuser"),
        Field("bizstim_status", logical_name(prefix, "bizstim_status")),
        Field("availability_slot_data", logical_name(prefix, "availability_slot_data")),
    ]
    if entity == "contact":
        fields.append(Field("telephone2", "telephone2"))
    else:
        fields.append(Field("subject", "subject"))
    return tuple(fields)


def _regarding(attribute: str, nav: str) -> tuple[Field, ...]:
    return (
        Field("regarding_contact_id", attribute, "lookup", via="parent:contacts",
              target="contact", nav=nav.format(target="contact")),
        Field("regarding_lead_id", attribute, "lookup", via="parent:leads", target="lead",
              nav=nav.format(target="lead")),
    )


def object_maps(prefix: str, batch_size: int | None = None) -> list[ObjectMap]:
    """Every phase in load order."""

    def spec(name, mart, key, parents=(), size=settings.MAX_BULK_RECORDS, label=""):
        return ObjectSpec(name, f"dynamics.{mart}", key, tuple(parents),
                          batch_size or size, label)

    custom = lambda column: logical_name(prefix, column)  # noqa: E731
    to_contacts = ParentRef("regarding_contact_id", "contacts")
    to_leads = ParentRef("regarding_lead_id", "leads")
    return [
        ObjectMap(
            spec("systemusers", "dynamics__systemuser_updates", "systemuserid",
                 label="System users (custom columns)"),
            "systemuser", "systemusers", "systemuserid", "id", (
                Field("practitioner_wage", custom("practitioner_wage"), "money"),
                Field("bizstim_role", custom("bizstim_role")),
                Field("staff_type", custom("staff_type")),
                Field("bizstim_staff_id", custom("bizstim_staff_id")),
                Field("bizstim_practitioner_ids", custom("bizstim_practitioner_ids")),
                Field("bizstim_person_key", custom("bizstim_person_key")),
            ), update_only=True),
        ObjectMap(
            spec("unit_groups", "dynamics__unit_groups", "bizstim_unit_group_key",
                 label="Unit group"),
            "uomschedule", "uomschedules", "uomscheduleid", "uuid", (
                Field("name", "name"), Field("baseuomname", "baseuomname"),
                Field("description", "description"),
            ), bulk="uomschedule" in settings.BULK_MESSAGE_TABLES, adopt_by_name=True),
        ObjectMap(
            spec("price_lists", "dynamics__price_lists", "bizstim_price_list_key",
                 label="Price list"),
            "pricelevel", "pricelevels", "pricelevelid", "uuid", (
                Field("name", "name"), Field("description", "description"),
                Field("currency_code", "transactioncurrencyid", "lookup", via="currency",
                      target="transactioncurrency"),
            ), bulk="pricelevel" in settings.BULK_MESSAGE_TABLES, adopt_by_name=True),
        ObjectMap(
            spec("products", "dynamics__products", "bizstim_service_id",
                 [ParentRef("bizstim_unit_group_key", "unit_groups")], label="Products"),
            "product", "products", "productid", "key", (
                Field("bizstim_service_id", custom("bizstim_service_id")),
                Field("name", "name"), Field("productnumber", "productnumber"),
                Field("description", "description"),
                Field("service_group_id", custom("service_group_id")),
                Field("service_session_count", custom("service_session_count"), "int"),
                Field("default_practitioner_wage", custom("default_practitioner_wage"),
                      "money"),
                Field("quantitydecimal", "quantitydecimal", "int"),
                Field("bizstim_unit_group_key", "defaultuomscheduleid", "lookup",
                      via="parent:unit_groups", target="uomschedule"),
                Field("default_unit_name", "defaultuomid", "lookup",
                      via="unit:bizstim_unit_group_key", target="uom"),
                Field("is_active", "statecode", "state", states={True: (0, 1), False: (1, 2)}),
            ), key_attribute=custom("bizstim_service_id"),
            bulk="product" in settings.BULK_MESSAGE_TABLES),
        ObjectMap(
            spec("price_list_items", "dynamics__price_list_items", "bizstim_service_id",
                 [ParentRef("bizstim_service_id", "products"),
                  ParentRef("bizstim_price_list_key", "price_lists"),
                  ParentRef("bizstim_unit_group_key", "unit_groups")],
                 label="Price list items"),
            "productpricelevel", "productpricelevels", "productpricelevelid", "uuid", (
                Field("amount", "amount", "money"),
                Field("pricingmethodcode", "pricingmethodcode", "int"),
                Field("bizstim_price_list_key", "pricelevelid", "lookup",
                      via="parent:price_lists", target="pricelevel"),
                Field("bizstim_service_id", "productid", "lookup", via="parent:products",
                      target="product"),
                Field("unit_name", "uomid", "lookup", via="unit:bizstim_unit_group_key",
                      target="uom"),
                # the service takes the price list's currency
                Field("currency_code", "transactioncurrencyid", "lookup", via="currency",
                      target="transactioncurrency", write=False),
            ), bulk="productpricelevel" in settings.BULK_MESSAGE_TABLES),
        ObjectMap(
            spec("contacts", "dynamics__contacts", "bizstim_client_id", label="Contacts"),
            "contact", "contacts", "contactid", "key", _people(prefix, "contact"),
            key_attribute=custom("bizstim_client_id"),
            bulk="contact" in settings.BULK_MESSAGE_TABLES),
        ObjectMap(
            spec("leads", "dynamics__leads", "bizstim_client_id", label="Leads"),
            "lead", "leads", "leadid", "key", _people(prefix, "lead"),
            key_attribute=custom("bizstim_client_id"),
            bulk="lead" in settings.BULK_MESSAGE_TABLES),
        ObjectMap(
            spec("opportunities", "dynamics__opportunities", "bizstim_payment_id",
                 [ParentRef("bizstim_client_id", "contacts")],
                 label="Opportunities (closed-won, with their line)"),
            "opportunity", "opportunities", "opportunityid", "key", (
                Field("bizstim_payment_id", custom("bizstim_payment_id")),
                Field("name", "name"),
                Field("estimatedvalue", "estimatedvalue", "money"),
                Field("actualvalue", "actualvalue", "money"),
                Field("actualclosedate", "actualclosedate", "date"),
                Field("original_payment_date", custom("original_payment_date"), "date"),
                Field("original_payment_date", "overriddencreatedon", "date", create_only=True,
                      read_as="createdon"),
                Field("currency_code", "transactioncurrencyid", "lookup", via="currency",
                      target="transactioncurrency"),
                Field("owner_systemuserid", "ownerid", "lookup", via="id", target="systemuser"),
                Field("bizstim_client_id", "customerid", "lookup", via="parent:contacts",
                      target="contact", nav="customerid_contact"),
                Field("bizstim_client_id", "parentcontactid", "lookup", via="parent:contacts",
                      target="contact"),
                Field("payment_kind", custom("payment_kind")),
                Field("", "isrevenuesystemcalculated", "bool", constant=False),
            ), key_attribute=custom("bizstim_payment_id"),
            bulk="opportunity" in settings.BULK_MESSAGE_TABLES,
            extra_read=("statecode", "statuscode")),
        ObjectMap(
            spec("annotations", "dynamics__annotations", "bizstim_annotation_key",
                 [to_contacts, to_leads], label="Notes and files"),
            "annotation", "annotations", "annotationid", "key", (
                Field("bizstim_annotation_key", custom("bizstim_annotation_key")),
                Field("subject", "subject"), Field("notetext", "notetext"),
                Field("isdocument", "isdocument", "bool"),
                Field("filename", "filename"), Field("mimetype", "mimetype"),
                *_regarding("objectid", "objectid_{target}"),
                Field("overriddencreatedon", "overriddencreatedon", "datetime",
                      create_only=True, read_as="createdon"),
            ), key_attribute=custom("bizstim_annotation_key"),
            bulk="annotation" in settings.BULK_MESSAGE_TABLES,
            heavy=("documentbody",), extra_read=("filesize",)),
        ObjectMap(
            spec("appointments", "dynamics__appointments", "bizstim_session_id",
                 [to_contacts, to_leads], label="Appointments (sessions)"),
            "appointment", "appointments", "activityid", "key", (
                Field("bizstim_session_id", custom("bizstim_session_id")),
                Field("subject", "subject"), Field("description", "description"),
                Field("scheduledstart", "scheduledstart", "datetime"),
                Field("scheduledend", "scheduledend", "datetime"),
                Field("actualstart", "actualstart", "datetime"),
                Field("actualend", "actualend", "datetime"),
                Field("scheduledstart", "overriddencreatedon", "datetime", create_only=True,
                      read_as="createdon"),
                Field("owner_systemuserid", "ownerid", "lookup", via="id", target="systemuser"),
                *_regarding("regardingobjectid", "regardingobjectid_{target}_appointment"),
                Field("", "statecode", "state", constant=settings.APPOINTMENT_COMPLETED),
            ), key_attribute=custom("bizstim_session_id"),
            bulk="appointment" in settings.BULK_MESSAGE_TABLES),
    ]


@dataclass
class Prepared:
    """What prepare() read for one phase."""

    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> record
    keys: set[str] = field(default_factory=set)  # keys asked for
    ledger_keys: set[str] = field(default_factory=set)  # keys the ledger knows
    resumed: set[str] = field(default_factory=set)  # pending keys found by lookup()
    lines: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # opportunity id -> lines
