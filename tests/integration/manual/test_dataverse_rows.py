"""The Dataverse rows page of a mapping: paging by primary key, coupling state, Create in ERP."""

import html
import re

import pytest

from erp.models import Customer
from integration.models import Coupling
from integration.services import dataverse_browse

from .conftest import create_row

URL = "/admin/tandem/mappings/CUSTOMER/dataverse-rows/"


@pytest.fixture
def accounts(standard_setup, person, monkeypatch):
    monkeypatch.setattr(dataverse_browse, "PAGE_SIZE", 2)
    ids = [
        create_row(person, "accounts", "accountid", name=f"Account {n}", customertypecode=3)
        for n in range(5)
    ]
    create_row(person, "accounts", "accountid", name="A vendor", customertypecode=11)
    coupled = Customer.objects.create(name="Account 0")
    Coupling.objects.create(
        local_table="erp.customer",
        local_id=coupled.system_id,
        dataverse_table="account",
        dataverse_id=ids[0],
    )
    return ids, coupled


def names(response) -> list[str]:
    return [row.name for row in response.context["rows"].rows]


def link(response, element_id) -> str:
    found = re.search(rf'href="([^"]*)" id="{element_id}"', response.content.decode())
    return html.unescape(found[1]) if found else ""


def test_rows_are_paged_by_primary_key_forward_and_back(accounts, admin_client):
    first = admin_client.get(URL)
    seen = names(first)
    second = admin_client.get(URL + link(first, "tandem-next"))
    third = admin_client.get(URL + link(second, "tandem-next"))

    assert len(seen) == 2 and len(names(second)) == 2 and len(names(third)) == 1
    assert sorted(seen + names(second) + names(third)) == [f"Account {n}" for n in range(5)]
    assert link(third, "tandem-next") == "", "the last page"
    assert link(first, "tandem-previous") == "", "the first page"
    back = admin_client.get(URL + link(third, "tandem-previous"))
    assert names(back) == names(second)


def test_coupling_state_hide_coupled_and_search(accounts, admin_client):
    ids, coupled = accounts
    everything = admin_client.get(URL, {"q": "Account"})
    rows = {r.name: r for p in pages(admin_client, everything) for r in p.context["rows"].rows}
    assert rows["Account 0"].coupled_to == f"Customer {coupled.no} Account 0"
    assert rows["Account 0"].coupled_url == f"/admin/erp/customer/{coupled.pk}/change/"
    assert "A vendor" not in rows, "outside the mapping's integration table filter"

    hidden = admin_client.get(URL, {"hide_coupled": "1"})
    shown = [r.name for p in pages(admin_client, hidden) for r in p.context["rows"].rows]
    assert sorted(shown) == [f"Account {n}" for n in range(1, 5)]
    assert names(admin_client.get(URL, {"q": "count 3"})) == ["Account 3"]


def pages(client, response):
    yield response
    while target := link(response, "tandem-next"):
        response = client.get(URL + target)
        yield response


def test_create_in_erp_creates_and_couples_the_selected_rows(accounts, admin_client, run_tasks):
    ids, _ = accounts
    page = admin_client.get(URL).content.decode()
    assert f'value="{ids[0]}"' not in page, "a coupled row cannot be created again"

    with run_tasks():
        response = admin_client.post(URL, {"row": [str(ids[1]), str(ids[2])]})

    assert response.status_code == 302
    created = Customer.objects.filter(name__in=["Account 1", "Account 2"])
    assert created.count() == 2
    couplings = Coupling.objects.filter(local_id__in=[c.system_id for c in created])
    assert {c.dataverse_id for c in couplings} == {ids[1], ids[2]}
    assert "Create in ERP" in admin_client.get(response["Location"]).content.decode()


def test_a_to_only_mapping_lists_rows_without_create_in_erp(standard_setup, admin_client):
    page = admin_client.get("/admin/tandem/mappings/CURRENCY/dataverse-rows/").content.decode()
    assert "US Dollar" in page and "Create in ERP" not in page


def test_the_page_leads_back_to_the_erp_list_and_names_its_records(accounts, admin_client):
    page = admin_client.get(URL).content.decode()
    assert '<a href="/admin/erp/customer/" id="tandem-erp-records">Customers</a>' in page
    assert "Mapping CUSTOMER</a>" in page
    assert "Creates one customer for each selected row and couples them." in page


def test_columns_are_headed_by_the_names_people_see_in_dataverse(accounts, admin_client):
    page = admin_client.get(URL)
    headers = re.findall(r'<th scope="col">([^<]+)</th>', page.content.decode())
    rows = page.context["rows"]
    assert headers[0] == "Account Name", "the primary name column"
    assert "name" not in headers and not set(rows.columns) & set(headers)
    assert len(rows.captions) == len(rows.columns) > 0
    assert headers[1 : 1 + len(rows.captions)] == rows.captions
