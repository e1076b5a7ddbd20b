"""The pages the journeys go through, in a phone-sized window: nothing scrolls sideways and the
buttons a person needs are on screen. (Journeys 1 and 3 also run whole in this window.)"""

import pytest

from .pages import assert_fits, assert_reachable, run_action

pytestmark = pytest.mark.browser

PAGES = {
    "/admin/tandem/full-synchronization/": ["button[value=sync_all]", "button[value=reset]"],
    "/admin/tandem/couplings/": ["#id_q", ".synclog-filter-form input[type=submit]"],
    "/admin/synclog/jobs/": [".synclog-filter-form input[type=submit]"],
    "/admin/erp/customer/?coupled_to_dataverse=yes": ["select[name=action]", "button[name=index]"],
    "/admin/integration/integrationtablemapping/": ["select[name=action]"],
    "/admin/integration/syncschedule/": ["select[name=action]"],
    "/admin/synclog/errors/": [".synclog-filter-form input[type=submit]"],
}


@pytest.mark.parametrize("viewport", ["narrow"], indirect=True)
def test_the_pages_fit_a_narrow_window(page, synchronized, viewport):
    for path, buttons in PAGES.items():
        page.goto(synchronized.url + path)
        assert_fits(page)
        for button in buttons:
            assert_reachable(page, page.locator(button))

    customers = synchronized.url + "/admin/erp/customer/?coupled_to_dataverse=yes"
    page.goto(customers)
    customer = page.locator("#result_list tbody tr th a").first.inner_text()
    run_action(page, customer, "synchronize_now")
    assert_fits(page)
    assert_reachable(page, page.locator("#tandem-sync-now-form input[value=merge]"))
    assert_reachable(page, page.get_by_role("button", name="OK"))

    page.goto(customers)
    run_action(page, customer, "set_up_coupling")
    assert_fits(page)
    assert_reachable(page, page.locator("#tandem-search"))
    assert_reachable(page, page.locator("#tandem-couple-form").get_by_role("button", name="OK"))
