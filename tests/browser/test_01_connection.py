"""Journey 1: sign in, open Dataverse Connection Setup, Test Connection against the emulator."""

import re

import pytest
from playwright.sync_api import expect

from .pages import assert_fits, assert_name_uncovered, assert_reachable, messages, sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["desktop", "narrow"], indirect=True)
def test_sign_in_and_test_the_connection(signed_out_page, tandem_server, viewport):
    page = signed_out_page
    page.goto(tandem_server.url + "/")
    expect(page).to_have_url(f"{tandem_server.url}/admin/login/?next=/admin/")
    assert_fits(page)
    sign_in(page)
    assert_fits(page)

    page.get_by_role("link", name="Dataverse connection setup").first.click()
    expect(page.get_by_role("heading", name="Change Dataverse connection setup")).to_be_visible()
    expect(page.get_by_label("Environment URL")).to_have_value(tandem_server.emulator_url)
    assert_name_uncovered(page)
    for button in ("#tandem-run-full-synchronization", "#tandem-synchronize-modified-records"):
        assert_reachable(page, page.locator(button))
    test_connection = page.get_by_role("button", name="Test Connection")
    assert_reachable(page, test_connection)
    test_connection.click()

    expect(messages(page)).to_have_text(
        [re.compile(rf"Test Connection: Connected to {re.escape(tandem_server.emulator_url)}\. ")]
    )
    result = page.locator(".field-last_test_result")
    expect(result).to_contain_text("Passed: Connected to")
    expect(result).to_contain_text("Table account: Table account found")
    assert_fits(page)
