"""Journey 5: Set Up Coupling for a new customer by searching its account's name; then Delete
Coupling."""

import pytest
from playwright.sync_api import expect

from .pages import run_action, wait_for_run

pytestmark = pytest.mark.browser

NAME = "Wingtip Browser Outfitters"
PHONE = "+1 555 0199"  # only on the account: getting the account's data brings it over


def test_set_up_coupling_by_name_then_delete_it(page, synchronized, dataverse):
    created = dataverse.post(
        "accounts",
        json={"name": NAME, "customertypecode": 3, "telephone1": PHONE},
        headers={"Prefer": "return=representation"},
    )
    created.raise_for_status()
    account = created.json()["accountid"]

    page.goto(synchronized.url + "/admin/erp/customer/add/")
    page.get_by_label("Name:", exact=True).fill(NAME)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("ul.messagelist li.success")).to_contain_text("was added successfully")

    page.goto(synchronized.url + "/admin/erp/customer/?coupled_to_dataverse=no")
    run_action(page, NAME, "set_up_coupling")
    expect(page.locator("#tandem-current-coupling")).to_have_text("Not coupled.")
    page.locator("#tandem-search").fill("Wingtip Browser")
    page.locator("#tandem-search-form").get_by_role("button", name="Search").click()
    expect(page.locator("#tandem-search")).to_have_value("Wingtip Browser")
    form = page.locator("#tandem-couple-form")
    form.locator(f"#row-{account}").check()
    form.locator("select[name=synchronize]").select_option(
        label="From Integration Table (get the Dataverse row's data)"
    )
    form.get_by_role("button", name="OK").click()
    wait_for_run(page)
    expect(page.locator(".tandem-jobs [data-field='counts.modified']")).to_have_text(["1"])

    page.get_by_role("link", name="Back").click()
    expect(page.locator("#tandem-coupling-note")).to_contain_text(f"account {account}")
    expect(page.get_by_label("Phone No.")).to_have_value(PHONE)

    page.goto(synchronized.url + "/admin/erp/customer/?coupled_to_dataverse=yes")
    run_action(page, NAME, "delete_coupling")
    expect(page.locator(".tandem-question")).to_contain_text("Delete the coupling of 1 customer")
    page.get_by_role("button", name="Yes, delete the coupling").click()
    wait_for_run(page)
    page.get_by_role("link", name="Back").click()
    expect(page.locator("#tandem-coupling-note")).to_have_text(
        "Not coupled to Dataverse (mapping CUSTOMER)."
    )
    # Uncoupling keeps the records on both sides.
    assert dataverse.get(f"accounts({account})?$select=name").json()["name"] == NAME
