"""django-q2's own scheduler, called twice a second (process tests).

A qcluster calls ``scheduler()`` every 30 seconds; the process tests cannot wait that long, so
they run this loop beside the clusters, twice, as two more schedulers racing for the same due
schedules:

    python manage.py shell -c "from tests.integration.schedules.ticker import main; main()"
"""

import time

from django_q.brokers import get_broker
from django_q.scheduler import scheduler


def main(every: float = 0.5) -> None:
    broker = get_broker()
    while True:
        scheduler(broker=broker)
        time.sleep(every)
