"""`EntityDefinitions`: tables, their columns (`/Attributes`) and alternate keys (`/Keys`).

Shapes follow the Web API metadata types (documented: EntityMetadata,
AttributeMetadata and its derived types, EntityKeyMetadata): a preflight asks
`EntityDefinitions(LogicalName='contact')/Attributes?$select=LogicalName,AttributeType`
and `…/Keys`, and may create what is missing with
`POST EntityDefinitions(LogicalName='contact')/Attributes` (a
`Microsoft.Dynamics.CRM.StringAttributeMetadata` body) and `POST …/Keys`,
which answer 204 with an OData-EntityId, as the documentation shows.
"""

from __future__ import annotations

from typing import Any

from sandbox.dynamics import errors, filter as odata_filter, settings
from sandbox.dynamics.entities import Attribute, Key, Schema, Table, metadata_id
from sandbox.dynamics.odata import Segment, parse_key, single
from sandbox.dynamics.records import Context
from sandbox.dynamics.store import Store

NS = settings.SERVICE_NAMESPACE
_TYPE_NAMES = {"Uniqueidentifier": "UniqueidentifierType", "BigInt": "BigIntType", "EntityName": "EntityNameType"}
_ODATA_TYPES = {"String": "StringAttributeMetadata", "Memo": "MemoAttributeMetadata",
                "Integer": "IntegerAttributeMetadata", "BigInt": "BigIntAttributeMetadata",
                "Decimal": "DecimalAttributeMetadata", "Money": "MoneyAttributeMetadata",
                "Double": "DoubleAttributeMetadata", "Boolean": "BooleanAttributeMetadata",
                "DateTime": "DateTimeAttributeMetadata", "Picklist": "PicklistAttributeMetadata",
                "State": "StateAttributeMetadata", "Status": "StatusAttributeMetadata",
                "Uniqueidentifier": "UniqueIdentifierAttributeMetadata", "Lookup": "LookupAttributeMetadata",
                "Owner": "LookupAttributeMetadata", "Customer": "LookupAttributeMetadata",
                "EntityName": "EntityNameAttributeMetadata"}
_CREATE_TYPES = {v: k for k, v in _ODATA_TYPES.items() if k in settings.ATTRIBUTE_TYPES and k != "Lookup"}


def _label(text: str) -> dict[str, Any]:
    label = {"Label": text, "LanguageCode": 1033, "IsManaged": False}
    return {"LocalizedLabels": [label], "UserLocalizedLabel": label}


def entity_definition(table: Table) -> dict[str, Any]:
    return {
        "MetadataId": metadata_id(table.logical_name),
        "LogicalName": table.logical_name,
        "SchemaName": table.logical_name.capitalize(),
        "EntitySetName": table.entity_set,
        "LogicalCollectionName": table.entity_set,
        "ObjectTypeCode": table.object_type_code,
        "PrimaryIdAttribute": table.primary_id,
        "PrimaryNameAttribute": table.primary_name,
        "OwnershipType": table.ownership if table.ownership != "None" else "None",
        "IsActivity": table.is_activity,
        "IsCustomEntity": False,
        "DisplayName": _label(table.logical_name),
    }


def attribute_metadata(table: Table, attr: Attribute) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@odata.type": f"#{NS}.{_ODATA_TYPES.get(attr.type, 'AttributeMetadata')}",
        "MetadataId": metadata_id(table.logical_name, attr.logical_name),
        "LogicalName": attr.logical_name,
        "SchemaName": attr.schema_name or attr.logical_name,
        "EntityLogicalName": table.logical_name,
        "AttributeType": attr.type,
        "AttributeTypeName": {"Value": _TYPE_NAMES.get(attr.type, f"{attr.type}Type")},
        "IsCustomAttribute": attr.custom,
        "IsPrimaryId": attr.logical_name == table.primary_id,
        "IsPrimaryName": attr.logical_name == table.primary_name,
        "IsValidForCreate": attr.create,
        "IsValidForUpdate": attr.update,
        "IsValidForRead": attr.read,
        "RequiredLevel": {"Value": attr.required, "CanBeChanged": attr.required != "SystemRequired",
                          "ManagedPropertyLogicalName": "canmodifyrequirementlevelsettings"},
        "DisplayName": _label(attr.display_name or attr.logical_name),
    }
    if attr.max_length is not None:
        data["MaxLength"] = attr.max_length
    if attr.format is not None:
        data["Format"] = attr.format
    if attr.is_lookup:
        data["Targets"] = list(attr.targets)
    return data


def key_metadata(table: Table, key: Key) -> dict[str, Any]:
    return {
        "MetadataId": metadata_id(table.logical_name, "key", key.logical_name),
        "LogicalName": key.logical_name,
        "SchemaName": key.schema_name,
        "EntityLogicalName": table.logical_name,
        "KeyAttributes": list(key.attributes),
        "EntityKeyIndexStatus": key.status,
        "DisplayName": _label(key.schema_name),
        "IsCustomizable": {"Value": True, "CanBeChanged": True, "ManagedPropertyLogicalName": "iscustomizable"},
    }


class Metadata:
    def __init__(self, schema: Schema, store: Store) -> None:
        self.schema = schema
        self.store = store

    def _table(self, segment: Segment) -> Table:
        if segment.key is None:
            raise errors.bad_query("EntityDefinitions needs a key: EntityDefinitions(LogicalName='contact').")
        key = parse_key(segment.key)
        if key.id is not None:
            table = next((t for t in self.schema.tables.values() if metadata_id(t.logical_name) == key.id), None)
        else:
            table = self.schema.table(str(dict(key.values).get("LogicalName", "")))
        if table is None:
            raise errors.ODataError(404, settings.CODE_NOT_FOUND, f"Could not find an entity with key {segment.key}.")
        return table

    def get(self, segments: list[Segment], query: dict[str, list[str]], ctx: Context) -> dict[str, Any]:
        ctx.exec_ms += ctx.costs["metadata"]
        base = f"{ctx.api_base}/$metadata#EntityDefinitions"
        with self.store.lock:
            if segments[0].key is None and len(segments) == 1:
                items = [entity_definition(t) for t in self.schema.tables.values()]
                return {"@odata.context": base, "value": _shape(items, query)}
            table = self._table(segments[0])
            if len(segments) == 1:
                item = _shape([entity_definition(table)], query)[0]
                return {"@odata.context": f"{base}/$entity", **item}
            what = segments[1]
            if what.name == "Attributes":
                attrs = list(table.attributes.values())
                cast = segments[2].name if len(segments) > 2 else None
                if cast is not None:
                    wanted = cast.removeprefix(f"{NS}.")
                    attrs = [a for a in attrs if _ODATA_TYPES.get(a.type) == wanted]
                if what.key is not None:
                    name = str(dict(parse_key(what.key).values).get("LogicalName", ""))
                    attr = table.attributes.get(name)
                    if attr is None:
                        raise errors.ODataError(404, settings.CODE_NOT_FOUND,
                                                f"Could not find an attribute with LogicalName {name} on "
                                                f"{table.logical_name}.")
                    return {"@odata.context": f"{base}('{metadata_id(table.logical_name)}')/Attributes/$entity",
                            **_shape([attribute_metadata(table, attr)], query)[0]}
                items = [attribute_metadata(table, a) for a in attrs]
                return {"@odata.context": f"{base}('{metadata_id(table.logical_name)}')/Attributes",
                        "value": _shape(items, query)}
            if what.name == "Keys":
                items = [key_metadata(table, k) for k in table.keys.values()]
                return {"@odata.context": f"{base}('{metadata_id(table.logical_name)}')/Keys",
                        "value": _shape(items, query)}
            raise errors.segment_not_found(what.name)

    def post(self, segments: list[Segment], body: dict[str, Any], ctx: Context) -> str:
        """Create a column or an alternate key; returns the new item's URL (OData-EntityId)."""
        ctx.exec_ms += ctx.costs["metadata"]
        if len(segments) != 2 or segments[1].name not in ("Attributes", "Keys"):
            raise errors.method_not_allowed("POST", "this metadata resource")
        with self.store.lock:
            table = self._table(segments[0])
            base = f"{ctx.api_base}/EntityDefinitions({metadata_id(table.logical_name)})"
            if segments[1].name == "Keys":
                attributes = body.get("KeyAttributes")
                if not isinstance(attributes, list) or not body.get("SchemaName"):
                    raise errors.ODataError(400, settings.CODE_INVALID_ARGUMENT,
                                            "A key needs SchemaName and KeyAttributes.")
                try:
                    key = self.schema.add_key(table.logical_name, attributes, str(body["SchemaName"]))
                except ValueError as exc:
                    raise errors.ODataError(400, settings.CODE_INVALID_ARGUMENT, str(exc)) from None
                self.store.build_key(table, key)
                return f"{base}/Keys({metadata_id(table.logical_name, 'key', key.logical_name)})"
            odata_type = str(body.get("@odata.type", "")).lstrip("#").removeprefix(f"{NS}.")
            type_ = _CREATE_TYPES.get(odata_type)
            schema_name = body.get("SchemaName")
            if type_ is None or not isinstance(schema_name, str):
                raise errors.ODataError(400, settings.CODE_INVALID_ARGUMENT,
                                        "A column needs an @odata.type such as "
                                        f"'{NS}.StringAttributeMetadata' and a SchemaName.")
            required = (body.get("RequiredLevel") or {}).get("Value", "None")
            label = ((body.get("DisplayName") or {}).get("LocalizedLabels") or [{}])[0].get("Label")
            try:
                attr = self.schema.add_attribute(table.logical_name, schema_name.lower(), type_,
                                                 max_length=body.get("MaxLength"), required=required,
                                                 display_name=label, schema_name=schema_name)
            except ValueError as exc:
                raise errors.ODataError(400, settings.CODE_INVALID_ARGUMENT, str(exc)) from None
            return f"{base}/Attributes({metadata_id(table.logical_name, attr.logical_name)})"


def _shape(items: list[dict[str, Any]], query: dict[str, list[str]]) -> list[dict[str, Any]]:
    for name in query:
        if name.startswith("$") and name not in ("$select", "$filter"):
            raise errors.bad_query(f"The query parameter {name} is not supported on metadata in this sandbox.")
    filter_text = single(query, "$filter")
    if filter_text:
        known = set().union(*(item.keys() for item in items)) if items else set()
        tree = odata_filter.parse(filter_text, lambda n: n in known or n.split("/")[0] in known,
                                  f"{NS}.AttributeMetadata")
        items = [item for item in items if odata_filter.evaluate(tree, _flatten(item))]
    select = single(query, "$select")
    if select:
        names = [n.strip() for n in select.split(",") if n.strip()]
        items = [{**{k: v for k, v in item.items() if k.startswith("@")},
                  **{n: item.get(n) for n in names}, "MetadataId": item.get("MetadataId")} for item in items]
    return items


def _flatten(item: dict[str, Any]) -> dict[str, Any]:
    flat = dict(item)
    for name, value in item.items():
        if isinstance(value, dict) and "Value" in value:
            flat[f"{name}/Value"] = value["Value"]
    return flat

