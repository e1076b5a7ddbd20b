"""Journey 2: Run Full Synchronization from the review page on the fresh demo data set.

The page reloads itself while the lines run. A script added to every page of the context
writes what each load showed (every line's status) to the tab's sessionStorage, which lives
through reloads; the test reads that history at the end to see the lines change, and finish
in dependency order, without ever reloading the page itself.
"""

import re

import pytest
from playwright.sync_api import expect

from .pages import WORK_MS, messages

pytestmark = pytest.mark.browser

RECORD_STATUSES = """
document.addEventListener("DOMContentLoaded", () => {
  const rows = document.querySelectorAll("#tandem-review-lines tr.tandem-line");
  if (!rows.length) return;
  const shown = {};
  rows.forEach((row) => {
    shown[row.id.replace("line-", "")] = row
      .querySelector(".tandem-line-status").textContent.replace(/\\s+/g, " ").trim();
  });
  const history = JSON.parse(sessionStorage.getItem("tandem-review-history") || "[]");
  history.push(shown);
  sessionStorage.setItem("tandem-review-history", JSON.stringify(history));
});
"""

# The standard mappings' dependencies, as the lines show them ("after CUSTOMER|VENDOR").
DEPENDS_ON = {
    "vendor": ["currency", "salespeople"],
    "customer": ["currency", "salespeople"],
    "contact": ["customer", "vendor"],
    "resource-product": ["unit-of-measure"],
    "item-product": ["unit-of-measure"],
}
LINES = ["currency", "salespeople", "unit-of-measure", *DEPENDS_ON]
FINISHED = "Finished"


def test_full_synchronization_runs_the_lines_in_dependency_order(page, tandem_server):
    page.context.add_init_script(RECORD_STATUSES)
    page.goto(tandem_server.url + "/admin/integration/connectionsetup/")
    page.locator("#tandem-run-full-synchronization").click()
    expect(page.get_by_role("heading", name="Full Synchronization Review")).to_be_visible()
    expect(page.locator("#line-contact")).to_contain_text("after CUSTOMER|VENDOR")

    # A worker computes the recommendations first; the page shows them when it is done.
    sync_all = page.locator("button[value=sync_all]")
    expect(sync_all).to_be_enabled(timeout=WORK_MS)
    for line in LINES:
        expect(page.locator(f"#line-{line} .tandem-recommendation")).not_to_have_text("computing…")
    expect(page.locator("#line-customer .tandem-recommendation")).to_have_text(
        "Full Synchronization"
    )
    preview = page.locator("#line-customer .tandem-preview")
    expect(preview).to_contain_text(re.compile(r"Create \d+ in Dataverse"))
    to_create = re.search(r"Create (\d+) in Dataverse", preview.inner_text())[1]

    loads_before = len(history(page))
    sync_all.click()
    expect(page.locator(".tandem-question")).to_contain_text("Full synchronization will")
    page.locator("#tandem-confirm-form input[type=submit]").click()
    expect(messages(page).first).to_contain_text("Sync All started")

    question = page.locator("#tandem-question")
    expect(question).to_be_visible(timeout=WORK_MS)
    for line in LINES:
        expect(page.locator(f"#line-{line} .tandem-line-status")).to_have_text(FINISHED)
    for line in ("customer", "vendor"):
        expect(page.locator(f"#line-{line} .tandem-job-status").first).to_have_text("Success")
    # The customers' job created what the preview announced.
    expect(page.locator("#line-customer")).to_contain_text(f"{to_create} of {to_create}")

    assert_dependency_order(history(page)[loads_before:])

    question.locator("button[value=keep]").click()
    expect(messages(page)).to_contain_text(["Synch. Only Coupled Records is cleared on"])
    expect(page.locator("#tandem-question")).to_have_count(0)
    tandem_server.full_sync_done = True


def history(page) -> list[dict[str, str]]:
    return page.evaluate("JSON.parse(sessionStorage.getItem('tandem-review-history') || '[]')")


def assert_dependency_order(shown: list[dict[str, str]]) -> None:
    first, last = shown[0], shown[-1]
    # Right after Sync All: the contacts wait for customers and vendors.
    assert first["contact"].startswith("Waiting for dependencies for CUSTOMER, VENDOR"), first
    # At the end every line has finished; the page got there by reloading itself.
    assert all(status == FINISHED for status in last.values()), last
    assert len(shown) >= 2
    # No load ever showed a line under way before the lines it depends on had finished.
    for statuses in shown:
        for line, dependencies in DEPENDS_ON.items():
            if not statuses[line].startswith("Waiting"):
                assert all(statuses[d] == FINISHED for d in dependencies), statuses
