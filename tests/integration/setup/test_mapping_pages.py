"""Integration Table Mappings from the browser: create, edit and validate every setting."""

import pytest

from integration.models import IntegrationFieldMapping, IntegrationTableMapping

from .conftest import change_url
from .page import add_row, open_form, page_text, row_index, submit

pytestmark = pytest.mark.django_db

FORM_ID = "integrationtablemapping_form"
ROWS = "field_mappings"
ADD_URL = "/admin/integration/integrationtablemapping/add/"


def snapshot():
    mappings = list(IntegrationTableMapping.objects.order_by("name").values())
    for m in mappings:
        m.pop("updated_at")
    fields = list(IntegrationFieldMapping.objects.order_by("pk").values())
    return mappings, fields


def test_every_standard_mapping_opens_and_saves_unchanged(
    admin_client, offline_connection, standard_mappings
):
    before = snapshot()
    for name, mapping in standard_mappings.items():
        form = open_form(admin_client, change_url(mapping), FORM_ID)
        response = submit(admin_client, change_url(mapping), form)
        assert response.status_code == 302, (name, page_text(response)[:3000])
    assert snapshot() == before


def test_the_list_shows_the_business_central_columns(admin_client, standard_mappings):
    text = page_text(admin_client.get("/admin/integration/integrationtablemapping/"))
    for caption in [
        "Name", "Table", "Table filter", "Direction", "Integration table",
        "Integration table filter", "Synch. Only Coupled Records", "Synch. Modified On Filter",
        "Synch. Int. Tbl. Mod. On Fltr.", "Resolve deletion conflicts",
        "Resolve update conflicts", "Dependency filter",
    ]:  # fmt: skip
        assert caption in text, caption
    assert "Blocked is one of: Not blocked" in text
    assert "Company is set" in text
    assert "customertypecode eq 3 and statecode eq 0" in text


def test_a_new_mapping_is_created_and_then_gets_its_table_filter(
    admin_client, offline_connection, standard_mappings
):
    form = open_form(admin_client, ADD_URL, FORM_ID)
    form.set("name", "BIG CUSTOMERS").set("local_table", "erp.customer")
    form.set("dataverse_table", "account").set("direction", "to_integration_table")
    form.set("integration_table_filter", "statecode eq 0")
    add_row(form, ROWS, order="10", local_field="name", dataverse_column="name",
            direction="to_integration_table", status="enabled")  # fmt: skip
    response = submit(admin_client, ADD_URL, form)
    assert response.status_code == 302, page_text(response)[:4000]
    mapping = IntegrationTableMapping.objects.get(name="BIG CUSTOMERS")
    assert [str(f) for f in mapping.field_mappings.all()] == ["name → name"]

    form = open_form(admin_client, change_url(mapping), FORM_ID)
    form.set("table_filter__blocked", "", "ship")
    form.set("table_filter__credit_limit_lcy_min", "10000")
    form.set("table_filter__salesperson", "set")
    response = submit(admin_client, change_url(mapping), form)
    assert response.status_code == 302, page_text(response)[:4000]
    mapping.refresh_from_db()
    assert mapping.table_filter == {
        "blocked": ["", "ship"],
        "credit_limit_lcy_min": "10000",
        "salesperson": "set",
    }
    # The page shows the stored filter back, ready to change.
    form = open_form(admin_client, change_url(mapping), FORM_ID)
    assert form.getlist("table_filter__blocked") == ["", "ship"]
    assert form.get("table_filter__credit_limit_lcy_min") == "10000"


def test_names_are_stored_as_business_central_codes(
    admin_client, offline_connection, standard_mappings
):
    # A mapping's name is a Code[20]: trimmed and upper case, found in dependency filters
    # whatever case they were typed in.
    form = open_form(admin_client, ADD_URL, FORM_ID)
    form.set("name", "  big customers ").set("local_table", "erp.customer")
    form.set("dataverse_table", "account").set("direction", "to_integration_table")
    form.set("dependency_filter", " currency | Salespeople ||")
    add_row(form, ROWS, order="10", local_field="name", dataverse_column="name",
            direction="to_integration_table", status="enabled")  # fmt: skip
    response = submit(admin_client, ADD_URL, form)
    assert response.status_code == 302, page_text(response)[:4000]
    mapping = IntegrationTableMapping.objects.get(name="BIG CUSTOMERS")
    assert mapping.dependency_filter == "CURRENCY|SALESPEOPLE"

    edit_and_expect(
        admin_client,
        standard_mappings["SALESPEOPLE"],
        lambda form: form.set("name", "currency"),
        "Integration table mapping with this Name already exists.",
    )


def test_every_setting_of_a_mapping_and_its_field_mappings_can_be_changed(
    admin_client, offline_connection, standard_mappings
):
    item = standard_mappings["ITEM-PRODUCT"]
    form = open_form(admin_client, change_url(item), FORM_ID)
    form.set("update_conflict_resolution", "send").set(
        "deletion_conflict_resolution", "restore_records"
    )
    form.set("table_filter__blocked", "unknown").set("table_filter__no", "I1")
    form.check("synch_after_bulk_coupling").check("disable_event_job_resch")
    index = row_index(form, ROWS, local_field="description")
    prefix = f"{ROWS}-{index}-"
    form.set(prefix + "transformation_rule", "substring").set(prefix + "parameter_1", "1")
    form.set(prefix + "parameter_2", "50").set(
        prefix + "transformation_direction", "to_integration_table"
    )
    form.check(prefix + "use_for_match_based_coupling").check(prefix + "case_sensitive_matching")
    form.set(prefix + "match_priority", "1")
    blocked = row_index(form, ROWS, local_field="blocked")
    form.set(f"{ROWS}-{blocked}-status", "disabled")
    const = row_index(form, ROWS, dataverse_column="quantitydecimal")
    form.check(f"{ROWS}-{const}-DELETE")
    response = submit(admin_client, change_url(item), form)
    assert response.status_code == 302, page_text(response)[:5000]

    item.refresh_from_db()
    assert (item.update_conflict_resolution, item.deletion_conflict_resolution) == (
        "send",
        "restore_records",
    )
    assert item.table_filter == {"no": "I1"}
    assert item.synch_after_bulk_coupling and item.disable_event_job_resch
    description = item.field_mappings.get(local_field="description")
    assert description.transformation_rule == "substring"
    assert description.transformation_parameters == {"start": 1, "length": 50}
    assert description.use_for_match_based_coupling and description.match_priority == 1
    assert item.field_mappings.get(local_field="blocked").status == "disabled"
    assert not item.field_mappings.filter(dataverse_column="quantitydecimal").exists()


def edit_and_expect(client, mapping, change, *messages):
    """Change the page as ``change`` says, save, and expect it refused with ``messages``."""
    before = snapshot()
    form = open_form(client, change_url(mapping), FORM_ID)
    change(form)
    response = submit(client, change_url(mapping), form)
    assert response.status_code == 200, "the page was saved"
    text = page_text(response)
    assert "Please correct the errors below." in text or "Please correct the error below." in text
    for message in messages:
        assert message in text
    assert snapshot() == before


def set_row(name, value, **match):
    def change(form):
        index = row_index(form, ROWS, **match)
        form.set(f"{ROWS}-{index}-{name}", value)

    return change


def test_a_direction_needs_a_field_mapping_that_can_carry_it(
    admin_client, offline_connection, standard_mappings
):
    edit_and_expect(
        admin_client,
        standard_mappings["SALESPEOPLE"],
        lambda form: form.set("direction", "bidirectional"),
        "You must set the direction of at least one enabled integration field mapping to "
        "'To Integration Table' or 'Bidirectional'.",
    )

    def disable_all(form):
        for index in range(3):
            form.set(f"{ROWS}-{index}-status", "disabled")

    edit_and_expect(
        admin_client,
        standard_mappings["SALESPEOPLE"],
        disable_all,
        "You must set the direction of at least one enabled integration field mapping to "
        "'From Integration Table' or 'Bidirectional'.",
    )


def test_a_field_mapping_cannot_run_against_its_table_mapping(
    admin_client, offline_connection, standard_mappings
):
    edit_and_expect(
        admin_client,
        standard_mappings["CURRENCY"],
        set_row("direction", "from_integration_table", local_field="symbol"),
        "The direction 'From Integration Table' runs against the table mapping's direction "
        "'To Integration Table'.",
    )


@pytest.mark.parametrize(
    ("mapping", "change", "message"),
    [
        (
            "CURRENCY",
            set_row("local_field", "colour", local_field="symbol"),
            "The currency table has no field 'colour'.",
        ),
        (
            "CURRENCY",
            set_row("local_field", "modified_at", local_field="symbol"),
            "modified_at is set automatically and cannot be mapped.",
        ),
        (
            "CURRENCY",
            set_row("constant_value", "", dataverse_column="currencyprecision"),
            "Enter the constant value to write to currencyprecision.",
        ),
        (
            "CURRENCY",
            set_row("constant_value", "9", local_field="symbol"),
            "A constant value is used only when the local field or the Dataverse column is blank.",
        ),
        (
            "CUSTOMER",
            set_row("not_null", "on", local_field="primary_contact"),
            "Clear Value on Failed Sync cannot be combined with Not Null.",
        ),
        (
            "CURRENCY",
            set_row("not_null", "on", local_field="code"),
            "Not Null applies only to lookup (GUID) columns, such as ownerid.",
        ),
        (
            "CURRENCY",
            set_row("use_for_match_based_coupling", "on", dataverse_column="currencyprecision"),
            "Match on this field needs both a local field and a Dataverse column.",
        ),
        (
            "CURRENCY",
            set_row("match_priority", "-1", local_field="code"),
            "Ensure this value is greater than or equal to 0.",
        ),
        (
            "CURRENCY",
            set_row("transformation_rule", "substring", local_field="code"),
            "Substring: Start position is required.",
        ),
        (
            "CURRENCY",
            set_row("parameter_1", "X", local_field="code"),
            "No rule takes no parameters.",
        ),
    ],
)
def test_invalid_field_mappings_are_refused_with_their_message(
    admin_client, offline_connection, standard_mappings, mapping, change, message
):
    edit_and_expect(admin_client, standard_mappings[mapping], change, message)


def test_a_lookup_needs_a_mapping_for_the_related_table(
    admin_client, offline_connection, standard_mappings
):
    standard_mappings["CURRENCY"].delete()
    edit_and_expect(
        admin_client,
        standard_mappings["CUSTOMER"],
        lambda form: None,
        "currency ↔ transactioncurrencyid is a lookup: it needs an integration table mapping "
        "for erp.currency.",
    )


@pytest.mark.parametrize(
    ("mapping", "setting", "value", "message"),
    [
        (
            "CURRENCY",
            "local_table",
            "erp.generalsetup",
            "erp.generalsetup cannot be synchronized: it needs a unique UUID field system_id "
            "and an indexed date-time field modified_at.",
        ),
        ("CURRENCY", "local_table", "erp.nothing", "erp.nothing is not an installed model."),
        (
            "SALESPEOPLE",
            "dependency_filter",
            "CURRENCY|PAYMENT TERMS",
            "There is no integration table mapping named PAYMENT TERMS.",
        ),
        (
            "CURRENCY",
            "dependency_filter",
            "CONTACT",
            "The dependency filters form a cycle: CURRENCY → CONTACT → CUSTOMER → CURRENCY.",
        ),
        ("CURRENCY", "dependency_filter", "CURRENCY", "CURRENCY cannot depend on itself."),
        (
            "SALESPEOPLE",
            "integration_table_filter",
            "statecode eq 0 and",
            "The integration table filter is not valid: ",
        ),
        ("CUSTOMER", "table_filter__credit_limit_lcy_max", "a lot", "Enter a number."),
        (
            "SALESPEOPLE",
            "name",
            "CURRENCY",
            "Integration table mapping with this Name already exists.",
        ),
    ],
)
def test_invalid_table_mapping_settings_are_refused_with_their_message(
    admin_client, offline_connection, standard_mappings, mapping, setting, value, message
):
    edit_and_expect(
        admin_client, standard_mappings[mapping], lambda form: form.set(setting, value), message
    )


def test_a_mapping_others_depend_on_keeps_its_name(
    admin_client, offline_connection, standard_mappings
):
    edit_and_expect(
        admin_client,
        standard_mappings["CUSTOMER"],
        lambda form: form.set("name", "CUSTOMERS"),
        "CONTACT depend on CUSTOMER: change their dependency filters before renaming it.",
    )


def test_clearing_synch_only_coupled_records_with_delete_coupling_asks_for_confirmation(
    admin_client, offline_connection, standard_mappings
):
    customer = standard_mappings["CUSTOMER"]

    def clear(form):
        form.check("synch_only_coupled_records", False)
        form.set("deletion_conflict_resolution", "remove_coupling")

    edit_and_expect(admin_client, customer, clear, "a later scheduled synchronization may recreate")
    form = open_form(admin_client, change_url(customer), FORM_ID)
    clear(form)
    form.check("confirm_clear_synch_only_coupled")
    assert submit(admin_client, change_url(customer), form).status_code == 302
    customer.refresh_from_db()
    assert not customer.synch_only_coupled_records
    assert customer.deletion_conflict_resolution == "remove_coupling"
    # Saved again as it is, nothing new is being cleared: no question.
    form = open_form(admin_client, change_url(customer), FORM_ID)
    assert submit(admin_client, change_url(customer), form).status_code == 302


def test_changing_the_table_clears_the_table_filter_and_says_so(
    admin_client, offline_connection, standard_mappings
):
    vendor = standard_mappings["VENDOR"]
    form = open_form(admin_client, change_url(vendor), FORM_ID)
    form.set("local_table", "erp.customer")
    form.set("dependency_filter", "CURRENCY|SALESPEOPLE")
    index = row_index(form, ROWS, local_field="purchaser")
    form.set(f"{ROWS}-{index}-local_field", "salesperson")
    response = admin_client.post(
        change_url(vendor), {**form.as_dict(), "_continue": "1"}, follow=True
    )
    assert "The table changed, so the table filter was cleared." in page_text(response)
    vendor.refresh_from_db()
    assert (vendor.local_table, vendor.table_filter) == ("erp.customer", {})


def test_the_page_says_when_dataverse_columns_could_not_be_checked(
    admin_client, offline_connection, standard_mappings
):
    form = open_form(admin_client, change_url(standard_mappings["CURRENCY"]), FORM_ID)
    response = submit(admin_client, change_url(standard_mappings["CURRENCY"]), form)
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any(
        m.startswith("Dataverse could not be reached (the Dataverse connection is not enabled)")
        and "were not checked" in m
        for m in messages
    )
