"""Every standard mapping that reads from Dataverse, each outcome in turn, over real HTTP:
a person's change comes over (modify), a save without a change is unchanged, a new row is
skipped while Synch. Only Coupled Records and created and coupled when it is cleared, and a
row that cannot be written fails with an error that says what to fix."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.apps import apps

from erp.models import Customer, UnitOfMeasure, Vendor
from integration.models import Coupling, IntegrationFieldMapping, IntegrationTableMapping
from synclog.models import SyncDirection, SyncJobError

from .conftest import counts, mapping

LONG = "X" * 120  # longer than any local name field


@dataclass(frozen=True)
class FromCase:
    name: str
    entity_set: str
    depends: tuple[str, ...]  # full synchronizations first (the mapping's own included)
    change: tuple[str, object, str, object]  # column, new value, local field, value there
    new: Callable  # (ids) -> the values of a new row inside the integration table filter
    # (ids) -> (values of a new row that cannot be written locally, words of the error)
    bad: Callable
    allow_new: Callable = lambda name: None  # what else creating local records needs


def account(type_code):
    return lambda ids: {
        "name": f"New account {uuid.uuid4().hex[:6]}",
        "customertypecode": type_code,
    }


def bad_account(type_code):
    return lambda ids: ({"name": LONG, "customertypecode": type_code}, "takes at most 100")


def user(ids, first="Nina"):
    tag = uuid.uuid4().hex[:6]
    return {
        "firstname": first,
        "lastname": f"Berg {tag}",
        "domainname": f"nina.{tag}@cronus.example",
        "internalemailaddress": f"nina.{tag}@cronus.example",
        "islicensed": True,
        "businessunitid@odata.bind": f"/businessunits({ids.business_unit})",
    }


def contact(ids):
    return {
        "firstname": "Kari",
        "lastname": f"Nordmann {uuid.uuid4().hex[:6]}",
        "parentcustomerid_account@odata.bind": f"/accounts({ids.account})",
    }


def product(type_code, group_of=lambda ids: ids.group, unit_of=lambda ids: ids.base_unit):
    def values(ids):
        return {
            "name": "New product",
            "productnumber": f"P-{uuid.uuid4().hex[:6]}",
            "producttypecode": type_code,
            "quantitydecimal": 2,
            "defaultuomscheduleid@odata.bind": f"/uomschedules({group_of(ids)})",
            "defaultuomid@odata.bind": f"/uoms({unit_of(ids)})",
        }

    return values


def product_of_an_uncoupled_group(type_code, words):
    make = product(type_code, lambda ids: ids.stray_group, lambda ids: ids.stray_unit)
    return lambda ids: (make(ids), words)


CASES = [
    FromCase(
        "SALESPEOPLE",
        "systemusers",
        ("SALESPEOPLE",),
        ("mobilephone", "+47 900 00 000", "phone_no", "+47 900 00 000"),
        user,
        lambda ids: (user(ids, first=LONG[:40]), "takes at most 50"),
    ),
    FromCase(
        "VENDOR",
        "accounts",
        ("CURRENCY", "VENDOR"),
        ("telephone1", "+47 22 00 00 00", "phone_no", "+47 22 00 00 00"),
        account(11),
        bad_account(11),
    ),
    FromCase(
        "CUSTOMER",
        "accounts",
        ("CURRENCY", "CUSTOMER"),
        ("address1_city", "Bodø", "city", "Bodø"),
        account(3),
        bad_account(3),
    ),
    FromCase(
        "CONTACT",
        "contacts",
        ("CURRENCY", "VENDOR", "CUSTOMER", "CONTACT"),
        ("mobilephone", "+47 400 00 000", "mobile_phone_no", "+47 400 00 000"),
        contact,
        lambda ids: ({**contact(ids), "firstname": LONG[:40]}, "takes at most 30"),
    ),
    FromCase(
        "RESOURCE-PRODUCT",
        "products",
        ("UNIT OF MEASURE", "RESOURCE-PRODUCT"),
        ("name", "Consulting, senior", "name", "Consulting, senior"),
        product(3),
        product_of_an_uncoupled_group(3, "must be coupled to a unit of measure record"),
        lambda name: unit_comes_over(),
    ),
    FromCase(
        "ITEM-PRODUCT",
        "products",
        ("UNIT OF MEASURE", "ITEM-PRODUCT"),
        ("name", "Bicycle, red", "description", "Bicycle, red"),
        product(1),
        product_of_an_uncoupled_group(1, "must be coupled to a unit of measure record"),
    ),
]


def unit_comes_over():
    """A resource must have a unit: its field mapping, To by default, brings it over too."""
    IntegrationFieldMapping.objects.filter(
        table_mapping__name="RESOURCE-PRODUCT", dataverse_column="defaultuomscheduleid"
    ).update(direction=SyncDirection.BIDIRECTIONAL)


class Ids:
    """Ids of Dataverse rows the new rows refer to, looked up once per test."""

    def __init__(self, client, api):
        self.client, self.api = client, api

    @property
    def business_unit(self):
        return next(iter(self.client.query("businessunit", select=["businessunitid"])))[
            "businessunitid"
        ]

    @property
    def account(self):
        customer = Customer.objects.order_by("pk").first()
        return Coupling.objects.get(local_id=customer.system_id).dataverse_id

    @property
    def group(self):
        return Coupling.objects.get(
            local_id=UnitOfMeasure.objects.get(code="PCS").system_id
        ).dataverse_id

    @property
    def base_unit(self):
        return self.unit_of(self.group)

    @property
    def stray_group(self):
        if not hasattr(self, "_stray"):
            self._stray = create(
                self.api, "uomschedules", {"name": "Crates", "baseuomname": "Crate"}
            )
        return self._stray

    @property
    def stray_unit(self):
        return self.unit_of(self.stray_group)

    def unit_of(self, group):
        rows = self.client.query(
            "uom",
            select=["uomid"],
            filter=f"_uomscheduleid_value eq {group} and isschedulebaseuom eq true",
        )
        return next(iter(rows))["uomid"]


def create(session, entity_set, values) -> uuid.UUID:
    table = mapping_table(entity_set)
    row_id = uuid.uuid4()
    response = session.post(entity_set, json={f"{table}id": str(row_id), **values})
    assert response.status_code == 204, response.text
    return row_id


def mapping_table(entity_set) -> str:
    return {"systemusers": "systemuser", "uomschedules": "uomschedule"}.get(
        entity_set, entity_set[:-1]
    )


@pytest.fixture
def open_records(salespeople_coupled):
    Customer.objects.update(blocked="")
    Vendor.objects.update(blocked="")


def local_of(name, row_id):
    m = mapping(name)
    coupling = Coupling.objects.get(local_table=m.local_table, dataverse_id=row_id)
    assert coupling.status == "coupled"
    return apps.get_model(m.local_table).objects.get(system_id=coupling.local_id)


def only(job, outcome):
    return counts(job) == ({outcome: 1} if outcome else {})


def errors(job) -> list[str]:
    return list(SyncJobError.objects.filter(job=job).values_list("error_message", flat=True))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_outcome_from_dataverse(case, open_records, sync, dataverse_client, emulator):
    for name in case.depends:
        sync(name, full=True, create_new=True)
    sync(case.name)  # settles what the full runs left (the salespeople's first baseline)
    m = mapping(case.name)
    row_id = Coupling.objects.filter(local_table=m.local_table).order_by("pk").first().dataverse_id
    with emulator.user_session() as dv:  # a person at work in Dataverse
        ids = Ids(dataverse_client, dv)
        column, value, local_field, expected = case.change

        # modified in Dataverse: the change comes over, and is not sent back
        assert dv.patch(f"{case.entity_set}({row_id})", json={column: value}).status_code == 204
        jobs = sync(case.name)
        assert only(jobs["from"], "modified"), errors(jobs["from"])
        assert getattr(local_of(case.name, row_id), local_field) == expected
        assert all(only(job, None) for d, job in jobs.items() if d == "to"), "no echo"

        # saved again without a change: unchanged, nothing written
        dv.patch(f"{case.entity_set}({row_id})", json={column: value})
        assert only(sync(case.name)["from"], "unchanged")

        # a new row while Synch. Only Coupled Records: skipped, nothing created
        stranger = create(dv, case.entity_set, case.new(ids))
        assert only(sync(case.name)["from"], "skipped")
        assert not Coupling.objects.filter(dataverse_id=stranger).exists()

        # once new records are allowed: created and coupled
        IntegrationTableMapping.objects.filter(pk=m.pk).update(synch_only_coupled_records=False)
        case.allow_new(case.name)
        newcomer = create(dv, case.entity_set, case.new(ids))
        jobs = sync(case.name)
        assert only(jobs["from"], "inserted"), errors(jobs["from"])
        local_of(case.name, newcomer)

        # a row that cannot be written locally: fails, with an error that says what to fix
        values, words = case.bad(ids)
        bad = create(dv, case.entity_set, values)
    job = sync(case.name)["from"]
    assert only(job, "failed"), errors(job)
    assert words in SyncJobError.objects.get(job=job).error_message
    assert Coupling.objects.get(dataverse_id=bad).is_failed, "tried again on the next run"


def test_a_service_product_becomes_a_resource_once_its_unit_is_brought_over_too(
    open_records, sync, dataverse_client, emulator
):
    # given: by default a resource's unit goes to Dataverse only, and a resource needs one
    for name in ("UNIT OF MEASURE", "RESOURCE-PRODUCT"):
        sync(name, full=True, create_new=True)
    IntegrationTableMapping.objects.filter(name="RESOURCE-PRODUCT").update(
        synch_only_coupled_records=False
    )
    with emulator.user_session() as person:
        row_id = create(person, "products", product(3)(Ids(dataverse_client, person)))

    # when
    job = sync("RESOURCE-PRODUCT")["from"]

    # then: the error says which field mapping to change, not to couple what is coupled
    assert only(job, "failed")
    message = SyncJobError.objects.get(job=job).error_message
    assert "no field mapping of RESOURCE-PRODUCT brings one from Dataverse" in message
    assert "base_unit_of_measure to Bidirectional" in message

    # and once the administrator does so, the failed row comes over on the next run
    unit_comes_over()
    assert only(sync("RESOURCE-PRODUCT")["from"], "inserted")
    assert local_of("RESOURCE-PRODUCT", row_id).base_unit_of_measure.code == "PCS"
