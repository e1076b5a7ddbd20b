"""Manual requests: an administrator's action, queued for a worker, and its run status.

A page (or a command) creates a ``SyncRequest`` and enqueues the task that does the work; the
task marks the request running and finished. Every job the work writes carries the request's
id as its ``run_id``, which is how the run status page finds them.
"""

import uuid
from contextlib import contextmanager
from dataclasses import dataclass

from django.utils import timezone

from synclog.models import SyncJob

from ..models import SyncRequest
from .background import enqueue


def sync_request_create(
    *, action: str, description: str = "", user=None, return_url: str = ""
) -> SyncRequest:
    return SyncRequest.objects.create(
        action=action,
        description=description[:250],
        requested_by=user_name(user),
        return_url=return_url[:500],
    )


def sync_request_enqueue(
    *, action: str, task: str, args: tuple, description: str = "", user=None, return_url=""
) -> SyncRequest:
    """Create a request and hand ``task`` to a worker with (request id, *args)."""
    request = sync_request_create(
        action=action, description=description, user=user, return_url=return_url
    )
    enqueue(task, str(request.pk), *args)
    return request


def user_name(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    return user.get_username()


@contextmanager
def sync_request_running(run_id):
    """Mark the request running for the block (which gets the request), then finished, or
    failed with the error; the error is re-raised so that django-q2 records it too."""
    run_id = uuid.UUID(str(run_id))
    SyncRequest.objects.filter(pk=run_id).update(
        status=SyncRequest.Status.RUNNING, started_at=timezone.now()
    )
    request = SyncRequest.objects.filter(pk=run_id).first() or SyncRequest(pk=run_id)
    try:
        yield request
    except Exception as exc:
        sync_request_note(run_id, f"{type(exc).__name__}: {exc}")
        finish(run_id, SyncRequest.Status.FAILED)
        raise
    finish(run_id, SyncRequest.Status.FINISHED)


def finish(run_id, status) -> None:
    SyncRequest.objects.filter(pk=run_id).update(status=status, finished_at=timezone.now())


def sync_request_note(run_id, message: str) -> None:
    """Add a line to the request's message (what was skipped and why)."""
    request = SyncRequest.objects.filter(pk=run_id).first()
    if request is not None:
        text = f"{request.message}\n{message}".strip()
        SyncRequest.objects.filter(pk=run_id).update(message=text)


@dataclass
class RunStatus:
    request: SyncRequest | None
    jobs: list[SyncJob]

    @property
    def running(self) -> bool:
        if any(job.is_running for job in self.jobs):
            return True
        return self.request is not None and self.request.is_running

    @property
    def signature(self) -> str:
        """Changes whenever the page would show something new besides the counters."""
        state = self.request.status if self.request else ""
        return f"{state}:" + ",".join(f"{job.pk}={job.status}" for job in self.jobs)


def run_status(*, run_id) -> RunStatus:
    request = SyncRequest.objects.filter(pk=run_id).first()
    jobs = list(SyncJob.objects.filter(run_id=run_id).order_by("started_at", "id"))
    return RunStatus(request, jobs)
