"""What the Full Synchronization Review page shows: lines, their jobs, the open question.

One query for the lines and one for the jobs of all their runs; a line's job status per
direction follows Business Central's rule: a job without a finish is In Process, one with
failed records (or that could not run) is Error, any other is Success.
"""

from dataclasses import dataclass, field

from synclog.models import SyncDirection, SyncJob

from ..models import FullSyncReviewLine
from .review import full_sync_review_lines, full_sync_review_question

Status = FullSyncReviewLine.Status
TO = SyncDirection.TO_INTEGRATION_TABLE
FROM = SyncDirection.FROM_INTEGRATION_TABLE


def job_status(job: SyncJob | None) -> str:
    if job is None:
        return ""
    if job.is_running:
        return "In Process"
    if job.has_failures or job.status in (SyncJob.Status.INTERRUPTED, SyncJob.Status.SKIPPED):
        return "Error"
    return "Success"


@dataclass
class LineView:
    line: FullSyncReviewLine
    jobs: list[SyncJob] = field(default_factory=list)
    waiting_for: list[str] = field(default_factory=list)

    def latest(self, job_type, direction=None) -> SyncJob | None:
        found = [
            j
            for j in self.jobs
            if j.job_type == job_type and (direction is None or j.direction == direction)
        ]
        return found[-1] if found else None

    @property
    def to_job(self):
        return self.latest(SyncJob.JobType.SYNCHRONIZATION, TO)

    @property
    def from_job(self):
        return self.latest(SyncJob.JobType.SYNCHRONIZATION, FROM)

    @property
    def coupling_job(self):
        return self.latest(SyncJob.JobType.COUPLING)

    @property
    def to_status(self) -> str:
        return job_status(self.to_job)

    @property
    def from_status(self) -> str:
        return job_status(self.from_job)

    @property
    def coupling_status(self) -> str:
        return job_status(self.coupling_job)

    @property
    def can_restart(self) -> bool:
        return self.line.status in (Status.FINISHED, Status.ERROR)


@dataclass
class ReviewState:
    lines: list[LineView]
    question: list[str]

    @property
    def analyzing(self) -> bool:
        return any(v.line.analyzed_at is None for v in self.lines)

    @property
    def running(self) -> bool:
        if self.analyzing:
            return True
        busy = (Status.READY, Status.IN_PROCESS)
        return any(v.line.status in busy or any(j.is_running for j in v.jobs) for v in self.lines)

    @property
    def can_sync_all(self) -> bool:
        return not self.analyzing and any(
            v.line.status == Status.NOT_STARTED and v.line.recommendation for v in self.lines
        )

    @property
    def signature(self) -> str:
        """Changes when a line or job changes state (the counters update in place)."""
        parts = []
        for view in self.lines:
            jobs = ",".join(f"{j.pk}={j.status}" for j in view.jobs)
            parts.append(
                f"{view.line.name}:{view.line.status}:{bool(view.line.analyzed_at)}:{jobs}"
            )
        return "|".join(parts)


def full_sync_review_state() -> ReviewState:
    lines = full_sync_review_lines()
    run_ids = [line.run_id for line in lines if line.run_id]
    jobs = SyncJob.objects.filter(run_id__in=run_ids).order_by("started_at", "id")
    by_run: dict = {}
    for job in jobs:
        by_run.setdefault(job.run_id, []).append(job)
    names = {line.name: line for line in lines}
    views = []
    for line in lines:
        waiting = [
            n for n in line.dependencies if n in names and names[n].status != Status.FINISHED
        ]
        views.append(LineView(line, by_run.get(line.run_id, []), waiting))
    return ReviewState(views, full_sync_review_question())
