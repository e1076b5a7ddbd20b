"""Storage: one concrete table per emulated Dataverse table, built from the schema declarations.

Each Dataverse column is a real, typed database column named by its logical name, so
``$filter`` and ``$orderby`` become plain SQL on indexed columns where it matters
(the primary key for paging, ``versionnumber`` for change tracking, ``modifiedon`` for
incremental reads). ``versionnumber`` comes from one global counter, like SQL Server's
rowversion, which makes a change-tracking token a single number that costs one index seek.
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Upper

from .schema import TABLES, Table
from .schema.types import Attribute

# Lookups that are searched when the row they point at is deleted (cascade or remove link).
INDEXED_LOOKUPS = {"parentcustomerid", "parentaccountid", "primarycontactid", "uomscheduleid"}


def model_field(attribute: Attribute) -> models.Field:
    """The database column for one Dataverse attribute."""
    kind = attribute.type
    if attribute.is_primary_id:
        return models.UUIDField(primary_key=True)
    if kind == "String":
        return models.CharField(max_length=attribute.max_length, null=True)
    if kind == "Memo":
        return models.TextField(null=True)
    if kind == "EntityName":
        return models.CharField(max_length=64, null=True)
    if kind in ("Integer", "Picklist", "State", "Status"):
        return models.IntegerField(null=True)
    if kind == "BigInt":
        return models.BigIntegerField(null=True, db_index=attribute.logical_name == "versionnumber")
    if kind in ("Decimal", "Money"):
        # Money is kept with four decimals, as Dataverse stores it, whatever it displays.
        places = 4 if kind == "Money" else attribute.precision
        return models.DecimalField(max_digits=28, decimal_places=places, null=True)
    if kind == "Double":
        return models.FloatField(null=True)
    if kind == "Boolean":
        return models.BooleanField(null=True)
    if kind == "DateTime":
        if attribute.date_behavior == "DateOnly":
            return models.DateField(null=True)
        return models.DateTimeField(null=True, db_index=attribute.logical_name == "modifiedon")
    if kind in ("Lookup", "Owner", "Customer", "Uniqueidentifier"):
        return models.UUIDField(null=True, db_index=attribute.logical_name in INDEXED_LOOKUPS)
    raise ValueError(f"no column type for {kind}")


def build_row_model(table: Table) -> type[models.Model]:
    constraints = []
    if table.unique_column:
        constraints.append(
            models.UniqueConstraint(
                Upper(table.unique_column), name=f"emulator_{table.logical_name}_unique_key"
            )
        )
    meta = type(
        "Meta",
        (),
        {"db_table": f"emulator_{table.logical_name}", "constraints": constraints},
    )
    body = {"__module__": __name__, "Meta": meta}
    for attribute in table.attributes:
        body[attribute.logical_name] = model_field(attribute)
    return type(table.schema, (models.Model,), body)


ROW_MODELS: dict[str, type[models.Model]] = {
    table.logical_name: build_row_model(table) for table in TABLES
}
Account = ROW_MODELS["account"]
Contact = ROW_MODELS["contact"]
SystemUser = ROW_MODELS["systemuser"]
BusinessUnit = ROW_MODELS["businessunit"]
TransactionCurrency = ROW_MODELS["transactioncurrency"]
Product = ROW_MODELS["product"]
UomSchedule = ROW_MODELS["uomschedule"]
Uom = ROW_MODELS["uom"]


class Tombstone(models.Model):
    """A deleted row, kept so that change tracking can report it as ``$deletedEntity``."""

    table = models.CharField(max_length=64)
    row_id = models.UUIDField()
    versionnumber = models.BigIntegerField()
    deleted_on = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["table", "versionnumber"], name="emulator_tombstone_version"),
            models.Index(fields=["table", "row_id"], name="emulator_tombstone_row"),
        ]

    def __str__(self) -> str:
        return f"{self.table}({self.row_id}) deleted at version {self.versionnumber}"


class Counter(models.Model):
    """The global row version: bumped inside every writing transaction, so its row lock
    (or SQLite's single writer) makes versions commit in the order they were handed out."""

    name = models.CharField(max_length=32, primary_key=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} = {self.value}"
