"""Table and column metadata, read once per client.

The client needs metadata to speak correctly: the entity set name for URLs, the primary id
column, each column's type (to decode reads and encode writes), its limits (to refuse a row
before sending it, so one bad row cannot sink a whole all-or-nothing CreateMultiple), lookup
targets (to write ``@odata.bind``), and whether the table takes CreateMultiple/UpdateMultiple.

Base attribute metadata has no type-specific properties, so those come from type-cast
segments (``…/Attributes/Microsoft.Dynamics.CRM.StringAttributeMetadata?$select=…``), one
GET per column type the table has; they travel in one ``$batch`` together with the
``sdkmessagefilters`` look-ups, so a table's metadata costs three requests. Everything is
cached for the life of the client.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from . import batch
from .errors import ConnectionUnusable, DataverseError, error_from_body
from .odata_values import literal
from .transport import Transport, decode_json

logger = logging.getLogger("integration.dataverse")

LOOKUP_TYPES = frozenset({"Lookup", "Customer", "Owner"})
CHOICE_TYPES = frozenset({"Picklist", "State", "Status"})
STRING_TYPES = frozenset({"String", "Memo"})

# Column type -> (type-cast segment, extra $select, $expand) for its type-specific properties.
TYPE_DETAILS: dict[str, tuple[str, str, str]] = {
    "String": ("StringAttributeMetadata", "MaxLength", ""),
    "Memo": ("MemoAttributeMetadata", "MaxLength", ""),
    "Integer": ("IntegerAttributeMetadata", "MinValue,MaxValue", ""),
    "Decimal": ("DecimalAttributeMetadata", "MinValue,MaxValue,Precision", ""),
    "Money": ("MoneyAttributeMetadata", "MinValue,MaxValue,Precision", ""),
    "Double": ("DoubleAttributeMetadata", "MinValue,MaxValue,Precision", ""),
    "Picklist": ("PicklistAttributeMetadata", "", "OptionSet($select=Options)"),
    "State": ("StateAttributeMetadata", "", "OptionSet($select=Options)"),
    "Status": ("StatusAttributeMetadata", "", "OptionSet($select=Options)"),
    "Lookup": ("LookupAttributeMetadata", "Targets", ""),
    "Customer": ("LookupAttributeMetadata", "Targets", ""),
    "Owner": ("LookupAttributeMetadata", "Targets", ""),
    "DateTime": ("DateTimeAttributeMetadata", "Format", ""),
}
BULK_MESSAGES = ("CreateMultiple", "UpdateMultiple")


@dataclass
class AttributeMetadata:
    logical_name: str
    attribute_type: str
    required_level: str = "None"
    valid_for_create: bool = True
    valid_for_update: bool = True
    valid_for_read: bool = True
    max_length: int | None = None
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    precision: int | None = None
    targets: tuple[str, ...] = ()
    options: frozenset[int] | None = None
    format: str | None = None
    attribute_of: str | None = None
    display_name: str = ""  # the column's name as people see it, e.g. "Account Name"

    @property
    def is_lookup(self) -> bool:
        return self.attribute_type in LOOKUP_TYPES

    @property
    def read_name(self) -> str:
        """The name the column has in query results: ``_<name>_value`` for lookups."""
        return f"_{self.logical_name}_value" if self.is_lookup else self.logical_name

    def navigation_property(self, target: str) -> str:
        """The single-valued navigation property to ``@odata.bind`` a row of ``target`` to.

        A Customer lookup has one property per target table (``parentcustomerid_account``);
        other lookups, Owner included, are bound under their own name.
        """
        if self.attribute_type == "Customer":
            return f"{self.logical_name}_{target}"
        return self.logical_name


@dataclass
class EntityMetadata:
    logical_name: str
    entity_set_name: str
    primary_id: str
    primary_name: str
    attributes: dict[str, AttributeMetadata] = field(default_factory=dict)
    bulk_messages: frozenset[str] = frozenset()
    display_name: str = ""  # the table's name as people see it, e.g. "Currency"

    def caption(self, column: str) -> str:
        """What people call ``column`` (also a lookup's ``_x_value``); its logical name else."""
        name = column[1:-6] if column.startswith("_") and column.endswith("_value") else column
        attribute = self.attributes.get(name)
        return (attribute.display_name if attribute else "") or column

    def supports(self, message: str) -> bool:
        return message in self.bulk_messages

    @cached_property
    def by_read_name(self) -> dict[str, AttributeMetadata]:
        return {attribute.read_name: attribute for attribute in self.attributes.values()}


def localized_label(label: dict | None) -> str:
    """The user's label of a Label object (``{"UserLocalizedLabel": {"Label": …}}``)."""
    localized = (label or {}).get("UserLocalizedLabel") or {}
    return localized.get("Label") or ""


class MetadataCache:
    """Entity metadata per table logical name, fetched on first use."""

    def __init__(self, transport: Transport, bulk_enabled: bool = True) -> None:
        self._transport = transport
        self._bulk_enabled = bulk_enabled
        self._entities: dict[str, EntityMetadata] = {}
        self._entity_sets: dict[str, str] = {}
        self._lock = threading.RLock()

    def entity(self, table: str) -> EntityMetadata:
        with self._lock:
            if table not in self._entities:
                self._entities[table] = self._load(table)
                self._entity_sets[table] = self._entities[table].entity_set_name
            return self._entities[table]

    def entity_set_name(self, table: str) -> str:
        """The entity set of ``table``, without loading all its columns (for lookups)."""
        with self._lock:
            if table not in self._entity_sets:
                self._entity_sets[table] = self._definition(table, "EntitySetName")["EntitySetName"]
            return self._entity_sets[table]

    def _load(self, table: str) -> EntityMetadata:
        definition = self._definition(
            table, "LogicalName,EntitySetName,PrimaryIdAttribute,PrimaryNameAttribute,DisplayName"
        )
        entity = EntityMetadata(
            logical_name=table,
            entity_set_name=definition["EntitySetName"],
            primary_id=definition["PrimaryIdAttribute"],
            primary_name=definition.get("PrimaryNameAttribute") or "",
            attributes=self._attributes(table),
            display_name=localized_label(definition.get("DisplayName")),
        )
        self._add_details_and_messages(entity)
        return entity

    def _definition(self, table: str, select: str) -> dict[str, Any]:
        path = f"EntityDefinitions(LogicalName={literal(table)})"
        response = self._get(path, {"$select": select})
        if response.status_code == 404:
            raise ConnectionUnusable(
                f"Table '{table}' does not exist in this Dataverse environment.",
                reason="missing_table",
                status=404,
                code=error_from_body(decode_json(response))[0],
            )
        return self._body(response, f"the metadata of table '{table}'")

    def _attributes(self, table: str) -> dict[str, AttributeMetadata]:
        select = "LogicalName,AttributeType,RequiredLevel,IsValidForCreate,IsValidForUpdate,"
        select += "IsValidForRead,AttributeOf,DisplayName"
        response = self._get(_attributes_path(table), {"$select": select})
        rows = self._body(response, f"the columns of '{table}'").get("value", [])
        return {row["LogicalName"]: _attribute(row) for row in rows}

    def _add_details_and_messages(self, entity: EntityMetadata) -> None:
        """Read the type-specific column properties and the bulk messages in one ``$batch``."""
        types = {a.attribute_type for a in entity.attributes.values()}
        casts = sorted({TYPE_DETAILS[kind] for kind in types if kind in TYPE_DETAILS})
        messages = BULK_MESSAGES if self._bulk_enabled else ()
        urls = [self._cast_url(entity.logical_name, *cast) for cast in casts]
        urls += [self._message_url(entity.logical_name, message) for message in messages]
        answers = batch.get_all(self._transport, urls) if urls else []
        for (cast, _, _), answer in zip(casts, answers, strict=False):
            if answer.status != 200:
                raise_for_response(answer, answer.body, f"reading {cast}")
            for row in answer.body.get("value", []):
                if row.get("LogicalName") in entity.attributes:
                    _add_details(entity.attributes[row["LogicalName"]], row)
        supported = set()
        for message, answer in zip(messages, answers[len(casts) :], strict=False):
            if answer.status != 200:
                # Without the catalogue, $batch (which every table takes) is the safe choice.
                logger.warning(
                    "Cannot tell whether %s supports %s: HTTP %s",
                    entity.logical_name,
                    message,
                    answer.status,
                )
            elif answer.body.get("value"):
                supported.add(message)
        entity.bulk_messages = frozenset(supported)

    def _cast_url(self, table: str, cast: str, extra: str, expand: str) -> str:
        params = {"$select": ",".join(filter(None, ["LogicalName", extra]))}
        if expand:
            params["$expand"] = expand
        return self._transport.url(
            f"{_attributes_path(table)}/Microsoft.Dynamics.CRM.{cast}", params
        )

    def _message_url(self, table: str, message: str) -> str:
        condition = f"sdkmessageid/name eq {literal(message)} and "
        condition += f"primaryobjecttypecode eq {literal(table)}"
        params = {"$select": "sdkmessagefilterid", "$filter": condition}
        return self._transport.url("sdkmessagefilters", params)

    def _get(self, path: str, params: dict[str, str]):
        return self._transport.request("GET", self._transport.url(path, params))

    @staticmethod
    def _body(response, what: str) -> dict[str, Any]:
        body = decode_json(response)
        if response.status_code != 200:
            raise_for_response(response, body, f"reading {what}")
        return body


def raise_for_response(response, body: Any, doing: str) -> None:
    """Raise the error a failed read stands for: privileges stop the job, others are errors."""
    code, message = error_from_body(body)
    status = response.status_code
    detail = message or response.reason or f"HTTP {status}"
    if status in (401, 403):
        raise ConnectionUnusable(
            f"Dataverse refused {doing}: {detail}. Check the application user and its security "
            "role.",
            reason="not_authorized" if status == 403 else "token_rejected",
            status=status,
            code=code,
        )
    raise DataverseError(f"Dataverse refused {doing}: {detail}", status=status, code=code)


def _attributes_path(table: str) -> str:
    return f"EntityDefinitions(LogicalName={literal(table)})/Attributes"


def _attribute(row: dict[str, Any]) -> AttributeMetadata:
    required = row.get("RequiredLevel") or {}
    return AttributeMetadata(
        logical_name=row["LogicalName"],
        attribute_type=str(row.get("AttributeType") or ""),
        required_level=str(required.get("Value") if isinstance(required, dict) else required),
        valid_for_create=bool(row.get("IsValidForCreate", True)),
        valid_for_update=bool(row.get("IsValidForUpdate", True)),
        valid_for_read=bool(row.get("IsValidForRead", True)),
        attribute_of=row.get("AttributeOf"),
        display_name=localized_label(row.get("DisplayName")),
    )


def _add_details(attribute: AttributeMetadata, row: dict[str, Any]) -> None:
    if "MaxLength" in row:
        attribute.max_length = row["MaxLength"]
    if "MinValue" in row:
        attribute.min_value, attribute.max_value = (
            _number(row["MinValue"]),
            _number(row["MaxValue"]),
        )
        attribute.precision = row.get("Precision")
    if "Targets" in row:
        attribute.targets = tuple(row["Targets"] or ())
    if "OptionSet" in row:
        options = (row["OptionSet"] or {}).get("Options") or []
        attribute.options = frozenset(int(option["Value"]) for option in options)
    if "Format" in row:
        attribute.format = row["Format"]


def _number(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))
