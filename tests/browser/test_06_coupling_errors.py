"""Journey 6: a currency whose code is too long for Dataverse fails; the administrator finds it
on Coupled Data Synchronization Errors, fixes it, retries it, and the next synchronization of
its mapping creates it in Dataverse."""

import pytest
from playwright.sync_api import expect

from .pages import messages, run_action, wait_for_run

pytestmark = pytest.mark.browser

TOO_LONG = "BROWSR"  # Dataverse's isocurrencycode takes at most 5 characters
FIXED = "BRWSR"


def test_a_failed_record_is_found_fixed_and_synchronized(page, synchronized, dataverse):
    page.goto(synchronized.url + "/admin/erp/currency/add/")
    page.get_by_label("Code:", exact=True).fill(TOO_LONG)
    page.get_by_label("Description:", exact=True).fill("Browser dollar")
    page.get_by_label("Exchange rate:", exact=True).fill("1.5")
    page.get_by_role("button", name="Save", exact=True).click()
    run_action(page, TOO_LONG, "create_in_dataverse")
    page.get_by_role("button", name="Yes").click()
    wait_for_run(page)
    expect(page.locator(".tandem-jobs [data-field='counts.failed']")).to_have_text(["1"])

    page.goto(synchronized.url + "/admin/tandem/couplings/")
    page.locator("#id_q").fill(TOO_LONG)
    page.get_by_role("button", name="Apply").click()
    row = page.locator("#result_list tbody tr[id^=coupling-]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Failed")
    expect(row.locator(".coupling-error")).to_contain_text("isocurrencycode")

    # Fix it on the currency's card: a shorter code, and the symbol Dataverse requires.
    row.get_by_role("link", name=f"Currency {TOO_LONG}").click()
    page.get_by_label("Code:", exact=True).fill(FIXED)
    page.get_by_label("Symbol:", exact=True).fill("B$")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(messages(page)).to_contain_text(["was changed successfully"])

    # Retry, then the next synchronization of the mapping: Synchronize Modified Records.
    page.goto(synchronized.url + f"/admin/tandem/couplings/?q={FIXED}")
    run_action(page, f"Currency {FIXED}", "retry")
    expect(messages(page)).to_have_text(["1 coupling will be retried by the next synchronization."])
    page.goto(synchronized.url + "/admin/integration/integrationtablemapping/?q=CURRENCY")
    run_action(page, "CURRENCY", "synchronize_modified_records")
    page.get_by_role("button", name="Yes").click()
    wait_for_run(page)
    job = page.locator(".tandem-jobs tbody tr")
    expect(job).to_contain_text("CURRENCY")
    expect(job.locator("[data-field='counts.inserted']")).to_have_text("1")
    expect(job.locator("[data-field='counts.failed']")).to_have_text("0")

    page.goto(synchronized.url + f"/admin/tandem/couplings/?q={FIXED}")
    expect(page.locator("#result_list tbody")).to_have_text(
        "No failed or skipped couplings match the filter."
    )

    found = dataverse.get(
        f"transactioncurrencies?$select=currencyname&$filter=isocurrencycode eq '{FIXED}'"
    ).json()["value"]
    assert [row["currencyname"] for row in found] == ["Browser dollar"]
