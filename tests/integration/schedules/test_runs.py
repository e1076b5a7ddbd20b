"""A scheduled run: on hold after a run that changed nothing, Ready after one that did."""

import os
import socket
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import Task
from django_q.scheduler import scheduler

from erp.models import Currency
from integration.models import ConnectionSetup, IntegrationTableMapping, SyncSchedule
from integration.services import schedules
from synclog.models import SyncJob

from .conftest import close_to, q_schedule, schedule_of

Status = SyncSchedule.Status


def run(name: str, **kwargs) -> list[SyncJob]:
    return schedules.schedule_run(schedule_id=schedule_of(name).pk, **kwargs)


def test_a_run_that_changes_nothing_puts_the_schedule_on_hold(standard_setup, demo):
    jobs = run("CURRENCY")  # nothing coupled yet: every currency is skipped, nothing written

    assert [(j.status, j.inserted, j.modified, j.failed) for j in jobs] == [("finished", 0, 0, 0)]
    schedule = schedule_of("CURRENCY")
    assert schedule.status == Status.ON_HOLD_INACTIVITY
    assert schedule.last_run_id == jobs[0].run_id and jobs[0].trigger == "schedule"
    assert close_to(schedule.next_run_at, timezone.now() + timedelta(minutes=720))
    assert q_schedule("CURRENCY").next_run == schedule.next_run_at
    assert "Inactivity Timeout Period (720 minutes)" in schedule.last_message

    run("SALESPEOPLE")  # no salesperson is coupled either
    salespeople = schedule_of("SALESPEOPLE")
    assert salespeople.status == Status.ON_HOLD_INACTIVITY
    assert close_to(salespeople.next_run_at, timezone.now() + timedelta(minutes=1440))


def test_a_run_that_changes_records_keeps_the_schedule_ready(standard_setup, demo):
    IntegrationTableMapping.objects.filter(name="CURRENCY").update(synch_only_coupled_records=False)
    fired_at = timezone.now()
    # As django-q2's scheduler leaves it after firing: one interval on.
    schedules.q_schedules().filter(name=schedules.schedule_name("CURRENCY")).update(
        next_run=fired_at + timedelta(minutes=30)
    )
    jobs = run("CURRENCY")

    assert jobs[0].inserted == Currency.objects.count() > 0
    schedule = schedule_of("CURRENCY")
    assert schedule.status == Status.READY
    assert close_to(schedule.next_run_at, fired_at + timedelta(minutes=30), 1)
    assert schedule.last_message.startswith(f"Inserted {jobs[0].inserted}, modified 0")


def test_a_local_change_during_the_run_keeps_the_schedule_ready(standard_setup, demo, monkeypatch):
    from integration.services import synchronization

    real = synchronization.synchronize_mapping

    def run_while_someone_edits(mapping, **kwargs):
        jobs = real(mapping, **kwargs)
        Currency.objects.filter(code="EUR").first().save()  # too late for this run
        return jobs

    monkeypatch.setattr(schedules, "synchronize_mapping", run_while_someone_edits)
    run("CURRENCY")
    assert schedule_of("CURRENCY").status == Status.READY


def test_a_run_that_cannot_start_marks_the_schedule_failed(standard_setup):
    ConnectionSetup.objects.update(is_enabled=False)
    jobs = run("CUSTOMER")
    assert [job.status for job in jobs] == ["failed"]
    schedule = schedule_of("CUSTOMER")
    assert schedule.status == Status.FAILED
    assert "not enabled" in schedule.last_message


def test_a_run_while_another_holds_the_mapping_is_skipped_and_changes_nothing(standard_setup):
    mine = f"{socket.gethostname()}:{os.getpid()}:test"  # a live holder: this process
    IntegrationTableMapping.objects.filter(name="CUSTOMER").update(
        lease_owner=mine, lease_expires_at=timezone.now() + timedelta(minutes=2)
    )
    before = schedule_of("CUSTOMER")
    jobs = run("CUSTOMER")
    assert [job.status for job in jobs] == ["skipped"] and mine in jobs[0].message
    after = schedule_of("CUSTOMER")
    assert (after.status, after.last_run_at, after.next_run_at) == (
        before.status,
        before.last_run_at,
        before.next_run_at,
    )
    assert schedules.displayed_status(after) == Status.RUNNING


def test_a_request_older_than_the_last_run_is_not_run_again(standard_setup):
    # The ORM broker redelivers a task whose worker died, long after a later run did its work.
    SyncSchedule.objects.filter(table_mapping__name="CUSTOMER").update(last_run_at=timezone.now())
    requested = (timezone.now() - timedelta(hours=1)).isoformat()
    assert run("CUSTOMER", requested_at=requested) == []
    assert not SyncJob.objects.exists()


def test_a_disabled_schedule_does_not_run_on_schedule_but_does_on_request(standard_setup):
    schedules.schedules_set_enabled(schedules=[schedule_of("CURRENCY")], enabled=False)
    assert run("CURRENCY") == []
    jobs = run("CURRENCY", trigger="manual", requested_by="boss")
    assert [(job.trigger, job.requested_by) for job in jobs] == [("manual", "boss")]
    assert schedule_of("CURRENCY").status == Status.DISABLED


def test_a_schedule_whose_mapping_is_gone_removes_itself(standard_setup):
    schedule = schedule_of("CONTACT")
    IntegrationTableMapping.objects.filter(name="CONTACT").delete()
    assert run_task(schedule.pk) == []
    assert not schedules.q_schedules().filter(args=f"({schedule.pk},)").exists()


def run_task(*args, **kwargs):
    from integration.tasks.schedules import run_schedule_task

    return run_schedule_task(*args, **kwargs)


@pytest.fixture
def tasks_inline(monkeypatch):
    """django-q2 runs tasks in this process (its ``sync`` switch), scheduler included."""
    monkeypatch.setattr(Conf, "SYNC", True)


def test_django_q2s_scheduler_runs_due_mappings_once(standard_setup, demo, tasks_inline):
    later = timezone.now() + timedelta(hours=1)
    schedules.q_schedules().exclude(name=schedules.schedule_name("CURRENCY")).update(next_run=later)
    schedules.q_schedules().filter(name=schedules.schedule_name("CURRENCY")).update(
        next_run=timezone.now() - timedelta(seconds=1)
    )
    scheduler()
    scheduler()  # nothing is due any more

    jobs = SyncJob.objects.all()
    assert [(job.table_mapping_name, job.trigger) for job in jobs] == [("CURRENCY", "schedule")]
    task = Task.objects.get(group=schedules.schedule_name("CURRENCY"))
    assert task.success and task.result == [f"{jobs[0].pk} finished"]
    # (Inline, the task ran before the scheduler saved the schedule it had fired, so the
    # scheduler's own next run wins here; a worker's update waits for that save instead.)
    assert schedule_of("CURRENCY").status == Status.ON_HOLD_INACTIVITY
