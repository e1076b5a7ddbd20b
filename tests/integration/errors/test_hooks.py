"""What the integration app adds to synclog's pages: links, record actions, the cue."""

import re

import pytest
from django.urls import reverse

from erp.models import Currency
from integration.models import Coupling
from synclog.models import SyncJobError

from .conftest import PAGE, messages_of, row_ids

ERRORS = reverse("synclog:error_list")


def error_row(html: str, error) -> str:
    return html.split(f'<tr id="error-{error.pk}">')[1].split("</tr>")[0]


def last_error_of(coupling) -> SyncJobError:
    return SyncJobError.objects.filter(local_id=coupling.local_id).latest("created_at", "id")


def test_errors_link_to_the_local_record_and_the_dataverse_row(staff, broken):
    longcode = broken["LONGCODE"]
    error = last_error_of(longcode)

    row = error_row(staff.get(ERRORS).content.decode(), error)

    currency = Currency.objects.get(system_id=longcode.local_id)
    source = row.split('class="synclog-source">')[1].split("</td>")[0]
    destination = row.split('class="synclog-destination">')[1].split("</td>")[0]
    assert f'href="{reverse("admin:erp_currency_change", args=[currency.pk])}"' in source
    dv_url = reverse("integration:dataverse_row", args=["transactioncurrency", error.dataverse_id])
    assert f'href="{dv_url}"' in destination


@pytest.mark.urls("tests.integration.errors.urls_without_set_up_coupling")
def test_errors_offer_synchronize_and_delete_coupling(staff, broken):
    error = last_error_of(broken["LONGCODE"])
    actions = error_row(staff.get(ERRORS).content.decode(), error).split('"synclog-actions">')[1]
    sync_url = reverse("integration:error_synchronize", args=[error.pk])
    delete_url = reverse("integration:error_delete_coupling", args=[error.pk])
    assert re.search(rf'<form method="post" action="{sync_url}\?next=[^"]+">', actions)
    assert '<button type="submit" class="button">Synchronize</button>' in actions
    assert f'action="{delete_url}?next=' in actions
    assert "Delete Coupling</button>" in actions
    assert "Set Up Coupling" not in actions, "no such page in this URL configuration"


@pytest.mark.urls("tests.integration.errors.urls_with_set_up_coupling")
def test_errors_offer_set_up_coupling_once_that_page_exists(staff, broken):
    error = last_error_of(broken["LONGCODE"])
    currency = Currency.objects.get(code="LONGCODE")
    actions = error_row(staff.get(ERRORS).content.decode(), error).split('"synclog-actions">')[1]
    url = f"{reverse('integration:set_up_coupling')}?model=erp.currency&amp;pk={currency.pk}"
    assert f'<a class="button" href="{url}">Set Up Coupling</a>' in actions


def test_synchronize_from_the_errors_page_after_fixing_the_record(staff, broken, emulator):
    longcode = broken["LONGCODE"]
    error = last_error_of(longcode)
    Currency.objects.filter(system_id=longcode.local_id).update(code="LNG")
    back = f"{ERRORS}?table_mapping_name=CURRENCY"

    response = staff.post(
        reverse("integration:error_synchronize", args=[error.pk]) + f"?next={back}", follow=True
    )

    assert response.redirect_chain[-1][0] == back
    shown = messages_of(response)
    assert "The record was synchronized." in shown
    assert any(m.startswith("CURRENCY To Integration Table: 1 inserted") for m in shown)
    longcode.refresh_from_db()
    assert longcode.status == "coupled" and not longcode.skipped and not longcode.is_failed
    assert longcode.pk not in row_ids(staff.get(PAGE))


def test_delete_coupling_from_the_errors_page(staff, broken):
    gbp = broken["GBP"]
    error = last_error_of(gbp)
    url = reverse("integration:error_delete_coupling", args=[error.pk])

    response = staff.post(f"{url}?next={ERRORS}", follow=True)

    assert "1 coupling deleted; the records were kept." in messages_of(response)
    assert not Coupling.objects.filter(pk=gbp.pk).exists()
    again = staff.post(url, follow=True)
    assert "The record of this error is not coupled." in messages_of(again)
    html = again.content.decode()
    assert "Delete Coupling</button>" not in error_row(html, error), "nothing left to delete"


def test_error_actions_need_their_permissions(client_with, broken):
    error = last_error_of(broken["EUR"])
    client = client_with("synclog.view_syncjoberror", "integration.view_coupling")
    row = error_row(client.get(ERRORS).content.decode(), error)
    assert "Synchronize" not in row and "Delete Coupling" not in row
    assert client.post(reverse("integration:error_synchronize", args=[error.pk])).status_code == 403
    delete = reverse("integration:error_delete_coupling", args=[error.pk])
    assert client.post(delete).status_code == 403
    assert Coupling.objects.filter(pk=broken["EUR"].pk).exists()


def test_error_actions_are_posts(staff, broken):
    error = last_error_of(broken["EUR"])
    assert staff.get(reverse("integration:error_synchronize", args=[error.pk])).status_code == 405


def cue_html(client) -> str:
    html = client.get(reverse("admin:index")).content.decode()
    return html.split('id="synclog-cues"')[1].split("</div>")[0] if "synclog-cues" in html else ""


def test_the_skipped_records_cue(staff, broken):
    Coupling.objects.filter(pk=broken["GBP"].pk).update(skipped=True)  # skipped long ago
    Coupling.objects.filter(pk=broken["GBP"].pk).update(
        failed_on=broken["GBP"].failed_on.replace(year=2020)
    )

    cue = cue_html(staff)

    url = f"{PAGE}?state=skipped"
    assert f'<a href="{url}"><span class="synclog-cue-count">2</span>' in cue
    assert "Skipped records (1 in the last 24 hours)" in cue
    assert row_ids(staff.get(url)) == {broken["LONGCODE"].pk, broken["GBP"].pk}


def test_the_index_leads_to_coupled_data_synchronization_errors_and_the_review(client_with, db):
    errors = f'<a href="{PAGE}">Coupled Data Synchronization Errors</a>'
    review = f'<a href="{reverse("integration:full_sync_review")}">Full Synchronization Review</a>'
    cue = cue_html(client_with("integration.view_coupling"))
    assert errors in cue and review not in cue
    cue = cue_html(client_with("integration.view_coupling", "integration.synchronize"))
    assert errors in cue and review in cue
    assert "tandem-index-links" not in cue_html(client_with("synclog.view_syncjob"))


def test_no_cue_without_the_view_permission(client_with, broken):
    client = client_with("synclog.view_syncjob")
    cue = cue_html(client)
    assert "Failed synchronization jobs" in cue and "Skipped records" not in cue
