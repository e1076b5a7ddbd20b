"""Create in Dataverse (from a record list) and Create in ERP (from the Dataverse rows page).

Both create the counterparts of uncoupled records and couple them, whatever Synch. Only
Coupled Records says (BC_SYNC_REFERENCE §3.4): the engine's ``create_new``. Records already
coupled are left alone and counted as such; the engine's exactly-once creation means a
repeated request never makes a second counterpart.
"""

import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from synclog.models import SyncJob

from ..engine import RunOptions
from ..models import Coupling, IntegrationTableMapping
from .records import FROM, TO, RecordSelection, allows, in_table_filter, record_selection
from .runs import sync_request_enqueue, sync_request_note
from .synchronization import synchronize_mapping

CREATE_PENDING = Coupling.Status.PENDING_CREATE


@dataclass
class CreationPlan:
    """What Create in Dataverse would do with a selection."""

    to_create: list  # records
    already_coupled: list
    outside_filter: list


def create_in_dataverse_plan(*, selection: RecordSelection) -> CreationPlan:
    if not allows(selection.mapping, TO):
        raise ValidationError(
            f"The mapping {selection.mapping.name} only synchronizes from Dataverse, so records "
            "cannot be created in Dataverse from here."
        )
    allowed = in_table_filter(selection.mapping, selection.records)
    plan = CreationPlan([], [], [])
    for record in selection.records:
        coupling = selection.coupling(record)
        if coupling is not None and coupling.status != CREATE_PENDING:
            plan.already_coupled.append(record)
        elif record.system_id not in allowed:
            plan.outside_filter.append(record)
        else:
            plan.to_create.append(record)
    return plan


def create_in_dataverse_request(*, selection: RecordSelection, user, return_url=""):
    plan = create_in_dataverse_plan(selection=selection)
    if not plan.to_create:
        raise ValidationError("None of the selected records can be created in Dataverse.")
    return sync_request_enqueue(
        action="Create in Dataverse",
        task="integration.tasks.sync.create_in_dataverse_task",
        args=(selection.label, selection.pks),
        description=f"{len(plan.to_create)} {selection.caption}",
        user=user,
        return_url=return_url,
    )


def create_in_dataverse_run(
    *, run_id, label: str, pks: list, requested_by: str = "", progress=None
) -> list[SyncJob]:
    selection = record_selection(label=label, pks=pks)
    plan = create_in_dataverse_plan(selection=selection)
    skipped = len(plan.already_coupled) + len(plan.outside_filter)
    if skipped:
        sync_request_note(
            run_id,
            f"{len(plan.already_coupled)} records were already coupled and "
            f"{len(plan.outside_filter)} are outside the mapping's table filter.",
        )
    if not plan.to_create:
        return []
    options = RunOptions(
        run_id=run_id,
        requested_by=requested_by,
        progress=progress,
        trigger=SyncJob.Trigger.RECORD,
        local_ids=[r.system_id for r in plan.to_create],
        dataverse_ids=[],
        create_new=True,
        direction=TO,
    )
    return synchronize_mapping(selection.mapping, options=options)


def create_in_erp_request(*, mapping: IntegrationTableMapping, dataverse_ids, user, return_url=""):
    if not allows(mapping, FROM):
        raise ValidationError(
            f"The mapping {mapping.name} only synchronizes to Dataverse, so rows cannot be "
            "created in the ERP from here."
        )
    ids = [str(uuid.UUID(str(i))) for i in dataverse_ids]
    if not ids:
        raise ValidationError("Select one or more rows.")
    return sync_request_enqueue(
        action="Create in ERP",
        task="integration.tasks.sync.create_in_erp_task",
        args=(mapping.name, ids),
        description=f"{len(ids)} Dataverse {mapping.dataverse_table} rows ({mapping.name})",
        user=user,
        return_url=return_url,
    )


def create_in_erp_run(
    *, run_id, name: str, dataverse_ids: list, requested_by: str = "", progress=None
) -> list[SyncJob]:
    """Create and couple a local record for each uncoupled row among ``dataverse_ids``."""
    mapping = IntegrationTableMapping.objects.get(name=name)
    ids = [uuid.UUID(str(i)) for i in dataverse_ids]
    coupled = set(
        Coupling.objects.filter(
            local_table=mapping.local_table,
            dataverse_table=mapping.dataverse_table,
            dataverse_id__in=ids,
            status=Coupling.Status.COUPLED,
        ).values_list("dataverse_id", flat=True)
    )
    if coupled:
        sync_request_note(run_id, f"{len(coupled)} rows were already coupled.")
    ids = [i for i in ids if i not in coupled]
    if not ids:
        return []
    options = RunOptions(
        run_id=run_id,
        requested_by=requested_by,
        progress=progress,
        trigger=SyncJob.Trigger.RECORD,
        dataverse_ids=ids,
        create_new=True,
        direction=FROM,
    )
    return synchronize_mapping(mapping, options=options)
