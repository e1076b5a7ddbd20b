"""Field transfer over real HTTP: transformation rules in either direction, Not Null, a
disabled field mapping, and no echo of a value a rule changed on the way."""

import pytest

from erp.models import Contact, Customer, Item
from integration.models import Coupling, IntegrationFieldMapping
from synclog.models import SyncDirection

from .conftest import counts

Rule = IntegrationFieldMapping.TransformationRule
TO = SyncDirection.TO_INTEGRATION_TABLE
FROM = SyncDirection.FROM_INTEGRATION_TABLE


def field_mapping(name, local_field):
    return IntegrationFieldMapping.objects.filter(table_mapping__name=name, local_field=local_field)


def row_of(client, record, table, *columns) -> dict:
    row_id = Coupling.objects.get(local_id=record.system_id, dataverse_table=table).dataverse_id
    return next(iter(client.get_many(table, [row_id], select=list(columns))))


@pytest.fixture
def customers(salespeople_coupled, sync):
    sync("CURRENCY", full=True, create_new=True)


def test_a_rule_toward_dataverse_changes_the_value_sent_and_it_does_not_come_back(
    customers, sync, dataverse_client
):
    field_mapping("CUSTOMER", "city").update(
        transformation_rule=Rule.UPPERCASE, transformation_direction=TO
    )
    customer = Customer.objects.filter(blocked="").order_by("pk").first()
    customer.city = "Lillehammer"
    customer.save()

    jobs = sync("CUSTOMER", full=True, create_new=True)

    assert not jobs["to"].failed and counts(jobs["from"]) == {}, "LILLEHAMMER does not come back"
    row = row_of(dataverse_client, customer, "account", "address1_city")
    assert row["address1_city"] == "LILLEHAMMER"
    customer.refresh_from_db()
    assert customer.city == "Lillehammer", "the local value is kept as it is"
    again = sync("CUSTOMER")
    assert counts(again["to"]) == {} and counts(again["from"]) == {}


def test_a_rule_from_dataverse_changes_the_value_received(customers, sync, emulator):
    sync("VENDOR", full=True, create_new=True)
    sync("CUSTOMER", full=True, create_new=True)
    sync("CONTACT", full=True, create_new=True)
    field_mapping("CONTACT", "first_name").update(
        transformation_rule=Rule.TITLE_CASE, transformation_direction=FROM
    )
    contact = Contact.objects.order_by("pk").first()
    row_id = Coupling.objects.get(local_id=contact.system_id).dataverse_id
    with emulator.user_session() as person:
        person.patch(f"contacts({row_id})", json={"firstname": "kari ANNE"})

    jobs = sync("CONTACT")

    assert counts(jobs["from"]) == {"modified": 1}
    contact.refresh_from_db()
    assert contact.first_name == "Kari Anne"


def test_a_prefix_on_a_one_way_column_and_negative_inventory_as_zero(
    standard_setup, demo, sync, dataverse_client
):
    sync("UNIT OF MEASURE", full=True, create_new=True)
    field_mapping("ITEM-PRODUCT", "no").update(
        transformation_rule=Rule.PREFIX, transformation_parameters={"text": "BC-"}
    )
    item = Item.objects.filter(blocked=False).order_by("pk").first()
    item.inventory = -4
    item.save()

    sync("ITEM-PRODUCT", full=True, create_new=True)

    row = row_of(dataverse_client, item, "product", "productnumber", "quantityonhand")
    assert (row["productnumber"], row["quantityonhand"]) == (f"BC-{item.no}", 0)


def test_not_null_leaves_the_owner_and_a_disabled_field_mapping_is_not_transferred(
    customers, sync, dataverse_client
):
    field_mapping("CUSTOMER", "phone_no").update(status=IntegrationFieldMapping.Status.DISABLED)
    customer = Customer.objects.filter(blocked="").order_by("pk").first()
    customer.salesperson = None  # Not Null: no owner is sent; Dataverse keeps its own
    customer.phone_no = "+47 999 99 999"
    customer.save()

    jobs = sync("CUSTOMER", full=True, create_new=True)

    assert not jobs["to"].failed
    row = row_of(dataverse_client, customer, "account", "_ownerid_value", "telephone1")
    assert row["_ownerid_value"] is not None, "owned by whoever created it"
    assert row["telephone1"] is None, "the disabled field mapping sent nothing"
