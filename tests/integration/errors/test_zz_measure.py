import time, uuid
from datetime import timedelta
from django.db import connection
from django.db.models import Q, F
from django.utils import timezone
from integration.models import Coupling

def insert(n):
    table = Coupling._meta.db_table
    if connection.vendor == "postgresql":
        uid = "md5(random()::text || n::text)::uuid"
        now = "now() - (n || ' seconds')::interval"
        series = f"generate_series(1, {n}) AS n"
        sql_from = f"FROM {series}"
        prefix = ""
    else:
        uid = "lower(hex(randomblob(16)))"
        now = "datetime('now', '-' || n || ' seconds')"
        prefix = f"WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {n}) "
        sql_from = "FROM s"
    sql = f"""{prefix}INSERT INTO {table} (local_table, local_id, dataverse_table, dataverse_id, status,
      last_synch_result, last_synch_dataverse_result, skipped, local_values, dataverse_values,
      last_synch_error, last_synch_dataverse_error, failed_on, created_at, updated_at)
      SELECT 'erp.customer', {uid}, 'account', {uid}, 'coupled', '',
        CASE WHEN n % 3 = 0 THEN 'success' ELSE 'failure' END, (n % 2 = 0 AND n % 3 <> 0), '{{}}', '{{}}', '',
        CASE WHEN n % 3 = 0 THEN '' ELSE 'boom' END, CASE WHEN n % 3 = 0 THEN NULL ELSE {now} END, {now}, {now}
      {sql_from}"""
    with connection.cursor() as c:
        c.execute(sql)

def test_measure(db):
    t = time.perf_counter()
    insert(150_000)
    print(connection.vendor, "insert", time.perf_counter() - t, Coupling.objects.count())
    if connection.vendor == "postgresql":
        with connection.cursor() as c: c.execute("ANALYZE integration_coupling")
    cond = Q(skipped=True) | Q(last_synch_result="failure") | Q(last_synch_dataverse_result="failure")
    qs = Coupling.objects.filter(cond)
    for label, q in [("count", lambda: qs.count()),
                     ("page1 failed_on", lambda: list(qs.order_by("-failed_on", "-id")[:50])),
                     ("page1 failed_on notnull", lambda: list(qs.filter(failed_on__isnull=False).order_by("-failed_on", "-id")[:50])),
                     ("page1 nulls last", lambda: list(qs.order_by(F("failed_on").desc(nulls_last=True), "-id")[:50])),
                     ("deep offset", lambda: list(qs.order_by("-failed_on", "-id")[90000:90050])),
                     ("page -id", lambda: list(qs.order_by("-id")[:50])),
                     ("skipped only count", lambda: qs.filter(skipped=True).count()),
                     ("skipped only page", lambda: list(qs.filter(skipped=True).order_by("-failed_on", "-id")[:50])),
                     ("failed only page", lambda: list(qs.filter(skipped=False).order_by("-failed_on", "-id")[:50])),
                     ("search", lambda: list(qs.filter(Q(last_synch_dataverse_error__icontains="zzz")|Q(last_synch_error__icontains="zzz")).order_by("-failed_on", "-id")[:50])),
                     ("search count", lambda: qs.filter(Q(last_synch_dataverse_error__icontains="zzz")|Q(last_synch_error__icontains="zzz")).count()),
                     ("retry all", lambda: Coupling.objects.filter(skipped=True).update(skipped=False)),
                     ]:
        t = time.perf_counter(); q(); print(label, round((time.perf_counter() - t)*1000, 1), "ms")
    print(qs.filter(failed_on__isnull=False).order_by("-failed_on", "-id")[:50].explain())
    print(qs.order_by("-failed_on", "-id")[:50].explain())
    print(qs.order_by(F("failed_on").desc(nulls_last=True), "-id")[:50].explain())
