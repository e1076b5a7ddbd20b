"""Request bodies -> typed column values and lookup bindings, validated as Dataverse does."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from . import errors, schema
from .errors import DataverseError
from .schema.types import CHOICE_TYPES, Attribute, Table

INT32 = (-2147483648, 2147483647)
BIND = re.compile(r"^(?:.*/api/data/v[0-9.]+/|/)?(?P<set>[A-Za-z_]+)\((?P<key>[^)]*)\)$")


@dataclass
class RowInput:
    """One row's worth of changes from a request body."""

    row_id: uuid.UUID | None = None
    values: dict = field(default_factory=dict)
    # lookup column -> (target table, id), or None to clear the lookup
    binds: dict = field(default_factory=dict)


def parse_row(table: Table, body: dict, *, creating: bool, content_ids=None) -> RowInput:
    if not isinstance(body, dict):
        raise errors.payload_error(table.entity_set_name, "The payload must be a JSON object.")
    row = RowInput()
    for key, value in body.items():
        if key.startswith("@"):
            continue  # @odata.type, @odata.etag …: annotations of the payload itself
        if key.endswith("@odata.bind"):
            bind(table, row, key[: -len("@odata.bind")], value, content_ids)
        elif "@" in key:
            continue  # an instance annotation such as a formatted value: ignored on write
        else:
            set_column(table, row, key, value, creating)
    return row


def set_column(table: Table, row: RowInput, name: str, value, creating: bool) -> None:
    attribute = table.columns.get(name)
    if attribute is None:
        raise errors.invalid_payload_property(name, table.logical_name)
    if attribute.is_lookup:
        if value is not None:
            raise errors.payload_error(
                table.entity_set_name,
                "A 'PrimitiveValue' node with non-null value was found when trying to read the "
                f"value of the navigation property '{name}'; however, a 'StartArray' node, a "
                "'StartObject' node, or a 'PrimitiveValue' node with null value was expected.",
            )
        check_writable(table, attribute, creating, value)
        row.binds[name] = None
        return
    if attribute.is_primary_id:
        row.row_id = guid(table, name, value)
        return
    if not check_writable(table, attribute, creating, value):
        return
    row.values[name] = convert(table, attribute, value)


def check_writable(table: Table, attribute: Attribute, creating: bool, value) -> bool:
    """False for read-only system columns, which Dataverse silently ignores on write."""
    if attribute.read_only:
        return False
    if creating and not attribute.valid_for_create:
        raise errors.invalid_argument(
            f"The '{attribute.logical_name}' attribute is not valid for create. Create the "
            f"{table.logical_name} record first, then update it."
        )
    if not creating and not attribute.valid_for_update:
        raise DataverseError(
            400, "0x80041100", "An attempt was made to update a non-updateable field."
        )
    return True


def convert(table: Table, attribute: Attribute, value):
    """One JSON value -> the Python value stored for the column."""
    if value is None:
        return None
    kind = attribute.type
    if kind in ("String", "Memo"):
        return convert_string(table, attribute, value)
    if kind in ("Integer", "BigInt") or kind in CHOICE_TYPES:
        return convert_integer(table, attribute, value)
    if kind in ("Decimal", "Money", "Double"):
        return convert_number(table, attribute, value)
    if kind == "Boolean":
        if not isinstance(value, bool):
            raise cannot_convert(table, value, "Edm.Boolean")
        return value
    if kind == "DateTime":
        return convert_datetime(table, attribute, value)
    if kind == "Uniqueidentifier":
        return guid(table, attribute.logical_name, value)
    raise errors.invalid_payload_property(attribute.logical_name, table.logical_name)


def cannot_convert(table: Table, value, edm: str) -> DataverseError:
    return errors.payload_error(
        table.entity_set_name, f"Cannot convert the literal '{value}' to the expected type '{edm}'."
    )


def convert_string(table: Table, attribute: Attribute, value) -> str | None:
    if not isinstance(value, str):
        raise cannot_convert(table, value, "Edm.String")
    if value == "":
        return None  # Dataverse keeps an empty string as null
    if attribute.max_length is not None and len(value) > attribute.max_length:
        raise errors.too_long(attribute.logical_name, table.logical_name, attribute.max_length)
    return value


def convert_integer(table: Table, attribute: Attribute, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise cannot_convert(table, value, "Edm.Int32")
    if attribute.type != "BigInt" and not INT32[0] <= value <= INT32[1]:
        raise cannot_convert(table, value, "Edm.Int32")
    if attribute.type in CHOICE_TYPES:
        if attribute.option(value) is None:
            raise errors.invalid_option(table.logical_name, attribute.logical_name, value)
        return value
    low, high = attribute.min_value, attribute.max_value
    if low is not None and not low <= value <= high:
        raise errors.out_of_range(
            "0x8004432f", table.logical_name, attribute.logical_name, value, "Int32", low, high
        )
    return value


def convert_number(table: Table, attribute: Attribute, value):
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise cannot_convert(table, value, "Edm.Decimal")
    low, high = attribute.min_value, attribute.max_value
    if attribute.type == "Double":
        number = float(value)
    else:
        try:
            number = Decimal(value).quantize(Decimal(1).scaleb(-attribute.precision))
        except InvalidOperation:
            raise cannot_convert(table, value, "Edm.Decimal") from None
    if low is not None and not low <= number <= high:
        type_name = "Microsoft.Xrm.Sdk.Money" if attribute.type == "Money" else attribute.type
        raise errors.out_of_range(
            "0x80044330", table.logical_name, attribute.logical_name, value, type_name, low, high
        )
    return number


def convert_datetime(table: Table, attribute: Attribute, value):
    if not isinstance(value, str):
        raise cannot_convert(table, value, "Edm.DateTimeOffset")
    try:
        if attribute.date_behavior == "DateOnly":
            return dt.date.fromisoformat(value[:10])
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise cannot_convert(table, value, "Edm.DateTimeOffset") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)  # a value without offset is taken as UTC (DT)
    return parsed.astimezone(dt.UTC).replace(microsecond=0)


def guid(table: Table, name: str, value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise cannot_convert(table, value, "Edm.Guid") from None


def bind(table: Table, row: RowInput, navigation: str, value, content_ids) -> None:
    """``<navigation>@odata.bind``: ``/accounts(<id>)``, an absolute URL, or ``$1``."""
    found = table.navigation_properties.get(navigation)
    if found is None:
        raise errors.undeclared_property(table.entity_set_name, navigation)
    attribute, target = found
    if not attribute.valid_for_create and not attribute.valid_for_update:
        raise errors.undeclared_property(table.entity_set_name, navigation)
    if value is None:
        row.binds[attribute.logical_name] = None
        return
    if isinstance(value, str) and value.startswith("$") and content_ids is not None:
        if value[1:] not in content_ids:
            raise errors.DataverseError(
                400, "0x0", f"Content-ID Reference: '{value}' does not exist in the batch context."
            )
        value = content_ids[value[1:]]
    if attribute.type == "Customer" and row.binds.get(attribute.logical_name):
        # A contact's company is an account or a contact, never both at once.
        raise errors.DataverseError(
            400,
            "0x80040508",
            "You can either specify a contacts parent contact or its account, but not both.",
        )
    target_name, row_id = parse_bind(table, navigation, value, attribute, target)
    row.binds[attribute.logical_name] = (target_name, row_id)


def parse_bind(table, navigation, value, attribute, target) -> tuple[str, uuid.UUID]:
    match = BIND.match(value) if isinstance(value, str) else None
    if match is None:
        raise errors.payload_error(
            table.entity_set_name, f"The URI '{value}' in '{navigation}@odata.bind' is not valid."
        )
    targets = (target,) if attribute.type == "Customer" else attribute.targets
    allowed = {schema.entity_set_of(name): name for name in targets}
    if match["set"] not in allowed:
        raise errors.payload_error(
            table.entity_set_name,
            f"The entity set '{match['set']}' does not match the type of the navigation "
            f"property '{navigation}'.",
        )
    key = match["key"].split("=")[-1].strip("'")
    return allowed[match["set"]], guid(table, navigation, key)


def parse_rows(table: Table, bodies: list, *, creating: bool, content_ids=None) -> list[RowInput]:
    return [parse_row(table, body, creating=creating, content_ids=content_ids) for body in bodies]
