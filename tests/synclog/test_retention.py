"""The retention setting, the scheduled cleanup task and its django-q2 schedule."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import Schedule, Task
from django_q.scheduler import scheduler

from synclog import services, tasks
from synclog.models import LogRetention, SyncJob


def test_cleanup_task_applies_the_default_retention(make_job):
    now = timezone.now()
    old = make_job(started_at=now - timedelta(days=45))
    old_failed = make_job(started_at=now - timedelta(days=45), failed=2)
    recent = make_job(started_at=now - timedelta(days=20))
    assert tasks.cleanup_task() == 1
    assert set(SyncJob.objects.values_list("pk", flat=True)) == {old_failed.pk, recent.pk}
    retention = LogRetention.load()
    assert (retention.days_to_keep, retention.include_failed) == (30, False)
    assert retention.last_cleanup_deleted == 1 and retention.last_cleanup_at is not None
    assert not SyncJob.objects.filter(pk=old.pk).exists()


def test_retention_can_include_failed_jobs_and_change_the_days(make_job):
    now = timezone.now()
    make_job(started_at=now - timedelta(days=6), failed=1)
    kept = make_job(started_at=now - timedelta(days=2))
    LogRetention.objects.update_or_create(
        pk=1, defaults={"days_to_keep": 5, "include_failed": True}
    )
    assert services.apply_retention() == 1
    assert list(SyncJob.objects.values_list("pk", flat=True)) == [kept.pk]


def test_disabled_retention_deletes_nothing(make_job):
    make_job(started_at=timezone.now() - timedelta(days=400))
    LogRetention.objects.update_or_create(pk=1, defaults={"enabled": False})
    assert tasks.cleanup_task() == 0
    assert SyncJob.objects.count() == 1
    assert LogRetention.load().last_cleanup_at is None


def test_migrate_created_the_daily_cleanup_schedule(db):
    """The post_migrate handler ran when the test database was created."""
    schedule = Schedule.objects.get(func=services.CLEANUP_TASK)
    assert schedule.schedule_type == Schedule.DAILY and schedule.repeats == -1
    assert schedule.name == services.CLEANUP_SCHEDULE_NAME
    assert timezone.localtime(schedule.next_run).hour == services.CLEANUP_HOUR


def test_django_q2s_scheduler_fires_the_cleanup_and_plans_the_next_day(make_job, monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", True)  # the task runs in this process, as on a worker
    old = make_job(started_at=timezone.now() - timedelta(days=45))
    kept = make_job(started_at=timezone.now() - timedelta(days=2))
    due = timezone.now() - timedelta(seconds=1)
    Schedule.objects.filter(func=services.CLEANUP_TASK).update(next_run=due)

    scheduler()

    assert list(SyncJob.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not SyncJob.objects.filter(pk=old.pk).exists()
    task = Task.objects.get(func=services.CLEANUP_TASK)
    assert task.success and task.result == 1
    next_run = Schedule.objects.get(func=services.CLEANUP_TASK).next_run
    assert timedelta(hours=23) < next_run - due <= timedelta(days=1, hours=1)


def test_creating_the_schedule_again_keeps_the_one_there(db):
    existing = Schedule.objects.get(func=services.CLEANUP_TASK)
    Schedule.objects.filter(pk=existing.pk).update(name="Nightly log cleanup")  # edited by a person
    assert services.ensure_cleanup_schedule().pk == existing.pk
    assert Schedule.objects.filter(func=services.CLEANUP_TASK).count() == 1
    assert Schedule.objects.get(pk=existing.pk).name == "Nightly log cleanup"


def test_a_deleted_schedule_comes_back(db):
    Schedule.objects.filter(func=services.CLEANUP_TASK).delete()
    services.ensure_cleanup_schedule()
    assert Schedule.objects.filter(func=services.CLEANUP_TASK).count() == 1


def test_next_cleanup_is_the_next_quiet_hour():
    now = timezone.localtime().replace(
        hour=services.CLEANUP_HOUR - 1, minute=30, second=0, microsecond=0
    )
    assert services.next_cleanup_time(now) - now == timedelta(minutes=30)
    later = now.replace(hour=services.CLEANUP_HOUR)
    assert services.next_cleanup_time(later) - later == timedelta(hours=23, minutes=30)


def test_retention_is_edited_in_the_admin(admin_client):
    url = reverse("admin:synclog_logretention_changelist")
    response = admin_client.get(url)
    change_url = reverse("admin:synclog_logretention_change", args=[1])
    assert response.status_code == 302 and response["Location"] == change_url
    html = admin_client.get(change_url).content.decode()
    assert "Days to keep" in html and "Next cleanup" in html and "Never" in html
    response = admin_client.post(
        change_url, {"enabled": "on", "days_to_keep": "14", "include_failed": "on"}
    )
    assert response.status_code == 302
    retention = LogRetention.load()
    assert (retention.days_to_keep, retention.include_failed) == (14, True)
    assert admin_client.post(change_url, {"days_to_keep": "0"}).status_code == 200  # refused
    assert LogRetention.load().days_to_keep == 14
