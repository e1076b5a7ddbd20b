"""Run Full Synchronization through the Full Synchronization Review page, and ``sync --full``.

Tasks run in-line (``run_tasks``): a request enqueues after commit, and Sync All's line tasks
enqueue the lines they make eligible, so the whole chain runs inside ``with run_tasks()``.
"""

import json

import pytest
from django.core.management import call_command

from erp.models import Currency, Customer, Vendor
from integration.models import FullSyncReviewLine, IntegrationTableMapping
from integration.services import review
from synclog.models import SyncJob

from .conftest import assert_coupled_once, create_row, mapping

Rec = FullSyncReviewLine.Recommendation
Status = FullSyncReviewLine.Status
URL = "/admin/tandem/full-synchronization/"


def recommendations() -> dict:
    return dict(FullSyncReviewLine.objects.values_list("name", "recommendation"))


def line(name) -> FullSyncReviewLine:
    return FullSyncReviewLine.objects.get(name=name)


def open_review(client, run_tasks):
    with run_tasks():
        response = client.get(URL)
    assert response.status_code == 200
    return response


def sync_all(client, run_tasks):
    with run_tasks():
        confirm = client.post(URL, {"action": "sync_all"})
        assert "Full synchronization will synchronize all coupled" in confirm.content.decode()
        client.post(URL, {"action": "sync_all", "confirm": "yes"})


def open_companies():
    # A contact of a blocked company cannot be sent: its company is outside the filters.
    Customer.objects.update(blocked="")
    Vendor.objects.update(blocked="")


def test_recommendations_come_from_the_data_on_both_sides_within_the_filters(
    standard_setup, demo, admin_client, run_tasks, person
):
    # given: Dataverse has a Euro, a product of the item type, and one of the customers
    create_row(
        person,
        "transactioncurrencies",
        "transactioncurrencyid",
        isocurrencycode="EUR",
        currencyname="Euro",
        currencysymbol="€",
        exchangerate=0.9,
        currencyprecision=2,
    )
    customer = Customer.objects.filter(blocked="").first()
    create_row(person, "accounts", "accountid", name=customer.name, customertypecode=3)
    create_row(person, "accounts", "accountid", name="Only In Dataverse", customertypecode=3)
    Vendor.objects.all().delete()

    # when
    open_review(admin_client, run_tasks)

    # then
    assert recommendations() == {
        "CURRENCY": Rec.COUPLE_RECORDS,  # the base currency (USD) does not count
        "SALESPEOPLE": Rec.COUPLE_RECORDS,
        "UNIT OF MEASURE": Rec.FULL_SYNCHRONIZATION,  # the default unit group does not count
        "VENDOR": Rec.NO_RECORDS,  # vendors: none here, no account of the vendor type there
        "CUSTOMER": Rec.COUPLE_RECORDS,
        "CONTACT": Rec.FULL_SYNCHRONIZATION,
        "RESOURCE-PRODUCT": Rec.FULL_SYNCHRONIZATION,
        "ITEM-PRODUCT": Rec.FULL_SYNCHRONIZATION,
    }
    customers = line("CUSTOMER")
    assert customers.local_records == Customer.objects.filter(blocked="").count()
    assert (customers.dataverse_records, customers.to_couple, customers.duplicates) == (2, 1, 1)
    assert customers.to_create_in_dataverse == 0, "CUSTOMER does not create unmatched records"
    currency = line("CURRENCY")
    others = Currency.objects.exclude(code="EUR").count()
    assert (currency.to_couple, currency.to_update) == (1, 1), "EUR, synchronized after"
    assert currency.to_create_in_dataverse == others, "CURRENCY creates what has no match"
    salespeople = line("SALESPEOPLE")
    assert (salespeople.to_couple, salespeople.duplicates) == (5, 5)
    units = line("UNIT OF MEASURE")
    assert units.to_create_in_dataverse == units.local_records == 7
    page = admin_client.get(URL).content.decode()
    assert "Review Selected Coupling Criteria" in page and "No Records To Synchronize Now" in page


def test_sync_all_from_an_erp_only_data_set_couples_every_record_once(
    standard_setup, demo, admin_client, run_tasks, dataverse_client
):
    open_companies()
    open_review(admin_client, run_tasks)
    previews = {n.name: n.to_create_in_dataverse for n in FullSyncReviewLine.objects.all()}

    sync_all(admin_client, run_tasks)

    lines = {n.name: n for n in FullSyncReviewLine.objects.all()}
    assert {n: (x.status, x.message) for n, x in lines.items()} == {
        n: (Status.FINISHED, "") for n in lines
    }
    counts = {name: assert_coupled_once(name, dataverse_client) for name in lines}
    for name, created in previews.items():
        inserted = sum(j.inserted for j in SyncJob.objects.filter(table_mapping_name=name))
        assert inserted == (created or 0), f"{name}: the preview said what would be created"
    assert counts["SALESPEOPLE"] == 5, "coupled by email, not created"
    assert_dependency_order(lines)

    # the question at the end: Yes keeps Synch. Only Coupled Records cleared
    page = admin_client.get(URL).content.decode()
    assert "Do you want scheduled synchronization jobs to go on creating new records" in page
    admin_client.post(URL, {"action": "keep"})
    flags = dict(IntegrationTableMapping.objects.values_list("name", "synch_only_coupled_records"))
    assert flags == {name: name == "SALESPEOPLE" for name in flags}, "cleared where created"
    assert "Do you want scheduled" not in admin_client.get(URL).content.decode()

    # running it twice creates nothing new: every line now recommends coupling
    with run_tasks():
        admin_client.post(URL, {"action": "reset"})
    assert set(recommendations().values()) == {Rec.COUPLE_RECORDS}
    assert all(x.duplicates == 0 and x.to_couple == 0 for x in FullSyncReviewLine.objects.all())
    before = SyncJob.objects.count()
    sync_all(admin_client, run_tasks)
    second = SyncJob.objects.order_by("started_at")[before:]
    assert sum(j.inserted for j in second) == 0
    assert {name: assert_coupled_once(name, dataverse_client) for name in lines} == counts


def assert_dependency_order(lines):
    """A line started only after the lines in its dependency filter had finished."""
    for current in lines.values():
        if current.started_at is None:
            continue  # No Records To Synchronize Now: finished without running
        for name in current.dependencies:
            assert current.started_at >= lines[name].finished_at, f"{current.name} after {name}"


def test_the_command_follows_the_recommendations_from_a_dataverse_only_data_set(
    standard_setup, person, dataverse_client, capsys
):
    # given: accounts and contacts made in Dataverse by a person; the ERP is empty
    accounts = [
        create_row(person, "accounts", "accountid", name=f"Customer {n}", customertypecode=3)
        for n in range(3)
    ]
    create_row(person, "accounts", "accountid", name="Supplier A", customertypecode=11)
    for n, account in enumerate(accounts):
        create_row(
            person,
            "contacts",
            "contactid",
            firstname="Pat",
            lastname=f"Doe {n}",
            **{"parentcustomerid_account@odata.bind": f"/accounts({account})"},
        )

    call_command("sync", "--full", "--create-new", "keep", "--no-progress", "--json")

    jobs = json.loads(capsys.readouterr().out)
    assert {j["mapping"] for j in jobs} == {"SALESPEOPLE", "CUSTOMER", "VENDOR", "CONTACT"}
    assert all(j["status"] == "finished" and j["failed"] == 0 for j in jobs), jobs
    for name, expected in [("SALESPEOPLE", 5), ("CUSTOMER", 3), ("VENDOR", 1), ("CONTACT", 3)]:
        assert assert_coupled_once(name, dataverse_client) == expected
        assert not mapping(name).synch_only_coupled_records, "keep: scheduled runs create"
    assert mapping("CURRENCY").synch_only_coupled_records, "no full synchronization ran there"
    assert line("CURRENCY").recommendation == Rec.NO_RECORDS

    call_command("sync", "--full", "--no-progress", "--json")

    again = json.loads(capsys.readouterr().out)
    assert sum(j["inserted"] for j in again) == 0, "running it twice creates nothing new"
    assert {j["type"] for j in again} == {"coupling"}, "both sides have data: couple, not copy"


def test_restore_gives_back_the_setting_from_before_the_run(
    standard_setup, demo, admin_client, run_tasks
):
    IntegrationTableMapping.objects.exclude(name="CURRENCY").delete()
    IntegrationTableMapping.objects.filter(name="CURRENCY").update(synch_only_coupled_records=True)
    open_review(admin_client, run_tasks)
    sync_all(admin_client, run_tasks)
    assert line("CURRENCY").status == Status.FINISHED

    response = admin_client.post(URL, {"action": "restore"}, follow=True)

    assert mapping("CURRENCY").synch_only_coupled_records
    assert "as it was before the full synchronization" in response.content.decode()
    assert line("CURRENCY").synch_only_coupled_before is None


@pytest.mark.django_db
def test_a_line_starts_only_when_its_dependencies_have_finished():
    # given: lines as Sync All leaves them, CUSTOMER finished and VENDOR failed
    names = ["CURRENCY", "CUSTOMER", "VENDOR", "CONTACT"]
    deps = {"CONTACT": "CUSTOMER|VENDOR", "CUSTOMER": "CURRENCY", "VENDOR": "CURRENCY"}
    for n, name in enumerate(names):
        FullSyncReviewLine.objects.create(
            name=name,
            position=n,
            dependency_filter=deps.get(name, ""),
            direction="x",
            recommendation=Rec.FULL_SYNCHRONIZATION,
            status=Status.WAITING,
        )

    assert review.full_sync_review_claim_eligible() == ["CURRENCY"]
    FullSyncReviewLine.objects.filter(name="CURRENCY").update(status=Status.FINISHED)
    assert sorted(review.full_sync_review_claim_eligible()) == ["CUSTOMER", "VENDOR"]
    assert review.full_sync_review_claim_eligible() == [], "claimed once, never twice"
    FullSyncReviewLine.objects.filter(name="CUSTOMER").update(status=Status.FINISHED)
    FullSyncReviewLine.objects.filter(name="VENDOR").update(status=Status.ERROR)
    assert review.full_sync_review_claim_eligible() == [], "CONTACT waits for VENDOR"

    review.full_sync_review_restart(name="VENDOR")

    assert review.full_sync_review_claim_eligible() == []  # VENDOR claimed by the restart
    assert line("VENDOR").status == Status.READY
    FullSyncReviewLine.objects.filter(name="VENDOR").update(status=Status.FINISHED)
    assert review.full_sync_review_claim_eligible() == ["CONTACT"]


def test_restart_runs_a_line_again_and_reset_recomputes_the_lines(
    standard_setup, demo, admin_client, run_tasks
):
    IntegrationTableMapping.objects.exclude(name__in=["CURRENCY", "UNIT OF MEASURE"]).delete()
    open_review(admin_client, run_tasks)
    sync_all(admin_client, run_tasks)
    first_run = line("CURRENCY").run_id

    with run_tasks():
        admin_client.post(URL, {"action": "restart", "name": "CURRENCY"})

    again = line("CURRENCY")
    assert again.status == Status.FINISHED and again.run_id != first_run
    rerun = SyncJob.objects.get(run_id=again.run_id)
    assert (rerun.status, rerun.inserted, rerun.failed) == ("finished", 0, 0)
    progress = admin_client.get(URL + "progress/").json()
    assert progress["running"] is False and "CURRENCY:finished" in progress["signature"]

    with run_tasks():
        admin_client.post(URL, {"action": "reset"})

    assert line("CURRENCY").status == Status.NOT_STARTED
    assert recommendations() == {
        "CURRENCY": Rec.COUPLE_RECORDS,
        "UNIT OF MEASURE": Rec.COUPLE_RECORDS,
    }


def test_sync_all_from_a_dataverse_only_data_set_couples_every_row_once(
    standard_setup, admin_client, run_tasks, person, dataverse_client
):
    # given: accounts of both types and their contacts, made in Dataverse; the ERP is empty
    companies = [
        create_row(person, "accounts", "accountid", name=f"Account {n}", customertypecode=code)
        for n, code in enumerate([3, 3, 11])
    ]
    for n, company in enumerate(companies):
        create_row(
            person,
            "contacts",
            "contactid",
            firstname="Pat",
            lastname=f"Doe {n}",
            **{"parentcustomerid_account@odata.bind": f"/accounts({company})"},
        )
    open_review(admin_client, run_tasks)

    sync_all(admin_client, run_tasks)

    lines = {n.name: n for n in FullSyncReviewLine.objects.all()}
    assert {n: x.status for n, x in lines.items()} == {n: Status.FINISHED for n in lines}
    expected = {"SALESPEOPLE": 5, "CUSTOMER": 2, "VENDOR": 1, "CONTACT": 3}
    assert {name: assert_coupled_once(name, dataverse_client) for name in expected} == expected
    assert Customer.objects.count() == 2 and Vendor.objects.count() == 1
    assert_dependency_order(lines)

    # No: scheduled jobs go on with coupled records only, as before
    admin_client.post(URL, {"action": "restore"})
    assert all(m.synch_only_coupled_records for m in IntegrationTableMapping.objects.all())

    # running it twice creates nothing new
    with run_tasks():
        admin_client.post(URL, {"action": "reset"})
    before = SyncJob.objects.count()
    sync_all(admin_client, run_tasks)
    second = SyncJob.objects.order_by("started_at")[before:]
    assert sum(j.inserted for j in second) == 0 and sum(j.failed for j in second) == 0
    assert {name: assert_coupled_once(name, dataverse_client) for name in expected} == expected
