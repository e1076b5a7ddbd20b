"""Journey 2: Run Full Synchronization from the review page on the fresh demo data set.

The page reloads itself while the lines run. A script added to every page of the context
writes what each load showed (every line's status and its jobs' progress) to the tab's
sessionStorage, which lives through reloads; the test reads that history at the end to see
the lines change, and finish in dependency order, without ever reloading the page itself.
The emulator answers slowly during the run, so that the page has the time to show it.
"""

import re

import pytest
from playwright.sync_api import expect

from .pages import WORK_MS, messages

pytestmark = pytest.mark.browser

RECORD_LOADS = """
document.addEventListener("DOMContentLoaded", () => {
  const rows = document.querySelectorAll("#tandem-review-lines tr.tandem-line");
  if (!rows.length) return;
  const text = (cell) => cell.textContent.replace(/\\s+/g, " ").trim();
  const statuses = {}, jobs = {};
  rows.forEach((row) => {
    const line = row.id.replace("line-", "");
    statuses[line] = text(row.querySelector(".tandem-line-status"));
    jobs[line] = [...row.querySelectorAll("td")].slice(5, 7).map(text).join(" | ");
  });
  const history = JSON.parse(sessionStorage.getItem("tandem-review-history") || "[]");
  history.push({statuses, jobs});
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
SLOW_DATAVERSE_MS = 150  # per request: the run takes seconds, the page polls every 2 s


def test_full_synchronization_runs_the_lines_in_dependency_order(page, tandem_server):
    page.context.add_init_script(RECORD_LOADS)
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
    with tandem_server.emulator_faults(latency_ms=SLOW_DATAVERSE_MS):
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

    loads = history(page)[loads_before:]
    assert_dependency_order([load["statuses"] for load in loads])
    assert_live_progress(loads)

    # "Yes": scheduled jobs go on creating records for the mappings the question names.
    named = re.search(r"set aside on (.+?), so that", question.inner_text())[1].split(", ")
    assert "CUSTOMER" in named and "SALESPEOPLE" not in named, named  # salespeople: coupled
    question.locator("button[value=keep]").click()
    expect(messages(page)).to_contain_text(["Synch. Only Coupled Records is cleared on"])
    expect(page.locator("#tandem-question")).to_have_count(0)
    tandem_server.full_sync_done = True

    page.get_by_role("link", name="Integration Table Mappings").click()
    page.locator(
        "#changelist-filter details[data-filter-title='Synch. Only Coupled Records']"
    ).get_by_role("link", name="No", exact=True).click()
    listed = page.locator("#result_list tbody th a")
    expect(listed).to_have_count(len(named))
    assert sorted(listed.all_inner_texts()) == sorted(named)


def history(page) -> list[dict]:
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


def assert_live_progress(loads: list[dict]) -> None:
    """The page showed the run while it went, not only its start and its end: a load with
    some lines finished and others not, and a line in process with its job's progress."""
    midway = [
        load
        for load in loads
        if FINISHED in load["statuses"].values() and set(load["statuses"].values()) != {FINISHED}
    ]
    assert midway, [load["statuses"] for load in loads]
    in_process = [
        load["jobs"][line]
        for load in loads
        for line, status in load["statuses"].items()
        if status.startswith("In Process")
    ]
    assert any(re.search(r"In Process [\d,]+ of [\d,?]+", jobs) for jobs in in_process), loads
