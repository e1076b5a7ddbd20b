"""The ERP's admin pages over the demo data: every list opens, searches and filters."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from erp import models

pytestmark = pytest.mark.django_db

LISTS = {
    "currency": models.Currency,
    "salespersonpurchaser": models.SalespersonPurchaser,
    "unitofmeasure": models.UnitOfMeasure,
    "customer": models.Customer,
    "vendor": models.Vendor,
    "contact": models.Contact,
    "item": models.Item,
    "resource": models.Resource,
}


@pytest.fixture
def admin_client(client):
    call_command("load_demo_data", "--no-progress", "--customers=30", "--vendors=6", "--items=8")
    client.force_login(User.objects.create_superuser("boss", "boss@example.com", "pw"))
    return client


def shown_count(response) -> int:
    """The total the list page reports ("30 customers", "1 customer", "2 results")."""
    text = response.content.decode()
    found = re.search(r'class="paginator">\s*(\d+)', text)
    return int(found.group(1))


@pytest.mark.parametrize("name", LISTS)
def test_every_list_opens_with_all_its_records(admin_client, name):
    response = admin_client.get(f"/admin/erp/{name}/")
    assert response.status_code == 200
    assert shown_count(response) == LISTS[name].objects.count() > 0


def test_customers_are_found_by_number_and_by_name(admin_client):
    customer = models.Customer.objects.order_by("no")[3]
    by_number = admin_client.get("/admin/erp/customer/", {"q": customer.no})
    assert shown_count(by_number) == 1 and customer.no in by_number.content.decode()
    by_name = admin_client.get("/admin/erp/customer/", {"q": customer.name})
    assert customer.no in by_name.content.decode()
    assert shown_count(by_name) < models.Customer.objects.count()


def test_contacts_are_found_by_their_company(admin_client):
    contact = models.Contact.objects.exclude(customer=None).order_by("no").first()
    response = admin_client.get("/admin/erp/contact/", {"q": contact.customer.name})
    assert contact.no in response.content.decode()


def test_filters_narrow_the_lists(admin_client):
    models.Customer.objects.filter(pk=models.Customer.objects.order_by("no")[0].pk).update(
        blocked="all"
    )
    blocked = admin_client.get("/admin/erp/customer/", {"blocked__exact": "all"})
    assert shown_count(blocked) == models.Customer.objects.filter(blocked="all").count()
    eur = models.Currency.objects.get(code="EUR")
    by_currency = admin_client.get("/admin/erp/customer/", {"currency__id__exact": eur.pk})
    assert shown_count(by_currency) == models.Customer.objects.filter(currency=eur).count()


def test_the_general_setup_shows_the_local_currency(admin_client):
    response = admin_client.get("/admin/erp/generalsetup/", follow=True)
    assert response.status_code == 200
    assert "USD" in response.content.decode()


def test_amounts_show_two_decimals_unless_more_are_used(admin_client):
    customer = models.Customer.objects.order_by("no").first()
    models.Customer.objects.filter(pk=customer.pk).update(credit_limit_lcy=Decimal("5000"))
    item = models.Item.objects.order_by("no").first()
    models.Item.objects.filter(pk=item.pk).update(unit_cost=Decimal("12.34567"))

    listed = admin_client.get("/admin/erp/customer/", {"q": customer.no}).content.decode()
    assert re.search(r'class="field-credit_limit_lcy">5000\.00<', listed), "list column"
    assert "5000.00000" not in listed
    form = admin_client.get(f"/admin/erp/customer/{customer.pk}/change/").content.decode()
    assert re.search(r'name="credit_limit_lcy" value="5000\.00"', form), "form field"
    items = admin_client.get("/admin/erp/item/", {"q": item.no}).content.decode()
    assert re.search(r'class="field-unit_cost">12\.34567<', items), "unit costs keep 5 places"


def test_an_amount_typed_in_the_form_is_saved_exactly(admin_client):
    customer = models.Customer.objects.order_by("no").first()
    form = admin_client.get(f"/admin/erp/customer/{customer.pk}/change/")
    data = {
        name: value
        for name, value in re.findall(
            r'<input type="(?:text|number|email|url)" name="([^"]+)" value="([^"]*)"',
            form.content.decode(),
        )
    }
    data.update(
        credit_limit_lcy="1234.56789",
        blocked=customer.blocked,
        currency=customer.currency_id or "",
        salesperson=customer.salesperson_id or "",
        primary_contact=customer.primary_contact_id or "",
    )
    response = admin_client.post(f"/admin/erp/customer/{customer.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    customer.refresh_from_db()
    assert customer.credit_limit_lcy == Decimal("1234.56789")
