"""The Dataverse row page: the row's columns read through the client, its coupling, links."""

import uuid

from django.urls import reverse

from erp.models import Currency
from integration.models import ConnectionSetup, Coupling

from .conftest import coupling_of


def row_url(table, row_id) -> str:
    return reverse("integration:dataverse_row", args=[table, row_id])


def test_a_row_with_its_columns_and_its_coupling(staff, currencies):
    eur = currencies["EUR"]
    coupling = coupling_of(eur)

    response = staff.get(row_url("transactioncurrency", coupling.dataverse_id))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Dataverse transactioncurrency row EUR currency</h1>" in html
    # Each column by the name people see in Dataverse, with its logical name, in that order.
    code = '<th scope="row">Currency Code <code>isocurrencycode</code></th><td>EUR</td>'
    name = '<th scope="row">Currency Name <code>currencyname</code></th><td>EUR currency</td>'
    assert code in html and name in html
    assert html.index(code) < html.index(name)
    currency_url = reverse("admin:erp_currency_change", args=[eur.pk])
    assert f'<a href="{currency_url}">EUR</a>' in html
    assert "<td>CURRENCY</td>" in html, "the mapping"
    assert f"/admin/synclog/jobs/?record={eur.system_id}" in html, "its Synchronization Log"
    assert "Coupled Data Synchronization Errors</a>" not in html.split('id="row-couplings"')[1]


def test_a_failed_coupling_links_to_its_errors(staff, broken):
    gbp = broken["GBP"]  # its local record is gone, its row is still there
    html = staff.get(row_url("transactioncurrency", gbp.dataverse_id)).content.decode()
    assert "Does not exist" in html and "last synchronization failed" in html
    errors_url = f"{reverse('integration:coupling_errors')}?q={gbp.dataverse_id}"
    assert f'<a href="{errors_url}">Coupled Data Synchronization Errors</a>' in html


def test_a_row_that_does_not_exist(staff, broken):
    eur = broken["EUR"]  # deleted in Dataverse, still coupled
    response = staff.get(row_url("transactioncurrency", eur.dataverse_id))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="row-not-found"' in html and "Dataverse has no transactioncurrency row" in html
    eur_url = reverse("admin:erp_currency_change", args=[Currency.objects.get(code="EUR").pk])
    assert f'<a href="{eur_url}">EUR</a>' in html, "its coupling still shows"

    nobody = staff.get(row_url("account", uuid.uuid4()))
    assert 'id="row-not-found"' in nobody.content.decode()
    assert "This row is not coupled to an ERP record." in nobody.content.decode()


def test_an_unreachable_or_unknown_dataverse_says_why(staff, currencies):
    coupling = coupling_of(currencies["EUR"])
    no_table = staff.get(row_url("nosuchtable", uuid.uuid4()))
    assert 'id="dataverse-problem"' in no_table.content.decode()

    setup = ConnectionSetup.get()
    setup.environment_url = setup.authority_url = "http://127.0.0.1:9"
    setup.save()
    response = staff.get(row_url("transactioncurrency", coupling.dataverse_id))

    html = response.content.decode()
    assert "Dataverse could not be read" in html and "Could not connect to 127.0.0.1:9" in html
    assert "<td>CURRENCY</td>" in html, "the coupling is known without Dataverse"


def test_the_row_page_needs_the_view_permission(client_with, currencies):
    client = client_with("synclog.view_syncjob")
    coupling = coupling_of(currencies["EUR"])
    assert client.get(row_url("transactioncurrency", coupling.dataverse_id)).status_code == 403


def test_the_coupling_admin_opens_the_pages(staff, currencies):
    coupling = Coupling.objects.get(local_id=Currency.objects.get(code="GBP").system_id)
    listing = staff.get(reverse("admin:integration_coupling_changelist"))
    assert listing["Location"] == reverse("integration:coupling_errors")
    change = staff.get(reverse("admin:integration_coupling_change", args=[coupling.pk]))
    assert change["Location"] == row_url("transactioncurrency", coupling.dataverse_id)
    index = staff.get(reverse("admin:index")).content.decode()
    assert reverse("admin:integration_coupling_changelist") in index
