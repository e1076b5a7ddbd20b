"""The coupling error pages read a bounded number of queries, however many couplings there are.

One test counts the queries of every page with a few dozen couplings in error, grows them to
more than 100,000 with one INSERT … SELECT, and counts again: the numbers must not move.
Queries are counted, not timed; the Dataverse side is read from the emulator over HTTP (those
requests go to another process and database, so they are not counted here).
"""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from integration.models import Coupling
from synclog.models import SyncDirection, SyncJob, SyncJobError

from .conftest import ACTION, PAGE, row_ids

MAX_QUERIES = 14  # session, user, permissions, and a handful of reads per page


def add_couplings(count: int) -> None:
    """Add ``count`` CURRENCY couplings in error: two in three failed, half of those skipped.

    The database makes the rows itself, so 100,000 cost a second or two, not a minute of
    Python objects.
    """
    table = connection.ops.quote_name(Coupling._meta.db_table)
    if connection.vendor == "postgresql":
        uid, ago = "md5(random()::text || n::text)::uuid", "now() - n * interval '1 second'"
        numbers, source = "", f"generate_series(1, {count}) AS n"
    else:
        uid, ago = "lower(hex(randomblob(16)))", "datetime('now', '-' || n || ' seconds')"
        numbers = (
            f"WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {count}) "
        )
        source = "s"
    sql = f"""{numbers}INSERT INTO {table} (local_table, local_id, dataverse_table,
            dataverse_id, status, last_synch_result, last_synch_dataverse_result, skipped,
            local_values, dataverse_values, last_synch_error, last_synch_dataverse_error,
            failed_on, created_at, updated_at)
        SELECT 'erp.currency', {uid}, 'transactioncurrency', {uid}, 'coupled', '',
            CASE WHEN n % 3 = 0 THEN 'success' ELSE 'failure' END, n % 6 = 1, '{{}}', '{{}}', '',
            CASE WHEN n % 3 = 0 THEN '' ELSE 'The currency symbol is required.' END,
            CASE WHEN n % 3 = 0 THEN NULL ELSE {ago} END, {ago}, {ago}
        FROM {source}"""
    with connection.cursor() as cursor:
        cursor.execute(sql)


def add_errors(couplings) -> None:
    """Log an error for each coupling, as a run that failed them would."""
    job = SyncJob.objects.create(
        table_mapping_name="CURRENCY",
        direction=SyncDirection.TO_INTEGRATION_TABLE,
        local_table="erp.currency",
        local_table_caption="Currency",
        dataverse_table="transactioncurrency",
        dataverse_table_caption="Currency",
        failed=len(couplings),
    )
    SyncJobError.objects.bulk_create(
        SyncJobError(
            job=job,
            message="The currency symbol is required.",
            error_message="The currency symbol is required.",
            local_table="erp.currency",
            local_id=c.local_id,
            dataverse_table="transactioncurrency",
            dataverse_id=c.dataverse_id,
        )
        for c in couplings
    )


def count_queries(client, method: str, url: str, data=None) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, data or {})
    assert response.status_code == 200, (url, response.status_code)
    return len(captured), response.content.decode()


def pages(client) -> dict[str, int]:
    """Every page once, with the number of queries it took."""
    first = client.get(PAGE)
    assert len(row_ids(first)) == 50
    older = re.search(r'href="\?([^"]+)" rel="next"', first.content.decode())[1]
    second = client.get(f"{PAGE}?{older.replace('&amp;', '&')}")
    newer = re.search(r'href="\?([^"]+)" rel="prev"', second.content.decode())[1]
    ticked = sorted(row_ids(first))[:3]
    coupling = Coupling.objects.get(pk=ticked[0])
    requests = {
        "list": ("get", PAGE, None),
        "skipped only": ("get", PAGE, {"state": "skipped"}),
        "failed only, one mapping": ("get", PAGE, {"state": "failed", "mapping": "CURRENCY"}),
        "search": ("get", PAGE, {"q": "symbol"}),
        "older page": ("get", f"{PAGE}?{older.replace('&amp;', '&')}", None),
        "newer page": ("get", f"{PAGE}?{newer.replace('&amp;', '&')}", None),
        "confirmation": (
            "post",
            ACTION,
            {"action": "delete_couplings", "_selected_action": ticked},
        ),
        "retry all": ("get", reverse("integration:coupling_errors_retry_all"), None),
        "dataverse row": (
            "get",
            reverse(
                "integration:dataverse_row", args=["transactioncurrency", coupling.dataverse_id]
            ),
            None,
        ),
        "admin index (the cue)": ("get", reverse("admin:index"), None),
        "synchronization errors (the hooks)": ("get", reverse("synclog:error_list"), None),
    }
    return {name: count_queries(client, *request)[0] for name, request in requests.items()}


def test_pages_keep_their_query_count_from_few_to_100_000_couplings(staff, standard_setup):
    add_couplings(90)
    add_errors(Coupling.objects.order_by("pk")[:30])
    small = pages(staff)

    add_couplings(150_000)
    assert Coupling.objects.filter(failed_on__isnull=False).count() >= 100_000
    large = pages(staff)

    assert large == small
    assert max(large.values()) <= MAX_QUERIES, large
    html = staff.get(PAGE).content.decode()
    assert "More than 10,000 couplings" in html
