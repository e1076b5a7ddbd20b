"""Set Up Coupling: couple one local record to a Dataverse row chosen by name.

The rules are Business Central's (BC_SYNC_REFERENCE §1.3): a row is coupled to at most one
record of a table and a record to at most one row; a coupling whose local record no longer
exists is stale and is removed when its row is coupled again. A new coupling has empty
baselines, which the engine reads as "everything changed": synchronizing right after it in a
chosen direction (Send or Get) makes both sides agree.
"""

import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ..dataverse import DataverseError, odata
from ..filters import local_model
from ..models import Coupling, IntegrationTableMapping
from .creation import create_in_dataverse_request
from .dataverse_rows import DataverseUnavailable, page_client
from .records import RecordSelection, describe_record, in_table_filter
from .synchronize_now import synchronize_now_request

SEARCH_LIMIT = 20


@dataclass
class RowChoice:
    """A Dataverse row offered on the Set Up Coupling page."""

    id: uuid.UUID
    name: str
    coupled_to: str = ""  # the local record it is coupled to, described


@dataclass
class RowSearch:
    rows: list[RowChoice]
    problem: str = ""
    more: bool = False


def dataverse_row_search(*, mapping: IntegrationTableMapping, text: str, client=None):
    """Rows of the mapping's table (within its filter) whose name contains ``text``."""
    try:
        client = client or page_client()
        entity = client.entity(mapping.dataverse_table)
        name = entity.primary_name
        condition = odata.contains(name, text.strip()) if text.strip() else ""
        rows = list(
            client.query(
                mapping.dataverse_table,
                select=[entity.primary_id, name],
                filter=odata.and_(mapping.integration_table_filter, condition) or None,
                orderby=name,
                top=SEARCH_LIMIT + 1,
            )
        )
    except (DataverseUnavailable, DataverseError, ValueError) as exc:
        return RowSearch([], f"Dataverse could not be searched: {exc}")
    choices = [RowChoice(uuid.UUID(str(r[entity.primary_id])), r.get(name) or "") for r in rows]
    describe_couplings(mapping, choices[:SEARCH_LIMIT])
    return RowSearch(choices[:SEARCH_LIMIT], more=len(choices) > SEARCH_LIMIT)


def describe_couplings(mapping, choices: list[RowChoice]) -> None:
    couplings = dict(
        Coupling.objects.filter(
            local_table=mapping.local_table,
            dataverse_table=mapping.dataverse_table,
            dataverse_id__in=[c.id for c in choices],
        ).values_list("dataverse_id", "local_id")
    )
    if not couplings:
        return
    model = local_model(mapping.local_table)
    found = model._default_manager.filter(system_id__in=list(couplings.values()))
    records = {r.system_id: r for r in found}
    for choice in choices:
        local_id = couplings.get(choice.id)
        if local_id is not None:
            record = records.get(local_id)
            choice.coupled_to = describe_record(record) if record else "a deleted record"


def dataverse_row_name(mapping, dataverse_id, client=None) -> str:
    """The row's name; ValidationError when the table has no such row."""
    client = client or page_client()
    entity = client.entity(mapping.dataverse_table)
    select = [entity.primary_id] + ([entity.primary_name] if entity.primary_name else [])
    rows = list(client.get_many(mapping.dataverse_table, [dataverse_id], select=select))
    if not rows:
        raise ValidationError(
            f"There is no Dataverse {mapping.dataverse_table} row with the id {dataverse_id}."
        )
    return str(rows[0].get(entity.primary_name) or dataverse_id)


def record_couple(
    *, record, mapping: IntegrationTableMapping, dataverse_id, replace=False, client=None
) -> Coupling:
    """Couple ``record`` to the row ``dataverse_id`` (with Business Central's validations).

    ``replace``: a record already coupled to another row is re-coupled (Set Up Coupling);
    otherwise that is an error (the couple command).
    """
    dataverse_id = uuid.UUID(str(dataverse_id))
    if record.system_id not in in_table_filter(mapping, [record]):
        raise ValidationError(
            f"{describe_record(record)} is outside the table filter of the {mapping.name} "
            "mapping, so it cannot be coupled."
        )
    try:
        name = dataverse_row_name(mapping, dataverse_id, client)
    except (DataverseUnavailable, DataverseError) as exc:
        raise ValidationError(f"Dataverse could not be read: {exc}") from exc
    try:
        with transaction.atomic():
            return write_coupling(record, mapping, dataverse_id, name, replace)
    except IntegrityError:
        raise ValidationError(
            f"{describe_record(record)} or the Dataverse row {name} was coupled by someone "
            "else at the same moment. Try again."
        ) from None


def write_coupling(record, mapping, dataverse_id, name, replace) -> Coupling:
    tables = {"local_table": mapping.local_table, "dataverse_table": mapping.dataverse_table}
    taken = Coupling.objects.filter(**tables, dataverse_id=dataverse_id).first()
    if taken is not None and taken.local_id != record.system_id:
        other = type(record)._default_manager.filter(system_id=taken.local_id).first()
        if other is not None and taken.local_deleted_at is None:
            raise ValidationError(
                f"Cannot couple {describe_record(record)} to the Dataverse "
                f"{mapping.dataverse_table} row {name}, because that row is already coupled "
                f"to {describe_record(other)}."
            )
        taken.delete()  # a stale coupling: its local record is gone
    mine = Coupling.objects.filter(**tables, local_id=record.system_id).first()
    if mine is not None and mine.dataverse_id == dataverse_id:
        return mine
    if mine is not None:
        if not replace:
            raise ValidationError(
                f"Cannot couple the Dataverse {mapping.dataverse_table} row {name} to "
                f"{describe_record(record)}, because {describe_record(record)} is already "
                f"coupled to another Dataverse {mapping.dataverse_table} row. Uncouple it first."
            )
        mine.delete()
    return Coupling.objects.create(**tables, local_id=record.system_id, dataverse_id=dataverse_id)


@dataclass
class SetUpResult:
    message: str
    request: object = None  # the SyncRequest to follow, when work was queued


def coupling_set_up(
    *,
    selection: RecordSelection,
    dataverse_id=None,
    create_new: bool = False,
    synchronize: str = "",
    user=None,
    return_url: str = "",
) -> SetUpResult:
    """The OK of the Set Up Coupling page: couple (and synchronize), or Create New."""
    record = selection.records[0]
    if create_new:
        if selection.is_coupled(record):
            raise ValidationError(f"{describe_record(record)} is already coupled.")
        request = create_in_dataverse_request(selection=selection, user=user, return_url=return_url)
        return SetUpResult(f"{describe_record(record)} will be created in Dataverse.", request)
    if not dataverse_id:
        raise ValidationError("Choose the Dataverse row to couple to, or choose Create New.")
    coupling = record_couple(
        record=record, mapping=selection.mapping, dataverse_id=dataverse_id, replace=True
    )
    selection.couplings[record.system_id] = coupling
    message = f"{describe_record(record)} is coupled to Dataverse row {coupling.dataverse_id}."
    if not synchronize:
        return SetUpResult(message)
    request = synchronize_now_request(
        selection=selection, choice=synchronize, user=user, return_url=return_url
    )
    return SetUpResult(message, request)
