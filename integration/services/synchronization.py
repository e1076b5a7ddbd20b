"""Synchronize Modified Records, one mapping, or a few records (Synchronize Now)."""

from dataclasses import replace

from django.apps import apps

from synclog.models import SyncJob

from ..connection import ConnectionDisabled, dataverse_client
from ..dataverse.errors import ConnectionUnusable
from ..engine import RunOptions, synchronize
from ..engine.runner import record_failed_start
from ..models import Coupling, IntegrationTableMapping
from ..ordering import job_order


def synchronize_mapping(
    mapping: IntegrationTableMapping, *, options: RunOptions | None = None, client=None
) -> list[SyncJob]:
    """Run one mapping (both directions if bidirectional) and return its jobs."""
    options = options or RunOptions()
    try:
        client = client or dataverse_client()
    except (ConnectionDisabled, ConnectionUnusable) as exc:
        return [record_failed_start(mapping, options, exc)]
    return synchronize(mapping, client, options)


def synchronize_modified_records(
    *, names: list[str] | None = None, options: RunOptions | None = None
) -> list[SyncJob]:
    """Synchronize Modified Records for all mappings (or ``names``), in job order."""
    mappings = IntegrationTableMapping.objects.all()
    if names:
        mappings = mappings.filter(name__in=names)
    options = options or RunOptions()
    jobs, client = [], None
    for mapping in job_order(list(mappings)):
        client = client or connected_client(mapping, options, jobs)
        if client is not None:
            jobs += synchronize(mapping, client, options)
    return jobs


def connected_client(mapping, options, jobs):
    """A client for the connection, or None after recording why there is none."""
    try:
        return dataverse_client()
    except (ConnectionDisabled, ConnectionUnusable) as exc:
        jobs.append(record_failed_start(mapping, options, exc))
        return None


def mappings_for_model(model) -> list[IntegrationTableMapping]:
    label = model._meta.label_lower
    return list(IntegrationTableMapping.objects.filter(local_table=label).order_by("name"))


def synchronize_records(
    records,
    *,
    direction: str | None = None,
    force: bool = False,
    create_new: bool = False,
    options: RunOptions | None = None,
) -> list[SyncJob]:
    """Synchronize Now: these local records, through every mapping of their table.

    ``direction`` None merges (To then From, field by field); Send and Get pass a direction
    and ``force`` so that every mapped value that differs is written.
    """
    records = list(records)
    if not records:
        return []
    model = type(records[0])
    local_ids = [r.system_id for r in records]
    jobs = []
    for mapping in mappings_for_model(model):
        coupled = list(
            Coupling.objects.filter(
                local_table=mapping.local_table,
                dataverse_table=mapping.dataverse_table,
                local_id__in=local_ids,
            ).values_list("dataverse_id", flat=True)
        )
        run = replace(
            options or RunOptions(),
            local_ids=local_ids,
            dataverse_ids=coupled,
            direction=direction,
            force=force,
            create_new=create_new,
            trigger=SyncJob.Trigger.RECORD,
        )
        jobs += synchronize_mapping(mapping, options=run)
    return jobs


def record_by_label(label: str, pk):
    model = apps.get_model(label)
    return model._default_manager.get(pk=pk)
