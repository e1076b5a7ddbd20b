"""Check a row against the table's metadata before sending it.

CreateMultiple and UpdateMultiple are all-or-nothing on standard tables: one name that is too
long rolls back the other 999 rows. Refusing such a row here, with the same code and message
Dataverse would give, keeps its neighbours in the bulk request; only the rows Dataverse still
refuses for reasons metadata cannot show (a duplicate, a plug-in) cost a ``$batch`` retry.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from .errors import INVALID_ARGUMENT, INVALID_OPTION, NOT_UPDATABLE, STRING_TOO_LONG, RecordFailed
from .metadata import CHOICE_TYPES, STRING_TYPES, AttributeMetadata, EntityMetadata
from .rows import Lookup

# Columns Dataverse fills in itself when a create leaves them out, although SystemRequired.
SELF_FILLED_TYPES = frozenset({"Owner", "State", "Status", "Uniqueidentifier"})
NUMBER_TYPES = {
    "Integer": (int,),
    "BigInt": (int,),
    "Decimal": (int, Decimal, float),
    "Money": (int, Decimal, float),
    "Double": (int, Decimal, float),
}


def validate_row(
    entity: EntityMetadata, row: Mapping[str, Any], operation: str
) -> RecordFailed | None:
    """Return why Dataverse would refuse ``row`` in a create or update, or None."""
    for name, value in row.items():
        attribute = entity.attributes.get(name)
        if attribute is None:
            return _refused(
                f"Invalid property '{name}' was found in entity "
                f"'Microsoft.Dynamics.CRM.{entity.logical_name}'.",
                "0x0",
            )
        if problem := _column_problem(entity, attribute, value, operation):
            return problem
    if operation == "create":
        return _missing_required(entity, row)
    return None


def _column_problem(
    entity: EntityMetadata, attribute: AttributeMetadata, value: Any, operation: str
) -> RecordFailed | None:
    name, table = attribute.logical_name, entity.logical_name
    if name == entity.primary_id:
        return None  # a create sets the key; an update is addressed by it
    if operation == "create" and not attribute.valid_for_create:
        return _refused(
            f"Column '{name}' of table '{table}' cannot be set when a row is created.",
            INVALID_ARGUMENT,
        )
    if operation == "update" and not attribute.valid_for_update:
        return _refused(
            f"An attempt was made to update a non-updateable field: '{name}' of table '{table}'.",
            NOT_UPDATABLE,
        )
    if value is None:
        if attribute.required_level == "SystemRequired":
            return _required(name, table)
        return None
    return _type_problem(table, attribute, value) or _range_problem(table, attribute, value)


def _type_problem(table: str, attribute: AttributeMetadata, value: Any) -> RecordFailed | None:
    kind = attribute.attribute_type
    expected = _expected_types(attribute)
    if expected is None:
        return None
    if isinstance(value, bool) and bool not in expected:  # True is an int to Python only
        expected = ()
    if not isinstance(value, expected):
        return _refused(
            f"Column '{attribute.logical_name}' of table '{table}' takes "
            f"{kind} values, not {type(value).__name__} {value!r}.",
            INVALID_ARGUMENT,
        )
    if isinstance(value, Lookup) and attribute.targets and value.table not in attribute.targets:
        return _refused(
            f"Column '{attribute.logical_name}' of table '{table}' refers to "
            f"{', '.join(attribute.targets)} rows, not {value.table}.",
            INVALID_ARGUMENT,
        )
    if isinstance(value, datetime) and value.tzinfo is None:
        return _refused(
            f"Column '{attribute.logical_name}' of table '{table}' got a date-time "
            "without a time zone.",
            INVALID_ARGUMENT,
        )
    return None


def _expected_types(attribute: AttributeMetadata) -> tuple[type, ...] | None:
    kind = attribute.attribute_type
    if kind in STRING_TYPES or kind == "EntityName":
        return (str,)
    if kind in NUMBER_TYPES:
        return NUMBER_TYPES[kind]
    if kind in CHOICE_TYPES:
        return (int,)
    if attribute.is_lookup:
        return (Lookup,)
    return {"Boolean": (bool,), "DateTime": (datetime, date), "Uniqueidentifier": (UUID, str)}.get(
        kind
    )


def _range_problem(table: str, attribute: AttributeMetadata, value: Any) -> RecordFailed | None:
    name = attribute.logical_name
    limit = attribute.max_length
    if isinstance(value, str) and limit is not None and len(value) > limit:
        return _refused(
            f"A validation error occurred.  The length of the '{name}' attribute of the "
            f"'{table}' entity exceeded the maximum allowed length of "
            f"'{attribute.max_length}'.",
            STRING_TOO_LONG,
        )
    if attribute.options is not None and isinstance(value, int) and value not in attribute.options:
        return _refused(
            f"A validation error occurred. The value {value} of '{name}' on record of type "
            f"'{table}' is outside the valid range.",
            INVALID_OPTION,
        )
    if attribute.attribute_type in NUMBER_TYPES and attribute.min_value is not None:
        number = Decimal(str(value))
        if not attribute.min_value <= number <= attribute.max_value:
            return _refused(
                f"A validation error occurred. The value {value} of '{name}' on record of type "
                f"'{table}' is outside the valid range "
                f"({attribute.min_value} to {attribute.max_value}).",
                INVALID_ARGUMENT,
            )
    return None


def _missing_required(entity: EntityMetadata, row: Mapping[str, Any]) -> RecordFailed | None:
    for attribute in entity.attributes.values():
        needed = (
            attribute.required_level == "SystemRequired"
            and attribute.valid_for_create
            and attribute.attribute_type not in SELF_FILLED_TYPES
            and attribute.logical_name != entity.primary_id
            and attribute.attribute_of is None
        )
        if needed and row.get(attribute.logical_name) is None:
            return _required(attribute.logical_name, entity.logical_name)
    return None


def _required(name: str, table: str) -> RecordFailed:
    return _refused(
        f"A validation error occurred. The value of '{name}' on record of type '{table}' is "
        "required and cannot be null.",
        INVALID_ARGUMENT,
    )


def _refused(message: str, code: str) -> RecordFailed:
    return RecordFailed(message, status=None, code=code)
