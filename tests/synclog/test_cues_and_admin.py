"""The admin index cue, the log's entries in the admin, and the hook registries."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from synclog import hooks
from synclog.models import SyncJob

from .conftest import row_ids

INDEX = reverse("admin:index")


def cue_html(client) -> str:
    html = client.get(INDEX).content.decode()
    return html.split('id="synclog-cues"')[1].split("</div>")[0] if "synclog-cues" in html else ""


def test_cue_counts_jobs_with_failures_in_the_last_24_hours(staff, make_job):
    now = timezone.now()
    recent_failed = make_job(started_at=now - timedelta(hours=3), failed=4)
    could_not_run = make_job(started_at=now - timedelta(hours=1), status=SyncJob.Status.FAILED)
    make_job(started_at=now - timedelta(hours=2))  # no failures
    make_job(started_at=now - timedelta(hours=30), failed=1)  # too old
    cue = cue_html(staff)
    assert '<span class="synclog-cue-count">2</span>' in cue
    assert "Failed synchronization jobs in the last 24 hours" in cue
    assert "synclog-cue-alert" in cue
    url = reverse("synclog:job_list") + "?failed_only=on&amp;period=24h"
    assert f'<a href="{url}">' in cue
    # Following the cue shows exactly the jobs it counted.
    shown = row_ids(staff.get(url.replace("&amp;", "&")), "job")
    assert shown == {str(recent_failed.pk), str(could_not_run.pk)}


def test_quiet_cue_when_nothing_failed(staff, make_job):
    make_job()
    cue = cue_html(staff)
    assert '<span class="synclog-cue-count">0</span>' in cue and "synclog-cue-alert" not in cue


def test_registered_cues_follow_synclogs_own(staff, registry):
    def skipped(request):
        return [
            hooks.Cue("Skipped records", 7, "/skipped/"),
            {"label": "B", "count": 0, "url": "/b/"},
        ]

    registry("cues", skipped)
    cue = cue_html(staff)
    assert cue.index("Failed synchronization jobs") < cue.index("Skipped records")
    assert '<a href="/skipped/"><span class="synclog-cue-count">7</span>' in cue
    assert '<a href="/b/"><span class="synclog-cue-count">0</span>' in cue


def test_no_synclog_cue_without_the_permission(client_with, registry):
    client = client_with("view_syncjoberror")
    assert cue_html(client) == ""
    registry("cues", lambda request: [hooks.Cue("Skipped records", 1, "/skipped/")])
    cue = cue_html(client)
    assert "Skipped records" in cue and "Failed synchronization jobs" not in cue


def test_admin_index_lists_the_log_pages(staff):
    html = staff.get(INDEX).content.decode()
    assert (
        "Integration synchronization jobs" in html and "Integration synchronization errors" in html
    )
    assert f'href="{reverse("synclog:job_list")}"' in html


def test_admin_changelists_open_the_log_pages_with_their_filter(staff, make_job):
    url = reverse("admin:synclog_syncjob_changelist") + "?table_mapping_name=CUSTOMER"
    response = staff.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("synclog:job_list") + "?table_mapping_name=CUSTOMER"
    errors = staff.get(reverse("admin:synclog_syncjoberror_changelist"))
    assert errors["Location"] == reverse("synclog:error_list")
    job = make_job()
    change = staff.get(reverse("admin:synclog_syncjob_change", args=[job.pk]))
    assert change["Location"] == reverse("synclog:job_detail", args=[job.pk])


def test_log_rows_cannot_be_added_or_edited_in_the_admin(admin_client, make_job, make_error):
    assert admin_client.get(reverse("admin:synclog_syncjob_add")).status_code == 403
    error = make_error(make_job())
    page = admin_client.get(reverse("admin:synclog_syncjoberror_change", args=[error.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and 'name="_save"' not in html  # read-only
    assert "The Salesperson SP1 must be coupled to a Dataverse user." in html


def test_registries_register_once_and_unregister(registry):
    def provider(errors, request):
        return {}

    registry("record_actions", provider)
    hooks.register_record_actions(provider)
    assert list(hooks.record_actions).count(provider) == 1
    hooks.record_actions.unregister(provider)
    assert provider not in list(hooks.record_actions)


def test_first_link_provider_wins_and_later_ones_fill_gaps(registry):
    ref_a = hooks.RecordRef(hooks.LOCAL, "erp.customer", "a")
    ref_b = hooks.RecordRef(hooks.DATAVERSE, "account", "b")
    asked = []

    def first(refs, request):
        asked.append(("first", list(refs)))
        return {ref_a: "/first/a/", ref_b: ""}

    def second(refs, request):
        asked.append(("second", list(refs)))
        return {ref: "/second/" for ref in refs}

    registry("record_links", first)
    registry("record_links", second)
    assert hooks.links_for([ref_a, ref_b, ref_a], None) == {ref_a: "/first/a/", ref_b: "/second/"}
    assert asked == [("first", [ref_a, ref_b]), ("second", [ref_b])]


def test_record_action_method_is_checked():
    with pytest.raises(ValueError):
        hooks.RecordAction("Synchronize", "/sync/", "delete")
