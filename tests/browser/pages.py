"""Steps the journeys share, written the way a person goes through the pages."""

from playwright.sync_api import expect

from tests.fixtures.live_server import ADMIN_PASSWORD, ADMIN_USER

WORK_MS = 120_000  # work a django-q2 worker does in the background, on a shared machine


def sign_in(page) -> None:
    """Fill in the admin's login form as the administrator."""
    page.get_by_label("Username").fill(ADMIN_USER)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()


def messages(page):
    return page.locator("ul.messagelist li")


def run_action(page, row_text: str, action: str) -> None:
    """Tick the row of a list that shows ``row_text`` and run one of the list's actions."""
    row = page.locator("#result_list tbody tr").filter(has_text=row_text)
    expect(row).to_have_count(1)
    row.locator("input.action-select").check()
    page.locator("select[name=action]").select_option(action)
    page.get_by_role("button", name="Go").click()


def wait_for_run(page) -> None:
    """On a request's run status page: wait until its worker has finished it."""
    expect(page.locator("#tandem-run-status")).to_have_text("Finished", timeout=WORK_MS)
    # The page reloads itself once more when the last job ends; then it stops polling.
    expect(page.locator("[data-live-running]")).to_have_count(0, timeout=WORK_MS)


def open_record(page, server, model: str, text: str) -> None:
    """Open the card of the record a list search finds by ``text``."""
    page.goto(f"{server.url}/admin/erp/{model}/?q={text}")
    page.locator("#result_list tbody tr th a").first.click()


def assert_fits(page) -> None:
    """Nothing sticks out sideways: the page does not scroll horizontally."""
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page is {width[0]} px wide in a {width[1]} px window"


def assert_columns_in_sight(page) -> None:
    """Every list on the page shows all its columns: none scrolls sideways inside its box."""
    boxes = page.evaluate(
        "[...document.querySelectorAll('.results')].map(box => [box.scrollWidth, box.clientWidth])"
    )
    assert all(scroll <= client + 1 for scroll, client in boxes), f"{page.url}: {boxes}"


def assert_reachable(page, locator) -> None:
    """A button a person needs is shown, and within the window's width."""
    locator.scroll_into_view_if_needed()
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    inner_width = page.evaluate("window.innerWidth")
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= inner_width, box


def assert_name_uncovered(page) -> None:
    """The record's name under the page's title is not hidden behind the page's buttons."""
    name = page.locator("#content > h2").bounding_box()
    tools = page.locator("#content-main > .object-tools").bounding_box()
    assert name is not None and tools is not None
    below = tools["y"] >= name["y"] + name["height"]
    above = tools["y"] + tools["height"] <= name["y"]
    assert below or above, f"the buttons {tools} cover the record's name {name}"
