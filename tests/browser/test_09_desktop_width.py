"""The pages at 1280×800: every list shows all its columns without scrolling sideways, so that
"Coupled to Dataverse", the last column of a record list, is in sight; the many settings of
a mapping's field mappings scroll in their own box, not the whole page."""

import pytest
from playwright.sync_api import expect

from .pages import assert_columns_in_sight, assert_fits, assert_reachable

pytestmark = pytest.mark.browser

LISTS = [
    "/admin/erp/customer/",
    "/admin/erp/vendor/",
    "/admin/erp/contact/",
    "/admin/erp/item/",
    "/admin/erp/resource/",
    "/admin/integration/integrationtablemapping/",
    "/admin/integration/syncschedule/",
    "/admin/tandem/full-synchronization/",
    "/admin/synclog/jobs/",
    "/admin/synclog/errors/",
    "/admin/tandem/couplings/",
]


def test_the_lists_show_every_column(page, synchronized):
    for path in LISTS:
        page.goto(synchronized.url + path)
        assert_fits(page)
        assert_columns_in_sight(page)

    page.goto(synchronized.url + "/admin/erp/customer/")
    assert_reachable(page, page.locator("#result_list thead th.column-coupled_to_dataverse"))


def test_a_mappings_card_keeps_the_windows_width(page, synchronized):
    page.goto(synchronized.url + "/admin/integration/integrationtablemapping/")
    page.locator("#result_list tbody th a", has_text="CUSTOMER").click()
    expect(page.locator(".inline-group tbody tr.has_original").first).to_be_visible()
    assert_fits(page)
    assert_reachable(page, page.get_by_role("button", name="Save", exact=True))
