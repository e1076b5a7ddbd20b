"""Waking a sleeping schedule: a local change, a change in Dataverse, a run whose worker died."""

import os
import socket
from datetime import timedelta

from django.utils import timezone

from erp.models import Currency, Customer
from integration.models import IntegrationTableMapping, SyncSchedule
from integration.services import schedule_wakeups, schedules
from synclog.models import SyncJob

from .conftest import close_to, put_on_hold, q_schedule, schedule_of

Status = SyncSchedule.Status


def assert_woken(name: str, reason: str) -> None:
    schedule = schedule_of(name)
    assert schedule.status == Status.READY and reason in schedule.last_message
    assert close_to(schedule.next_run_at, timezone.now(), 5)
    assert q_schedule(name).next_run == schedule.next_run_at


def assert_asleep(name: str) -> None:
    assert schedule_of(name).status == Status.ON_HOLD_INACTIVITY
    assert q_schedule(name).next_run > timezone.now() + timedelta(hours=11)


# ---- Local changes -------------------------------------------------------------------------


def test_saving_a_record_wakes_its_tables_sleeping_schedule_after_commit(
    offline_setup, demo, django_capture_on_commit_callbacks
):
    put_on_hold("CURRENCY")
    put_on_hold("CUSTOMER")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        currency = Currency.objects.get(code="EUR")
        currency.symbol = "€€"
        currency.save()
        assert_asleep("CURRENCY")  # not before the change is committed
    assert len(callbacks) == 1
    assert_woken("CURRENCY", "Woken by a change to erp.currency.")
    assert_asleep("CUSTOMER")


def test_deleting_a_record_wakes_it_too(offline_setup, demo, django_capture_on_commit_callbacks):
    put_on_hold("CUSTOMER")
    with django_capture_on_commit_callbacks(execute=True):
        Customer.objects.first().delete()
    assert_woken("CUSTOMER", "erp.customer")


def test_disable_event_driven_rescheduling_keeps_it_asleep(
    offline_setup, demo, django_capture_on_commit_callbacks
):
    IntegrationTableMapping.objects.filter(name="CURRENCY").update(disable_event_job_resch=True)
    put_on_hold("CURRENCY")
    with django_capture_on_commit_callbacks(execute=True):
        Currency.objects.first().save()
    assert_asleep("CURRENCY")


def test_a_bulk_of_saves_costs_one_query_per_throttle_window(
    offline_setup, demo, settings, django_capture_on_commit_callbacks, django_assert_num_queries
):
    settings.TANDEM_WAKE_THROTTLE_SECONDS = 60
    put_on_hold("CURRENCY")
    currencies = list(Currency.objects.all())
    assert len(currencies) > 3
    with (
        django_capture_on_commit_callbacks() as callbacks,
        django_assert_num_queries(len(currencies)),  # the saves, and nothing more
    ):
        for currency in currencies:
            currency.save()
    assert len(callbacks) == 1
    callbacks[0]()
    assert_woken("CURRENCY", "erp.currency")


def test_a_ready_schedule_keeps_its_next_run(
    offline_setup, demo, django_capture_on_commit_callbacks
):
    before = q_schedule("CURRENCY").next_run
    with django_capture_on_commit_callbacks(execute=True):
        Currency.objects.first().save()
    assert q_schedule("CURRENCY").next_run == before


# ---- The watch: local changes the signals missed -------------------------------------------


def test_the_watch_finds_local_changes_that_sent_no_signal(offline_setup, demo):
    put_on_hold("CURRENCY")
    put_on_hold("CUSTOMER", last_run_minutes_ago=0)
    Currency.objects.filter(code="EUR").update(symbol="E", modified_at=timezone.now())
    woken = schedule_wakeups.schedules_watch()
    assert woken["local"] == ["CURRENCY"]
    assert_woken("CURRENCY", "erp.currency")
    assert_asleep("CUSTOMER")


# ---- The watch: Dataverse changes ----------------------------------------------------------


def test_the_watch_asks_dataverse_once_per_sleeping_mapping(
    standard_setup, demo, emulator, dataverse_client
):
    for name in ("CUSTOMER", "VENDOR", "CURRENCY"):
        schedules.schedule_run(schedule_id=schedule_of(name).pk)  # nothing coupled: on hold
        assert_asleep(name)
    requests = dataverse_client.stats.requests
    assert schedule_wakeups.schedules_watch(client=dataverse_client)["dataverse"] == []
    assert dataverse_client.stats.requests - requests == 3

    account = {"name": "Made in Dataverse", "customertypecode": 3}
    assert emulator.user_session().post("accounts", json=account).ok
    woken = schedule_wakeups.schedules_watch(client=dataverse_client)
    # The check reads the whole table: an account wakes both mappings of accounts.
    assert sorted(woken["dataverse"]) == ["CUSTOMER", "VENDOR"]
    assert_woken("CUSTOMER", "Woken by changes in Dataverse.")
    assert_asleep("CURRENCY")


def test_the_client_check_reads_one_row_and_keeps_the_link(dataverse_client, emulator):
    feed = dataverse_client.changes("account", select=["name"])
    list(feed)
    assert dataverse_client.has_changes(feed.delta_link) is False
    session = emulator.user_session()
    for number in range(3):
        assert session.post("accounts", json={"name": f"New {number}"}).ok
    requests = dataverse_client.stats.requests
    assert dataverse_client.has_changes(feed.delta_link) is True
    assert dataverse_client.stats.requests - requests == 1
    rows = list(dataverse_client.changes("account", ["name"], delta_link=feed.delta_link))
    assert len(rows) == 3  # the check moved nothing on


def test_a_link_dataverse_refuses_wakes_the_mapping(standard_setup, demo):
    schedules.schedule_run(schedule_id=schedule_of("CUSTOMER").pk)
    mapping = IntegrationTableMapping.objects.get(name="CUSTOMER")
    link = mapping.dataverse_delta_link.split("$deltatoken=")[0] + "$deltatoken=garbage"
    IntegrationTableMapping.objects.filter(pk=mapping.pk).update(dataverse_delta_link=link)
    assert schedule_wakeups.schedules_watch()["dataverse"] == ["CUSTOMER"]


def test_without_a_connection_the_watch_still_wakes_on_local_changes(offline_setup, demo):
    put_on_hold("CUSTOMER")
    IntegrationTableMapping.objects.filter(name="CUSTOMER").update(
        dataverse_delta_link="http://127.0.0.1:9/api/data/v9.2/accounts?$deltatoken=1"
    )
    Customer.objects.update(modified_at=timezone.now())
    assert schedule_wakeups.schedules_watch() == {
        "dead_runs": [],
        "local": ["CUSTOMER"],
        "dataverse": [],
    }


# ---- The watch: runs whose worker died -----------------------------------------------------


def running_job(name: str) -> SyncJob:
    return SyncJob.objects.create(
        table_mapping_name=name,
        direction="to_integration_table",
        trigger="schedule",
        local_table="erp.customer",
        local_table_caption="Customer",
        dataverse_table="account",
        dataverse_table_caption="Account",
        status=SyncJob.Status.RUNNING,
    )


def dead_pid() -> int:
    pid = 4_000_000  # above any pid_max: no such process
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        pid += 1


def test_the_watch_marks_a_dead_run_and_makes_its_schedule_due(offline_setup):
    host = socket.gethostname()
    later = timezone.now() + timedelta(minutes=2)
    IntegrationTableMapping.objects.filter(name="CUSTOMER").update(
        lease_owner=f"{host}:{dead_pid()}:x", lease_expires_at=later
    )
    IntegrationTableMapping.objects.filter(name="VENDOR").update(
        lease_owner=f"{host}:{os.getpid()}:x", lease_expires_at=later
    )
    dead, alive = running_job("CUSTOMER"), running_job("VENDOR")
    SyncSchedule.objects.filter(table_mapping__name="CUSTOMER").update(
        next_run_at=timezone.now() + timedelta(minutes=25)
    )

    assert schedule_wakeups.schedules_watch()["dead_runs"] == ["CUSTOMER"]

    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == SyncJob.Status.INTERRUPTED and "picks up where it ended" in dead.message
    assert alive.status == SyncJob.Status.RUNNING
    assert_woken("CUSTOMER", "its worker died")
