"""Use Default Synchronization Setup from the pages, field mappings on their own page, schedules."""

import pytest

from integration.models import IntegrationFieldMapping, IntegrationTableMapping, SyncSchedule

from .conftest import staff_with
from .page import open_form, page_text, submit

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/integration/integrationtablemapping/"
ACTION = "use_default_synchronization_setup"


def test_the_action_asks_then_resets_the_selected_mappings(admin_client, standard_mappings):
    IntegrationTableMapping.objects.filter(name__in=["CUSTOMER", "VENDOR"]).update(
        integration_table_filter="statecode eq 1"
    )
    customer = standard_mappings["CUSTOMER"]
    data = {"action": ACTION, "_selected_action": [customer.pk], "index": "0"}
    confirmation = admin_client.post(LIST_URL, data)
    text = page_text(confirmation)
    assert "This will restore the default integration table mappings" in text
    assert "CUSTOMER: erp.customer ↔ account, 17 field mappings" in text
    assert IntegrationTableMapping.objects.get(name="CUSTOMER").integration_table_filter == (
        "statecode eq 1"
    )
    confirm = {"action": ACTION, "_selected_action": [customer.pk], "post": "yes"}
    done = admin_client.post(LIST_URL, confirm, follow=True)
    assert "The default synchronization setup was restored for CUSTOMER." in page_text(done)
    filters = dict(IntegrationTableMapping.objects.values_list("name", "integration_table_filter"))
    assert filters["CUSTOMER"] == "customertypecode eq 3 and statecode eq 0"
    assert filters["VENDOR"] == "statecode eq 1"


def test_the_connection_page_button_resets_every_standard_mapping(admin_client, standard_mappings):
    IntegrationTableMapping.objects.filter(name="CURRENCY").delete()
    url = "/admin/integration/connectionsetup/reset-defaults/"
    assert "CURRENCY: erp.currency ↔ transactioncurrency" in page_text(admin_client.get(url))
    admin_client.post(url, {"post": "yes"})
    assert IntegrationTableMapping.objects.count() == 8
    assert IntegrationTableMapping.objects.get(name="CURRENCY").field_mappings.count() == 5


def test_staff_without_the_permission_cannot_reset(client, standard_mappings):
    user = staff_with(
        "integration.view_integrationtablemapping", "integration.change_integrationtablemapping"
    )
    client.force_login(user)
    assert ACTION not in page_text(client.get(LIST_URL))
    IntegrationTableMapping.objects.filter(name="CUSTOMER").update(dependency_filter="")
    customer = standard_mappings["CUSTOMER"]
    confirm = {"action": ACTION, "_selected_action": [customer.pk], "post": "yes"}
    client.post(LIST_URL, confirm)
    assert IntegrationTableMapping.objects.get(name="CUSTOMER").dependency_filter == ""


def test_a_field_mapping_on_its_own_page_is_checked_with_its_mapping(
    admin_client, offline_connection, standard_mappings
):
    salespeople = standard_mappings["SALESPEOPLE"]
    salespeople.field_mappings.exclude(local_field="phone_no").update(status="disabled")
    phone = salespeople.field_mappings.get(local_field="phone_no")
    url = f"/admin/integration/integrationfieldmapping/{phone.pk}/change/"
    form = open_form(admin_client, url, "integrationfieldmapping_form")
    form.set("status", "disabled")
    text = page_text(submit(admin_client, url, form))
    assert (
        "SALESPEOPLE: You must set the direction of at least one enabled integration field "
        "mapping to 'From Integration Table' or 'Bidirectional'." in text
    )
    form.set("status", "enabled").set("transformation_rule", "prefix").set("parameter_1", "+")
    assert submit(admin_client, url, form).status_code == 302
    phone.refresh_from_db()
    assert phone.transformation_parameters == {"text": "+"}
    assert phone.transformation_direction == "from_integration_table"


def test_schedules_show_and_change_interval_and_timeout(admin_client, standard_mappings):
    schedule = SyncSchedule.objects.get(table_mapping__name="SALESPEOPLE")
    url = f"/admin/integration/syncschedule/{schedule.pk}/change/"
    form = open_form(admin_client, url, "syncschedule_form")
    assert form.get("inactivity_timeout_minutes") == "1440"
    form.set("interval_minutes", "15").set("inactivity_timeout_minutes", "60")
    assert submit(admin_client, url, form).status_code == 302
    schedule.refresh_from_db()
    assert (schedule.interval_minutes, schedule.inactivity_timeout_minutes) == (15, 60)
    text = page_text(admin_client.get("/admin/integration/syncschedule/"))
    assert "No. of minutes between runs" in text and "Inactivity timeout period" in text


def test_the_field_mapping_list_filters_by_table_mapping(admin_client, standard_mappings):
    currency = standard_mappings["CURRENCY"]
    url = f"/admin/integration/integrationfieldmapping/?table_mapping__id__exact={currency.pk}"
    text = page_text(admin_client.get(url))
    assert "isocurrencycode" in text and "internalemailaddress" not in text
    assert IntegrationFieldMapping.objects.filter(table_mapping=currency).count() == 5
