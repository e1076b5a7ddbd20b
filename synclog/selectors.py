"""Read-only queries behind the log pages, the cue and the progress endpoint.

Every page reads a bounded number of rows: the lists count and slice one ordered query, and
per-job numbers come from the job's stored counters, never from counting its errors row by row.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import SyncJob, SyncJobError

# A job "has failures" when a record failed or the job itself could not run.
HAS_FAILURES = Q(failed__gt=0) | Q(status=SyncJob.Status.FAILED)
IN_PROGRESS = (SyncJob.Status.QUEUED, SyncJob.Status.RUNNING)


def jobs() -> QuerySet[SyncJob]:
    """Return every job, newest first, in a stable order for paging."""
    return SyncJob.objects.order_by("-started_at", "-id")


def errors() -> QuerySet[SyncJobError]:
    """Return every error, newest first, with its job (one join, no per-row query)."""
    return SyncJobError.objects.select_related("job").order_by("-created_at", "-id")


def job_errors(job: SyncJob) -> QuerySet[SyncJobError]:
    return SyncJobError.objects.filter(job=job).order_by("-created_at", "-id")


def jobs_touching(
    queryset: QuerySet[SyncJob],
    *,
    record_id: uuid.UUID | None = None,
    job_ids: Iterable[uuid.UUID] = (),
) -> QuerySet[SyncJob]:
    """Narrow ``queryset`` to the jobs of one record.

    A record's jobs are those whose errors name it (on either side) together with the jobs a
    caller knows of, such as a coupling's last jobs: a successful sync leaves no error behind.
    """
    job_ids = list(job_ids)
    condition = Q()
    if record_id:
        referencing = SyncJobError.objects.filter(Q(local_id=record_id) | Q(dataverse_id=record_id))
        condition |= Q(pk__in=referencing.values("job_id"))
    if job_ids:
        condition |= Q(pk__in=job_ids)
    return queryset.filter(condition) if condition else queryset


def since(period: str, now: datetime | None = None) -> datetime:
    """Return the start of a named recent period ("24h", "48h", "7d", "30d")."""
    hours = {"24h": 24, "48h": 48, "7d": 24 * 7, "30d": 24 * 30}[period]
    return (now or timezone.now()) - timedelta(hours=hours)


def failed_jobs_count(period: str = "24h") -> int:
    return SyncJob.objects.filter(HAS_FAILURES, started_at__gte=since(period)).count()


@dataclass(frozen=True)
class KnownNames:
    """Mapping and table names that occur in the log, offered as suggestions in filters."""

    mappings: list[str]
    tables: list[str]


def known_names() -> KnownNames:
    rows = SyncJob.objects.order_by().values_list(
        "table_mapping_name", "local_table", "dataverse_table"
    )
    rows = list(rows.distinct())
    mappings = sorted({row[0] for row in rows if row[0]})
    tables = sorted({name for row in rows for name in row[1:] if name})
    return KnownNames(mappings=mappings, tables=tables)


def job_progress(job: SyncJob, now: datetime | None = None) -> dict:
    """Return what the progress display shows: processed of total, rate, elapsed time."""
    now = now or timezone.now()
    end = job.finished_at or (now if job.status == SyncJob.Status.RUNNING else job.started_at)
    elapsed = max((end - job.started_at).total_seconds(), 0.0)
    rate = job.processed / elapsed if elapsed > 0 and job.processed else None
    percent = None
    if job.total:
        percent = min(round(job.processed * 100 / job.total, 1), 100.0)
    remaining = None
    if rate and job.total and job.is_running:
        remaining = max(job.total - job.processed, 0) / rate
    return {
        "id": str(job.pk),
        "status": job.status,
        "status_display": job.get_status_display(),
        "running": job.is_running,
        "processed": job.processed,
        "total": job.total,
        "percent": percent,
        "rate_per_second": round(rate, 1) if rate is not None else None,
        "elapsed_seconds": round(elapsed, 1),
        "remaining_seconds": round(remaining) if remaining is not None else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "message": job.message,
        "counts": {name: getattr(job, name) for name in COUNTERS},
    }


COUNTERS = (
    "inserted",
    "modified",
    "deleted",
    "unchanged",
    "skipped",
    "failed",
    "coupled",
    "uncoupled",
)
