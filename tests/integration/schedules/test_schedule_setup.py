"""One django-q2 schedule per table mapping, created and updated by name, never twice."""

from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from integration.defaults import reset_to_defaults
from integration.models import IntegrationTableMapping, SyncSchedule
from integration.services import schedules

from .conftest import close_to, put_on_hold, q_schedule, schedule_of

STANDARD = [
    "CONTACT",
    "CURRENCY",
    "CUSTOMER",
    "ITEM-PRODUCT",
    "RESOURCE-PRODUCT",
    "SALESPEOPLE",
    "UNIT OF MEASURE",
    "VENDOR",
]


def run_schedules():
    return schedules.q_schedules().filter(func=schedules.RUN_TASK)


def test_the_default_setup_gives_each_mapping_a_schedule_due_now_and_the_watch(offline_setup):
    now = timezone.now()
    names = sorted(run_schedules().values_list("name", flat=True))
    assert names == [f"{name} - Dataverse synchronization job" for name in STANDARD]
    for name in STANDARD:
        schedule, q = schedule_of(name), q_schedule(name)
        assert q.args == f"({schedule.pk},)" and q.schedule_type == q.MINUTES
        assert (q.minutes, q.repeats, q.intended_date_kwarg) == (30, -1, "requested_at")
        assert close_to(q.next_run, now) and q.next_run == schedule.next_run_at
    assert schedule_of("SALESPEOPLE").inactivity_timeout_minutes == 1440
    watch = schedules.q_schedules().get(func=schedules.WATCH_TASK)
    assert (watch.name, watch.schedule_type, watch.minutes) == (schedules.WATCH_NAME, "I", 1)
    assert "'timeout': 300" in watch.kwargs


def test_applying_the_setup_again_updates_the_same_rows(offline_setup):
    before = dict(run_schedules().values_list("name", "pk"))
    put_on_hold("CUSTOMER")
    reset_to_defaults(["CUSTOMER"])
    call_command("sync_setup", "--if-missing")
    reset_to_defaults()
    assert dict(run_schedules().values_list("name", "pk")) == before
    assert schedules.q_schedules().filter(func=schedules.WATCH_TASK).count() == 1
    customer = schedule_of("CUSTOMER")
    assert customer.status == SyncSchedule.Status.READY  # restarted, as BC recreates entries
    assert close_to(q_schedule("CUSTOMER").next_run, timezone.now())


def test_if_missing_recreates_lost_schedules_without_moving_the_others(offline_setup):
    put_on_hold("VENDOR")
    held_until = q_schedule("VENDOR").next_run
    schedules.q_schedules().filter(name=schedules.schedule_name("ITEM-PRODUCT")).delete()
    call_command("sync_setup", "--if-missing")
    assert q_schedule("ITEM-PRODUCT").args == f"({schedule_of('ITEM-PRODUCT').pk},)"
    assert q_schedule("VENDOR").next_run == held_until
    assert schedule_of("VENDOR").status == SyncSchedule.Status.ON_HOLD_INACTIVITY


def test_a_renamed_mappings_old_schedule_goes(offline_setup):
    IntegrationTableMapping.objects.filter(name="CONTACT").update(name="PEOPLE")
    schedules.schedules_ensure()
    assert not schedules.q_schedules().filter(name=schedules.schedule_name("CONTACT")).exists()
    assert q_schedule("PEOPLE").args == f"({schedule_of('PEOPLE').pk},)"


def test_edits_carry_over_to_the_django_q_schedule(offline_setup):
    schedule = schedule_of("CURRENCY")
    schedule.last_run_at = timezone.now() - timedelta(minutes=5)
    schedule.interval_minutes = 15
    schedules.schedule_save(schedule=schedule, changed=["interval_minutes"])
    q = q_schedule("CURRENCY")
    assert q.minutes == 15
    assert close_to(q.next_run, schedule.last_run_at + timedelta(minutes=15), 1)

    schedules.schedules_set_enabled(schedules=[schedule], enabled=False)
    assert (q_schedule("CURRENCY").repeats, schedule_of("CURRENCY").status) == (0, "disabled")
    schedules.schedules_set_enabled(schedules=[schedule_of("CURRENCY")], enabled=True)
    q, schedule = q_schedule("CURRENCY"), schedule_of("CURRENCY")
    assert (q.repeats, schedule.status) == (-1, "ready")
    assert close_to(q.next_run, timezone.now()) and q.next_run == schedule.next_run_at


def test_a_new_timeout_moves_a_sleeping_schedule(offline_setup):
    schedule = put_on_hold("SALESPEOPLE", last_run_minutes_ago=10)
    schedule.inactivity_timeout_minutes = 60
    schedules.schedule_save(schedule=schedule, changed=["inactivity_timeout_minutes"])
    expected = schedule.last_run_at + timedelta(minutes=60)
    assert close_to(q_schedule("SALESPEOPLE").next_run, expected, 1)
