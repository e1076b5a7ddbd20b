"""Rows as Python values on our side, and as Web API JSON on the wire.

Callers read and write plain Python values: ``str``, ``int``, ``Decimal``, ``bool``, aware UTC
``datetime``, ``date``, ``UUID`` and ``None``. A lookup is written as ``Lookup(table, id)`` and
read back as the ``_<name>_value`` column holding a ``UUID``. Converting between the two is
driven by the column metadata, so money never passes through ``float`` and a date-time never
stays a string.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from .errors import DataverseError
from .metadata import AttributeMetadata, EntityMetadata
from .odata_values import format_datetime, parse_wire_datetime


@dataclass(frozen=True)
class Lookup:
    """A reference to the row ``id`` of ``table``, written as ``<property>@odata.bind``."""

    table: str
    id: UUID


@dataclass(frozen=True)
class Deleted:
    """A row that change tracking reports as deleted."""

    id: UUID


@dataclass
class WriteResult:
    """The outcome of writing one row: ``error`` is set exactly when ``ok`` is false.

    ``values`` holds the columns read back after the write (``versionnumber``,
    ``modifiedon`` …) when the caller asked for them.
    """

    id: UUID
    ok: bool
    error: DataverseError | None = None
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> int | None:
        return self.values.get("versionnumber")

    @property
    def modified_on(self) -> datetime | None:
        return self.values.get("modifiedon")


def decode_row(entity: EntityMetadata, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Turn a Web API row into Python values (annotations such as ``@odata.etag`` are kept)."""
    columns = entity.by_read_name
    row: dict[str, Any] = {}
    for name, value in raw.items():
        attribute = columns.get(name)
        row[name] = value if attribute is None or value is None else _decode(attribute, value)
    return row


def _decode(attribute: AttributeMetadata, value: Any) -> Any:
    kind = attribute.attribute_type
    if attribute.is_lookup or kind == "Uniqueidentifier":
        return UUID(str(value))
    if kind == "DateTime" and isinstance(value, str):
        return parse_wire_datetime(value)
    if kind in ("Decimal", "Money") and not isinstance(value, bool):
        return Decimal(str(value))
    if kind == "Double" and not isinstance(value, bool):
        return float(value)
    return value


def encode_row(
    entity: EntityMetadata, row: Mapping[str, Any], entity_set_of: Callable[[str], str]
) -> dict[str, Any]:
    """Turn a row of Python values into the JSON body of a create or update."""
    body: dict[str, Any] = {}
    for name, value in row.items():
        attribute = entity.attributes[name]
        if attribute.is_lookup:
            body.update(_bind(attribute, value, entity_set_of))
        else:
            body[name] = encode_value(value, attribute)
    return body


def _bind(
    attribute: AttributeMetadata, value: Lookup | None, entity_set_of: Callable[[str], str]
) -> dict[str, Any]:
    if value is None:
        # Clearing needs no target; Customer lookups are cleared through their first one.
        return {f"{attribute.navigation_property(attribute.targets[0])}@odata.bind": None}
    property_name = attribute.navigation_property(value.table)
    return {f"{property_name}@odata.bind": f"/{entity_set_of(value.table)}({value.id})"}


def encode_value(value: Any, attribute: AttributeMetadata | None = None) -> Any:
    if isinstance(value, datetime):
        if attribute is not None and attribute.format == "DateOnly":
            return value.date().isoformat()
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    return value
