"""At most one run per mapping at a time, across processes and machines.

A run holds a lease on its mapping row: a conditional UPDATE that succeeds only when nobody
holds it or the holder's lease has expired. The UPDATE is atomic on PostgreSQL and SQLite
alike, so no advisory locks are needed. A running job renews the lease on every page, and a
thread of the holder's process renews it in between (``KeepAlive``), since one page may take
longer than the lease; a worker that dies stops renewing, and the next run may take over
once the lease runs out.
"""

import logging
import os
import socket
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from synclog.models import SyncJob

from ..models import IntegrationTableMapping
from .errors import MappingBusy

logger = logging.getLogger("integration.engine")


def lease_seconds() -> int:
    return int(getattr(settings, "TANDEM_LEASE_SECONDS", 120))


def new_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def holder_is_gone(holder: str) -> bool:
    """Whether the lease holder was a process on this machine that no longer runs.

    A worker killed outright never releases its lease; on the same machine that is plain to
    see, and waiting for the lease to expire would only delay the run that finishes its work.
    """
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def try_acquire(mapping_id: int, owner: str) -> bool:
    now = timezone.now()
    holder = (
        IntegrationTableMapping.objects.filter(pk=mapping_id)
        .values_list("lease_owner", flat=True)
        .first()
    )
    free = Q(lease_owner="") | Q(lease_expires_at__lt=now) | Q(lease_owner=owner)
    if holder and holder_is_gone(holder):
        free |= Q(lease_owner=holder)
    taken = IntegrationTableMapping.objects.filter(free, pk=mapping_id).update(
        lease_owner=owner, lease_expires_at=now + timedelta(seconds=lease_seconds())
    )
    return taken == 1


def renew(mapping_id: int, owner: str) -> None:
    IntegrationTableMapping.objects.filter(pk=mapping_id, lease_owner=owner).update(
        lease_expires_at=timezone.now() + timedelta(seconds=lease_seconds())
    )


def release(mapping_id: int, owner: str) -> None:
    IntegrationTableMapping.objects.filter(pk=mapping_id, lease_owner=owner).update(
        lease_owner="", lease_expires_at=None
    )


@contextmanager
def mapping_lease(mapping: IntegrationTableMapping, *, wait: float = 0.0):
    """Hold the mapping's lease for the duration of the block; raise MappingBusy if taken."""
    owner = new_owner()
    deadline = time.monotonic() + wait
    while not try_acquire(mapping.pk, owner):
        if time.monotonic() >= deadline:
            raise MappingBusy(busy_message(mapping))
        time.sleep(0.5)  # another run is finishing; polling the lease row is all we can do
    keep_alive = KeepAlive.launch(mapping.pk, owner)
    try:
        mark_interrupted_jobs(mapping)
        yield lambda: renew(mapping.pk, owner)
    finally:
        if keep_alive:
            keep_alive.stop()
        release(mapping.pk, owner)


class KeepAlive(threading.Thread):
    """Renews a held lease every third of its length until stopped.

    A page's work can outlast the lease: a request retried through a throttling storm whose
    Retry-After says minutes, or slow answers retried past the read timeout. Renewed only
    between pages, the lease would run out under a live run, and another worker (or the
    watch) would take the run for dead and start alongside it. The thread dies with its
    process, so a killed worker's lease still runs out.
    """

    def __init__(self, mapping_id: int, owner: str):
        super().__init__(name=f"lease-keep-alive-{mapping_id}", daemon=True)
        self.mapping_id, self.owner = mapping_id, owner
        self.stopped = threading.Event()

    @classmethod
    def launch(cls, mapping_id: int, owner: str) -> "KeepAlive | None":
        # Inside a caller's transaction the lease row is not committed: another connection
        # can neither see it nor renew it without waiting on our own lock.
        if transaction.get_connection().in_atomic_block:
            return None
        keep_alive = cls(mapping_id, owner)
        keep_alive.start()
        return keep_alive

    def run(self) -> None:
        try:
            while not self.stopped.wait(lease_seconds() / 3):
                try:
                    renew(self.mapping_id, self.owner)
                except DatabaseError as exc:  # e.g. SQLite busy: the next turn tries again
                    logger.warning(
                        "Could not renew the lease of mapping %s: %s", self.mapping_id, exc
                    )
        finally:
            connection.close()  # this thread's own connection

    def stop(self) -> None:
        self.stopped.set()
        # A renewal after the release matches no row (it names this owner): no need to wait
        # long for a thread held up by the database.
        self.join(timeout=lease_seconds())


def busy_message(mapping) -> str:
    mapping.refresh_from_db(fields=["lease_owner", "lease_expires_at"])
    return (
        f"Another run of {mapping.name} is under way ({mapping.lease_owner}); this request "
        "was not run in parallel with it."
    )


def mark_interrupted_jobs(mapping) -> int:
    """Jobs still 'running' when we hold the lease lost their worker: say so on the log."""
    stale = SyncJob.objects.filter(table_mapping_name=mapping.name, status=SyncJob.Status.RUNNING)
    return stale.update(
        status=SyncJob.Status.INTERRUPTED,
        finished_at=timezone.now(),
        message="The worker running this job stopped before it finished. Nothing it did is "
        "lost: the next run of this mapping picked up where it ended.",
    )
