"""Coupled Data Synchronization Errors: what it lists, both sides' state, filters, links."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from integration.models import ConnectionSetup

from .conftest import PAGE, row_ids


def row_html(response, coupling) -> str:
    html = response.content.decode()
    return html.split(f'<tr id="coupling-{coupling.pk}"')[1].split("</tr>")[0]


def side_status(cell_class: str, html: str) -> str:
    cell = html.split(f'class="{cell_class}">')[1].split("</td>")[0]
    return re.search(r'data-side-status="([a-z_]+)"', cell)[1]


def test_lists_failed_and_skipped_couplings_with_both_sides(staff, broken):
    response = staff.get(PAGE)

    assert response.status_code == 200
    assert "<h1>Coupled Data Synchronization Errors</h1>" in response.content.decode()
    assert row_ids(response) == {c.pk for c in broken.values()}
    expected = {  # (local record, Dataverse row, status)
        "LONGCODE": ("exists", "not_created", "Skipped"),
        "ABCDEFG": ("exists", "not_created", "Failed"),
        "EUR": ("exists", "deleted", "Failed"),
        "GBP": ("deleted", "exists", "Failed"),
    }
    for name, (local, dataverse, status) in expected.items():
        html = row_html(response, broken[name])
        assert side_status("coupling-local", html) == local, name
        assert side_status("coupling-dataverse", html) == dataverse, name
        assert f"coupling-status-{status.lower()}" in html, name
        assert broken[name].failed_on.strftime("%Y-%m-%d %H:%M") in html
    longcode = row_html(response, broken["LONGCODE"])
    assert "exceeded the maximum allowed length of &#x27;5&#x27;" in longcode
    assert "Currency LONGCODE" in longcode and " · modified " in longcode
    gbp_row = row_html(response, broken["GBP"])
    assert "GBP currency" in gbp_row, "the Dataverse row's name, read from Dataverse"
    assert "was deleted" in gbp_row


def test_newest_failure_first(staff, broken):
    shown = [
        int(pk) for pk in re.findall(r'<tr id="coupling-(\d+)"', staff.get(PAGE).content.decode())
    ]
    expected = sorted(broken.values(), key=lambda c: (c.failed_on, c.pk), reverse=True)
    assert shown == [c.pk for c in expected]


def test_filters(staff, broken):
    names = {c.pk: name for name, c in broken.items()}

    def named(**query) -> set[str]:
        response = staff.get(PAGE, query)
        assert response.status_code == 200
        return {names[pk] for pk in row_ids(response)}

    assert named(state="skipped") == {"LONGCODE"}
    assert named(state="failed") == {"ABCDEFG", "EUR", "GBP"}
    assert named(mapping="CURRENCY") == set(broken)
    assert named(mapping="CUSTOMER") == set()
    assert named(q="isocurrencycode") == {"LONGCODE", "ABCDEFG"}, "the error message"
    assert named(q="longco") == {"LONGCODE"}, "the local record's code"
    assert named(q=str(broken["EUR"].dataverse_id)) == {"EUR"}, "a Dataverse row id"
    assert named(q=str(broken["GBP"].local_id)) == {"GBP"}, "a local record id"
    assert named(q="isocurrencycode", state="failed", mapping="CURRENCY") == {"ABCDEFG"}
    invalid = staff.get(PAGE, {"mapping": "NO SUCH MAPPING"})
    assert row_ids(invalid) == set() and "Please correct the filter errors" in (
        invalid.content.decode()
    )


def test_pages_follow_on_from_the_last_row(staff, broken, monkeypatch):
    from integration.services import coupling_states

    monkeypatch.setattr(coupling_states, "PAGE_SIZE", 3)
    first = staff.get(PAGE)
    html = first.content.decode()
    assert len(row_ids(first)) == 3 and 'id="page-newer"' not in html
    assert '<span class="synclog-total" id="coupling-total">4 couplings</span>' in html
    older = re.search(r'href="([^"]+)" rel="next" id="page-older"', html)[1].replace("&amp;", "&")
    second = staff.get(PAGE + older)
    assert len(row_ids(second)) == 1 and row_ids(second).isdisjoint(row_ids(first))
    assert 'id="page-older"' not in second.content.decode()
    newer = re.search(r'href="([^"]+)" rel="prev"', second.content.decode())[1]
    assert row_ids(staff.get(PAGE + newer.replace("&amp;", "&"))) == row_ids(first)


def test_links_of_a_row(staff, broken):
    response = staff.get(PAGE)
    longcode = broken["LONGCODE"]
    html = row_html(response, longcode)
    currency_url = reverse("admin:erp_currency_change", args=[_pk(longcode)])
    assert f'<a href="{currency_url}">Currency LONGCODE</a>' in html
    row_url = reverse(
        "integration:dataverse_row", args=["transactioncurrency", longcode.dataverse_id]
    )
    assert f'href="{row_url}"' in html
    job_id = longcode.last_synch_dataverse_job_id
    log = f"/admin/synclog/jobs/?record={longcode.local_id}&amp;jobs={job_id}"
    assert f'<a href="{log}">Synchronization Log</a>' in html
    mapping_log = "/admin/synclog/jobs/?table_mapping_name=CURRENCY&amp;job_type=synchronization"
    assert f'<a href="{mapping_log}"' in html
    filtered = staff.get(PAGE, {"mapping": "CURRENCY"}).content.decode()
    assert f'<a href="{mapping_log}">Synchronization Log of CURRENCY</a>' in filtered
    # The log page the row links to shows the job that failed the record.
    jobs = staff.get(log.replace("&amp;", "&")).content.decode()
    assert f'id="job-{job_id}"' in jobs


def _pk(coupling):
    from erp.models import Currency

    return Currency.objects.get(system_id=coupling.local_id).pk


@pytest.mark.urls("tests.integration.errors.urls_with_set_up_coupling")
def test_set_up_coupling_link_once_that_page_exists(staff, broken):
    html = row_html(staff.get(PAGE), broken["LONGCODE"])
    url = reverse("integration:set_up_coupling")
    assert (
        f'<a href="{url}?model=erp.currency&amp;pk={_pk(broken["LONGCODE"])}">Set Up Coupling</a>'
        in html
    )
    assert "Set Up Coupling" not in row_html(staff.get(PAGE), broken["GBP"]), "no local record"


@pytest.mark.urls("tests.integration.errors.urls_without_set_up_coupling")
def test_no_set_up_coupling_link_while_that_page_is_missing(staff, broken):
    assert "Set Up Coupling" not in staff.get(PAGE).content.decode()


def test_links_only_where_the_user_may_go(client_with, broken):
    client = client_with("integration.view_coupling")
    response = client.get(PAGE)
    html = response.content.decode()
    assert row_ids(response) == {c.pk for c in broken.values()}
    assert "/admin/erp/currency/" not in html, "no permission to view currencies"
    assert "Synchronization Log" not in html, "no permission to view the log"
    assert 'name="action"' not in html and "Retry All" not in html, "no action is allowed"


def test_without_the_view_permission_the_page_is_forbidden(client_with, broken):
    client = client_with("integration.couple_records", "synclog.view_syncjob")
    assert client.get(PAGE).status_code == 403
    anonymous = Client().get(PAGE)
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]


def test_an_unreachable_dataverse_leaves_the_rows_state_unknown(staff, broken):
    setup = ConnectionSetup.get()
    setup.environment_url = setup.authority_url = "http://127.0.0.1:9"
    setup.save()

    response = staff.get(PAGE)

    html = response.content.decode()
    assert response.status_code == 200 and row_ids(response) == {c.pk for c in broken.values()}
    assert 'id="dataverse-problem"' in html and "Dataverse could not be read" in html
    assert side_status("coupling-dataverse", row_html(response, broken["EUR"])) == "unknown"


def test_an_empty_list_says_so(staff, standard_setup):
    html = staff.get(PAGE).content.decode()
    assert "No failed or skipped couplings." in html
    assert '<span class="synclog-total" id="coupling-total">0 couplings</span>' in html
