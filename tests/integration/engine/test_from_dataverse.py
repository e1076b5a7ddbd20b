"""Dataverse → local: rows created and changed by a person in Dataverse reach the ERP."""

import uuid

import pytest

from erp.models import Contact, Currency, Customer, SalespersonPurchaser
from integration.models import Coupling, IntegrationTableMapping
from synclog.models import SyncJobError

from .conftest import counts


@pytest.fixture
def person(emulator):
    """A licensed sales user working in Dataverse through the Web API."""
    with emulator.user_session() as session:
        yield session


def create_account(person, **values) -> uuid.UUID:
    row_id = uuid.uuid4()
    body = {"accountid": str(row_id), "customertypecode": 3, **values}
    response = person.post("accounts", json=body)
    assert response.status_code == 204, response.text
    return row_id


def coupled_record(model, dataverse_id):
    coupling = Coupling.objects.get(dataverse_id=dataverse_id, local_table=model._meta.label_lower)
    return model.objects.get(system_id=coupling.local_id)


def allow_new_records(*names):
    IntegrationTableMapping.objects.filter(name__in=names).update(synch_only_coupled_records=False)


def test_users_become_salespeople_with_series_codes(standard_setup, demo, sync):
    SalespersonPurchaser.objects.all().delete()

    jobs = sync("SALESPEOPLE", full=True, create_new=True)

    assert counts(jobs["from"]) == {"inserted": 5}, "disabled, unlicensed and app users excluded"
    codes = sorted(SalespersonPurchaser.objects.values_list("code", flat=True))
    assert codes == [f"SP NO. {n:05d}" for n in range(1, 6)]
    annette = SalespersonPurchaser.objects.get(email="annette.hill@cronus.example")
    assert annette.name == "Annette Hill"


def test_a_new_account_becomes_a_customer_with_its_currency(salespeople_coupled, person, sync):
    sync("CURRENCY", full=True, create_new=True)
    sync("CUSTOMER", full=True, create_new=True)
    allow_new_records("CUSTOMER")
    eur = Coupling.objects.get(local_id=Currency.objects.get(code="EUR").system_id)
    row_id = create_account(
        person,
        name="Lakeside Bikes",
        address1_city="Oslo",
        telephone1="+47 555 1234",
        **{"transactioncurrencyid@odata.bind": f"/transactioncurrencies({eur.dataverse_id})"},
    )

    jobs = sync("CUSTOMER")

    assert counts(jobs["from"]) == {"inserted": 1}
    customer = coupled_record(Customer, row_id)
    assert (customer.name, customer.city, customer.phone_no) == (
        "Lakeside Bikes",
        "Oslo",
        "+47 555 1234",
    )
    assert customer.currency.code == "EUR"
    assert customer.no.startswith("C"), "numbered from the customer series"
    assert counts(sync("CUSTOMER")["to"]) == {}, "the new customer is not sent back"


def test_an_account_in_the_base_currency_gives_a_blank_currency(
    salespeople_coupled, person, sync, dataverse_client
):
    allow_new_records("CUSTOMER")
    base = next(
        iter(
            dataverse_client.query(
                "transactioncurrency",
                select=["transactioncurrencyid"],
                filter="isocurrencycode eq 'USD'",
            )
        )
    )["transactioncurrencyid"]
    row_id = create_account(
        person,
        name="Home Market Inc",
        **{"transactioncurrencyid@odata.bind": f"/transactioncurrencies({base})"},
    )

    sync("CUSTOMER")

    assert coupled_record(Customer, row_id).currency is None


def test_rows_outside_the_integration_table_filter_are_left_alone(
    salespeople_coupled, person, sync
):
    allow_new_records("CUSTOMER")
    create_account(person, name="A Supplier", customertypecode=11)

    jobs = sync("CUSTOMER")

    assert counts(jobs["from"]) == {}
    assert not Customer.objects.filter(name="A Supplier").exists()


def test_a_changed_account_changes_its_customer(salespeople_coupled, person, sync):
    sync("CURRENCY", full=True, create_new=True)
    sync("CUSTOMER", full=True, create_new=True)
    customer = Customer.objects.filter(blocked="").first()
    row_id = Coupling.objects.get(local_id=customer.system_id).dataverse_id

    response = person.patch(f"accounts({row_id})", json={"telephone1": "+1 555 000 1111"})
    assert response.status_code == 204

    jobs = sync("CUSTOMER")

    assert counts(jobs["from"]) == {"modified": 1}
    customer.refresh_from_db()
    assert customer.phone_no == "+1 555 000 1111"
    assert counts(sync("CUSTOMER")["to"]) == {}, "the local write is not an echo back"


def test_a_contact_gets_its_company_from_the_parent_account(salespeople_coupled, person, sync):
    sync("CURRENCY", full=True, create_new=True)
    sync("CUSTOMER", full=True, create_new=True)
    allow_new_records("CONTACT")
    customer = Customer.objects.filter(blocked="").first()
    account_id = Coupling.objects.get(local_id=customer.system_id).dataverse_id
    contact_id = uuid.uuid4()
    response = person.post(
        "contacts",
        json={
            "contactid": str(contact_id),
            "firstname": "Ines",
            "lastname": "Ortega",
            "emailaddress1": "ines@example.com",
            "parentcustomerid_account@odata.bind": f"/accounts({account_id})",
        },
    )
    assert response.status_code == 204, response.text

    jobs = sync("CONTACT")

    assert counts(jobs["from"]) == {"inserted": 1}
    contact = coupled_record(Contact, contact_id)
    assert contact.customer == customer and contact.vendor is None
    assert (contact.first_name, contact.surname) == ("Ines", "Ortega")


def test_a_row_whose_reference_is_not_coupled_fails_with_must_be_coupled(
    standard_setup, demo, person, sync
):
    allow_new_records("CONTACT")
    account_id = create_account(person, name="Nobody Couples Me")
    contact_id = uuid.uuid4()
    person.post(
        "contacts",
        json={
            "contactid": str(contact_id),
            "firstname": "Lone",
            "lastname": "Wolf",
            "parentcustomerid_account@odata.bind": f"/accounts({account_id})",
        },
    )

    jobs = sync("CONTACT", direction="from_integration_table")

    assert counts(jobs["from"]) == {"failed": 1}
    error = SyncJobError.objects.get(job=jobs["from"])
    assert "must be coupled to a customer or vendor record" in error.error_message
    assert not Contact.objects.filter(surname="Wolf").exists()
    coupling = Coupling.objects.get(dataverse_id=contact_id)
    assert coupling.status == Coupling.Status.PENDING_LOCAL_CREATE, "retried on the next run"


def test_a_local_create_skipped_after_failing_twice_is_tried_again_once_the_row_changes(
    salespeople_coupled, person, sync
):
    allow_new_records("CONTACT")
    # A competitor's account: neither CUSTOMER's nor VENDOR's filter takes it in.
    stranger = create_account(person, name="Nobody Couples Me", customertypecode=1)
    contact_id = uuid.uuid4()
    body = {
        "contactid": str(contact_id),
        "firstname": "Lone",
        "lastname": "Wolf",
        "parentcustomerid_account@odata.bind": f"/accounts({stranger})",
    }
    assert person.post("contacts", json=body).status_code == 204
    sync("CURRENCY", full=True, create_new=True)
    sync("CUSTOMER", full=True, create_new=True)

    first = sync("CONTACT", direction="from_integration_table")["from"]
    second = sync("CONTACT", direction="from_integration_table")["from"]
    assert (counts(first), counts(second)) == ({"failed": 1}, {"failed": 1})
    coupling = Coupling.objects.get(dataverse_id=contact_id)
    assert coupling.skipped and coupling.status == Coupling.Status.PENDING_LOCAL_CREATE
    full = sync("CONTACT", direction="from_integration_table", full=True)["from"]
    assert counts(full) == {"skipped": 1}, "read again but unchanged, it waits"

    customer = Customer.objects.filter(blocked="").order_by("pk").first()
    account = Coupling.objects.get(local_id=customer.system_id).dataverse_id
    link = {"parentcustomerid_account@odata.bind": f"/accounts({account})"}
    assert person.patch(f"contacts({contact_id})", json=link).status_code == 204

    assert counts(sync("CONTACT", direction="from_integration_table")["from"]) == {"inserted": 1}
    contact = coupled_record(Contact, contact_id)
    assert (contact.surname, contact.customer) == ("Wolf", customer)
    coupling.refresh_from_db()
    assert coupling.status == Coupling.Status.COUPLED and not coupling.skipped


def test_a_row_failing_twice_is_skipped_until_retried_then_comes_over(
    salespeople_coupled, person, sync
):
    sync("CURRENCY", full=True, create_new=True)
    sync("CUSTOMER", full=True, create_new=True)
    customer = Customer.objects.filter(blocked="").order_by("pk").first()
    coupling = Coupling.objects.get(local_id=customer.system_id)
    person.patch(f"accounts({coupling.dataverse_id})", json={"name": "N" * 120})

    first, second = sync("CUSTOMER")["from"], sync("CUSTOMER")["from"]

    assert (counts(first), counts(second)) == ({"failed": 1}, {"failed": 1})
    assert "takes at most 100" in SyncJobError.objects.filter(job=second).get().error_message
    coupling.refresh_from_db()
    assert coupling.skipped, "the same error twice in a row"
    assert counts(sync("CUSTOMER")["from"]) == {}, "a skipped coupling waits"

    person.patch(f"accounts({coupling.dataverse_id})", json={"name": "Fixed Name AS"})
    assert counts(sync("CUSTOMER")["from"]) == {"skipped": 1}, "still waits for Retry"
    Coupling.objects.filter(pk=coupling.pk).update(skipped=False)  # Retry

    assert counts(sync("CUSTOMER")["from"]) == {"modified": 1}
    customer.refresh_from_db()
    assert customer.name == "Fixed Name AS"
