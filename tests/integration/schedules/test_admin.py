"""The Synchronization schedules page: statuses, runs and their jobs, enable, disable, Run Now."""

import os
import re
import socket
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from django.utils import timezone

from integration.models import IntegrationTableMapping, SyncSchedule
from integration.services import schedules
from synclog.models import SyncJob

from .conftest import put_on_hold, q_schedule, schedule_of

LIST_URL = "/admin/integration/syncschedule/"


def user_with(*codenames, name="clerk") -> User:
    user = User.objects.create_user(name, is_staff=True)
    for codename in codenames:
        app_label, _, code = codename.partition(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=code)
        )
    return user


@pytest.fixture
def enqueued(monkeypatch):
    """django-q2's async_task, recorded instead of sent to a broker."""
    calls = []
    monkeypatch.setattr(
        "django_q.tasks.async_task",
        lambda func, *args, **kwargs: calls.append((func, args, kwargs)),
    )
    return calls


@pytest.fixture
def boss(client, db):
    client.force_login(User.objects.create_superuser("boss", "boss@example.com", "pw"))
    return client


def rows(response) -> dict[str, str]:
    """The list's rows by mapping name, as plain text."""
    html = response.content.decode()
    found = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S):
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        name = re.search(r'class="field-table_mapping[^"]*"[^>]*>(?:<a[^>]*>)?([^<]+)', row)
        if name:
            found[name[1].strip()] = text
    return found


def test_the_list_shows_each_schedules_status_runs_and_links(boss, offline_setup):
    run_id = uuid.uuid4()
    put_on_hold("CURRENCY")
    SyncSchedule.objects.filter(table_mapping__name="CURRENCY").update(last_run_id=run_id)
    schedules.schedules_set_enabled(schedules=[schedule_of("VENDOR")], enabled=False)
    SyncSchedule.objects.filter(table_mapping__name="SALESPEOPLE").update(
        status=SyncSchedule.Status.FAILED, last_message="The connection is not enabled."
    )
    mine = f"{socket.gethostname()}:{os.getpid()}:page"
    IntegrationTableMapping.objects.filter(name="CUSTOMER").update(
        lease_owner=mine, lease_expires_at=timezone.now() + timedelta(minutes=1)
    )
    response = boss.get(LIST_URL)
    assert response.status_code == 200
    listed = rows(response)
    assert "On hold with inactivity timeout" in listed["CURRENCY"]
    assert "In process" in listed["CUSTOMER"]
    assert "Disabled" in listed["VENDOR"]
    assert "Ready" in listed["CONTACT"]
    assert "Error" in listed["SALESPEOPLE"]
    assert "The connection is not enabled." in listed["SALESPEOPLE"]
    html = response.content.decode()
    assert f'href="/admin/synclog/jobs/?run={run_id}"' in html
    assert (
        'href="/admin/synclog/jobs/?table_mapping_name=CURRENCY&amp;job_type=synchronization"'
        in html
    )

    only_running = rows(boss.get(LIST_URL + "?status=running"))
    assert list(only_running) == ["CUSTOMER"]
    assert "CURRENCY" in rows(boss.get(LIST_URL + "?status=on_hold_inactivity"))
    assert list(rows(boss.get(LIST_URL + "?status=failed"))) == ["SALESPEOPLE"]


def test_last_and_next_run_share_a_column_with_short_times(boss, offline_setup):
    schedule = put_on_hold("CURRENCY")
    schedules.schedules_set_enabled(schedules=[schedule_of("VENDOR")], enabled=False)
    listed = rows(boss.get(LIST_URL))
    last = timezone.localtime(schedule.last_run_at).strftime("%Y-%m-%d %H:%M")
    following = timezone.localtime(schedule.next_run_at).strftime("%Y-%m-%d %H:%M")
    assert f"{last} {following}" in listed["CURRENCY"]
    assert "— —" in listed["VENDOR"]  # never ran, and disabled: no next run


def test_the_run_filter_lists_the_jobs_of_one_run(boss, offline_setup):
    run_id = uuid.uuid4()
    common = {
        "table_mapping_name": "CUSTOMER",
        "local_table": "erp.customer",
        "local_table_caption": "Customer",
        "dataverse_table": "account",
        "dataverse_table_caption": "Account",
        "status": "finished",
    }
    mine = [
        SyncJob.objects.create(direction=d, run_id=run_id, **common)
        for d in ("to_integration_table", "from_integration_table")
    ]
    other = SyncJob.objects.create(direction="to_integration_table", run_id=uuid.uuid4(), **common)
    html = boss.get(f"/admin/synclog/jobs/?run={run_id}").content.decode()
    assert all(str(job.pk) in html for job in mine) and str(other.pk) not in html


def test_actions_enable_disable_and_run_now(
    boss, offline_setup, enqueued, django_capture_on_commit_callbacks
):
    currency, vendor = schedule_of("CURRENCY"), schedule_of("VENDOR")
    picked = {"_selected_action": [currency.pk, vendor.pk]}
    assert boss.post(LIST_URL, {"action": "disable_schedules", **picked}).status_code == 302
    assert {q_schedule("CURRENCY").repeats, q_schedule("VENDOR").repeats} == {0}
    assert boss.post(LIST_URL, {"action": "enable_schedules", **picked}).status_code == 302
    assert schedule_of("VENDOR").status == SyncSchedule.Status.READY

    with django_capture_on_commit_callbacks(execute=True):
        response = boss.post(LIST_URL, {"action": "run_now", **picked}, follow=True)
    assert "Queued to run now: CURRENCY, VENDOR." in response.content.decode()
    assert [
        (func, args, kwargs["trigger"], kwargs["requested_by"]) for func, args, kwargs in enqueued
    ] == [
        (schedules.RUN_TASK, (currency.pk,), "manual", "boss"),
        (schedules.RUN_TASK, (vendor.pk,), "manual", "boss"),
    ]


def test_run_now_on_the_schedules_page(
    boss, offline_setup, enqueued, django_capture_on_commit_callbacks
):
    schedule = schedule_of("SALESPEOPLE")
    page = boss.get(f"{LIST_URL}{schedule.pk}/change/").content.decode()
    url = reverse("integration:schedule_run_now", args=[schedule.pk])
    assert f'action="{url}"' in page and "Run now" in page
    assert boss.get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = boss.post(url)
    assert response.status_code == 302 and response.url.endswith(f"{schedule.pk}/change/")
    assert [args for _, args, _ in enqueued] == [(schedule.pk,)]


def test_permissions(client, offline_setup, enqueued):
    schedule = schedule_of("CURRENCY")
    run_url = reverse("integration:schedule_run_now", args=[schedule.pk])

    client.force_login(user_with(name="nobody"))
    assert client.get(LIST_URL).status_code == 403
    assert client.post(run_url).status_code == 403

    client.force_login(user_with("integration.view_syncschedule", name="viewer"))
    page = client.get(LIST_URL).content.decode()
    assert "disable_schedules" not in page and "run_now" not in page
    client.post(LIST_URL, {"action": "disable_schedules", "_selected_action": [schedule.pk]})
    assert schedule_of("CURRENCY").enabled

    editor = user_with(
        "integration.view_syncschedule", "integration.change_syncschedule", name="ed"
    )
    client.force_login(editor)
    page = client.get(LIST_URL).content.decode()
    assert "disable_schedules" in page and "run_now" not in page
    assert "Run now</button>" not in client.get(f"{LIST_URL}{schedule.pk}/change/").content.decode()
    assert client.post(run_url).status_code == 403
    assert enqueued == []


def test_the_list_refuses_intervals_django_q2_cannot_keep(boss, offline_setup):
    currency = schedule_of("CURRENCY")
    url = f"{LIST_URL}{currency.pk}/change/"
    data = {"enabled": "on", "interval_minutes": "0", "inactivity_timeout_minutes": "720"}
    response = boss.post(url, data)
    assert response.status_code == 200 and "from 1 to 32767" in response.content.decode()
    data["interval_minutes"] = "45"
    assert boss.post(url, data).status_code == 302
    assert q_schedule("CURRENCY").minutes == 45
