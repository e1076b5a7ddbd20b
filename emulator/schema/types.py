"""The vocabulary of the emulated Dataverse schema: tables, columns and their choices.

Everything the emulator knows about a table (storage, validation, serialization, metadata) is
derived from these declarations, so a column is described once, with Dataverse's own names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

# Attribute types whose values are stored in a column of their own.
STRING_TYPES = frozenset({"String", "Memo", "EntityName"})
NUMBER_TYPES = frozenset({"Integer", "BigInt", "Decimal", "Money", "Double"})
CHOICE_TYPES = frozenset({"Picklist", "State", "Status"})
LOOKUP_TYPES = frozenset({"Lookup", "Owner", "Customer"})

NONE, RECOMMENDED, APPLICATION, SYSTEM = (
    "None",
    "Recommended",
    "ApplicationRequired",
    "SystemRequired",
)


@dataclass(frozen=True)
class Option:
    value: int
    label: str
    # State options name their default status; status options name their state.
    default_status: int | None = None
    state: int | None = None
    invariant_name: str | None = None


@dataclass(frozen=True)
class Attribute:
    logical_name: str
    type: str
    display_name: str = ""
    schema_name: str = ""
    required: str = NONE
    max_length: int | None = None
    format: str | None = None
    min_value: int | Decimal | float | None = None
    max_value: int | Decimal | float | None = None
    precision: int | None = None
    targets: tuple[str, ...] = ()
    options: tuple[Option, ...] = ()
    default: object = None
    valid_for_create: bool = True
    valid_for_update: bool = True
    valid_for_read: bool = True
    date_behavior: str = "UserLocal"
    # What deleting the referenced row does to this lookup: Cascade, RemoveLink or Restrict.
    on_delete: str = "RemoveLink"
    # The column this one is derived from (the _base twin of a money column, a composite).
    attribute_of: str | None = None
    is_primary_id: bool = False
    is_primary_name: bool = False

    @property
    def is_lookup(self) -> bool:
        return self.type in LOOKUP_TYPES

    @property
    def read_only(self) -> bool:
        return not self.valid_for_create and not self.valid_for_update

    @property
    def lookup_property(self) -> str:
        """The name a lookup has in JSON payloads and queries: ``_<name>_value``."""
        return f"_{self.logical_name}_value"

    @property
    def label(self) -> str:
        return self.display_name or self.logical_name

    @property
    def schema(self) -> str:
        return self.schema_name or self.logical_name.capitalize()

    def option(self, value: int) -> Option | None:
        return next((option for option in self.options if option.value == value), None)


@dataclass(frozen=True)
class Table:
    logical_name: str
    entity_set_name: str
    primary_id: str
    primary_name: str
    object_type_code: int
    ownership: str
    display_name: str
    display_collection_name: str
    attributes: tuple[Attribute, ...]
    schema_name: str = ""
    supports_multiple: bool = True
    # The column whose value must be unique (compared case-insensitively) and its error.
    unique_column: str | None = None
    unique_error: tuple[str, str] | None = None
    description: str = ""
    extra: dict = field(default_factory=dict)

    @cached_property
    def columns(self) -> dict[str, Attribute]:
        return {attribute.logical_name: attribute for attribute in self.attributes}

    @cached_property
    def defaults(self) -> dict:
        """A new row before the request's values: every column, with its default."""
        return {attribute.logical_name: attribute.default for attribute in self.attributes}

    @cached_property
    def system_required(self) -> tuple[Attribute, ...]:
        return tuple(a for a in self.attributes if a.required == SYSTEM)

    @cached_property
    def money_columns(self) -> tuple[str, ...]:
        """Money columns entered by users (not their read-only base-currency twins)."""
        return tuple(
            a.logical_name for a in self.attributes if a.type == "Money" and not a.attribute_of
        )

    @cached_property
    def lookups(self) -> dict[str, Attribute]:
        return {a.logical_name: a for a in self.attributes if a.is_lookup}

    @cached_property
    def by_lookup_property(self) -> dict[str, Attribute]:
        return {a.lookup_property: a for a in self.attributes if a.is_lookup}

    @cached_property
    def navigation_properties(self) -> dict[str, tuple[Attribute, str]]:
        """Single-valued navigation property name -> (lookup column, target table).

        A lookup with one target keeps its own name; a Customer lookup gets one property per
        target (``parentcustomerid_account``); an Owner lookup is bound as ``ownerid``.
        """
        properties: dict[str, tuple[Attribute, str]] = {}
        for attribute in self.lookups.values():
            if attribute.type == "Customer":
                for target in attribute.targets:
                    properties[f"{attribute.logical_name}_{target}"] = (attribute, target)
            else:
                properties[attribute.logical_name] = (attribute, attribute.targets[0])
        return properties

    @property
    def schema(self) -> str:
        return self.schema_name or self.logical_name.capitalize()

    @property
    def has_state(self) -> bool:
        return "statecode" in self.columns

    @property
    def is_user_owned(self) -> bool:
        return self.ownership == "UserOwned"

    def type_name(self) -> str:
        return f"Microsoft.Dynamics.CRM.{self.logical_name}"
