"""Run Full Synchronization through the Full Synchronization Review (BC_SYNC_REFERENCE §3.1).

One line per mapping, in job order, with a recommendation from the data on both sides. Sync
All marks every line not yet run as waiting; a line starts (as a django-q2 task) once the
lines of the mappings in its dependency filter have finished, and when a line's task ends it
starts the lines that have become eligible, so the chain runs itself. A Full Synchronization
line runs its mapping with watermarks cleared and Synch. Only Coupled Records set aside (the
engine's ``create_new``; the mapping itself is not changed). A Couple Records line runs
match-based coupling. When every line has finished, the administrator answers whether
scheduled jobs go on creating new records: Yes clears Synch. Only Coupled Records on the
mappings that ran a full synchronization, No leaves them as they were.
"""

import logging
import uuid
from dataclasses import replace

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from synclog.models import SyncJob

from ..connection import ConnectionDisabled, dataverse_client
from ..dataverse import DataverseError
from ..engine import JobStopped, RunOptions
from ..models import FullSyncReviewLine, IntegrationTableMapping
from ..ordering import job_order
from .background import enqueue
from .matching import match_based_coupling_run
from .review_analysis import mapping_analyze
from .runs import user_name
from .synchronization import synchronize_mapping

logger = logging.getLogger(__name__)
Line = FullSyncReviewLine
Status = FullSyncReviewLine.Status
Recommendation = FullSyncReviewLine.Recommendation
LINE_TASK = "integration.tasks.sync.full_sync_review_line_task"
ANALYZE_TASK = "integration.tasks.sync.full_sync_review_analyze_task"


class ReviewBusy(Exception):
    """Lines are running: the review cannot be reset now."""


def full_sync_review_lines() -> list[FullSyncReviewLine]:
    return list(Line.objects.order_by("position", "name"))


def full_sync_review_build() -> list[FullSyncReviewLine]:
    """Replace the lines with one per mapping, in job order, not yet analyzed."""
    if Line.objects.filter(status__in=[Status.READY, Status.IN_PROCESS]).exists():
        raise ReviewBusy("Lines are still running. Reset the review when they have finished.")
    mappings = job_order(list(IntegrationTableMapping.objects.all()))
    with transaction.atomic():
        Line.objects.all().delete()
        Line.objects.bulk_create(
            Line(
                name=m.name,
                position=n,
                dependency_filter=m.dependency_filter,
                direction=m.direction,
            )
            for n, m in enumerate(mappings)
        )
    return full_sync_review_lines()


def full_sync_review_reset() -> list[FullSyncReviewLine]:
    """Reset: rebuild the lines and analyze them (recommendation and preview) on a worker."""
    lines = full_sync_review_build()
    enqueue(ANALYZE_TASK)
    return lines


def full_sync_review_analyze(*, preview: bool = True, client=None) -> None:
    mappings = {m.name: m for m in IntegrationTableMapping.objects.all()}
    problem = ""
    if client is None:
        try:
            client = dataverse_client()
        except (ConnectionDisabled, DataverseError) as exc:
            problem = str(exc)
    for line in full_sync_review_lines():
        mapping = mappings.get(line.name)
        if mapping is not None:
            analyze_line(line, mapping, client, preview, problem)


def analyze_line(line, mapping, client, preview, problem="") -> None:
    fields = {"analyzed_at": timezone.now(), "analysis_message": ""}
    try:
        if client is None:
            raise JobStopped(problem or "There is no usable connection to Dataverse.")
        result = mapping_analyze(mapping=mapping, client=client, preview=preview)
        fields.update(vars(result))
    except (JobStopped, DataverseError, ValueError) as exc:
        fields["analysis_message"] = f"The recommendation could not be computed: {exc}"
    except Exception as exc:  # one broken mapping must not leave the others unanalyzed
        logger.exception("Analyzing %s for the full synchronization review failed", line.name)
        fields["analysis_message"] = f"The recommendation could not be computed: {exc}"
    Line.objects.filter(pk=line.pk).update(**fields)


def full_sync_review_start(*, user=None) -> list[str]:
    """Sync All: every line not run yet waits for its dependencies, then runs."""
    full_sync_review_mark_waiting(user=user)
    return full_sync_review_start_eligible()


def full_sync_review_mark_waiting(*, user=None) -> int:
    return (
        Line.objects.filter(status=Status.NOT_STARTED, analyzed_at__isnull=False)
        .exclude(recommendation="")
        .update(status=Status.WAITING, requested_by=user_name(user), message="")
    )


def full_sync_review_restart(*, name: str, user=None) -> list[str]:
    """Restart one line that finished or failed (and whatever waits for it)."""
    Line.objects.filter(name=name, status__in=[Status.FINISHED, Status.ERROR]).update(
        status=Status.WAITING, requested_by=user_name(user), message=""
    )
    return full_sync_review_start_eligible()


def full_sync_review_claim_eligible() -> list[str]:
    """Mark the waiting lines whose dependencies have finished as ready; return their names.

    Lines with nothing to synchronize finish at once, which may free further lines. The
    claim is a conditional UPDATE, so two lines finishing together never start a third
    twice.
    """
    claimed = []
    while True:
        lines = {line.name: line for line in full_sync_review_lines()}
        eligible = [
            line
            for line in lines.values()
            if line.status == Status.WAITING and dependencies_met(line, lines)
        ]
        if not eligible:
            return claimed
        for line in eligible:
            if line.recommendation == Recommendation.NO_RECORDS:
                finish_line(line, Status.FINISHED, "There are no records to synchronize.")
            elif claim(line):
                claimed.append(line.name)
        if not any(line.recommendation == Recommendation.NO_RECORDS for line in eligible):
            return claimed


def dependencies_met(line, lines) -> bool:
    """A dependency outside the review, or one whose line finished, is met."""
    return all(lines[name].status == Status.FINISHED for name in line.dependencies if name in lines)


def claim(line) -> bool:
    return (
        Line.objects.filter(pk=line.pk, status=Status.WAITING).update(
            status=Status.READY, run_id=uuid.uuid4(), started_at=None, finished_at=None
        )
        == 1
    )


def full_sync_review_start_eligible() -> list[str]:
    names = full_sync_review_claim_eligible()
    for name in names:
        enqueue(LINE_TASK, name)
    return names


def full_sync_review_line_run(*, name: str, chain: bool = True, progress=None) -> list[SyncJob]:
    """Run one ready line; with ``chain``, start the lines it made eligible afterwards."""
    started = Line.objects.filter(name=name, status=Status.READY).update(
        status=Status.IN_PROCESS, started_at=timezone.now()
    )
    if not started:
        return []  # another worker has it, or the review was reset
    line = Line.objects.get(name=name)
    jobs, status, message = [], Status.ERROR, ""
    try:
        jobs = run_line(line, progress)
        status, message = line_outcome(jobs)
    except Exception as exc:  # the line shows the error; its dependants keep waiting
        logger.exception("The full synchronization line %s failed", name)
        message = f"{type(exc).__name__}: {exc}"
    finish_line(line, status, message)
    if chain:
        full_sync_review_start_eligible()
    return jobs


def run_line(line, progress) -> list[SyncJob]:
    mapping = IntegrationTableMapping.objects.filter(name=line.name).first()
    if mapping is None:
        raise JobStopped(f"The mapping {line.name} no longer exists. Reset the review.")
    options = RunOptions(
        run_id=line.run_id,
        requested_by=line.requested_by,
        trigger=SyncJob.Trigger.FULL_SYNCHRONIZATION,
        progress=progress,
    )
    if line.recommendation == Recommendation.COUPLE_RECORDS:
        return match_based_coupling_run(
            mapping=mapping, run_id=line.run_id, requested_by=line.requested_by, progress=progress
        )
    if line.synch_only_coupled_before is None:
        Line.objects.filter(pk=line.pk).update(
            synch_only_coupled_before=mapping.synch_only_coupled_records
        )
    return synchronize_mapping(mapping, options=replace(options, full=True, create_new=True))


def line_outcome(jobs) -> tuple[str, str]:
    """Finished when every job ran to its end (failed records show in the job statuses)."""
    stopped = [j for j in jobs if j.status != SyncJob.Status.FINISHED]
    if stopped:
        return Status.ERROR, stopped[0].message or "A job could not run."
    return Status.FINISHED, ""


def finish_line(line, status, message) -> None:
    Line.objects.filter(pk=line.pk).update(
        status=status, message=message[:2000], finished_at=timezone.now()
    )


def full_sync_review_question() -> list[str]:
    """Mappings whose Synch. Only Coupled Records the administrator still has to decide on.

    Asked once no line is waiting or running, for the mappings that ran a full
    synchronization while the option was set.
    """
    if Line.objects.filter(status__in=[Status.WAITING, Status.READY, Status.IN_PROCESS]).exists():
        return []
    return list(Line.objects.filter(synch_only_coupled_before=True).values_list("name", flat=True))


def full_sync_review_answer(*, keep_cleared: bool) -> list[str]:
    """Yes (keep cleared): scheduled runs create new records too. No: restore the setting
    each mapping had before the run. Returns the mappings whose setting was decided."""
    names = full_sync_review_question()
    decided = Line.objects.filter(~Q(synch_only_coupled_before=None))
    with transaction.atomic():
        for name, before in decided.values_list("name", "synch_only_coupled_before"):
            value = False if keep_cleared else before
            IntegrationTableMapping.objects.filter(name=name).update(
                synch_only_coupled_records=value
            )
        decided.update(synch_only_coupled_before=None)
    return names
