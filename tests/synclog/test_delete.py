"""Delete Entries Older Than N Days and Delete All Entries, on both pages."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from synclog import services
from synclog.models import SyncJob, SyncJobError

JOBS_OLDER = reverse("synclog:job_delete_older")
JOBS_ALL = reverse("synclog:job_delete_all")
ERRORS_OLDER = reverse("synclog:error_delete_older")
ERRORS_ALL = reverse("synclog:error_delete_all")


@pytest.fixture
def aged_jobs(make_job, make_error):
    """Jobs 10 and 2 days old, with and without failures, and one still running."""
    now = timezone.now()
    jobs = {
        "old": make_job(started_at=now - timedelta(days=10)),
        "old_failed": make_job(started_at=now - timedelta(days=10), failed=1),
        "old_could_not_run": make_job(
            started_at=now - timedelta(days=10), status=SyncJob.Status.FAILED
        ),
        "recent": make_job(started_at=now - timedelta(days=2)),
        "running": make_job(
            started_at=now - timedelta(days=10), status=SyncJob.Status.RUNNING, finished_at=None
        ),
    }
    make_error(jobs["old"])  # an error of a job that ends without failures, e.g. retried
    make_error(jobs["old_failed"])
    make_error(jobs["running"])
    return jobs


def remaining(jobs) -> set[str]:
    pks = set(SyncJob.objects.values_list("pk", flat=True))
    return {name for name, job in jobs.items() if job.pk in pks}


def test_older_than_page_previews_what_goes_and_what_stays(staff, aged_jobs):
    response = staff.get(JOBS_OLDER + "?days=7")
    html = response.content.decode()
    assert "<h1>Delete Entries Older Than 7 Days</h1>" in html
    assert "<strong>1</strong> job without failures will be deleted" in html
    assert "<strong>2</strong> jobs with failures are kept" in html
    assert 'name="days" value="7"' in html and "Also delete jobs with failures" in html
    assert SyncJob.objects.count() == 5  # looking deletes nothing


def test_older_than_keeps_failed_running_and_recent_jobs(staff, aged_jobs):
    response = staff.post(JOBS_OLDER, {"days": "7"}, follow=True)
    assert remaining(aged_jobs) == {"old_failed", "old_could_not_run", "recent", "running"}
    assert not SyncJobError.objects.filter(job_id=aged_jobs["old"].pk).exists()
    assert "Deleted 1 synchronization job, errors included. Jobs with failures were kept." in (
        response.content.decode()
    )
    assert response.redirect_chain[-1][0] == reverse("synclog:job_list")


def test_older_than_with_failed_jobs_included(staff, aged_jobs):
    staff.post(JOBS_OLDER, {"days": "7", "include_failed": "on"})
    assert remaining(aged_jobs) == {"recent", "running"}
    assert SyncJobError.objects.count() == 1  # the running job's


def test_a_different_number_of_days(staff, aged_jobs):
    html = staff.get(JOBS_OLDER + "?days=1").content.decode()
    assert "<h1>Delete Entries Older Than 1 Day</h1>" in html
    assert "<strong>2</strong> jobs without failures will be deleted" in html
    staff.post(JOBS_OLDER, {"days": "1"})
    assert remaining(aged_jobs) == {"old_failed", "old_could_not_run", "running"}


def test_delete_all_entries_keeps_failed_jobs_unless_asked(staff, aged_jobs):
    assert "<h1>Delete All Entries</h1>" in staff.get(JOBS_ALL).content.decode()
    staff.post(JOBS_ALL, {"days": "30"})  # a tampered days field does not matter
    assert remaining(aged_jobs) == {"old_failed", "old_could_not_run", "running"}
    staff.post(JOBS_ALL, {"include_failed": "on"})
    assert remaining(aged_jobs) == {"running"}


def test_invalid_days_are_refused_without_deleting(staff, aged_jobs):
    response = staff.post(JOBS_OLDER, {"days": "-3"})
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 0." in response.content.decode()
    assert SyncJob.objects.count() == 5


@pytest.mark.parametrize("url", [JOBS_OLDER, JOBS_ALL])
def test_deleting_jobs_needs_the_delete_permission(client_with, aged_jobs, url):
    client = client_with("view_syncjob", "view_syncjoberror", "delete_syncjoberror")
    assert client.get(url).status_code == 403
    assert client.post(url, {"days": "0", "include_failed": "on"}).status_code == 403
    assert SyncJob.objects.count() == 5


def test_errors_older_than(staff, make_job, make_error):
    now = timezone.now()
    job = make_job(failed=2)
    make_error(job, created_at=now - timedelta(days=9))
    new = make_error(job, created_at=now - timedelta(days=1))
    html = staff.get(ERRORS_OLDER + "?days=7").content.decode()
    assert "<strong>1</strong> synchronization error logged before" in html
    response = staff.post(ERRORS_OLDER, {"days": "7"}, follow=True)
    assert set(SyncJobError.objects.values_list("pk", flat=True)) == {new.pk}
    assert "Deleted 1 synchronization error." in response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("synclog:error_list")
    assert SyncJob.objects.filter(pk=job.pk).exists()  # the job stays


def test_delete_all_errors_spares_running_jobs(staff, make_job, make_error):
    finished, running = make_job(failed=1), make_job(status="running", finished_at=None)
    make_error(finished)
    kept = make_error(running)
    assert "<h1>Delete All Entries</h1>" in staff.get(ERRORS_ALL).content.decode()
    staff.post(ERRORS_ALL)
    assert list(SyncJobError.objects.values_list("pk", flat=True)) == [kept.pk]


@pytest.mark.parametrize("url", [ERRORS_OLDER, ERRORS_ALL])
def test_deleting_errors_needs_the_delete_permission(client_with, make_job, make_error, url):
    make_error(make_job())
    client = client_with("view_syncjob", "view_syncjoberror", "delete_syncjob")
    assert client.get(url).status_code == 403
    assert client.post(url, {"days": "0"}).status_code == 403
    assert SyncJobError.objects.count() == 1


def test_deleting_runs_in_batches(make_job, make_error, monkeypatch):
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    old = timezone.now() - timedelta(days=30)
    for _ in range(5):
        make_error(make_job(started_at=old))
    assert services.delete_jobs(days=7) == 5
    assert not SyncJob.objects.exists() and not SyncJobError.objects.exists()
