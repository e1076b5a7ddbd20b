"""Integration Synchronization Jobs: access, columns, every filter, paging, drill-downs."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from synclog import links, views
from synclog.models import SyncDirection, SyncJob

from .conftest import row_ids

URL = reverse("synclog:job_list")


def shown(client, query="") -> set[str]:
    response = client.get(URL + query)
    assert response.status_code == 200
    return row_ids(response, "job")


def test_anonymous_user_is_sent_to_the_admin_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_staff_without_view_permission_gets_403(client_with):
    assert client_with("view_syncjoberror").get(URL).status_code == 403


def test_page_shows_columns_in_the_admin_look(staff, make_job):
    job = make_job(inserted=3, modified=2, deleted=1, unchanged=40, skipped=4, failed=0)
    make_job(
        table_mapping_name="CONTACT",
        direction=SyncDirection.FROM_INTEGRATION_TABLE,
        local_table_caption="Contact",
        dataverse_table_caption="Contact",
        message="The CONTACT Integration Table Mapping is not configured for synchronization.",
    )
    response = staff.get(URL)
    html = response.content.decode()
    assert "<h1>Integration Synchronization Jobs</h1>" in html
    assert "Customer to Account." in html and "Contact to Contact." in html
    assert "is not configured for synchronization." in html
    assert "1 min 30 s" in html  # duration of a 90-second job
    cells = [f'data-format="number">{n}</td>' for n in (3, 2, 1, 40, 4)]
    assert all(cell in html for cell in cells)
    assert reverse("synclog:job_detail", args=[job.pk]) in html
    assert 'id="changelist-filter"' in html  # the admin's filter sidebar
    assert "admin/css/responsive.css" in html


def test_coupling_and_uncoupling_jobs_show_their_count_and_caption(staff, make_job):
    make_job(job_type=SyncJob.JobType.COUPLING, coupled=17)
    make_job(job_type=SyncJob.JobType.UNCOUPLING, uncoupled=23)
    html = staff.get(URL).content.decode()
    assert '<td class="num">17</td>' in html and '<td class="num">23</td>' in html
    coupling = staff.get(URL + "?job_type=coupling").content.decode()
    assert "<h1>Integration Coupling Jobs</h1>" in coupling
    uncoupling = staff.get(URL + "?job_type=uncoupling").content.decode()
    assert "<h1>Integration Uncoupling Jobs</h1>" in uncoupling


def test_filter_by_mapping_name(staff, make_job):
    customer = make_job()
    contact = make_job(table_mapping_name="CONTACT")
    assert shown(staff, "?table_mapping_name=CUSTOMER") == {str(customer.pk)}
    assert shown(staff, "?table_mapping_name=CONTACT") == {str(contact.pk)}
    # A mapping without jobs: an empty list, not a form error.
    assert shown(staff, "?table_mapping_name=VENDOR") == set()


def test_filter_by_direction(staff, make_job):
    to = make_job()
    back = make_job(direction=SyncDirection.FROM_INTEGRATION_TABLE)
    assert shown(staff, "?direction=to_integration_table") == {str(to.pk)}
    assert shown(staff, "?direction=from_integration_table") == {str(back.pk)}


def test_filter_by_type(staff, make_job):
    sync = make_job()
    coupling = make_job(job_type=SyncJob.JobType.COUPLING)
    uncoupling = make_job(job_type=SyncJob.JobType.UNCOUPLING)
    assert shown(staff, "?job_type=synchronization") == {str(sync.pk)}
    assert shown(staff, "?job_type=coupling") == {str(coupling.pk)}
    assert shown(staff, "?job_type=uncoupling") == {str(uncoupling.pk)}


def test_filter_by_status(staff, make_job):
    running = make_job(status=SyncJob.Status.RUNNING, finished_at=None)
    make_job()
    assert shown(staff, "?status=running") == {str(running.pk)}


def test_filter_by_recent_period(staff, make_job):
    now = timezone.now()
    recent = make_job(started_at=now - timedelta(hours=2))
    yesterday = make_job(started_at=now - timedelta(hours=30))
    make_job(started_at=now - timedelta(days=40))
    assert shown(staff, "?period=24h") == {str(recent.pk)}
    assert shown(staff, "?period=48h") == {str(recent.pk), str(yesterday.pk)}


def test_filter_by_date_range(staff, make_job):
    now = timezone.now()
    old = make_job(started_at=now - timedelta(days=10))
    make_job(started_at=now - timedelta(days=1))
    day = timezone.localdate(old.started_at)
    query = f"?started_after={day - timedelta(days=1)}&started_before={day + timedelta(days=1)}"
    assert shown(staff, query) == {str(old.pk)}
    assert shown(staff, f"?started_before={day - timedelta(days=1)}") == set()


def test_failed_only_keeps_jobs_with_failed_records_and_jobs_that_failed(staff, make_job):
    with_failures = make_job(failed=2)
    could_not_run = make_job(status=SyncJob.Status.FAILED, message="No connection.")
    make_job(inserted=5)
    assert shown(staff, "?failed_only=on") == {str(with_failures.pk), str(could_not_run.pk)}


def test_record_filter_finds_jobs_whose_errors_name_the_record(staff, make_job, make_error):
    local_id, dataverse_id = uuid.uuid4(), uuid.uuid4()
    by_local = make_job(failed=1)
    make_error(by_local, local_id=local_id)
    by_dataverse = make_job(failed=1, direction=SyncDirection.FROM_INTEGRATION_TABLE)
    make_error(by_dataverse, dataverse_id=dataverse_id)
    make_error(make_job(failed=1))
    assert shown(staff, f"?record={local_id}") == {str(by_local.pk)}
    assert shown(staff, f"?record={dataverse_id}") == {str(by_dataverse.pk)}


def test_record_and_job_ids_together_show_the_union(staff, make_job, make_error):
    """A record's log: jobs whose errors name it plus the coupling's last jobs."""
    local_id = uuid.uuid4()
    failed = make_job(failed=1)
    make_error(failed, local_id=local_id)
    last_to, last_from = make_job(), make_job()
    make_job()
    both = {str(last_to.pk), str(last_from.pk)}
    assert shown(staff, f"?jobs={last_to.pk},{last_from.pk}") == both
    union = shown(staff, f"?record={local_id}&jobs={last_to.pk},{last_from.pk}")
    assert union == {str(failed.pk), str(last_to.pk), str(last_from.pk)}
    mapped = shown(staff, f"?record={local_id}&jobs={last_to.pk}&table_mapping_name=CONTACT")
    assert mapped == set()


def test_invalid_filter_values_show_an_error_and_no_rows(staff, make_job):
    make_job()
    response = staff.get(URL + "?record=not-a-uuid")
    assert "Please correct the filter errors below." in response.content.decode()
    assert row_ids(response, "job") == set()


def test_failed_count_links_to_the_jobs_errors(staff, make_job):
    job = make_job(failed=3)
    html = staff.get(URL).content.decode()
    assert f"{reverse('synclog:error_list')}?job={job.pk}" in html


def test_failed_count_is_plain_text_without_the_error_permission(client_with, make_job):
    make_job(failed=3)
    html = client_with("view_syncjob").get(URL).content.decode()
    assert reverse("synclog:error_list") not in html


def test_delete_links_need_the_delete_permission(client_with, make_job):
    html = client_with("view_syncjob").get(URL).content.decode()
    assert "Delete Entries Older Than 7 Days" not in html
    html = client_with("view_syncjob", "delete_syncjob").get(URL).content.decode()
    assert f"{reverse('synclog:job_delete_older')}?days=7" in html
    assert reverse("synclog:job_delete_all") in html


def test_running_jobs_carry_the_progress_url(staff, make_job):
    running = make_job(status=SyncJob.Status.RUNNING, finished_at=None, processed=5, total=10)
    make_job()
    html = staff.get(URL).content.decode()
    assert html.count("data-progress-url=") == 1
    assert reverse("synclog:job_progress", args=[running.pk]) in html
    assert "tandem/js/job-progress.js" in html


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(views, "JOBS_PER_PAGE", 2)


def test_pages_keep_the_filter_and_count_everything(staff, make_job, small_pages):
    now = timezone.now()
    jobs = [make_job(started_at=now - timedelta(minutes=i)) for i in range(5)]
    make_job(table_mapping_name="CONTACT")
    first = staff.get(URL + "?table_mapping_name=CUSTOMER")
    assert row_ids(first, "job") == {str(jobs[0].pk), str(jobs[1].pk)}
    html = first.content.decode()
    assert "5 jobs" in html
    assert "?table_mapping_name=CUSTOMER&amp;page=3" in html
    last = staff.get(URL + "?table_mapping_name=CUSTOMER&page=3")
    assert row_ids(last, "job") == {str(jobs[4].pk)}
    assert row_ids(staff.get(URL + "?table_mapping_name=CUSTOMER&page=99"), "job") == {
        str(jobs[4].pk)
    }


def test_links_for_other_apps_open_the_filtered_log(staff, make_job, make_error):
    customer = make_job()
    make_job(job_type=SyncJob.JobType.COUPLING)
    make_job(table_mapping_name="CONTACT")
    assert shown(staff, links.mapping_log_url("CUSTOMER").removeprefix(URL)) == {str(customer.pk)}

    record = uuid.uuid4()
    failed, last_sync = make_job(failed=1), make_job()
    make_error(failed, dataverse_id=record)
    url = links.record_log_url(record, [last_sync.pk, None])
    response = staff.get(url)
    assert row_ids(response, "job") == {str(failed.pk), str(last_sync.pk)}
    assert f"Showing the synchronization log of one record ({record})" in response.content.decode()
    assert links.record_log_url(None) == URL

    errors = staff.get(links.job_errors_url(failed.pk))
    assert "Errors of the job" in errors.content.decode()
