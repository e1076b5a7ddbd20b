"""The tables the emulator serves, looked up by logical name or entity set name."""

from .customers import ACCOUNT, CONTACT
from .organisation import BUSINESSUNIT, SYSTEMUSER, TRANSACTIONCURRENCY
from .products import PRODUCT, UOM, UOMSCHEDULE
from .types import Attribute, Option, Table

TABLES: tuple[Table, ...] = (
    ACCOUNT,
    CONTACT,
    SYSTEMUSER,
    BUSINESSUNIT,
    TRANSACTIONCURRENCY,
    PRODUCT,
    UOMSCHEDULE,
    UOM,
)
BY_LOGICAL_NAME: dict[str, Table] = {table.logical_name: table for table in TABLES}
BY_ENTITY_SET: dict[str, Table] = {table.entity_set_name: table for table in TABLES}

# Lookup targets that are real Dataverse tables the emulator does not serve.
UNSERVED_TABLES = {"team": "teams", "organization": "organizations", "pricelevel": "pricelevels"}


def entity_set_of(logical_name: str) -> str:
    table = BY_LOGICAL_NAME.get(logical_name)
    return table.entity_set_name if table else UNSERVED_TABLES[logical_name]


def referencing_lookups(logical_name: str) -> list[tuple[Table, Attribute]]:
    """Every (table, lookup column) that can point at a row of ``logical_name``."""
    return [
        (table, attribute)
        for table in TABLES
        for attribute in table.lookups.values()
        if logical_name in attribute.targets and attribute.valid_for_create
    ]


__all__ = [
    "TABLES",
    "BY_LOGICAL_NAME",
    "BY_ENTITY_SET",
    "UNSERVED_TABLES",
    "Attribute",
    "Option",
    "Table",
    "entity_set_of",
    "referencing_lookups",
]
