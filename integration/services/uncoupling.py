"""Delete Coupling (selected records) and Delete Couplings (whole mappings).

Uncoupling runs as a job of its own (type Uncoupling, counter Uncoupled) with its own log, as
Business Central's background uncoupling does (BC_SYNC_REFERENCE §3.5). Only the coupling
rows go: both records stay. A whole mapping is uncoupled under the mapping's lease, so that
no synchronization of the mapping runs meanwhile and recreates what is being removed.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from synclog.models import SyncJob

from ..engine import MappingBusy, RunOptions
from ..engine.joblog import JobLog
from ..engine.lease import mapping_lease
from ..engine.specs import model_caption
from ..filters import local_model
from ..models import Coupling, IntegrationTableMapping
from .records import RecordSelection, describe_record
from .runs import sync_request_enqueue

CHUNK = 1000


def couplings_delete_request(*, names: list[str], user, return_url=""):
    return sync_request_enqueue(
        action="Delete Couplings",
        task="integration.tasks.coupling.delete_couplings_task",
        args=(list(names),),
        description=", ".join(names),
        user=user,
        return_url=return_url,
    )


def record_couplings_delete_request(*, selection: RecordSelection, user, return_url=""):
    coupled = [r for r in selection.records if selection.coupling(r) is not None]
    if not coupled:
        raise ValidationError("None of the selected records is coupled.")
    description = (
        describe_record(coupled[0]) if len(coupled) == 1 else f"{len(coupled)} {selection.caption}"
    )
    return sync_request_enqueue(
        action="Delete Coupling",
        task="integration.tasks.coupling.delete_record_couplings_task",
        args=(selection.label, [str(r.pk) for r in coupled]),
        description=description,
        user=user,
        return_url=return_url,
    )


def mapping_couplings_delete(
    *, mapping: IntegrationTableMapping, run_id, requested_by="", progress=None
) -> SyncJob:
    """Delete every coupling of ``mapping`` under its lease (skipped job if it is busy)."""
    options = RunOptions(run_id=run_id, requested_by=requested_by, progress=progress)
    wait = float(getattr(settings, "TANDEM_RUN_WAIT_SECONDS", 10))
    try:
        with mapping_lease(mapping, wait=wait) as heartbeat:
            return delete_couplings(mapping, options, heartbeat=heartbeat)
    except MappingBusy as exc:
        log = start_job(mapping, options)
        return log.finish(str(exc), status=SyncJob.Status.SKIPPED)


def record_couplings_delete(
    *, mapping: IntegrationTableMapping, local_ids, run_id, requested_by="", progress=None
) -> SyncJob:
    options = RunOptions(run_id=run_id, requested_by=requested_by, progress=progress)
    return delete_couplings(mapping, options, local_ids=list(local_ids))


def delete_couplings(mapping, options, *, local_ids=None, heartbeat=None) -> SyncJob:
    log = start_job(mapping, options, heartbeat)
    couplings = Coupling.objects.filter(
        local_table=mapping.local_table, dataverse_table=mapping.dataverse_table
    )
    if local_ids is not None:
        couplings = couplings.filter(local_id__in=local_ids)
    log.set_total(couplings.count())
    while True:
        pks = list(couplings.order_by("pk").values_list("pk", flat=True)[:CHUNK])
        if not pks:
            break
        deleted, _ = Coupling.objects.filter(pk__in=pks).delete()
        log.count("uncoupled", deleted)
        log.flush()
    message = "Uncoupling completed." if log.counts["uncoupled"] else "Nothing was coupled."
    return log.finish(message)


def start_job(mapping, options, heartbeat=None) -> JobLog:
    try:
        caption = model_caption(local_model(mapping.local_table))
    except ValidationError:  # a mapping whose table is gone still gets its couplings removed
        caption = mapping.local_table
    job = SyncJob.objects.create(
        table_mapping_name=mapping.name,
        job_type=SyncJob.JobType.UNCOUPLING,
        direction=mapping.direction,
        trigger=options.trigger,
        requested_by=options.requested_by,
        run_id=options.run_id,
        local_table=mapping.local_table,
        local_table_caption=caption,
        dataverse_table=mapping.dataverse_table,
        dataverse_table_caption=mapping.dataverse_table.replace("_", " ").title(),
        status=SyncJob.Status.RUNNING,
        heartbeat_at=timezone.now(),
    )
    return JobLog(job, options, heartbeat)
