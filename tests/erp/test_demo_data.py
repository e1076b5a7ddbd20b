"""load_demo_data fills the ERP with a realistic, deterministic data set."""

import pytest
from django.core.management import CommandError, call_command

from erp import models
from erp.demo import DemoDataBuilder, DemoSizes

pytestmark = pytest.mark.django_db


def load(**sizes):
    call_command(
        "load_demo_data",
        "--no-progress",
        *[f"--{name.replace('_', '-')}={value}" for name, value in sizes.items()],
    )


def snapshot():
    return {
        "customers": list(
            models.Customer.objects.order_by("no").values_list(
                "no", "name", "system_id", "currency__code", "salesperson__code", "blocked"
            )
        ),
        "contacts": list(
            models.Contact.objects.order_by("no").values_list(
                "no", "first_name", "surname", "email", "customer__no", "vendor__no"
            )
        ),
        "items": list(
            models.Item.objects.order_by("no").values_list(
                "no", "description", "unit_price", "base_unit_of_measure__code"
            )
        ),
    }


def test_loads_every_table_with_the_requested_sizes():
    load(customers=25, vendors=7, contacts_per_company=3, items=11, resources=4)

    assert models.Customer.objects.count() == 25
    assert models.Vendor.objects.count() == 7
    companies = 25 + 7
    assert models.Contact.objects.count() == companies * 3 + companies // 20
    assert models.Item.objects.count() == 11
    assert models.Resource.objects.count() == 4
    assert models.Currency.objects.filter(code="EUR", exchange_rate__gt=0).exists()
    assert not models.Currency.objects.filter(code="USD").exists(), "LCY is not a currency row"
    assert models.GeneralSetup.get().lcy_code == "USD"
    assert (
        models.SalespersonPurchaser.objects.filter(email__endswith="@cronus.example").count() == 5
    )
    assert set(models.UnitOfMeasure.objects.values_list("code", flat=True)) >= {"PCS", "HOUR"}


def test_contacts_belong_to_their_company_and_customers_name_primary_contacts():
    load(customers=40, vendors=10)

    for customer in models.Customer.objects.exclude(primary_contact=None):
        assert customer.primary_contact.customer_id == customer.pk
    assert models.Customer.objects.exclude(primary_contact=None).count() > 10
    assert not models.Contact.objects.filter(customer__isnull=False, vendor__isnull=False).exists()
    assert models.Contact.objects.filter(vendor__isnull=False).count() == 20
    assert models.Contact.objects.filter(customer=None, vendor=None).exists()


def test_same_seed_gives_the_same_data():
    DemoDataBuilder(seed=7).load(DemoSizes(customers=15, vendors=3, items=5, resources=2))
    first = snapshot()
    for model in (
        models.Contact,
        models.Customer,
        models.Vendor,
        models.Item,
        models.Resource,
        models.NoSeries,
    ):
        model.objects.all().delete()
    DemoDataBuilder(seed=7).load(DemoSizes(customers=15, vendors=3, items=5, resources=2))
    assert snapshot() == first
    assert first["customers"][0][0] == "C00001"


def test_numbers_continue_from_the_series_after_loading():
    load(customers=3, vendors=0, items=0, resources=0, contacts_per_company=0)
    customer = models.Customer.objects.create(name="Typed by hand")
    assert customer.no == "C00004"


def test_refuses_to_load_twice_unless_asked_to_skip():
    load(customers=2, vendors=1, items=1, resources=1)
    with pytest.raises(CommandError, match="already holds"):
        load(customers=2)
    call_command("load_demo_data", "--if-empty")
    assert models.Customer.objects.count() == 2


def test_negative_sizes_are_refused():
    with pytest.raises(CommandError, match="--customers cannot be negative"):
        load(customers=-1)
