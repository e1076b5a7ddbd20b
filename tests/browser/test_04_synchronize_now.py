"""Journey 4: a customer changed in the ERP and its account changed in Dataverse; Synchronize
Now with Merge brings both changes to both sides."""

import re

import pytest
from playwright.sync_api import expect

from .pages import assert_name_uncovered, run_action, wait_for_run

pytestmark = pytest.mark.browser

NEW_PHONE = "+1 555 0100"  # changed in the ERP
NEW_CITY = "Springfield"  # changed in Dataverse


def test_synchronize_now_merges_changes_from_both_sides(page, synchronized, dataverse):
    page.goto(synchronized.url + "/admin/erp/customer/?coupled_to_dataverse=yes")
    customer = page.locator("#result_list tbody tr th a").first
    number = customer.inner_text()
    customer.click()
    note = page.locator("#tandem-coupling-note")
    expect(note).to_contain_text("Coupled to Dataverse (account ")
    account = re.search(r"account ([0-9a-f-]{36})", note.inner_text())[1]
    assert_name_uncovered(page)

    page.get_by_label("Phone No.").fill(NEW_PHONE)
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator("ul.messagelist li.success")).to_contain_text("was changed successfully")
    dataverse.patch(f"accounts({account})", json={"address1_city": NEW_CITY}).raise_for_status()

    page.goto(synchronized.url + "/admin/erp/customer/?coupled_to_dataverse=yes")
    run_action(page, number, "synchronize_now")
    form = page.locator("#tandem-sync-now-form")
    expect(form.locator("label", has_text="Merge data.")).to_contain_text("(recommended)")
    form.locator("input[value=merge]").check()
    form.get_by_role("button", name="OK").click()
    wait_for_run(page)
    jobs = page.locator(".tandem-jobs tbody tr")
    expect(jobs).to_have_count(2)
    expect(jobs.locator("[data-field='counts.modified']")).to_have_text(["1", "1"])
    expect(jobs.locator("[data-field='counts.failed']")).to_have_text(["0", "0"])

    # The ERP side: the customer's card has Dataverse's city and kept its own phone number.
    page.get_by_role("link", name="Back").click()
    expect(page.get_by_label("City")).to_have_value(NEW_CITY)
    expect(page.get_by_label("Phone No.")).to_have_value(NEW_PHONE)

    # The Dataverse side, one click from the card: the account has both as well.
    note.get_by_role("link", name=account).click()
    expect(page.get_by_role("heading", name=re.compile("^Dataverse account row"))).to_be_visible()
    for column, value in (("telephone1", NEW_PHONE), ("address1_city", NEW_CITY)):
        cell = page.locator(f"#row-columns tr:has(th code:text-is('{column}')) td")
        expect(cell).to_have_text(value)
    row = dataverse.get(f"accounts({account})?$select=telephone1,address1_city").json()
    assert (row["telephone1"], row["address1_city"]) == (NEW_PHONE, NEW_CITY)
