"""Every standard mapping that sends to Dataverse, each outcome in turn, over real HTTP:
insert and couple, nothing to do, unchanged, modify, skip (uncoupled while Synch. Only
Coupled Records), and fail with an error that says what to fix."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.apps import apps

from erp.models import (
    Contact,
    Currency,
    Customer,
    Item,
    Resource,
    SalespersonPurchaser,
    UnitOfMeasure,
    Vendor,
)
from integration.filters import apply_table_filter
from integration.models import Coupling
from synclog.models import SyncJobError

from .conftest import counts, mapping


@dataclass(frozen=True)
class ToCase:
    name: str
    depends: tuple[str, ...]  # mappings whose couplings the lookups need
    change: tuple[str, object, str, object]  # local field, new value, column, value there
    new: Callable  # () -> a new record inside the table filter
    # (record, api) -> words of the error: makes the coupled record impossible to send
    breaks: Callable


def uncoupled_salesperson():
    return SalespersonPurchaser.objects.create(code="NEW", name="Not In Dataverse")


def uncoupled_unit():
    return UnitOfMeasure.objects.create(code="CRATE", description="Crate")


def refer_to(field, make, words):
    def breaks(record, api):
        setattr(record, field, make())
        record.save()
        return words

    return breaks


def too_long_code(record, api):
    record.code = "TOOLONG"
    record.save()
    return "isocurrencycode"


def row_deleted(record, api):
    coupling = Coupling.objects.get(local_id=record.system_id)
    assert api.delete(f"uomschedules({coupling.dataverse_id})").status_code == 204
    return "was deleted"


def unit(code="PCS"):
    return UnitOfMeasure.objects.get(code=code)


CASES = [
    ToCase(
        "CURRENCY",
        (),
        ("symbol", "€€", "currencysymbol", "€€"),
        lambda: Currency.objects.create(code="XTS", description="Test", exchange_rate=2),
        too_long_code,
    ),
    ToCase(
        "UNIT OF MEASURE",
        (),
        ("code", "CARTON", "name", "CARTON"),
        lambda: UnitOfMeasure.objects.create(code="PALLET", description="Pallet"),
        row_deleted,
    ),
    ToCase(
        "VENDOR",
        ("CURRENCY",),
        ("city", "Tromsø", "address1_city", "Tromsø"),
        lambda: Vendor.objects.create(name="New Supplier AS"),
        refer_to("purchaser", uncoupled_salesperson, "must be coupled to a Dataverse systemuser"),
    ),
    ToCase(
        "CUSTOMER",
        ("CURRENCY",),
        ("credit_limit_lcy", Decimal("1234.5"), "creditlimit", Decimal("1234.5")),
        lambda: Customer.objects.create(name="New Customer AS"),
        refer_to("salesperson", uncoupled_salesperson, "must be coupled to a Dataverse systemuser"),
    ),
    ToCase(
        "CONTACT",
        ("CURRENCY", "VENDOR", "CUSTOMER"),
        ("surname", "Nordmann", "lastname", "Nordmann"),
        lambda: Contact.objects.create(surname="Newman", customer=Customer.objects.first()),
        refer_to("salesperson", uncoupled_salesperson, "must be coupled to a Dataverse systemuser"),
    ),
    ToCase(
        "RESOURCE-PRODUCT",
        ("UNIT OF MEASURE",),
        ("unit_price", Decimal("99.5"), "price", Decimal("99.50")),
        lambda: Resource.objects.create(name="New Resource", base_unit_of_measure=unit("HOUR")),
        refer_to(
            "base_unit_of_measure", uncoupled_unit, "must be coupled to a Dataverse uomschedule"
        ),
    ),
    ToCase(
        "ITEM-PRODUCT",
        ("UNIT OF MEASURE",),
        ("description", "Renamed item", "name", "Renamed item"),
        lambda: Item.objects.create(description="New Item", base_unit_of_measure=unit()),
        refer_to(
            "base_unit_of_measure", uncoupled_unit, "must be coupled to a Dataverse uomschedule"
        ),
    ),
]

# What the jobs list says of each job, in Business Central's captions.
DIRECTION_TEXTS = {
    "CURRENCY": "Currency to Currency.",
    "UNIT OF MEASURE": "Unit of Measure to Unit Group.",
    "VENDOR": "Vendor to Account.",
    "CUSTOMER": "Customer to Account.",
    "CONTACT": "Contact to Contact.",
    "RESOURCE-PRODUCT": "Resource to Product.",
    "ITEM-PRODUCT": "Item to Product.",
}


@pytest.fixture
def open_records(salespeople_coupled):
    """Every demo customer and vendor inside the filters, so that contacts can be sent."""
    Customer.objects.update(blocked="")
    Vendor.objects.update(blocked="")


def in_filter(name):
    m = mapping(name)
    return apply_table_filter(m, apps.get_model(m.local_table).objects.all())


def coupled_row(client, name, record, column):
    m = mapping(name)
    coupling = Coupling.objects.get(local_id=record.system_id, dataverse_table=m.dataverse_table)
    assert coupling.status == "coupled"
    return next(iter(client.get_many(m.dataverse_table, [coupling.dataverse_id], select=[column])))


def only(job, outcome):
    return counts(job) == ({outcome: 1} if outcome else {})


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_outcome_to_dataverse(case, open_records, sync, dataverse_client, emulator):
    for name in case.depends:
        sync(name, full=True, create_new=True)
    records = list(in_filter(case.name).order_by("pk"))

    # insert and couple: one counterpart per record in the table filter
    jobs = sync(case.name, full=True, create_new=True)
    assert counts(jobs["to"]) == {"inserted": len(records)}, errors(jobs["to"])
    coupled = Coupling.objects.filter(local_table=mapping(case.name).local_table)
    assert {c.local_id for c in coupled} == {r.system_id for r in records}
    assert all(counts(job) == {} for d, job in jobs.items() if d == "from"), "no echo"
    assert jobs["to"].direction_text == DIRECTION_TEXTS[case.name]

    # nothing changed: nothing to do
    assert all(counts(job) == {} for job in sync(case.name).values())

    # saved without a change: unchanged, nothing written
    record = records[0]
    record.save()
    assert only(sync(case.name)["to"], "unchanged")

    # modified: only the change goes, and it arrives
    local_field, value, column, expected = case.change
    setattr(record, local_field, value)
    record.save()
    jobs = sync(case.name)
    assert only(jobs["to"], "modified"), errors(jobs["to"])
    assert coupled_row(dataverse_client, case.name, record, column)[column] == expected
    assert all(only(job, None) for d, job in jobs.items() if d == "from"), "no echo"

    # uncoupled while Synch. Only Coupled Records: skipped, nothing created
    newcomer = case.new()
    assert only(sync(case.name)["to"], "skipped")
    assert not Coupling.objects.filter(local_id=newcomer.system_id).exists()
    newcomer.delete()

    # cannot be sent: the record fails, with an error that says what to fix
    with emulator.app_session() as api:
        words = case.breaks(record, api)
    job = sync(case.name)["to"]
    assert only(job, "failed"), errors(job)
    assert words in SyncJobError.objects.get(job=job).error_message
    coupling = Coupling.objects.get(local_id=record.system_id)
    assert coupling.is_failed and not coupling.skipped, "retried on the next run"


def errors(job) -> list[str]:
    return list(SyncJobError.objects.filter(job=job).values_list("error_message", flat=True))
