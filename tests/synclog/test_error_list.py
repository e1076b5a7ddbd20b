"""Integration Synchronization Errors: filters, source/destination, links and actions."""

import uuid
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from synclog import hooks
from synclog.models import SyncDirection

from .conftest import row_ids

URL = reverse("synclog:error_list")


def shown(client, query="") -> set[str]:
    response = client.get(URL + query)
    assert response.status_code == 200
    return row_ids(response, "error")


def test_needs_staff_login_and_the_view_permission(client, client_with):
    assert client.get(URL).status_code == 302
    assert client_with("view_syncjob").get(URL).status_code == 403
    assert client_with("view_syncjoberror").get(URL).status_code == 200


def test_row_shows_message_full_detail_code_and_job(staff, make_job, make_error):
    job = make_job(failed=1)
    make_error(
        job,
        message="Cannot create the account.",
        error_message="Cannot create the account: the owner is not a licensed user.",
        exception_detail="Traceback (most recent call last): …",
        error_code="0x80040217",
    )
    html = staff.get(URL).content.decode()
    assert "<h1>Integration Synchronization Errors</h1>" in html
    assert "<summary>Cannot create the account.</summary>" in html
    assert "the owner is not a licensed user." in html
    assert "Traceback (most recent call last)" in html
    message = html.split('class="synclog-message">')[1].split("</td>")[0]
    assert "Error code <code>0x80040217</code>" in message  # under the message, not a column
    assert reverse("synclog:job_detail", args=[job.pk]) in html
    assert "Customer to Account." in html


def test_no_column_stands_empty_for_error_codes(staff, make_job, make_error):
    make_error(make_job(failed=1), error_code="")
    html = staff.get(URL).content.decode()
    headers = html.split("<thead>")[1].split("</thead>")[0]
    assert "Error code" not in headers
    assert "Error code" not in html.split("<tbody>")[1]


def test_to_job_reads_from_the_local_record_and_writes_the_dataverse_row(
    staff, make_job, make_error
):
    make_error(
        make_job(), local_description="Customer 10000", dataverse_description="Account Adatum"
    )
    html = staff.get(URL).content.decode()
    source = html.split('class="synclog-source">')[1].split("</td>")[0]
    destination = html.split('class="synclog-destination">')[1].split("</td>")[0]
    assert "erp.customer" in source and "Customer 10000" in source
    assert "account" in destination and "Account Adatum" in destination


def test_from_job_reads_from_the_dataverse_row(staff, make_job, make_error):
    job = make_job(direction=SyncDirection.FROM_INTEGRATION_TABLE)
    make_error(job, local_id=None, local_description="", dataverse_description="Account Adatum")
    html = staff.get(URL).content.decode()
    source = html.split('class="synclog-source">')[1].split("</td>")[0]
    destination = html.split('class="synclog-destination">')[1].split("</td>")[0]
    assert "Account Adatum" in source
    assert "(none)" in destination  # the local record was never created


def test_without_providers_sides_are_plain_text_and_there_are_no_actions(
    staff, make_job, make_error
):
    make_error(make_job())
    html = staff.get(URL).content.decode()
    source = html.split('class="synclog-source">')[1].split("</td>")[0]
    assert "<a " not in source
    actions = html.split('class="synclog-actions">')[1].split("</td>")[0]
    assert actions.strip() == ""


def test_registered_links_lead_to_the_local_record_and_the_dataverse_row(
    staff, make_job, make_error, registry
):
    error = make_error(make_job())
    calls = []

    def links(refs, request):
        calls.append(len(refs))
        return {
            ref: f"/{ref.side}/{ref.table}/{ref.id}/"
            for ref in refs
            if ref.side == hooks.LOCAL or ref.table == "account"
        }

    registry("record_links", links)
    html = staff.get(URL).content.decode()
    assert f'<a href="/local/erp.customer/{error.local_id}/">Customer 10000</a>' in html
    assert f'<a href="/dataverse/account/{error.dataverse_id}/">Account Adatum</a>' in html
    assert calls == [2]  # one call for the whole page


def test_registered_actions_render_as_buttons_and_links(staff, make_job, make_error, registry):
    error = make_error(make_job())

    def actions(errors, request):
        return {
            e.pk: [
                hooks.RecordAction("Synchronize", f"/sync/{e.local_id}/"),
                ("Set Up Coupling", f"/couple/{e.local_id}/", "get"),
                ("Delete Coupling", f"/uncouple/{e.local_id}/", "post"),
            ]
            for e in errors
        }

    registry("record_actions", actions)
    html = staff.get(URL).content.decode()
    cell = html.split('class="synclog-actions">')[1].split("</td>")[0]
    assert f'<form method="post" action="/sync/{error.local_id}/">' in cell
    assert 'name="csrfmiddlewaretoken"' in cell
    assert '<button type="submit" class="button">Synchronize</button>' in cell
    assert f'<a class="button" href="/couple/{error.local_id}/">Set Up Coupling</a>' in cell
    assert f'<form method="post" action="/uncouple/{error.local_id}/">' in cell


def test_filter_by_job(staff, make_job, make_error):
    job = make_job(failed=1)
    wanted = make_error(job)
    make_error(make_job(failed=1))
    response = staff.get(URL + f"?job={job.pk}")
    assert row_ids(response, "error") == {str(wanted.pk)}
    assert "Errors of the job" in response.content.decode()


def test_filter_by_mapping(staff, make_job, make_error):
    wanted = make_error(make_job(table_mapping_name="CONTACT"))
    make_error(make_job())
    assert shown(staff, "?table_mapping_name=CONTACT") == {str(wanted.pk)}


def test_filter_by_table_matches_either_side(staff, make_job, make_error):
    contact_job = make_job(local_table="erp.contact", dataverse_table="contact")
    local = make_error(make_job(), local_table="erp.contact", dataverse_table="")
    remote = make_error(contact_job, local_table="", dataverse_table="contact")
    make_error(make_job())
    assert shown(staff, "?table=erp.contact") == {str(local.pk)}
    assert shown(staff, "?table=contact") == {str(remote.pk)}


def test_filter_by_recent_period_and_date_range(staff, make_job, make_error):
    now = timezone.now()
    job = make_job()
    recent = make_error(job, created_at=now - timedelta(hours=1))
    old = make_error(job, created_at=now - timedelta(days=10))
    assert shown(staff, "?period=24h") == {str(recent.pk)}
    day = timezone.localdate(old.created_at)
    assert shown(staff, f"?created_after={day}&created_before={day}") == {str(old.pk)}


def test_filter_by_record(staff, make_job, make_error):
    record = uuid.uuid4()
    job = make_job()
    by_local = make_error(job, local_id=record)
    by_remote = make_error(job, dataverse_id=record)
    make_error(job)
    assert shown(staff, f"?record={record}") == {str(by_local.pk), str(by_remote.pk)}


def test_delete_links_need_the_delete_permission(client_with):
    assert "Delete All Entries" not in client_with("view_syncjoberror").get(URL).content.decode()
    html = client_with("view_syncjoberror", "delete_syncjoberror").get(URL).content.decode()
    assert f"{reverse('synclog:error_delete_older')}?days=7" in html
    assert reverse("synclog:error_delete_all") in html
