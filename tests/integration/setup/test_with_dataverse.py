"""The setup pages against Dataverse metadata: the emulator over real HTTP."""

import logging

import pytest
from django.core.management import call_command

from integration.models import ConnectionSetup, IntegrationTableMapping

from .conftest import change_url
from .page import open_form, page_text, row_index, submit

pytestmark = pytest.mark.django_db

FORM_ID = "integrationtablemapping_form"
ROWS = "field_mappings"
TEST_URL = "/admin/integration/connectionsetup/1/test/"


@pytest.fixture
def connected(emulator, db):
    setup = ConnectionSetup.get()
    kwargs = emulator.connection_kwargs()
    setup.client_secret = kwargs.pop("client_secret")
    for name, value in kwargs.items():
        setattr(setup, name, value)
    setup.is_enabled = True
    setup.save()
    return setup


def test_test_connection_passes_and_lists_every_mapped_table(
    admin_client, connected, standard_mappings, caplog
):
    caplog.set_level(logging.DEBUG)
    text = page_text(admin_client.post(TEST_URL, follow=True))
    connected.refresh_from_db()
    assert connected.last_test_succeeded is True
    assert f"Connected to {connected.environment_url}." in text
    for table in ["account", "contact", "product", "systemuser", "transactioncurrency"]:
        assert f"Table {table}: Table {table} found" in text
    assert "Passed" in text
    assert connected.client_secret not in text and connected.client_secret not in caplog.text


def test_test_connection_names_a_wrong_secret_and_a_missing_table(
    admin_client, connected, standard_mappings, caplog
):
    caplog.set_level(logging.DEBUG)
    IntegrationTableMapping.objects.create(
        name="OPPORTUNITY", local_table="erp.contact", dataverse_table="opportunity"
    )
    text = page_text(admin_client.post(TEST_URL, follow=True))
    assert "Table opportunity: Table 'opportunity' does not exist" in text
    assert "Table account: Table account found" in text

    connected.client_secret = "Not-The-Right-Secret-77"
    connected.save()
    text = page_text(admin_client.post(TEST_URL, follow=True))
    assert "Invalid client secret provided" in text
    assert "Not-The-Right-Secret-77" not in text and "Not-The-Right-Secret-77" not in caplog.text


def test_the_standard_mappings_are_valid_against_the_dataverse_metadata(
    admin_client, connected, standard_mappings, capsys
):
    call_command("sync_setup", "--check")
    assert "Every mapping is valid." in capsys.readouterr().out
    for name in ["CUSTOMER", "ITEM-PRODUCT"]:
        mapping = standard_mappings[name]
        form = open_form(admin_client, change_url(mapping), FORM_ID)
        response = submit(admin_client, change_url(mapping), form)
        assert response.status_code == 302, page_text(response)[:3000]
        assert not [m for m in response.wsgi_request._messages if "not checked" in str(m)]


def refused(client, mapping, change, *messages):
    form = open_form(client, change_url(mapping), FORM_ID)
    change(form)
    response = submit(client, change_url(mapping), form)
    assert response.status_code == 200
    text = page_text(response)
    for message in messages:
        assert message in text


def set_row(form, match, **values):
    index = row_index(form, ROWS, **match)
    for name, value in values.items():
        form.set(f"{ROWS}-{index}-{name}", value)


def test_columns_are_checked_against_the_dataverse_table(
    admin_client, connected, standard_mappings
):
    contact = standard_mappings["CONTACT"]

    def change(form):
        set_row(form, {"local_field": "first_name"}, dataverse_column="fullname")
        set_row(form, {"local_field": "middle_name"}, dataverse_column="nickname2")
        set_row(form, {"local_field": "currency"}, dataverse_column="telephone2")
        set_row(form, {"local_field": "salesperson"}, dataverse_column="parentcustomerid")
        form.set("integration_table_filter", "statecode eq 0 and colour eq 'red'")

    refused(
        admin_client,
        contact,
        change,
        "fullname is read-only in Dataverse, so it cannot be synchronized 'To Integration "
        "Table'. Set the direction to 'From Integration Table'.",
        "The Dataverse table contact has no column 'nickname2'.",
        "currency refers to another table; map it to a Dataverse lookup column, not to telephone2.",
        "salesperson ↔ parentcustomerid is a lookup: it needs an integration table mapping for "
        "erp.salespersonpurchaser ↔ account or contact.",
        "The Dataverse table contact has no column colour.",
    )
    refused(
        admin_client,
        contact,
        lambda form: form.set("dataverse_table", "opportunity"),
        "Dataverse has no table 'opportunity'.",
    )


def test_a_disabled_field_mapping_may_name_a_column_this_environment_lacks(
    admin_client, connected, standard_mappings
):
    contact = standard_mappings["CONTACT"]
    form = open_form(admin_client, change_url(contact), FORM_ID)
    set_row(form, {"local_field": "middle_name"}, dataverse_column="nickname2", status="disabled")
    assert submit(admin_client, change_url(contact), form).status_code == 302
    assert contact.field_mappings.get(local_field="middle_name").dataverse_column == "nickname2"


def test_an_unreachable_dataverse_still_saves_and_says_what_was_not_checked(
    admin_client, connected, standard_mappings
):
    connected.environment_url = connected.authority_url = "http://127.0.0.1:9"
    connected.save()
    currency = standard_mappings["CURRENCY"]
    form = open_form(admin_client, change_url(currency), FORM_ID)
    form.set("integration_table_filter", "statecode eq 0")
    response = admin_client.post(
        change_url(currency), {**form.as_dict(), "_save": "1"}, follow=True
    )
    text = page_text(response)
    assert "Dataverse could not be reached (" in text
    assert (
        "so the Dataverse table, its columns and the columns of the integration table filter "
        "were not checked." in text
    )
    currency.refresh_from_db()
    assert currency.integration_table_filter == "statecode eq 0"
