"""Schema declarations -> EntityMetadata / AttributeMetadata / OptionSet JSON shapes."""

from __future__ import annotations

import uuid
from functools import cache

from . import schema
from .schema.types import LOOKUP_TYPES, Attribute, Table

NAMESPACE = uuid.UUID("a7d3c1e0-59b4-4c8e-8f2d-0b6f3e9a1d27")
CLASS_OF = {
    "String": "StringAttributeMetadata",
    "Memo": "MemoAttributeMetadata",
    "Integer": "IntegerAttributeMetadata",
    "BigInt": "BigIntAttributeMetadata",
    "Decimal": "DecimalAttributeMetadata",
    "Money": "MoneyAttributeMetadata",
    "Double": "DoubleAttributeMetadata",
    "Boolean": "BooleanAttributeMetadata",
    "DateTime": "DateTimeAttributeMetadata",
    "Lookup": "LookupAttributeMetadata",
    "Owner": "LookupAttributeMetadata",
    "Customer": "LookupAttributeMetadata",
    "Picklist": "PicklistAttributeMetadata",
    "State": "StateAttributeMetadata",
    "Status": "StatusAttributeMetadata",
    "Uniqueidentifier": "UniqueIdentifierAttributeMetadata",
    "EntityName": "EntityNameAttributeMetadata",
}
ENUM_CLASSES = {"PicklistAttributeMetadata", "StateAttributeMetadata", "StatusAttributeMetadata"}
OPTION_SET_CLASSES = ENUM_CLASSES | {"BooleanAttributeMetadata"}
BASE_ATTRIBUTE_PROPERTIES = (
    "MetadataId",
    "LogicalName",
    "SchemaName",
    "EntityLogicalName",
    "AttributeType",
    "AttributeTypeName",
    "AttributeOf",
    "ColumnNumber",
    "DisplayName",
    "Description",
    "RequiredLevel",
    "IsValidForCreate",
    "IsValidForUpdate",
    "IsValidForRead",
    "IsValidForForm",
    "IsPrimaryId",
    "IsPrimaryName",
    "IsCustomAttribute",
    "IsLogical",
    "IsManaged",
    "IsValidODataAttribute",
    "IsFilterable",
    "IsSearchable",
    "IsRetrievable",
    "SourceType",
    "IsAuditEnabled",
    "HasChanged",
    "IntroducedVersion",
)
ENTITY_PROPERTIES = (
    "MetadataId",
    "LogicalName",
    "SchemaName",
    "EntitySetName",
    "LogicalCollectionName",
    "CollectionSchemaName",
    "PrimaryIdAttribute",
    "PrimaryNameAttribute",
    "PrimaryImageAttribute",
    "ObjectTypeCode",
    "OwnershipType",
    "ChangeTrackingEnabled",
    "IsValidForAdvancedFind",
    "IsCustomEntity",
    "IsActivity",
    "IsIntersect",
    "IsManaged",
    "IsLogicalEntity",
    "IsStateModelAware",
    "TableType",
    "DisplayName",
    "DisplayCollectionName",
    "Description",
    "IsAuditEnabled",
    "HasNotes",
    "HasActivities",
    "IsValidForQueue",
    "IntroducedVersion",
    "HasChanged",
)


def metadata_id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, ".".join(parts)))


def label(text: str, *key: str) -> dict:
    localized = {
        "Label": text,
        "LanguageCode": 1033,
        "IsManaged": True,
        "MetadataId": metadata_id("label", *key),
        "HasChanged": None,
    }
    return {"LocalizedLabels": [localized], "UserLocalizedLabel": localized}


def managed(value, name: str) -> dict:
    return {"Value": value, "CanBeChanged": True, "ManagedPropertyLogicalName": name}


@cache
def entity(logical_name: str) -> dict:
    table = schema.BY_LOGICAL_NAME[logical_name]
    return {
        "MetadataId": metadata_id(logical_name),
        "LogicalName": logical_name,
        "SchemaName": table.schema,
        "EntitySetName": table.entity_set_name,
        "LogicalCollectionName": table.entity_set_name,
        "CollectionSchemaName": table.schema + "s",
        "PrimaryIdAttribute": table.primary_id,
        "PrimaryNameAttribute": table.primary_name,
        "PrimaryImageAttribute": None,
        "ObjectTypeCode": table.object_type_code,
        "OwnershipType": table.ownership,
        "ChangeTrackingEnabled": True,
        "IsValidForAdvancedFind": True,
        "IsCustomEntity": False,
        "IsActivity": False,
        "IsIntersect": False,
        "IsManaged": True,
        "IsLogicalEntity": False,
        "IsStateModelAware": table.has_state,
        "TableType": "Standard",
        "DisplayName": label(table.display_name, logical_name, "display"),
        "DisplayCollectionName": label(table.display_collection_name, logical_name, "plural"),
        "Description": label(table.description, logical_name, "description"),
        "IsAuditEnabled": managed(True, "canmodifyauditsettings"),
        "HasNotes": True,
        "HasActivities": table.logical_name in ("account", "contact"),
        "IsValidForQueue": False,
        "IntroducedVersion": "5.0.0.0",
        "HasChanged": None,
    }


@cache
def attributes(logical_name: str) -> tuple[dict, ...]:
    table = schema.BY_LOGICAL_NAME[logical_name]
    return tuple(attribute(table, a, n) for n, a in enumerate(table.attributes, start=1))


def attribute(table: Table, a: Attribute, column_number: int) -> dict:
    class_name = CLASS_OF[a.type]
    data = {
        "@odata.type": f"#Microsoft.Dynamics.CRM.{class_name}",
        "MetadataId": metadata_id(table.logical_name, a.logical_name),
        "LogicalName": a.logical_name,
        "SchemaName": a.schema,
        "EntityLogicalName": table.logical_name,
        "AttributeType": a.type,
        "AttributeTypeName": {"Value": f"{a.type}Type"},
        "AttributeOf": a.attribute_of,
        "ColumnNumber": column_number,
        "DisplayName": label(a.label, table.logical_name, a.logical_name),
        "Description": label("", table.logical_name, a.logical_name, "description"),
        "RequiredLevel": managed(a.required, "canmodifyrequirementlevelsettings"),
        "IsValidForCreate": a.valid_for_create,
        "IsValidForUpdate": a.valid_for_update,
        "IsValidForRead": a.valid_for_read,
        "IsValidForForm": a.valid_for_read,
        "IsPrimaryId": a.is_primary_id,
        "IsPrimaryName": a.is_primary_name,
        "IsCustomAttribute": False,
        "IsLogical": False,
        "IsManaged": True,
        "IsValidODataAttribute": True,
        "IsFilterable": True,
        "IsSearchable": True,
        "IsRetrievable": True,
        "SourceType": 0,
        "IsAuditEnabled": managed(True, "canmodifyauditsettings"),
        "HasChanged": None,
        "IntroducedVersion": "5.0.0.0",
    }
    data.update(type_properties(a))
    return data


def type_properties(a: Attribute) -> dict:
    kind = a.type
    if kind in ("String", "Memo"):
        return {
            "MaxLength": a.max_length,
            "DatabaseLength": (a.max_length or 0) * 2,
            "Format": a.format,
            "FormatName": {"Value": a.format},
            "ImeMode": "Auto",
            "IsLocalizable": False,
            "YomiOf": None,
        }
    if kind in ("Integer", "BigInt"):
        extra = {"Format": "None"} if kind == "Integer" else {}
        return {"MinValue": a.min_value, "MaxValue": a.max_value, **extra}
    if kind in ("Decimal", "Double"):
        return {
            "MinValue": a.min_value,
            "MaxValue": a.max_value,
            "Precision": a.precision,
            "ImeMode": "Auto",
        }
    if kind == "Money":
        return {
            "MinValue": a.min_value,
            "MaxValue": a.max_value,
            "Precision": a.precision,
            "PrecisionSource": 2,
            "IsBaseCurrency": a.attribute_of is not None,
            "CalculationOf": None,
            "ImeMode": "Auto",
        }
    if kind == "Boolean":
        return {"DefaultValue": bool(a.default), "FormulaDefinition": None}
    if kind == "DateTime":
        return {
            "Format": a.format,
            "DateTimeBehavior": {"Value": a.date_behavior},
            "CanChangeDateTimeBehavior": managed(False, "canchangedatetimebehavior"),
            "MinSupportedValue": "1753-01-01T00:00:00Z",
            "MaxSupportedValue": "9999-12-30T23:59:59Z",
            "ImeMode": "Auto",
        }
    if kind in LOOKUP_TYPES:
        return {"Targets": list(a.targets), "Format": "None"}
    if kind in ("Picklist", "State", "Status"):
        return {"DefaultFormValue": a.default if a.default is not None else -1}
    return {}


def class_properties(class_name: str) -> set[str]:
    """Every property an attribute of this metadata class can show."""
    sample = next(
        (a for t in schema.TABLES for a in t.attributes if CLASS_OF[a.type] == class_name), None
    )
    extra = set(type_properties(sample)) if sample else set()
    return set(BASE_ATTRIBUTE_PROPERTIES) | extra


def option(table: Table, a: Attribute, opt) -> dict:
    data = {
        "Value": opt.value,
        "Color": None,
        "IsManaged": True,
        "ExternalValue": "",
        "ParentValues": [],
        "Tag": None,
        "IsHidden": False,
        "MetadataId": None,
        "HasChanged": None,
        "Label": label(opt.label, table.logical_name, a.logical_name, str(opt.value)),
        "Description": label("", table.logical_name, a.logical_name, str(opt.value), "d"),
    }
    if a.type == "State":
        data.update({"DefaultStatus": opt.default_status, "InvariantName": opt.invariant_name})
    if a.type == "Status":
        data.update({"State": opt.state, "TransitionData": None})
    return data


def option_set(table: Table, a: Attribute) -> dict:
    name = f"{table.logical_name}_{a.logical_name}"
    data = {
        "MetadataId": metadata_id("optionset", name),
        "HasChanged": None,
        "IsCustomOptionSet": False,
        "IsGlobal": False,
        "IsManaged": True,
        "Name": name,
        "ExternalTypeName": None,
        "OptionSetType": a.type if a.type != "Boolean" else "Boolean",
        "IntroducedVersion": "5.0.0.0",
        "Description": label("", name, "description"),
        "DisplayName": label(a.label, name, "display"),
    }
    if a.type == "Boolean":
        true_option, false_option = (option(table, a, o) for o in a.options)
        data.update({"TrueOption": true_option, "FalseOption": false_option})
    else:
        data["Options"] = [option(table, a, o) for o in a.options]
    return data
