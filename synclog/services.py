"""Cleaning up the log: Delete Entries Older Than N Days, Delete All Entries, retention.

Business Central's rules (BC_SYNC_REFERENCE §1.4, §1.5, §3.10): deleting jobs deletes their
errors, and jobs with failures are kept unless the user asks to include them. Tandem also
never deletes a job that is still queued or running, nor the errors of one, because the
engine is writing to them.

Deletion runs in batches, each in its own short transaction: on SQLite a long delete would
hold the only write lock while synchronization jobs wait for it.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connections, router, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import LogRetention, SyncJob, SyncJobError
from .selectors import HAS_FAILURES, IN_PROGRESS

BATCH_SIZE = 500
CLEANUP_TASK = "synclog.tasks.cleanup_task"
CLEANUP_SCHEDULE_NAME = "Synchronization log cleanup"
CLEANUP_HOUR = 3  # local time: the quietest hour for most installations


def cutoff(days: int, now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=days)


def deletable_jobs(*, days: int, include_failed: bool, now=None) -> QuerySet[SyncJob]:
    """Return the jobs that Delete Entries Older Than ``days`` Days removes (0: all)."""
    limit = cutoff(days, now)
    finished_before = Q(finished_at__lte=limit) | Q(finished_at__isnull=True, started_at__lte=limit)
    jobs = SyncJob.objects.exclude(status__in=IN_PROGRESS).filter(finished_before)
    return jobs if include_failed else jobs.exclude(HAS_FAILURES)


def deletable_errors(*, days: int, now=None) -> QuerySet[SyncJobError]:
    return SyncJobError.objects.filter(created_at__lte=cutoff(days, now)).exclude(
        job__status__in=IN_PROGRESS
    )


@dataclass(frozen=True)
class JobCleanupPreview:
    """What a confirmation page tells the user before deleting jobs."""

    days: int
    cutoff: datetime
    jobs: int  # jobs without failures: always deleted
    failed_jobs: int  # jobs with failures: deleted only when asked

    @property
    def all_jobs(self) -> int:
        return self.jobs + self.failed_jobs


def preview_job_cleanup(*, days: int, now=None) -> JobCleanupPreview:
    now = now or timezone.now()
    every = deletable_jobs(days=days, include_failed=True, now=now)
    failed = every.filter(HAS_FAILURES).count()
    return JobCleanupPreview(days, cutoff(days, now), every.count() - failed, failed)


def preview_error_cleanup(*, days: int, now=None) -> int:
    return deletable_errors(days=days, now=now).count()


def delete_jobs(*, days: int, include_failed: bool = False, now=None) -> int:
    """Delete old jobs and their errors; return the number of jobs deleted."""
    jobs = deletable_jobs(days=days, include_failed=include_failed, now=now).order_by()
    deleted = 0
    while ids := list(jobs.values_list("pk", flat=True)[:BATCH_SIZE]):
        with transaction.atomic():
            SyncJobError.objects.filter(job_id__in=ids).delete()
            _, per_model = SyncJob.objects.filter(pk__in=ids).delete()
            deleted += per_model.get(SyncJob._meta.label, 0)
    return deleted


def delete_errors(*, days: int, now=None) -> int:
    """Delete errors older than ``days`` days (0: all); return how many were deleted."""
    errors = deletable_errors(days=days, now=now).order_by()
    deleted = 0
    while ids := list(errors.values_list("pk", flat=True)[:BATCH_SIZE]):
        deleted += SyncJobError.objects.filter(pk__in=ids).delete()[0]
    return deleted


def apply_retention(now: datetime | None = None) -> int:
    """Delete what the retention setting says is too old; return the number of jobs deleted."""
    now = now or timezone.now()
    retention = LogRetention.load()
    if not retention.enabled:
        return 0
    deleted = delete_jobs(
        days=retention.days_to_keep, include_failed=retention.include_failed, now=now
    )
    LogRetention.objects.filter(pk=retention.pk).update(
        last_cleanup_at=now, last_cleanup_deleted=deleted
    )
    return deleted


def next_cleanup_time(now: datetime | None = None) -> datetime:
    local = timezone.localtime(now or timezone.now())
    run = local.replace(hour=CLEANUP_HOUR, minute=0, second=0, microsecond=0)
    return run if run > local else run + timedelta(days=1)


def ensure_cleanup_schedule(using: str = "default"):
    """Create the daily django-q2 schedule of the cleanup task unless it exists.

    The schedule is found by its function, so renaming it or changing its time in the
    django-q2 admin sticks; switch cleanup off with the retention setting, not by deleting
    the schedule (the next ``migrate`` brings it back).
    """
    from django_q.models import Schedule  # django_q's models need the app registry ready

    if not router.allow_migrate_model(using, Schedule):
        return None
    if Schedule._meta.db_table not in connections[using].introspection.table_names():
        return None  # django_q not migrated yet: the migrate that creates it comes back here
    existing = Schedule.objects.using(using).filter(func=CLEANUP_TASK).first()
    if existing:
        return existing
    return Schedule.objects.using(using).create(
        name=CLEANUP_SCHEDULE_NAME,
        func=CLEANUP_TASK,
        schedule_type=Schedule.DAILY,
        repeats=-1,
        next_run=next_cleanup_time(),
    )
