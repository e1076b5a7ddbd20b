"""Scheduled synchronization on real qcluster workers: two clusters, two extra schedulers.

One site (``site.py``) for the module: PostgreSQL with Redis in CI's second pass, SQLite with
the ORM broker otherwise. Two ``qcluster`` processes with one worker each stand for two
machines; two loops calling django-q2's scheduler twice a second stand in for the clusters'
own schedulers, which fire only every 30 seconds. The tests run in order but each waits for
the state it starts from, so any one of them can also run alone.
"""

import os
import signal
import socket
from datetime import UTC, datetime, timedelta

import pytest

from integration.services.schedules import RUN_TASK, WATCH_NAME, schedule_name
from tests.fixtures.emulator import Emulator

from .site import Site, as_time

pytestmark = pytest.mark.slow

MAPPINGS = [
    "CONTACT",
    "CURRENCY",
    "CUSTOMER",
    "ITEM-PRODUCT",
    "RESOURCE-PRODUCT",
    "SALESPEOPLE",
    "UNIT OF MEASURE",
    "VENDOR",
]
CUSTOMERS = 120
# A cluster with one worker holds at most three tasks (running, queued, in its pusher's
# hand), so of four requests made at once the other machine gets at least one.
REQUESTS = 4
TICKER = "from tests.integration.schedules.ticker import main; main()"


@pytest.fixture(scope="module")
def emulator(emulator_server):
    emulator_server.control("reset")
    yield Emulator(emulator_server)
    emulator_server.control("faults", method="DELETE")


@pytest.fixture(scope="module")
def site(tmp_path_factory, emulator):
    site = Site(tmp_path_factory.mktemp("schedules"), emulator.url)
    try:
        prepare(site)
        for name in ("machine-1", "machine-2"):
            site.start(name, "qcluster")
        for name in ("scheduler-1", "scheduler-2"):
            site.start(name, "shell", "-c", TICKER)
        yield site
    finally:
        site.close()


def prepare(site: Site) -> None:
    """Demo data, the standard setup (every schedule due now), currencies coupled.

    One process for all of it: every process start costs a second or two.
    """
    site.shell(
        "from django.core.management import call_command as run\n"
        "from erp.models import Customer\n"
        "run('migrate', verbosity=0)\n"
        f"run('load_demo_data', customers={CUSTOMERS}, vendors=0, contacts_per_company=0,"
        " items=0, resources=0, no_progress=True)\n"
        # Owners need coupled salespeople; these tests are about scheduling: no owners.
        "Customer.objects.update(salesperson=None)\n"
        "run('sync_setup', if_missing=True)\n"
        "run('sync', mapping='CURRENCY', full=True, no_progress=True)\n"
    )


def now() -> datetime:
    return datetime.now(UTC)


def asleep(site: Site, *names: str) -> bool:
    statuses = site.statuses()
    return all(statuses.get(name) == "on_hold_inactivity" for name in names)


def no_job_running(site: Site) -> bool:
    return not site.value("SELECT count(*) FROM synclog_syncjob WHERE status = 'running'")


def overlapping(intervals) -> list:
    intervals = sorted(intervals)
    return [(a, b) for a, b in zip(intervals, intervals[1:], strict=False) if b[0] < a[1]]


def test_due_mappings_run_once_each_and_sleep_after_changing_nothing(site):
    site.wait_for(lambda: asleep(site, *MAPPINGS), "every mapping ran and went on hold")

    for name in MAPPINGS:
        runs = site.runs(name, trigger="schedule")
        assert len(runs) == 1, f"{name} ran {len(runs)} times: a schedule fired twice"
        (jobs,) = runs.values()
        assert {(job["trigger"], job["status"]) for job in jobs} == {("schedule", "finished")}
        assert sum(job["inserted"] + job["modified"] + job["deleted"] for job in jobs) == 0
    # Two clusters and two more schedulers, one task per due schedule.
    site.wait_for(
        lambda: (
            site.value(
                "SELECT count(*) FROM django_q_task WHERE func LIKE %s", ["%run_schedule_task"]
            )
            == len(MAPPINGS)
        ),
        "one django-q2 task per schedule",
    )
    tasks = site.rows("SELECT func, count(*) FROM django_q_task GROUP BY func")
    assert dict(tasks)["integration.tasks.schedules.run_schedule_task"] == len(MAPPINGS)
    held = dict(
        site.rows(
            "SELECT m.name, s.inactivity_timeout_minutes FROM integration_syncschedule s "
            "JOIN integration_integrationtablemapping m ON m.id = s.table_mapping_id"
        )
    )
    for name, minutes in held.items():
        next_run = site.value(
            "SELECT next_run FROM django_q_schedule WHERE name = %s", [schedule_name(name)]
        )
        assert abs(as_time(next_run) - (now() + timedelta(minutes=minutes))) < timedelta(minutes=1)
    assert held["SALESPEOPLE"] == 1440 and held["CURRENCY"] == 720


def test_a_local_change_wakes_a_sleeping_schedule(site, emulator):
    site.wait_for(lambda: asleep(site, *MAPPINGS), "every mapping on hold")
    before = {name: len(site.runs(name, trigger="schedule")) for name in MAPPINGS}

    # Someone edits a currency in another process: its post_save wakes CURRENCY.
    site.shell(
        "from erp.models import Currency\n"
        "c = Currency.objects.get(code='EUR'); c.description = 'Euro, woken'; c.save()"
    )
    site.wait_for(
        lambda: (
            len(site.runs("CURRENCY", trigger="schedule")) == before["CURRENCY"] + 1
            and no_job_running(site)
        ),
        "CURRENCY woke up and ran",
        limit=30,
    )

    (job,) = list(site.runs("CURRENCY", trigger="schedule").values())[-1]
    assert (job["trigger"], job["status"], job["modified"]) == ("schedule", "finished", 1)
    assert site.statuses()["CURRENCY"] == "ready"
    rows = emulator.app_session().get(
        "transactioncurrencies?$select=currencyname&$filter=isocurrencycode eq 'EUR'"
    )
    assert [row["currencyname"] for row in rows.json()["value"]] == ["Euro, woken"]
    others = {
        name: len(site.runs(name, trigger="schedule")) for name in MAPPINGS if name != "CURRENCY"
    }
    assert others == {name: count for name, count in before.items() if name != "CURRENCY"}


def test_two_workers_never_run_one_mapping_at_the_same_time(site, emulator):
    site.wait_for(lambda: asleep(site, "CUSTOMER") and no_job_running(site), "CUSTOMER idle")
    started = now()

    def handled() -> bool:  # by the two clusters, as their logs say
        return sum(map(len, site.task_windows("same-mapping-").values())) == REQUESTS

    with emulator.faults(latency_ms=200):  # a run takes about a second
        # Requests for one mapping from anywhere: pages, commands, schedules.
        site.shell(
            "from django_q.tasks import async_task\n"
            "from integration.models import SyncSchedule\n"
            "s = SyncSchedule.objects.get(table_mapping__name='CUSTOMER')\n"
            f"for n in range({REQUESTS}):\n"
            f"    async_task('{RUN_TASK}', s.pk, trigger='manual', task_name=f'same-mapping-{{n}}')"
        )
        site.wait_for(handled, f"the {REQUESTS} requests were handled")

    # Both machines worked on requests for CUSTOMER at the same time ...
    busy = site.task_windows("same-mapping-")
    assert overlapping([*busy["machine-1"], *busy["machine-2"]]), busy
    # ... and yet its runs never overlapped: each request ran after the other, or was skipped.
    runs = list(site.runs("CUSTOMER", since=started).values())
    ran = [jobs for jobs in runs if jobs[0]["status"] != "skipped"]
    skipped = [jobs[0] for jobs in runs if jobs[0]["status"] == "skipped"]
    assert len(runs) == REQUESTS and ran
    for jobs in ran:
        assert [job["status"] for job in jobs] == ["finished", "finished"]  # To, then From
    spans = [(jobs[0]["started_at"], jobs[-1]["finished_at"]) for jobs in ran]
    assert overlapping(spans) == [], "two runs of CUSTOMER at the same time"
    for job in skipped:  # waited TANDEM_RUN_WAIT_SECONDS in vain
        assert f"Another run of CUSTOMER is under way ({socket.gethostname()}:" in job["message"]


def test_a_worker_killed_mid_run_loses_and_duplicates_nothing(site, emulator):
    site.wait_for(lambda: asleep(site, "CUSTOMER") and no_job_running(site), "CUSTOMER idle")
    # Keep creating accounts for new customers, as after a full synchronization ("Yes"), and
    # touch every customer (a bulk update: no signals) so that all are candidates again.
    site.rows(
        "UPDATE integration_integrationtablemapping SET synch_only_coupled_records = %s "
        "WHERE name = 'CUSTOMER'",
        [False],
    )
    site.rows("UPDATE erp_customer SET modified_at = %s", [site.db.time_param(now())])
    killed_at = None
    with emulator.faults(latency_ms=150):
        site.shell("from erp.models import Customer\nCustomer.objects.first().save()")  # wakes it
        site.wait_for(lambda: couplings(site) > 0, "the run started creating accounts")
        owner = site.value(
            "SELECT lease_owner FROM integration_integrationtablemapping WHERE name = 'CUSTOMER'"
        )
        pid = int(owner.split(":")[1])
        os.kill(pid, signal.SIGKILL)  # the worker process running the task
        killed_at = now()
        assert couplings(site) < open_customers(site), "killed after the run had finished"
        # Until its cluster reaps it (within half a second) the dead worker looks alive.
        site.wait_for(lambda: process_gone(pid), "the cluster noticed its worker died")

    # The watch runs every minute; skip the wait: it finds the dead run and makes CUSTOMER due.
    site.set_next_run(WATCH_NAME, now())
    site.wait_for(
        lambda: finished_after(site, killed_at) and no_job_running(site),
        "the next run finished the killed run's work",
    )

    open_ids = {
        str(r[0]).replace("-", "")
        for r in site.rows("SELECT system_id FROM erp_customer WHERE blocked = ''")
    }
    rows = site.rows(
        "SELECT local_id, dataverse_id, status FROM integration_coupling "
        "WHERE local_table = 'erp.customer'"
    )
    assert {str(r[0]).replace("-", "") for r in rows} == open_ids, "every open customer coupled"
    assert len(rows) == len(open_ids) and {r[2] for r in rows} == {"coupled"}
    accounts = (
        emulator.app_session()
        .get("accounts?$select=accountid&$filter=customertypecode eq 3")
        .json()
    )
    assert {a["accountid"].replace("-", "") for a in accounts["value"]} == {
        str(r[1]).replace("-", "") for r in rows
    }, "one account per customer, no strays"
    statuses = [
        job["status"] for job in site.jobs("CUSTOMER", since=killed_at - timedelta(minutes=1))
    ]
    assert "interrupted" in statuses, "the killed run is marked on the log"


def process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def couplings(site: Site) -> int:
    return site.value(
        "SELECT count(*) FROM integration_coupling WHERE local_table = 'erp.customer'"
    )


def open_customers(site: Site) -> int:
    return site.value("SELECT count(*) FROM erp_customer WHERE blocked = ''")


def finished_after(site: Site, moment: datetime) -> bool:
    return any(
        job["status"] == "finished" and job["direction"] == "to_integration_table"
        for job in site.jobs("CUSTOMER", since=moment)
    )
