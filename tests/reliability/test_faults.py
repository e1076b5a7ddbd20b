"""A full synchronization of thousands of records through a throttling, failing, slow and
dropping Dataverse: every record synchronized exactly once, and a job log that says why the
run took as long as it did (retries are not failures)."""

import pytest

from erp.models import Customer
from integration.connection import dataverse_client as connected_client
from integration.engine import RunOptions
from integration.services.synchronization import synchronize_mapping

from .conftest import assert_one_to_one, create_accounts, mapping

pytestmark = pytest.mark.slow

CUSTOMERS = 2000
NEW_ACCOUNTS = 600
READ_TIMEOUT = 1.0
# The first four Web API requests meet one fault of each kind for certain; after that about
# one request in four meets a fault, chosen by a seeded generator.
FAULTS = {
    "drops": 1,
    "throttle": 1,
    "errors": 1,
    "slow": 1,
    "drop_rate": 0.04,
    "throttle_rate": 0.04,
    "retry_after": 1,
    "error_rate": 0.10,
    "error_status": 503,
    "slow_rate": 0.04,
    "slow_ms": int(READ_TIMEOUT * 1000 * 1.6),
    "seed": 12,
}
TRANSIENT = ("throttled", "server_errors", "timeouts", "dropped_connections")


@pytest.fixture
def faulty_client(settings):
    """The client as configured for production, but with a short read timeout, small write
    chunks (many requests, so faults have room to happen) and quick back-off.

    Ten attempts: with one request in four faulty, six attempts would give up on some
    request about once in a few thousand; ten make that vanishingly rare."""
    settings.TANDEM_CLIENT_OPTIONS = {
        "read_timeout": READ_TIMEOUT,
        "write_chunk_size": 50,
        "page_size": 500,
        "backoff_base": 0.05,
        "backoff_max": 0.5,
        "max_attempts": 10,
    }


def test_a_full_synchronization_under_faults_synchronizes_each_record_once(
    customers, faulty_client, emulator, dataverse_client, admin_client
):
    open_customers = customers(CUSTOMERS)
    with emulator.user_session() as person:
        new_ids = create_accounts(
            person, [f"Dataverse Account {n:04d}" for n in range(NEW_ACCOUNTS)]
        )
    client = connected_client()  # the run's own client, to check its counters against the log
    client.entity("account")  # read before the faults: the first faulty requests are the job's
    emulator.faults(**FAULTS)

    jobs = synchronize_mapping(
        mapping("CUSTOMER"),
        options=RunOptions(full=True, create_new=True, page_size=250),
        client=client,
    )

    emulator.clear_faults()
    to_job, from_job = jobs
    assert (to_job.status, from_job.status) == ("finished", "finished"), to_job.message
    assert (to_job.failed, from_job.failed) == (0, 0), "a retried fault is not a failure"
    assert to_job.inserted == len(open_customers)
    assert from_job.inserted == NEW_ACCOUNTS
    by_account = assert_one_to_one(dataverse_client)
    assert Customer.objects.count() == CUSTOMERS + NEW_ACCOUNTS
    assert {by_account[i].name for i in new_ids} == {
        f"Dataverse Account {n:04d}" for n in range(NEW_ACCOUNTS)
    }
    assert_the_log_tells_what_happened(jobs, client, admin_client)


def assert_the_log_tells_what_happened(jobs, client, admin_client) -> None:
    for job in jobs:
        job.refresh_from_db()
        # Every retry answers one transient fault, and nothing else is retried.
        assert job.retries == sum(getattr(job, name) for name in TRANSIENT), vars(job)
        assert job.http_requests > job.retries
    totals = {name: sum(getattr(job, name) for job in jobs) for name in TRANSIENT}
    assert all(totals.values()), f"each kind of fault happened and was logged: {totals}"
    assert sum(job.retry_wait_seconds for job in jobs) >= totals["throttled"] * 1.0, (
        "every 429 was waited out as long as Retry-After said"
    )
    assert client.stats.throttled >= totals["throttled"]
    page = admin_client.get(f"/admin/synclog/jobs/{jobs[0].pk}/").content.decode()
    for label in ("Retries", "Throttled (429)", "Server errors (5xx)", "Timeouts"):
        assert label in page
    assert "Dropped connections" in page
    assert f"<td>{jobs[0].throttled}</td>" in page
