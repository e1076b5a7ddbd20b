"""References between tables, in both directions, resolved through the related couplings:
a contact's company (customer or vendor) ↔ parentcustomerid, a customer's primary contact ↔
primarycontactid (Clear Value on Failed Sync), an item's unit of measure ↔ its unit group."""

import uuid

import pytest

from erp.models import Contact, Currency, Customer, Item, UnitOfMeasure, Vendor
from integration.models import Coupling, IntegrationTableMapping
from synclog.models import SyncJobError

from .conftest import counts


@pytest.fixture
def person(emulator):
    """A licensed sales user working in Dataverse through the Web API."""
    with emulator.user_session() as session:
        yield session


@pytest.fixture
def companies_synced(salespeople_coupled, sync):
    """Currencies, vendors and customers created and coupled in Dataverse; contacts not yet."""
    Customer.objects.update(blocked="")
    Vendor.objects.update(blocked="")
    for name in ("CURRENCY", "VENDOR", "CUSTOMER"):
        jobs = sync(name, full=True, create_new=True)
        assert not any(job.failed for job in jobs.values()), name


def dataverse_id(record, table) -> uuid.UUID:
    return Coupling.objects.get(local_id=record.system_id, dataverse_table=table).dataverse_id


def local_record(model, row_id):
    coupling = Coupling.objects.get(dataverse_id=row_id, local_table=model._meta.label_lower)
    return model.objects.get(system_id=coupling.local_id)


def read(client, table, row_id, *columns) -> dict:
    return next(iter(client.get_many(table, [row_id], select=list(columns))))


def create(person, entity_set, id_column, **values) -> uuid.UUID:
    row_id = uuid.uuid4()
    response = person.post(entity_set, json={id_column: str(row_id), **values})
    assert response.status_code == 204, response.text
    return row_id


def allow_new_records(*names):
    IntegrationTableMapping.objects.filter(name__in=names).update(synch_only_coupled_records=False)


def test_contacts_go_to_dataverse_under_their_customer_or_vendor_account(
    companies_synced, sync, dataverse_client
):
    jobs = sync("CONTACT", full=True, create_new=True)

    assert counts(jobs["to"]) == {"inserted": Contact.objects.count()}
    for contact in Contact.objects.select_related("customer", "vendor"):
        company = contact.customer or contact.vendor
        row_id = dataverse_id(contact, "contact")
        row = read(dataverse_client, "contact", row_id, "lastname", "_parentcustomerid_value")
        assert row["lastname"] == contact.surname
        assert row["_parentcustomerid_value"] == dataverse_id(company, "account"), str(contact)


def test_a_contact_made_under_a_vendor_account_belongs_to_that_vendor(
    companies_synced, sync, person
):
    allow_new_records("CONTACT")
    vendor = Vendor.objects.order_by("pk").first()
    contact_id = create(
        person,
        "contacts",
        "contactid",
        firstname="Vera",
        lastname="Supplier",
        **{"parentcustomerid_account@odata.bind": f"/accounts({dataverse_id(vendor, 'account')})"},
    )

    jobs = sync("CONTACT")

    assert counts(jobs["from"]) == {"inserted": 1}
    contact = local_record(Contact, contact_id)
    assert (contact.vendor, contact.customer) == (vendor, None)


def test_a_primary_contact_coupled_later_reaches_the_account_with_the_next_change(
    companies_synced, sync, dataverse_client, emulator
):
    # given: the customers went first, so their primary contacts were not coupled yet
    customer = Customer.objects.exclude(primary_contact=None).order_by("pk").first()
    account = dataverse_id(customer, "account")
    row = read(dataverse_client, "account", account, "_primarycontactid_value")
    assert row["_primarycontactid_value"] is None, "cleared: not coupled (CVF)"
    sync("CONTACT", full=True, create_new=True)

    # when: the account changes in Dataverse (that comes over), then the customer changes
    with emulator.user_session() as person:
        person.patch(f"accounts({account})", json={"telephone1": "+47 6262 0000"})
    assert counts(sync("CUSTOMER")["from"]) == {"modified": 1}
    customer.city = "Hamar"
    customer.save()
    jobs = sync("CUSTOMER")

    # then: its primary contact, now coupled, goes with the change, as Business Central does
    assert counts(jobs["to"]) == {"modified": 1}
    row = read(dataverse_client, "account", account, "_primarycontactid_value", "address1_city")
    assert row["address1_city"] == "Hamar"
    assert row["_primarycontactid_value"] == dataverse_id(customer.primary_contact, "contact")
    assert counts(sync("CUSTOMER")["to"]) == {}, "and then it is in step"


def test_a_primary_contact_made_in_dataverse_reaches_the_customer_with_the_next_change(
    companies_synced, sync, person
):
    # given: an account and its primary contact made in Dataverse; the account comes over
    # first (CUSTOMER before CONTACT), when its primary contact is not coupled yet
    allow_new_records("CUSTOMER", "CONTACT")
    account = create(person, "accounts", "accountid", name="Fjord Traders", customertypecode=3)
    contact_id = create(
        person,
        "contacts",
        "contactid",
        firstname="Ola",
        lastname="Nordmann",
        **{"parentcustomerid_account@odata.bind": f"/accounts({account})"},
    )
    person.patch(
        f"accounts({account})",
        json={"primarycontactid@odata.bind": f"/contacts({contact_id})"},
    )
    assert counts(sync("CUSTOMER")["from"]) == {"inserted": 1}
    assert counts(sync("CONTACT")["from"]) == {"inserted": 1}
    customer = local_record(Customer, account)
    assert customer.primary_contact is None, "cleared: not coupled (CVF)"

    # when: the account changes
    person.patch(f"accounts({account})", json={"telephone1": "+47 2222 3333"})
    jobs = sync("CUSTOMER")

    # then: the primary contact, now coupled, comes with the change
    assert counts(jobs["from"]) == {"modified": 1}
    customer.refresh_from_db()
    assert customer.phone_no == "+47 2222 3333"
    assert customer.primary_contact == local_record(Contact, contact_id)
    again = sync("CUSTOMER")
    assert counts(again["to"]) == {} and counts(again["from"]) == {}, "and then it is in step"


def test_a_product_made_in_dataverse_becomes_an_item_with_the_coupled_unit(
    standard_setup, demo, sync, person, dataverse_client
):
    sync("UNIT OF MEASURE", full=True, create_new=True)
    allow_new_records("ITEM-PRODUCT")
    box = UnitOfMeasure.objects.get(code="BOX")
    group = dataverse_id(box, "uomschedule")
    base_unit = next(
        iter(
            dataverse_client.query(
                "uom",
                select=["uomid"],
                filter=f"_uomscheduleid_value eq {group} and isschedulebaseuom eq true",
            )
        )
    )["uomid"]
    product = create(
        person,
        "products",
        "productid",
        name="Packing crate",
        productnumber="CRATE-1",
        producttypecode=1,
        quantitydecimal=2,
        **{
            "defaultuomscheduleid@odata.bind": f"/uomschedules({group})",
            "defaultuomid@odata.bind": f"/uoms({base_unit})",
        },
    )

    jobs = sync("ITEM-PRODUCT")

    assert counts(jobs["from"]) == {"inserted": 1}, list(SyncJobError.objects.values("message"))
    item = local_record(Item, product)
    assert (item.description, item.base_unit_of_measure) == ("Packing crate", box)


def test_references_changed_in_dataverse_change_the_local_record(companies_synced, sync, person):
    sync("CONTACT", full=True, create_new=True)
    customer = Customer.objects.filter(currency=None).order_by("pk").first()
    contact = Contact.objects.exclude(customer=None).order_by("pk").first()
    vendor = Vendor.objects.order_by("pk").first()
    euro = dataverse_id(Currency.objects.get(code="EUR"), "transactioncurrency")
    person.patch(
        f"accounts({dataverse_id(customer, 'account')})",
        json={"transactioncurrencyid@odata.bind": f"/transactioncurrencies({euro})"},
    )
    person.patch(
        f"contacts({dataverse_id(contact, 'contact')})",
        json={
            "parentcustomerid_account@odata.bind": f"/accounts({dataverse_id(vendor, 'account')})"
        },
    )

    customers, contacts = sync("CUSTOMER"), sync("CONTACT")

    assert counts(customers["from"]) == {"modified": 1}
    assert counts(contacts["from"]) == {"modified": 1}
    customer.refresh_from_db()
    contact.refresh_from_db()
    assert customer.currency.code == "EUR"
    assert (contact.vendor, contact.customer) == (vendor, None), "moved to the vendor"
