"""The job page and its live progress endpoint."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from synclog import selectors, views
from synclog.models import SyncDirection, SyncJob

from .conftest import row_ids


def detail_url(job):
    return reverse("synclog:job_detail", args=[job.pk])


def progress_url(job):
    return reverse("synclog:job_progress", args=[job.pk])


def test_job_page_shows_counts_message_retries_and_requests(staff, make_job):
    job = make_job(
        inserted=12,
        modified=7,
        deleted=2,
        unchanged=300,
        skipped=5,
        failed=1,
        retries=4,
        http_requests=37,
        message="Stopped: the connection is not usable.",
    )
    html = staff.get(detail_url(job)).content.decode()
    assert "<h1>CUSTOMER: Customer to Account.</h1>" in html
    for label, value in [("Inserted", 12), ("Modified", 7), ("Deleted", 2), ("Unchanged", 300)]:
        assert f'<th scope="row">{label}</th><td data-field="counts.{label.lower()}"' in html
        assert f'data-format="number">{value}</td>' in html
    assert '<th scope="row">Retries</th><td>4</td>' in html
    assert '<th scope="row">HTTP requests</th><td>37</td>' in html
    assert "Stopped: the connection is not usable." in html
    assert "data-progress-url" not in html  # a finished job is not polled


def test_job_page_lists_its_own_errors_paged(staff, make_job, make_error, monkeypatch):
    monkeypatch.setattr(views, "ERRORS_PER_PAGE", 2)
    job, other = make_job(failed=3), make_job(failed=1)
    errors = [
        make_error(job, created_at=job.started_at + timedelta(seconds=i), message=f"Problem {i}")
        for i in range(3)
    ]
    make_error(other)
    first = staff.get(detail_url(job))
    assert row_ids(first, "error") == {str(errors[2].pk), str(errors[1].pk)}
    assert "3 errors" in first.content.decode()
    second = staff.get(detail_url(job) + "?page=2")
    assert row_ids(second, "error") == {str(errors[0].pk)}


def test_job_page_without_the_error_permission_shows_no_errors(client_with, make_job, make_error):
    job = make_job(failed=1)
    make_error(job)
    response = client_with("view_syncjob").get(detail_url(job))
    assert response.status_code == 200
    assert row_ids(response, "error") == set()


def test_unknown_job_is_404_and_missing_permission_403(staff, client_with, make_job):
    job = make_job()
    assert staff.get(reverse("synclog:job_detail", args=[SyncJob().pk])).status_code == 404
    assert client_with("view_syncjoberror").get(detail_url(job)).status_code == 403
    assert client_with("view_syncjoberror").get(progress_url(job)).status_code == 403


def test_running_job_page_polls_its_progress(staff, make_job):
    job = make_job(status=SyncJob.Status.RUNNING, finished_at=None, total=400, processed=100)
    html = staff.get(detail_url(job)).content.decode()
    assert f'data-progress-url="{progress_url(job)}"' in html
    assert '<progress max="400" value="100" data-progress-bar>' in html
    assert "tandem/js/job-progress.js" in html


def test_progress_endpoint_reports_a_running_job(staff, make_job):
    started = timezone.now() - timedelta(seconds=50)
    job = make_job(
        status=SyncJob.Status.RUNNING,
        started_at=started,
        finished_at=None,
        total=1000,
        processed=250,
        inserted=200,
        modified=50,
    )
    data = staff.get(progress_url(job)).json()
    assert data["running"] is True and data["status_display"] == "Running"
    assert (data["processed"], data["total"], data["percent"]) == (250, 1000, 25.0)
    assert 50 <= data["elapsed_seconds"] < 60  # the clock moves while the test runs
    assert 4.0 < data["rate_per_second"] <= 5.0
    assert data["counts"]["inserted"] == 200 and data["counts"]["modified"] == 50
    assert data["finished_at"] is None


def test_progress_endpoint_reports_the_final_numbers_of_a_finished_job(staff, make_job):
    started = timezone.now() - timedelta(minutes=5)
    job = make_job(
        started_at=started,
        finished_at=started + timedelta(seconds=40),
        total=200,
        processed=200,
        failed=3,
        message="Done.",
    )
    data = staff.get(progress_url(job)).json()
    assert data["running"] is False and data["status"] == "finished"
    assert data["elapsed_seconds"] == 40.0
    assert data["rate_per_second"] == 5.0
    assert data["percent"] == 100.0 and data["remaining_seconds"] is None
    assert data["counts"]["failed"] == 3 and data["message"] == "Done."


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"status": SyncJob.Status.QUEUED, "finished_at": None}, (0.0, None, None)),
        ({"status": SyncJob.Status.RUNNING, "finished_at": None, "processed": 30}, (60.0, 0.5, 90)),
    ],
)
def test_progress_of_queued_and_running_jobs_at_a_given_moment(make_job, fields, expected):
    now = timezone.now()
    job = make_job(started_at=now - timedelta(seconds=60), total=75, **fields)
    progress = selectors.job_progress(job, now=now)
    assert (
        progress["elapsed_seconds"],
        progress["rate_per_second"],
        progress["remaining_seconds"],
    ) == expected


def test_from_job_page_names_dataverse_as_the_source(staff, make_job):
    job = make_job(direction=SyncDirection.FROM_INTEGRATION_TABLE)
    assert "<h1>CUSTOMER: Account to Customer.</h1>" in staff.get(detail_url(job)).content.decode()


def test_job_page_links_to_its_mapping_and_its_errors(staff, make_job, make_error):
    job = make_job(failed=1)
    error = make_error(job)
    make_job(table_mapping_name="CONTACT")
    html = staff.get(detail_url(job)).content.decode()
    mapping_link = f"{reverse('synclog:job_list')}?table_mapping_name=CUSTOMER"
    errors_link = f"{reverse('synclog:error_list')}?job={job.pk}"
    assert f'href="{mapping_link}"' in html and f'href="{errors_link}"' in html
    assert row_ids(staff.get(mapping_link), "job") == {str(job.pk)}
    assert row_ids(staff.get(errors_link), "error") == {str(error.pk)}
