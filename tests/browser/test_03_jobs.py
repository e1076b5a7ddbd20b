"""Journey 3: Integration Synchronization Jobs, filtered to CUSTOMER; one job and its counts."""

import re

import pytest
from playwright.sync_api import expect

from .pages import assert_fits

pytestmark = pytest.mark.browser

COUNTS = ["inserted", "modified", "deleted", "unchanged", "skipped", "failed"]


@pytest.mark.parametrize("viewport", ["desktop", "narrow"], indirect=True)
def test_filter_the_jobs_to_customer_and_open_one(page, synchronized, viewport):
    page.goto(synchronized.url + "/admin/")
    cues = page.locator("#synclog-cues")
    cues.get_by_role("link", name="Integration Synchronization Jobs").click()
    expect(page.get_by_role("heading", name="Integration Synchronization Jobs")).to_be_visible()
    assert_fits(page)

    page.get_by_label("Mapping:", exact=True).fill("CUSTOMER")
    page.locator(".synclog-filter-form").get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"[?&]table_mapping_name=CUSTOMER(&|$)"))
    jobs = page.locator("#result_list tbody tr[id^=job-]")
    expect(jobs.first).to_be_visible()
    expect(jobs.locator("td:nth-child(3) strong")).to_have_text(["CUSTOMER"] * jobs.count())

    # The full synchronization's job that created the accounts.
    job = jobs.filter(has_text="Customer to Account").last
    listed = {name: job.locator(f"[data-field='counts.{name}']").inner_text() for name in COUNTS}
    assert int(listed["inserted"]) > 0, listed
    job.locator("td").first.get_by_role("link").click()

    expect(page.locator(".synclog-job-summary")).to_contain_text("CUSTOMER")
    expect(page.locator(".synclog-job-summary")).to_contain_text("Customer to Account")
    counts = page.locator(".synclog-counts")
    for name, value in listed.items():
        expect(counts.locator(f"[data-field='counts.{name}']")).to_have_text(value)
    expect(page.locator(".synclog-progress h2")).to_have_text("Result")
    assert_fits(page)
