"""Rows of the error tables: each error's source and destination, links and actions.

The source is the side a record was read from: for a job To Integration Table the local
record (its destination the Dataverse row), for a job From Integration Table the other way
round. Links and actions come from the providers in ``synclog.hooks``, asked once per page.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from . import hooks
from .models import SyncDirection, SyncJobError


@dataclass
class Side:
    """One side of an error's record, as shown in the Source or Destination column."""

    ref: hooks.RecordRef | None
    table: str
    description: str
    url: str | None = None

    @property
    def label(self) -> str:
        if self.description:
            return self.description
        return str(self.ref.id) if self.ref else ""


@dataclass
class ErrorRow:
    error: SyncJobError
    source: Side
    destination: Side
    actions: list[hooks.RecordAction] = field(default_factory=list)


def local_side(error: SyncJobError) -> Side:
    ref = None
    if error.local_id:
        ref = hooks.RecordRef(hooks.LOCAL, error.local_table, error.local_id)
    return Side(ref, error.local_table, error.local_description)


def dataverse_side(error: SyncJobError) -> Side:
    ref = None
    if error.dataverse_id:
        ref = hooks.RecordRef(hooks.DATAVERSE, error.dataverse_table, error.dataverse_id)
    return Side(ref, error.dataverse_table, error.dataverse_description)


def sides(error: SyncJobError) -> tuple[Side, Side]:
    """Return (source, destination) of an error from its job's direction."""
    local, dataverse = local_side(error), dataverse_side(error)
    if error.job.direction == SyncDirection.FROM_INTEGRATION_TABLE:
        return dataverse, local
    return local, dataverse


def error_rows(errors: Sequence[SyncJobError], request) -> list[ErrorRow]:
    """Return one row per error with its links and actions filled in by the providers."""
    errors = list(errors)
    rows = [ErrorRow(error, *sides(error)) for error in errors]
    every_side = [side for row in rows for side in (row.source, row.destination)]
    urls = hooks.links_for([side.ref for side in every_side if side.ref], request)
    for side in every_side:
        side.url = urls.get(side.ref) if side.ref else None
    actions = hooks.actions_for(errors, request)
    for row in rows:
        row.actions = actions.get(row.error.pk, [])
    return rows
