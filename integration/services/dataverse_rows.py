"""Dataverse rows as the admin pages show them: whether they exist, their name, modifiedon.

Pages read Dataverse while a person waits, so they use a client with short timeouts and few
retries, and a page that cannot reach Dataverse still renders: the rows' state is then
"unknown" and the reason is shown once at the top instead of an error page.
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..connection import ConnectionDisabled, dataverse_client
from ..dataverse import DataverseClient, DataverseError, EntityMetadata

# A person is waiting: give up after seconds, not minutes.
PAGE_CLIENT_OPTIONS = {
    "connect_timeout": 5.0,
    "read_timeout": 20.0,
    "max_attempts": 2,
    "max_retry_seconds": 10.0,
    "backoff_base": 0.2,
    "backoff_max": 1.0,
}

RowKey = tuple[str, uuid.UUID]  # (Dataverse table, row id)


class DataverseUnavailable(Exception):
    """Dataverse cannot be asked right now; the message says why, for the page."""


def page_client() -> DataverseClient:
    """Return a client for the connection set up in Tandem, tuned for a waiting person."""
    try:
        return dataverse_client(**PAGE_CLIENT_OPTIONS)
    except ConnectionDisabled as exc:
        raise DataverseUnavailable(str(exc)) from exc


@dataclass(frozen=True)
class RowState:
    """One Dataverse row: ``exists`` is None when Dataverse could not be asked."""

    exists: bool | None
    name: str = ""
    modified_on: object = None


UNKNOWN = RowState(exists=None)


@dataclass
class RowStates:
    """The state of a set of rows, and why it is unknown when Dataverse could not be read."""

    states: dict[RowKey, RowState] = field(default_factory=dict)
    problem: str = ""

    def get(self, table: str, row_id: uuid.UUID) -> RowState:
        return self.states.get((table, row_id), UNKNOWN)


def read_row_states(keys: Iterable[RowKey], client: DataverseClient | None = None) -> RowStates:
    """Read whether each row exists, with its name and modifiedon: one get_many per table."""
    by_table: dict[str, list[uuid.UUID]] = defaultdict(list)
    for table, row_id in dict.fromkeys(keys):
        by_table[table].append(row_id)
    result = RowStates()
    if not by_table:
        return result
    try:
        client = client or page_client()
        for table, ids in by_table.items():
            result.states.update(_states_of(client, table, ids))
    except (DataverseUnavailable, DataverseError) as exc:
        result.states.clear()
        result.problem = describe_problem(exc)
    return result


def _states_of(client: DataverseClient, table: str, ids: list[uuid.UUID]) -> dict:
    entity = client.entity(table)
    select = [entity.primary_id, "modifiedon"]
    if entity.primary_name:
        select.append(entity.primary_name)
    states = {(table, row_id): RowState(exists=False) for row_id in ids}
    for row in client.get_many(table, ids, select=select):
        row_id = uuid.UUID(str(row[entity.primary_id]))
        name = str(row.get(entity.primary_name) or "") if entity.primary_name else ""
        states[(table, row_id)] = RowState(True, name, row.get("modifiedon"))
    return states


def describe_problem(exc: Exception) -> str:
    message = getattr(exc, "message", "") or str(exc)
    return f"Dataverse could not be read, so whether its rows exist is not known: {message}"


@dataclass
class DataverseRow:
    """One row read in full for the Dataverse row page."""

    entity: EntityMetadata
    values: dict

    @property
    def name(self) -> str:
        return str(self.values.get(self.entity.primary_name) or "")

    def columns(self) -> list[tuple[str, str, object]]:
        """Return (column, display name, value) by display name, without OData annotations."""
        columns = [(k, self.entity.caption(k), v) for k, v in self.values.items() if "@" not in k]
        return sorted(columns, key=lambda column: (column[1].lower(), column[0]))


def read_row(table: str, row_id: uuid.UUID) -> DataverseRow | None:
    """Return the row with every column, or None when no such row exists.

    Raises ``DataverseUnavailable`` when Dataverse cannot be asked (or has no such table).
    """
    try:
        with page_client() as client:
            entity = client.entity(table)
            rows = list(client.get_many(table, [row_id]))
    except DataverseError as exc:
        raise DataverseUnavailable(describe_problem(exc)) from exc
    return DataverseRow(entity, rows[0]) if rows else None


def delete_rows(table: str, ids: list[uuid.UUID], client: DataverseClient) -> dict:
    """Delete rows; return {row id: error message or ""} (a row already gone counts as done)."""
    results = client.delete_many(table, ids)
    return {
        uuid.UUID(str(result.id)): "" if result.ok else str(result.error or "refused")
        for result in results
    }
