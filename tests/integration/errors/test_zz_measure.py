import time, uuid
from datetime import timedelta
from django.db import connection
from django.db.models import Q, F
from django.utils import timezone
from integration.models import Coupling

def test_measure(db):
    now = timezone.now()
    t = time.perf_counter()
    rows = []
    for i in range(150_000):
        failed = i % 3 != 0
        rows.append(Coupling(local_table="erp.customer", local_id=uuid.uuid4(), dataverse_table="account",
            dataverse_id=uuid.uuid4(), skipped=(i % 2 == 0 and failed),
            last_synch_dataverse_result="failure" if failed else "success",
            last_synch_dataverse_error="boom" if failed else "",
            failed_on=now - timedelta(seconds=i) if failed else None))
    print("build", time.perf_counter() - t)
    t = time.perf_counter()
    Coupling.objects.bulk_create(rows, batch_size=5000)
    print("insert", time.perf_counter() - t)
    cond = Q(skipped=True) | Q(last_synch_result="failure") | Q(last_synch_dataverse_result="failure")
    qs = Coupling.objects.filter(cond)
    for label, q in [("count", lambda: qs.count()),
                     ("page1 failed_on", lambda: list(qs.order_by("-failed_on", "-id")[:50])),
                     ("page1 failed_on notnull", lambda: list(qs.filter(failed_on__isnull=False).order_by("-failed_on", "-id")[:50])),
                     ("deep offset", lambda: list(qs.order_by("-failed_on", "-id")[90000:90050])),
                     ("page -id", lambda: list(qs.order_by("-id")[:50])),
                     ("skipped only count", lambda: qs.filter(skipped=True).count()),
                     ("skipped only page", lambda: list(qs.filter(skipped=True).order_by("-failed_on", "-id")[:50])),
                     ("failed only page", lambda: list(qs.filter(skipped=False).order_by("-failed_on", "-id")[:50])),
                     ("search", lambda: list(qs.filter(Q(last_synch_dataverse_error__icontains="zzz")|Q(last_synch_error__icontains="zzz")).order_by("-failed_on", "-id")[:50])),
                     ("search count", lambda: qs.filter(Q(last_synch_dataverse_error__icontains="zzz")|Q(last_synch_error__icontains="zzz")).count()),
                     ]:
        t = time.perf_counter(); q(); print(label, round((time.perf_counter() - t)*1000, 1), "ms")
    print(qs.filter(failed_on__isnull=False).order_by("-failed_on", "-id")[:50].explain())
    print(qs.order_by("-failed_on", "-id")[:50].explain())
