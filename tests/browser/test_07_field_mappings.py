"""Journey 7: a field mapping edited with an invalid setting is refused, with the reason."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

COLUMN = "Integration table field:"


def test_an_invalid_field_mapping_is_refused(page, tandem_server):
    page.goto(tandem_server.url + "/admin/")
    page.get_by_role("link", name="Integration field mappings").first.click()
    page.locator("#searchbar").fill("telephone1")
    page.get_by_role("button", name="Search").click()
    row = page.locator("#result_list tbody tr").filter(has_text="CUSTOMER")
    row.locator("th a").click()
    expect(page.get_by_label(COLUMN, exact=True)).to_have_value("telephone1")
    change_page = page.url

    page.get_by_label(COLUMN, exact=True).fill("telephone99")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".errornote")).to_have_text("Please correct the error below.")
    expect(page.locator(".field-dataverse_column .errorlist")).to_have_text(
        "The Dataverse table account has no column 'telephone99'."
    )

    # A rule that takes no parameters, given one, on a bidirectional field with no direction.
    page.get_by_label(COLUMN, exact=True).fill("telephone1")
    page.get_by_label("Transformation rule:", exact=True).select_option(label="Lowercase")
    page.get_by_label("Parameter 1:", exact=True).fill("abc")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".errornote")).to_have_text("Please correct the errors below.")
    expect(page.locator(".errorlist li")).to_contain_text(
        [
            "Lowercase takes no parameters.",
            "Choose the direction the transformation applies in",
        ]
    )

    page.goto(change_page)  # nothing of it was saved
    expect(page.get_by_label(COLUMN, exact=True)).to_have_value("telephone1")
    expect(page.get_by_label("Transformation rule:", exact=True)).to_have_value("")
