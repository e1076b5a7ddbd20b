"""A coupled record deleted on one side: each deletion-conflict resolution, both sides."""

import pytest

from erp.models import Currency, Customer
from integration.models import Coupling, IntegrationTableMapping
from synclog.models import SyncJobError

from .conftest import counts

Resolution = IntegrationTableMapping.DeletionConflictResolution


@pytest.fixture
def pair(salespeople_coupled, sync, emulator):
    sync("CURRENCY", full=True, create_new=True)
    sync("CUSTOMER", full=True, create_new=True)
    customer = Customer.objects.filter(blocked="").order_by("pk").first()
    coupling = Coupling.objects.get(local_id=customer.system_id, dataverse_table="account")
    with emulator.app_session() as api:
        yield customer, coupling, api


def set_resolution(name, value):
    IntegrationTableMapping.objects.filter(name=name).update(deletion_conflict_resolution=value)


def test_a_deleted_account_is_found_although_the_customer_never_changes(pair, sync):
    customer, coupling, api = pair
    assert api.delete(f"accounts({coupling.dataverse_id})").status_code == 204

    jobs = sync("CUSTOMER")

    assert counts(jobs["from"]) == {"failed": 1}
    error = SyncJobError.objects.get(job=jobs["from"])
    assert customer.no in error.error_message and "was deleted" in error.error_message
    coupling.refresh_from_db()
    assert coupling.last_synch_result == "failure"
    assert counts(sync("CUSTOMER")["from"]) == {"failed": 1}, "retried, still failing"
    coupling.refresh_from_db()
    assert coupling.skipped, "the same error twice in a row"


def test_delete_coupling_resolution_uncouples(pair, sync):
    customer, coupling, api = pair
    set_resolution("CUSTOMER", Resolution.REMOVE_COUPLING)
    api.delete(f"accounts({coupling.dataverse_id})")

    jobs = sync("CUSTOMER")

    assert counts(jobs["from"]) == {"uncoupled": 1}
    assert not Coupling.objects.filter(pk=coupling.pk).exists()
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_restore_resolution_creates_the_account_again(pair, sync):
    customer, coupling, api = pair
    set_resolution("CUSTOMER", Resolution.RESTORE_RECORDS)
    api.delete(f"accounts({coupling.dataverse_id})")

    jobs = sync("CUSTOMER")

    assert counts(jobs["from"]) == {"inserted": 1}
    restored = Coupling.objects.get(local_id=customer.system_id, dataverse_table="account")
    assert restored.dataverse_id != coupling.dataverse_id
    assert (
        api.get(f"accounts({restored.dataverse_id})?$select=name").json()["name"] == customer.name
    )


def test_a_deleted_customer_fails_until_resolved(pair, sync):
    customer, coupling, api = pair
    customer.delete()

    jobs = sync("CUSTOMER")

    assert counts(jobs["to"]) == {"failed": 1}
    assert "was deleted" in SyncJobError.objects.get(job=jobs["to"]).error_message
    assert api.get(f"accounts({coupling.dataverse_id})").status_code == 200, "nothing deleted"


def test_restore_resolution_creates_the_customer_again(pair, sync):
    customer, coupling, api = pair
    set_resolution("CUSTOMER", Resolution.RESTORE_RECORDS)
    name = customer.name
    customer.delete()

    jobs = sync("CUSTOMER")

    assert counts(jobs["to"]) == {"inserted": 1}
    restored = Coupling.objects.get(dataverse_id=coupling.dataverse_id, local_table="erp.customer")
    assert Customer.objects.get(system_id=restored.local_id).name == name


def test_a_deleted_customer_with_delete_coupling_resolution_is_uncoupled(pair, sync):
    customer, coupling, api = pair
    set_resolution("CUSTOMER", Resolution.REMOVE_COUPLING)
    customer.delete()

    assert counts(sync("CUSTOMER")["to"]) == {"uncoupled": 1}
    assert not Coupling.objects.filter(pk=coupling.pk).exists()


def test_a_to_only_mapping_notices_a_deleted_row_through_change_tracking(
    standard_setup, demo, sync, emulator
):
    sync("CURRENCY", full=True, create_new=True)
    currency = Currency.objects.get(code="NOK")
    coupling = Coupling.objects.get(local_id=currency.system_id)
    with emulator.app_session() as api:
        assert api.delete(f"transactioncurrencies({coupling.dataverse_id})").status_code == 204

    jobs = sync("CURRENCY")

    assert counts(jobs["to"]) == {"failed": 1}
    assert "NOK" in SyncJobError.objects.get(job=jobs["to"]).error_message


def test_a_deleted_salesperson_fails_once_per_run_under_a_from_only_mapping(
    salespeople_coupled, sync
):
    from erp.models import SalespersonPurchaser

    person = SalespersonPurchaser.objects.get(code="BD")
    person.delete()

    first = sync("SALESPEOPLE")
    coupling = Coupling.objects.get(local_id=person.system_id)
    assert first["from"].failed == 1
    assert not coupling.skipped, "one run, one failure"
    second = sync("SALESPEOPLE")
    coupling.refresh_from_db()
    assert second["from"].failed == 1 and coupling.skipped


@pytest.mark.parametrize(
    "resolution, outcome",
    [(Resolution.RESTORE_RECORDS, "inserted"), (Resolution.REMOVE_COUPLING, "uncoupled")],
)
def test_a_to_only_mapping_resolves_a_deleted_row_by_its_setting(
    standard_setup, demo, sync, emulator, dataverse_client, resolution, outcome
):
    sync("CURRENCY", full=True, create_new=True)
    set_resolution("CURRENCY", resolution)
    currency = Currency.objects.get(code="NOK")
    gone = Coupling.objects.get(local_id=currency.system_id).dataverse_id
    with emulator.app_session() as api:
        assert api.delete(f"transactioncurrencies({gone})").status_code == 204

    jobs = sync("CURRENCY")

    assert counts(jobs["to"]) == {outcome: 1}
    now = Coupling.objects.filter(local_id=currency.system_id).first()
    if resolution == Resolution.RESTORE_RECORDS:
        row = next(iter(dataverse_client.get_many("transactioncurrency", [now.dataverse_id])))
        assert row["isocurrencycode"] == "NOK" and now.dataverse_id != gone
    else:
        assert now is None and Currency.objects.filter(pk=currency.pk).exists()
    again = counts(sync("CURRENCY")["to"])
    assert not again.keys() & {"inserted", "failed", "uncoupled"}, "resolved once"


@pytest.mark.parametrize(
    "resolution, outcome",
    [(Resolution.RESTORE_RECORDS, "inserted"), (Resolution.REMOVE_COUPLING, "uncoupled")],
)
def test_a_from_only_mapping_resolves_a_deleted_salesperson_by_its_setting(
    salespeople_coupled, sync, resolution, outcome
):
    from erp.models import SalespersonPurchaser

    sync("SALESPEOPLE")  # fills the baselines of the couplings made by hand
    set_resolution("SALESPEOPLE", resolution)
    person = SalespersonPurchaser.objects.get(code="BD")
    user = Coupling.objects.get(local_id=person.system_id).dataverse_id
    person.delete()

    jobs = sync("SALESPEOPLE")

    assert counts(jobs["from"]) == {outcome: 1}
    now = Coupling.objects.filter(dataverse_id=user).first()
    if resolution == Resolution.RESTORE_RECORDS:
        restored = SalespersonPurchaser.objects.get(system_id=now.local_id)
        assert restored.email == "bart.duncan@cronus.example"
    else:
        assert now is None
    assert counts(sync("SALESPEOPLE")["from"]) == {}, "resolved once"


def test_a_one_way_mapping_that_cannot_restore_says_so(standard_setup, demo, sync):
    set_resolution("CURRENCY", Resolution.RESTORE_RECORDS)
    rand = Currency.objects.create(code="ZAR", description="Rand", symbol="R", exchange_rate=18)
    sync("CURRENCY", full=True, create_new=True)
    rand.delete()  # CURRENCY only sends: nothing can bring the currency back from Dataverse

    job = sync("CURRENCY")["to"]

    assert counts(job) == {"failed": 1}
    message = SyncJobError.objects.get(job=job).error_message
    assert "was deleted. It cannot be restored, because CURRENCY does not synchronize " in message
    assert "toward the ERP. Delete the coupling" in message
