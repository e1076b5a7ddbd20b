"""Synchronize Modified Records, Run Full Synchronization and Run Unconditional Full
Synchronization for whole mappings, as requests a worker runs (BC_SYNC_REFERENCE §2.2, §3.2).
"""

from dataclasses import replace

from django.core.exceptions import ValidationError

from synclog.models import SyncJob

from ..engine import RunOptions
from ..models import IntegrationTableMapping
from .full_sync import run_full_synchronization
from .records import BOTH
from .runs import sync_request_enqueue
from .synchronization import synchronize_mapping, synchronize_modified_records

FULL, UNCONDITIONAL = "full", "unconditional"


def modified_records_request(*, names: list[str] | None, user, return_url=""):
    """Synchronize Modified Records for ``names`` (every mapping when None)."""
    return sync_request_enqueue(
        action="Synchronize Modified Records",
        task="integration.tasks.sync.synchronize_modified_records_task",
        args=(list(names) if names else None,),
        description=", ".join(names) if names else "All integration table mappings",
        user=user,
        return_url=return_url,
    )


def modified_records_run(*, run_id, names=None, requested_by="", progress=None) -> list[SyncJob]:
    options = RunOptions(run_id=run_id, requested_by=requested_by, progress=progress)
    return synchronize_modified_records(names=names, options=options)


def check_unconditional(mapping: IntegrationTableMapping) -> None:
    if mapping.direction == BOTH:
        raise ValidationError(
            f"Run Unconditional Full Synchronization is not available for {mapping.name}, "
            "because it synchronizes in both directions. Use Run Full Synchronization."
        )


def mapping_full_sync_request(*, mapping, mode: str, user, return_url=""):
    if mode == UNCONDITIONAL:
        check_unconditional(mapping)
    action = {
        FULL: "Run Full Synchronization",
        UNCONDITIONAL: "Run Unconditional Full Synchronization",
    }[mode]
    return sync_request_enqueue(
        action=action,
        task="integration.tasks.sync.synchronize_mapping_task",
        args=(mapping.name, mode),
        description=mapping.name,
        user=user,
        return_url=return_url,
    )


def mapping_full_sync_run(
    *, run_id, name: str, mode: str, requested_by="", progress=None
) -> list[SyncJob]:
    """Full: watermarks cleared and counterparts created for uncoupled records.
    Unconditional: also every coupled record written again, changed or not."""
    mapping = IntegrationTableMapping.objects.get(name=name)
    options = RunOptions(run_id=run_id, requested_by=requested_by, progress=progress)
    if mode == UNCONDITIONAL:
        check_unconditional(mapping)
        return synchronize_mapping(mapping, options=replace(options, full=True, unconditional=True))
    return run_full_synchronization(names=[name], options=options)
