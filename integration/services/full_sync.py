"""Run Full Synchronization: every mapping, in dependency order, creating what is missing.

For the run, Synch. Only Coupled Records is set aside so that uncoupled records get a
counterpart; at the end the administrator decides whether scheduled runs go on creating new
records (keep the option cleared) or not (restore it).
"""

from dataclasses import replace

from synclog.models import SyncJob

from ..engine import RunOptions
from ..models import IntegrationTableMapping
from ..ordering import job_order
from .synchronization import connected_client, synchronize_mapping

KEEP = "keep"
RESTORE = "restore"


def run_full_synchronization(
    *, names: list[str] | None = None, create_new: str = RESTORE, options: RunOptions | None = None
) -> list[SyncJob]:
    mappings = IntegrationTableMapping.objects.all()
    if names:
        mappings = mappings.filter(name__in=names)
    base = replace(
        options or RunOptions(),
        full=True,
        create_new=True,
        trigger=SyncJob.Trigger.FULL_SYNCHRONIZATION,
    )
    jobs, client = [], None
    for mapping in job_order(list(mappings)):
        client = client or connected_client(mapping, base, jobs)
        if client is not None:
            jobs += synchronize_mapping(mapping, options=replace(base), client=client)
    apply_create_new_answer(mappings, create_new)
    return jobs


def apply_create_new_answer(mappings, answer: str) -> None:
    """Yes (keep): scheduled runs create new records too. No (restore): only coupled ones."""
    if answer == KEEP:
        IntegrationTableMapping.objects.filter(pk__in=[m.pk for m in mappings]).update(
            synch_only_coupled_records=False
        )


def full_sync_run_recommended(*, create_new: str = RESTORE, progress=None) -> list[SyncJob]:
    """Run Full Synchronization from the command line, the way the review page runs it.

    The review's lines are rebuilt and given their recommendations, then run here, one after
    the other in job order (which puts every line after its dependencies), and the answer to
    the question about Synch. Only Coupled Records is given at the end.
    """
    from . import review

    review.full_sync_review_build()
    review.full_sync_review_analyze(preview=False)
    review.full_sync_review_mark_waiting()
    jobs = []
    while names := review.full_sync_review_claim_eligible():
        for name in names:
            jobs += review.full_sync_review_line_run(name=name, chain=False, progress=progress)
    review.full_sync_review_answer(keep_cleared=create_new == KEEP)
    return jobs
