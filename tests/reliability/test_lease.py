"""A run keeps its mapping's lease for as long as its worker lives, however long a page takes.

The lease was renewed only when a page's work was written. A page can take longer than the
lease (two minutes): a request retried through a throttling storm whose ``Retry-After`` says
minutes, or answers slower than the read timeout, retried. The lease then ran out under a
live run, and another worker took the mapping and ran alongside it, while the watch marked
the live run's job as interrupted. The lease is now kept alive by its holder's process, and
still runs out when that process dies (``test_crash_both_ways.py``).
"""

import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from integration.defaults import reset_to_defaults
from integration.engine.lease import mapping_lease, try_acquire
from integration.models import IntegrationTableMapping
from integration.services.schedule_wakeups import wake_dead_runs
from integration.services.schedules import lease_alive
from synclog.models import SyncJob

# No outer transaction: the lease must be seen by other connections, as in a worker.
pytestmark = pytest.mark.django_db(transaction=True)

LEASE_SECONDS = 1


@pytest.fixture
def mapping(settings):
    settings.TANDEM_LEASE_SECONDS = LEASE_SECONDS
    reset_to_defaults()
    return IntegrationTableMapping.objects.get(name="CUSTOMER")


def lease_expiry(mapping) -> timezone.datetime:
    return IntegrationTableMapping.objects.get(pk=mapping.pk).lease_expires_at


def wait_until(condition, limit: float) -> bool:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)  # the lease row changes in another thread: polling it is all there is
    return True


def running_job(mapping) -> SyncJob:
    now = timezone.now()
    return SyncJob.objects.create(
        table_mapping_name=mapping.name,
        direction="to_integration_table",
        status=SyncJob.Status.RUNNING,
        started_at=now,
        heartbeat_at=now,
    )


def test_a_run_busy_longer_than_its_lease_keeps_it(mapping):
    with mapping_lease(mapping):  # and never a page written: one long, throttled request
        job = running_job(mapping)
        first = lease_expiry(mapping)
        outlived = first + timedelta(seconds=LEASE_SECONDS)
        renewed = wait_until(lambda: lease_expiry(mapping) > outlived, limit=4 * LEASE_SECONDS)

        assert renewed, "the lease was left to run out under a live run"
        assert timezone.now() > first, "the first lease is over by now"
        assert not try_acquire(mapping.pk, "another-host:4242:abcd1234"), "no second run"
        assert lease_alive(IntegrationTableMapping.objects.get(pk=mapping.pk))
        assert wake_dead_runs() == []
        job.refresh_from_db()
        assert job.status == SyncJob.Status.RUNNING, "the live run is not taken for dead"
        job.status = SyncJob.Status.FINISHED
        job.save()


def test_the_lease_is_released_and_no_longer_renewed_when_the_run_ends(mapping):
    before = set(threading.enumerate())
    with mapping_lease(mapping):
        pass

    row = IntegrationTableMapping.objects.get(pk=mapping.pk)
    assert (row.lease_owner, row.lease_expires_at) == ("", None)
    assert set(threading.enumerate()) <= before, "nothing left renewing it"
    assert try_acquire(mapping.pk, "another-host:4242:abcd1234")
