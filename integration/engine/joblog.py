"""Writes one synchronization job: its counters, its errors, its heartbeat.

Counters live in memory and are written once per page together with the page's errors, so a
running job shows live progress at the cost of one UPDATE and one bulk INSERT per page.
"""

import traceback

from django.utils import timezone

from synclog.models import SyncJob, SyncJobError

from .options import RunOptions

# The client's counters a job records: its share of them, from the job's start.
CLIENT_COUNTERS = {
    "http_requests": "requests",
    "retries": "retries",
    "throttled": "throttled",
    "server_errors": "server_errors",
    "timeouts": "timeouts",
    "dropped_connections": "dropped_connections",
    "retry_wait_seconds": "waited_seconds",
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


def storable(text: str) -> str:
    """``text`` as every database can store it: PostgreSQL refuses NUL characters, and a
    name read from Dataverse may hold one (the record fails; its error must still be kept)."""
    return text.replace("\x00", "\\x00") if "\x00" in text else text


class JobLog:
    def __init__(self, job: SyncJob, options: RunOptions, heartbeat=None):
        self.job = job
        self.options = options
        self.heartbeat = heartbeat or (lambda: None)
        self.counts = dict.fromkeys(COUNTERS, 0)
        self.pending_errors: list[SyncJobError] = []
        self.processed = 0
        self._client_at_start: dict[str, float] = {}

    @classmethod
    def start(
        cls, plan, direction, options, *, job_type=SyncJob.JobType.SYNCHRONIZATION, heartbeat=None
    ) -> "JobLog":
        job = SyncJob.objects.create(
            table_mapping_name=plan.mapping.name,
            job_type=job_type,
            direction=direction,
            trigger=options.trigger,
            requested_by=options.requested_by,
            run_id=options.run_id,
            local_table=plan.local_table,
            local_table_caption=plan.local_caption,
            dataverse_table=plan.dataverse_table,
            dataverse_table_caption=plan.dataverse_caption,
            status=SyncJob.Status.RUNNING,
            heartbeat_at=timezone.now(),
        )
        return cls(job, options, heartbeat)

    def count(self, outcome: str, n: int = 1) -> None:
        self.counts[outcome] += n
        self.processed += n

    def error(
        self,
        message: str,
        *,
        detail: str = "",
        code: str = "",
        local_id=None,
        local_description: str = "",
        dataverse_id=None,
        dataverse_description: str = "",
        count: bool = True,
    ) -> None:
        """Record one failed record (counted as Failed unless ``count`` is false)."""
        if count:
            self.count("failed")
        message, detail, code = storable(message), storable(detail), storable(code)
        local_description = storable(local_description)
        dataverse_description = storable(dataverse_description)
        self.pending_errors.append(
            SyncJobError(
                job=self.job,
                message=message[:250],
                error_message=message,
                exception_detail=detail,
                error_code=code[:40],
                local_table=self.job.local_table if local_id else "",
                local_id=local_id,
                local_description=local_description[:250],
                dataverse_table=self.job.dataverse_table if dataverse_id else "",
                dataverse_id=dataverse_id,
                dataverse_description=dataverse_description[:250],
            )
        )

    def set_total(self, total: int | None) -> None:
        self.job.total = total
        SyncJob.objects.filter(pk=self.job.pk).update(total=total)

    def flush(self, client_stats=None) -> None:
        """Write the counters and pending errors; renew the mapping's lease."""
        if self.pending_errors:
            SyncJobError.objects.bulk_create(self.pending_errors, batch_size=500)
            self.pending_errors = []
        for name, value in self.counts.items():
            setattr(self.job, name, value)
        self.job.processed = self.processed
        self.job.heartbeat_at = timezone.now()
        fields = [*COUNTERS, "processed", "heartbeat_at"]
        if client_stats is not None:
            for job_field, counter in CLIENT_COUNTERS.items():
                value = getattr(client_stats, counter) - self._client_at_start.get(counter, 0)
                setattr(self.job, job_field, round(value, 3) if isinstance(value, float) else value)
            fields += list(CLIENT_COUNTERS)
        SyncJob.objects.filter(pk=self.job.pk).update(**{f: getattr(self.job, f) for f in fields})
        self.heartbeat()
        if self.options.progress:
            self.options.progress(self.job, self.processed, self.job.total)

    def track_client(self, client_stats) -> None:
        self._client_at_start = {c: getattr(client_stats, c) for c in CLIENT_COUNTERS.values()}

    def finish(self, message: str = "", *, status=SyncJob.Status.FINISHED, client_stats=None):
        self.flush(client_stats)
        self.job.status = status
        self.job.finished_at = timezone.now()
        self.job.message = message
        SyncJob.objects.filter(pk=self.job.pk).update(
            status=status, finished_at=self.job.finished_at, message=message
        )
        return self.job

    def fail_job(self, exc: BaseException, client_stats=None):
        """Finish the job with a job-level message (the job itself could not go on)."""
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return self.finish(
            str(exc) or detail, status=SyncJob.Status.FAILED, client_stats=client_stats
        )
