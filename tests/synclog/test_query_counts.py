"""The log pages read a bounded number of queries however big the log grows.

One test builds a small log, counts the queries of every page, grows the log to 10,000 jobs
and 100,000 errors with bulk inserts, and counts again: the numbers must not move.
"""

import random
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from synclog import hooks
from synclog.models import SyncDirection, SyncJob, SyncJobError

from .conftest import build_error, build_job, row_ids

MAX_QUERIES = 12  # session, user, and a handful of reads per page


def add_jobs(count: int, now, errors_per_job: int) -> list[SyncJob]:
    rng = random.Random(8)
    jobs = [
        build_job(
            started_at=now - timedelta(minutes=rng.randint(2, 60 * 24 * 60)),
            table_mapping_name=rng.choice(["CUSTOMER", "CONTACT", "VENDOR", "ITEM-PRODUCT"]),
            direction=rng.choice(
                [SyncDirection.TO_INTEGRATION_TABLE, SyncDirection.FROM_INTEGRATION_TABLE]
            ),
            inserted=rng.randint(0, 50),
            failed=errors_per_job,
        )
        for _ in range(count)
    ]
    return SyncJob.objects.bulk_create(jobs, batch_size=2000)


def add_errors_to_jobs_without_any(per_job: int) -> None:
    """Give each job without errors ``per_job`` of them, in one INSERT … SELECT.

    Building 100,000 model instances for bulk_create costs Python seconds per run; the
    database copies rows in a fraction of that, on SQLite and PostgreSQL alike.
    """
    error_table = connection.ops.quote_name(SyncJobError._meta.db_table)
    job_table = connection.ops.quote_name(SyncJob._meta.db_table)
    numbers = " UNION ALL ".join(f"SELECT {n} AS n" for n in range(per_job))
    sql = f"""
        INSERT INTO {error_table} (job_id, created_at, message, error_message,
            exception_detail, error_code, local_table, local_description,
            dataverse_table, dataverse_description)
        SELECT j.id, j.started_at, 'The Salesperson SP1 must be coupled.',
            'The Salesperson SP1 must be coupled to a Dataverse user.', '', '',
            j.local_table, 'Customer 10000', j.dataverse_table, 'Account Adatum'
        FROM {job_table} j CROSS JOIN ({numbers}) k
        WHERE NOT EXISTS (SELECT 1 FROM {error_table} e WHERE e.job_id = j.id)
    """
    with connection.cursor() as cursor:
        cursor.execute(sql)


def count_queries(client, url: str, expected_rows: tuple[str, int] | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    if expected_rows:
        prefix, n = expected_rows
        assert len(row_ids(response, prefix)) == n, url
    return len(captured)


def test_pages_keep_their_query_count_from_a_small_to_a_large_log(
    staff, registry, django_assert_max_num_queries
):
    now = timezone.now()
    registry("record_links", lambda refs, request: {ref: f"/r/{ref.id}/" for ref in refs})
    registry(
        "record_actions",
        lambda errors, request: {e.pk: [hooks.RecordAction("Synchronize", "/s/")] for e in errors},
    )
    jobs = add_jobs(60, now, errors_per_job=2)
    SyncJobError.objects.bulk_create([build_error(job) for job in jobs for _ in range(2)])
    watched = SyncJob.objects.order_by("-started_at").first()
    SyncJobError.objects.bulk_create([build_error(watched) for _ in range(60)])
    running = build_job(status=SyncJob.Status.RUNNING, finished_at=None, total=10, started_at=now)
    running.save()
    record = SyncJobError.objects.first().local_id

    pages = {
        reverse("synclog:job_list"): ("job", 50),
        reverse("synclog:job_list") + "?chart=48h&page=2": None,
        reverse("synclog:job_list")
        + f"?table_mapping_name=CUSTOMER&failed_only=on&period=30d&record={record}"
        f"&jobs={watched.pk}&started_after=2000-01-01": None,
        reverse("synclog:job_detail", args=[watched.pk]): ("error", 50),
        reverse("synclog:job_progress", args=[running.pk]): None,
        reverse("synclog:error_list"): ("error", 50),
        reverse("synclog:error_list") + "?table_mapping_name=CONTACT&period=7d&page=3": None,
        reverse("synclog:error_list") + f"?job={watched.pk}&table=account": ("error", 50),
        reverse("synclog:job_delete_older") + "?days=7": None,
        reverse("synclog:error_delete_older") + "?days=7": None,
        reverse("admin:index"): None,
    }
    small = {url: count_queries(staff, url, rows) for url, rows in pages.items()}

    add_jobs(10_000 - SyncJob.objects.count(), now, errors_per_job=11)
    add_errors_to_jobs_without_any(per_job=11)
    assert SyncJob.objects.count() == 10_000
    assert SyncJobError.objects.count() >= 100_000

    for url, rows in pages.items():
        with django_assert_max_num_queries(MAX_QUERIES):
            large = count_queries(staff, url, rows)
        assert large == small[url], url
    total = f"{SyncJobError.objects.count():,} errors"
    assert total in staff.get(reverse("synclog:error_list")).content.decode()
