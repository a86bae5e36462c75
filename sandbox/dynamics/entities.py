"""The tables the loader writes: columns, required levels, lookups, states, keys.

Declarative on purpose: a `Table` says what the Web API accepts (columns valid
for create / update, lookup navigation properties and their targets, the
statecode/statuscode pairs) and the `Schema` holds the tables of one
environment, plus the custom columns and alternate keys its admin adds.

Sources (documented unless said): the table/column reference pages
(learn.microsoft.com/power-apps/developer/data-platform/reference/entities/…
and …/dynamics365/sales/developer/entities/…): required levels of
contact.lastname (ApplicationRequired), product.productnumber (SystemRequired),
product.defaultuomscheduleid / quantitydecimal (ApplicationRequired),
uom.uomscheduleid (SystemRequired, not valid for update), contact.statecode
(not valid for create), overriddencreatedon (valid for create only), phonecall
status reasons (2 Made / 4 Received complete a call). Navigation property names
follow the Web API conventions (`parentcustomerid_account`,
`regardingobjectid_contact_appointment`, `objectid_contact`; a custom lookup's
is its SchemaName, case and all). Assumed: which lookups cascade, remove the
link or restrict a delete (`on_delete`), and the column lists themselves
(a subset: what the migration writes and reads).
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field

from sandbox.dynamics import settings

_METADATA_NAMESPACE = uuid.UUID("6f1d3b8e-2c4a-4e43-9a55-0d1e3c9b7a21")

LOOKUP_TYPES = frozenset({"Lookup", "Owner", "Customer"})


def metadata_id(*parts: str) -> str:
    return str(uuid.uuid5(_METADATA_NAMESPACE, ".".join(parts)))


@dataclass
class Attribute:
    logical_name: str
    type: str
    required: str = "None"  # None | SystemRequired | ApplicationRequired | Recommended
    max_length: int | None = None
    create: bool = True  # IsValidForCreate
    update: bool = True  # IsValidForUpdate
    read: bool = True
    targets: tuple[str, ...] = ()
    custom: bool = False
    schema_name: str = ""
    display_name: str = ""
    format: str | None = None  # Email, DateOnly, ...
    on_delete: str = "removelink"  # lookups: what deleting the target does (cascade | removelink | restrict)
    options: tuple[int, ...] | None = None  # Picklist values (None: any integer)
    default: object = None  # value a create gets when the column is absent

    @property
    def is_lookup(self) -> bool:
        return self.type in LOOKUP_TYPES

    @property
    def value_name(self) -> str:
        """The read-only property the Web API shows a lookup as (`_x_value`)."""
        return f"_{self.logical_name}_value" if self.is_lookup else self.logical_name


@dataclass
class Key:
    logical_name: str
    schema_name: str
    attributes: tuple[str, ...]
    status: str = "Active"  # Active | Pending | Failed


@dataclass
class Table:
    logical_name: str
    entity_set: str
    primary_id: str
    primary_name: str | None
    object_type_code: int
    ownership: str = "UserOwned"  # UserOwned | OrganizationOwned | None
    is_activity: bool = False
    attributes: dict[str, Attribute] = field(default_factory=dict)
    keys: dict[str, Key] = field(default_factory=dict)
    # statecode -> (default statuscode, allowed statuscodes); empty: no state
    states: dict[int, tuple[int, frozenset[int]]] = field(default_factory=dict)
    default_state: int = 0
    # activity-party collection property and the participation masks it takes
    party_property: str | None = None
    party_targets: tuple[str, ...] = ()
    # navigation property -> (lookup attribute, target table); filled by index_navigation()
    navigation: dict[str, tuple[str, str]] = field(default_factory=dict)
    creatable: bool = True
    deletable: bool = True

    def attribute(self, name: str) -> Attribute | None:
        return self.attributes.get(name)

    def value_names(self) -> dict[str, Attribute]:
        """Readable property name -> column (lookups under `_x_value`)."""
        return {a.value_name: a for a in self.attributes.values() if a.read}

    def required_on_create(self) -> list[Attribute]:
        levels = {"SystemRequired", "ApplicationRequired"} if settings.ENFORCE_APPLICATION_REQUIRED \
            else {"SystemRequired"}
        skip = {self.primary_id, "ownerid", "statecode", "statuscode", "owneridtype"}
        return [a for a in self.attributes.values()
                if a.required in levels and a.create and a.logical_name not in skip and a.default is None]

    def index_navigation(self) -> None:
        nav: dict[str, tuple[str, str]] = {}
        for attr in self.attributes.values():
            if not attr.is_lookup or not (attr.create or attr.update):
                continue
            if attr.custom:
                nav[attr.schema_name or attr.logical_name] = (attr.logical_name, attr.targets[0])
            elif attr.type == "Owner" or len(attr.targets) == 1:
                for target in attr.targets:  # ownerid binds to /systemusers(...) or /teams(...)
                    nav.setdefault(attr.logical_name, (attr.logical_name, target))
            elif attr.logical_name == "regardingobjectid":
                for target in attr.targets:
                    nav[f"regardingobjectid_{target}_{self.logical_name}"] = (attr.logical_name, target)
            else:  # Customer and other polymorphic lookups: <attribute>_<target>
                for target in attr.targets:
                    nav[f"{attr.logical_name}_{target}"] = (attr.logical_name, target)
        self.navigation = nav

    def nav_targets(self, nav_name: str) -> list[str]:
        """Every target table a navigation property may bind to (ownerid: systemuser, team)."""
        entry = self.navigation.get(nav_name)
        if entry is None:
            return []
        attr = self.attributes[entry[0]]
        if attr.type == "Owner":
            return list(attr.targets)
        return [entry[1]]

    def status_ok(self, state: int, status: int) -> bool:
        entry = self.states.get(state)
        return entry is not None and status in entry[1]


# --- builders ------------------------------------------------------------------


def _s(name: str, length: int = 100, required: str = "None", **kw) -> Attribute:
    return Attribute(name, "String", required, max_length=length, **kw)


def _memo(name: str, length: int = 2000, **kw) -> Attribute:
    return Attribute(name, "Memo", max_length=length, **kw)


def _lookup(name: str, *targets: str, required: str = "None", kind: str = "Lookup", **kw) -> Attribute:
    return Attribute(name, kind, required, targets=tuple(targets), **kw)


def _ro(attr: Attribute) -> Attribute:
    attr.create = attr.update = False
    return attr


def _table(logical: str, entity_set: str, primary_id: str, primary_name: str | None, otc: int,
           columns: list[Attribute], *, ownership: str = "UserOwned",
           states: dict[int, tuple[int, set[int]]] | None = None, default_state: int = 0,
           activity: bool = False, party_targets: tuple[str, ...] = (), creatable: bool = True,
           deletable: bool = True) -> Table:
    table = Table(logical, entity_set, primary_id, primary_name, otc, ownership=ownership,
                  is_activity=activity, default_state=default_state, creatable=creatable,
                  deletable=deletable)
    base = [
        Attribute(primary_id, "Uniqueidentifier", "SystemRequired", update=False),
        _ro(Attribute("createdon", "DateTime")),
        _ro(Attribute("modifiedon", "DateTime")),
        Attribute("overriddencreatedon", "DateTime", update=False, format="DateOnly"),
        _ro(Attribute("versionnumber", "BigInt")),
        _ro(_lookup("createdby", "systemuser")),
        _ro(_lookup("modifiedby", "systemuser")),
        Attribute("importsequencenumber", "Integer", update=False),
    ]
    if ownership == "UserOwned":
        base.append(_lookup("ownerid", "systemuser", "team", required="SystemRequired", kind="Owner"))
    if states:
        base.append(Attribute("statecode", "State", "SystemRequired"))
        base.append(Attribute("statuscode", "Status"))
        table.states = {state: (default, frozenset(allowed)) for state, (default, allowed) in states.items()}
    for attr in base + columns:
        attr.schema_name = attr.schema_name or attr.logical_name
        attr.display_name = attr.display_name or attr.logical_name
        table.attributes[attr.logical_name] = attr
    if party_targets:
        table.party_property = f"{logical}_activity_parties"
        table.party_targets = party_targets
    table.index_navigation()
    return table


_ADDRESS = [_s("address1_line1", 250), _s("address1_line2", 250), _s("address1_city", 80),
            _s("address1_stateorprovince", 50), _s("address1_postalcode", 20), _s("address1_country", 80)]
_ACTIVE_INACTIVE = {0: (1, {1}), 1: (2, {2})}
_REGARDING = ("contact", "account", "lead", "opportunity")


def default_tables() -> dict[str, Table]:
    tables = [
        _table("systemuser", "systemusers", "systemuserid", "fullname", 8, [
            _s("firstname", 256), _s("lastname", 256, "ApplicationRequired"), _ro(_s("fullname", 200)),
            _s("internalemailaddress", 100, format="Email"), _s("domainname", 1024),
            Attribute("isdisabled", "Boolean", create=False, update=False),
            Attribute("azureactivedirectoryobjectid", "Uniqueidentifier"),
            Attribute("accessmode", "Picklist", options=(0, 1, 2, 3, 4, 5)),
            Attribute("applicationid", "Uniqueidentifier"),
            _s("title", 128), _s("mobilephone", 64), _s("address1_telephone1", 64),
        ], ownership="BusinessOwned", creatable=False, deletable=False),
        _table("transactioncurrency", "transactioncurrencies", "transactioncurrencyid", "currencyname", 9105, [
            _s("currencyname", 100, "SystemRequired"), _s("isocurrencycode", 5, "SystemRequired"),
            _s("currencysymbol", 13, "SystemRequired"), Attribute("exchangerate", "Decimal", "SystemRequired"),
            Attribute("currencyprecision", "Integer", "SystemRequired", default=2),
        ], ownership="OrganizationOwned", states=_ACTIVE_INACTIVE),
        _table("uomschedule", "uomschedules", "uomscheduleid", "name", 1056, [
            _s("name", 200, "SystemRequired"), _s("baseuomname", 100, "SystemRequired"), _memo("description"),
        ], ownership="OrganizationOwned", states=_ACTIVE_INACTIVE),
        _table("uom", "uoms", "uomid", "name", 1055, [
            _s("name", 100, "SystemRequired"),
            _lookup("uomscheduleid", "uomschedule", required="SystemRequired", update=False, on_delete="cascade"),
            Attribute("quantity", "Decimal", "SystemRequired"),
            _lookup("baseuom", "uom"),
            _ro(Attribute("isschedulebaseuom", "Boolean")),
        ], ownership="OrganizationOwned"),
        _table("pricelevel", "pricelevels", "pricelevelid", "name", 1022, [
            _s("name", 100, "SystemRequired"),
            _lookup("transactioncurrencyid", "transactioncurrency", required="SystemRequired", on_delete="restrict"),
            _memo("description"), Attribute("begindate", "DateTime"), Attribute("enddate", "DateTime"),
        ], ownership="OrganizationOwned", states={0: (100001, {100001}), 1: (100002, {100002})}),
        _table("product", "products", "productid", "name", 1024, [
            _s("name", 100, "SystemRequired"), _s("productnumber", 100, "SystemRequired"), _memo("description"),
            Attribute("price", "Money"), Attribute("standardcost", "Money"), Attribute("currentcost", "Money"),
            Attribute("quantitydecimal", "Integer", "ApplicationRequired"),
            _lookup("defaultuomscheduleid", "uomschedule", required="ApplicationRequired", on_delete="restrict"),
            _lookup("defaultuomid", "uom", required="ApplicationRequired", on_delete="restrict"),
            _lookup("pricelevelid", "pricelevel"), _lookup("parentproductid", "product"),
            _lookup("transactioncurrencyid", "transactioncurrency"),
            Attribute("productstructure", "Picklist", options=(1, 2, 3), default=1),
            Attribute("producttypecode", "Picklist"),
            Attribute("validfromdate", "DateTime"), Attribute("validtodate", "DateTime"),
        ], ownership="OrganizationOwned",
            states={0: (1, {1}), 1: (2, {2}), 2: (0, {0}), 3: (3, {3})}),
        _table("productpricelevel", "productpricelevels", "productpricelevelid", None, 1026, [
            _lookup("pricelevelid", "pricelevel", required="SystemRequired", on_delete="cascade"),
            _lookup("productid", "product", required="SystemRequired", on_delete="cascade"),
            _lookup("uomid", "uom", required="SystemRequired", on_delete="restrict"),
            _ro(_lookup("uomscheduleid", "uomschedule")),
            _ro(_lookup("transactioncurrencyid", "transactioncurrency")),
            Attribute("amount", "Money"), Attribute("percentage", "Decimal"),
            Attribute("pricingmethodcode", "Picklist", "SystemRequired", options=(1, 2, 3, 4, 5, 6), default=1),
            Attribute("quantitysellingcode", "Picklist", options=(1, 2, 3)),
        ], ownership="OrganizationOwned"),
        _table("account", "accounts", "accountid", "name", 1, [
            _s("name", 160, "ApplicationRequired"), _s("emailaddress1", 100, format="Email"), _s("telephone1", 50),
            _memo("description"), _lookup("primarycontactid", "contact"),
            _lookup("transactioncurrencyid", "transactioncurrency"), *copy.deepcopy(_ADDRESS),
        ], states=_ACTIVE_INACTIVE),
        _table("contact", "contacts", "contactid", "fullname", 2, [
            _s("firstname", 50), _s("lastname", 50, "ApplicationRequired"), _s("middlename", 50),
            _ro(_s("fullname", 160)), _s("emailaddress1", 100, format="Email"),
            _s("emailaddress2", 100, format="Email"), _s("emailaddress3", 100, format="Email"),
            _s("telephone1", 50), _s("telephone2", 50), _s("mobilephone", 50), _s("jobtitle", 100),
            _memo("description"), Attribute("birthdate", "DateTime", format="DateOnly"),
            _lookup("parentcustomerid", "account", "contact", kind="Customer"),
            _lookup("transactioncurrencyid", "transactioncurrency"), *copy.deepcopy(_ADDRESS),
        ], states=_ACTIVE_INACTIVE),
        _table("lead", "leads", "leadid", "fullname", 4, [
            _s("subject", 300), _s("firstname", 50), _s("lastname", 50, "ApplicationRequired"),
            _s("companyname", 100), _ro(_s("fullname", 160)), _s("emailaddress1", 100, format="Email"),
            _s("emailaddress2", 100, format="Email"), _s("emailaddress3", 100, format="Email"),
            _s("telephone1", 50), _s("telephone2", 50), _s("telephone3", 50), _s("mobilephone", 20),
            _memo("description"),
            _lookup("parentcontactid", "contact"), _lookup("parentaccountid", "account"),
            _lookup("customerid", "account", "contact", kind="Customer"),
            _lookup("transactioncurrencyid", "transactioncurrency"), *copy.deepcopy(_ADDRESS),
        ], states={0: (1, {1, 2}), 1: (3, {3}), 2: (4, {4, 5, 6, 7})}),
        _table("opportunity", "opportunities", "opportunityid", "name", 3, [
            _s("name", 300, "ApplicationRequired"), _memo("description"),
            _lookup("customerid", "account", "contact", kind="Customer", on_delete="cascade"),
            _lookup("parentcontactid", "contact"), _lookup("parentaccountid", "account"),
            Attribute("estimatedvalue", "Money"), Attribute("actualvalue", "Money"),
            Attribute("estimatedclosedate", "DateTime", format="DateOnly"),
            Attribute("actualclosedate", "DateTime", format="DateOnly"),
            _lookup("transactioncurrencyid", "transactioncurrency"), _lookup("pricelevelid", "pricelevel"),
            Attribute("isrevenuesystemcalculated", "Boolean"), Attribute("closeprobability", "Integer"),
        ], states={0: (1, {1, 2}), 1: (3, {3}), 2: (4, {4, 5})}),
        _table("opportunityproduct", "opportunityproducts", "opportunityproductid", None, 1083, [
            _lookup("opportunityid", "opportunity", required="SystemRequired", update=False, on_delete="cascade"),
            _lookup("productid", "product", on_delete="restrict"), _lookup("uomid", "uom", on_delete="restrict"),
            _s("productdescription", 500), Attribute("isproductoverridden", "Boolean"),
            Attribute("quantity", "Decimal", "SystemRequired"), Attribute("priceperunit", "Money"),
            Attribute("ispriceoverridden", "Boolean"), Attribute("manualdiscountamount", "Money"),
            _ro(Attribute("baseamount", "Money")), _ro(Attribute("extendedamount", "Money")),
            _memo("description"), _ro(_lookup("transactioncurrencyid", "transactioncurrency")),
        ], ownership="None"),
        _table("annotation", "annotations", "annotationid", "subject", 5, [
            _s("subject", 500), _memo("notetext", 100000), _s("filename", 255), _s("mimetype", 256),
            _memo("documentbody", 1073741823), Attribute("isdocument", "Boolean"),
            _ro(Attribute("filesize", "Integer")),
            _lookup("objectid", "contact", "account", "lead", "opportunity", "product", "appointment",
                    "phonecall", on_delete="cascade"),
            _ro(Attribute("objecttypecode", "EntityName")),
        ]),
        _table("appointment", "appointments", "activityid", "subject", 4201, [
            _s("subject", 200, "ApplicationRequired"), _memo("description"), _s("location", 200),
            Attribute("scheduledstart", "DateTime"), Attribute("scheduledend", "DateTime"),
            Attribute("actualstart", "DateTime"), Attribute("actualend", "DateTime"),
            Attribute("scheduleddurationminutes", "Integer"), Attribute("isalldayevent", "Boolean"),
            _lookup("regardingobjectid", *_REGARDING, on_delete="cascade"),
        ], states={0: (1, {1, 2}), 1: (3, {3}), 2: (4, {4}), 3: (5, {5, 6})}, default_state=3,
            activity=True, party_targets=("contact", "systemuser", "account", "lead")),
        _table("phonecall", "phonecalls", "activityid", "subject", 4210, [
            _s("subject", 200, "ApplicationRequired"), _memo("description"), _s("phonenumber", 200),
            Attribute("directioncode", "Boolean"), Attribute("scheduledstart", "DateTime"),
            Attribute("scheduledend", "DateTime"), Attribute("actualstart", "DateTime"),
            Attribute("actualend", "DateTime"), Attribute("actualdurationminutes", "Integer"),
            _lookup("regardingobjectid", *_REGARDING, on_delete="cascade"),
        ], states={0: (1, {1}), 1: (2, {2, 4}), 2: (3, {3})},
            activity=True, party_targets=("contact", "systemuser", "account", "lead")),
        _table("opportunityclose", "opportunitycloses", "activityid", "subject", 4208, [
            _s("subject", 200), _memo("description"),
            _lookup("opportunityid", "opportunity", on_delete="cascade"),
            Attribute("actualrevenue", "Money"), Attribute("actualend", "DateTime"),
        ], states={0: (1, {1}), 1: (2, {2}), 2: (3, {3})}, activity=True, creatable=False),
    ]
    return {t.logical_name: t for t in tables}


# documented participation masks: 1 sender, 2 to, 5 required, 6 optional, 7 organizer
PARTICIPATION_MASKS = frozenset(range(1, 12))


class Schema:
    """The tables of one environment, including what its admin customised."""

    def __init__(self, publisher_prefix: str = settings.DEFAULT_PUBLISHER_PREFIX) -> None:
        self.publisher_prefix = publisher_prefix
        self.reset()

    def reset(self) -> None:
        """Back to the tables of a fresh environment (no custom columns or keys)."""
        self.tables = default_tables()
        self._by_set = {t.entity_set: t for t in self.tables.values()}

    def by_set(self, entity_set: str) -> Table | None:
        return self._by_set.get(entity_set)

    def table(self, logical_name: str) -> Table | None:
        return self.tables.get(logical_name)

    # --- customisation (the maker portal / metadata API) ----------------------

    def add_attribute(self, entity: str, logical_name: str, type_: str, *, max_length: int | None = None,
                      required: str = "None", display_name: str | None = None, schema_name: str | None = None,
                      target: str | None = None) -> Attribute:
        table = self._table_or_error(entity)
        logical_name = logical_name.strip()
        if logical_name != logical_name.lower():
            raise ValueError(f"a logical name is lower case; got {logical_name!r} (put capitals in schema_name)")
        if not logical_name.startswith(self.publisher_prefix) or len(logical_name) <= len(self.publisher_prefix):
            raise ValueError(f"custom column {logical_name!r} must carry the publisher prefix "
                             f"{self.publisher_prefix!r}, e.g. {self.publisher_prefix}bizstimclientid")
        if logical_name in table.attributes:
            raise ValueError(f"{entity} already has a column named {logical_name!r}")
        if type_ not in settings.ATTRIBUTE_TYPES:
            raise ValueError(f"unknown column type {type_!r}; known: {', '.join(settings.ATTRIBUTE_TYPES)}")
        if required not in ("None", "ApplicationRequired", "Recommended", "SystemRequired"):
            raise ValueError(f"unknown required level {required!r}")
        schema = schema_name or logical_name
        if schema.lower() != logical_name:
            raise ValueError(f"schema_name {schema!r} must equal the logical name apart from case")
        if type_ == "Lookup":
            if target is None or target not in self.tables:
                raise ValueError(f"a Lookup column needs a target table; known: {', '.join(sorted(self.tables))}")
            attr = Attribute(logical_name, "Lookup", required, targets=(target,), custom=True)
        else:
            if max_length is None and type_ in ("String", "Memo"):
                max_length = (settings.DEFAULT_STRING_MAX_LENGTH if type_ == "String"
                              else settings.DEFAULT_MEMO_MAX_LENGTH)
            attr = Attribute(logical_name, type_, required, max_length=max_length, custom=True)
        attr.schema_name = schema
        attr.display_name = display_name or logical_name
        table.attributes[logical_name] = attr
        table.index_navigation()
        return attr

    def add_key(self, entity: str, attributes: list[str] | tuple[str, ...], schema_name: str | None = None) -> Key:
        table = self._table_or_error(entity)
        attributes = tuple(attributes)
        if not attributes:
            raise ValueError("an alternate key needs at least one column")
        for name in attributes:
            attr = table.attributes.get(name)
            if attr is None:
                raise ValueError(f"{entity} has no column {name!r}")
            if attr.type not in ("String", "Integer", "Decimal", "DateTime", "Lookup", "Picklist", "Uniqueidentifier"):
                raise ValueError(f"column {name!r} of type {attr.type} cannot be part of an alternate key")
        stem = "_".join(a.removeprefix(self.publisher_prefix) for a in attributes)
        schema = schema_name or f"{self.publisher_prefix}{stem}_key"
        logical = schema.lower()
        if logical in table.keys:
            raise ValueError(f"{entity} already has a key named {logical!r}")
        if any(k.attributes == attributes for k in table.keys.values()):
            raise ValueError(f"{entity} already has an alternate key on {', '.join(attributes)}")
        key = Key(logical, schema, attributes)
        table.keys[logical] = key
        return key

    def _table_or_error(self, entity: str) -> Table:
        table = self.tables.get(entity) or self._by_set.get(entity)
        if table is None:
            raise KeyError(f"unknown table {entity!r}; known: {', '.join(sorted(self.tables))}")
        return table
