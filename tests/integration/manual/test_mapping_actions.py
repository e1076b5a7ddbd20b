"""Whole mappings: Synchronize Modified Records (all, or the selected mappings), Run Full
Synchronization and Run Unconditional Full Synchronization for one mapping, Delete Couplings."""

import pytest

from erp.models import Currency
from integration.models import Coupling, IntegrationTableMapping, SyncRequest
from integration.ordering import STANDARD_ORDER
from synclog.models import SyncJob

from .conftest import mapping

MAPPINGS = "/admin/integration/integrationtablemapping/"


@pytest.fixture
def currencies(standard_setup):
    return [
        Currency.objects.create(code=code, description=name, symbol="¤", exchange_rate=rate)
        for code, name, rate in [("EUR", "Euro", "0.9"), ("GBP", "Pound", "0.8")]
    ]


def act(client, action, *names, confirm=True):
    """Post a mapping list action, then (as the confirmation page does) post it again."""
    pks = [mapping(n).pk for n in names]
    first = client.post(MAPPINGS, {"action": action, "_selected_action": pks})
    if not confirm:
        return first
    assert first.status_code == 200, first.status_code
    second = client.post(MAPPINGS, {"action": action, "_selected_action": pks, "post": "yes"})
    assert second.status_code == 302, second.content.decode()[:500]
    return first, second


def request_of(response) -> SyncRequest:
    return SyncRequest.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])


def test_synchronize_modified_records_for_every_mapping_from_the_connection_setup_page(
    standard_setup, admin_client, run_tasks
):
    setup_page = admin_client.get("/admin/integration/connectionsetup/1/change/").content.decode()
    assert "Synchronize Modified Records" in setup_page and "Run Full Synchronization" in setup_page
    url = "/admin/tandem/synchronize-modified-records/"
    assert "all modified records in all integration table mappings" in (
        admin_client.get(url).content.decode()
    )

    with run_tasks():
        response = admin_client.post(url)

    request = request_of(response)
    assert request.status == "finished"
    jobs = SyncJob.objects.filter(run_id=request.pk).order_by("started_at")
    names = list(dict.fromkeys(jobs.values_list("table_mapping_name", flat=True)))
    assert names == STANDARD_ORDER, "every mapping, in job order"
    status = admin_client.get(response["Location"]).content.decode()
    assert "Synchronization is scheduled for Modified Records" in status
    assert status.count('<tr id="job-') == SyncJob.objects.filter(run_id=request.pk).count()


def test_synchronize_modified_records_for_the_selected_mappings(
    currencies, admin_client, run_tasks
):
    IntegrationTableMapping.objects.filter(name="CURRENCY").update(synch_only_coupled_records=False)
    with run_tasks():
        confirm, response = act(admin_client, "synchronize_modified_records", "CURRENCY")
    assert "Synchronize the records modified since the last synchronization" in (
        confirm.content.decode()
    )
    jobs = SyncJob.objects.filter(run_id=request_of(response).pk)
    assert [(j.table_mapping_name, j.inserted) for j in jobs] == [("CURRENCY", 2)]


def test_run_full_synchronization_for_one_mapping_creates_the_missing_counterparts(
    currencies, admin_client, run_tasks
):
    with run_tasks():
        confirm, response = act(admin_client, "run_full_synchronization", "CURRENCY")
    assert "You are about to synchronize all data within the mapping CURRENCY" in (
        confirm.content.decode()
    )
    job = SyncJob.objects.get(run_id=request_of(response).pk)
    assert (job.trigger, job.inserted) == ("full_synchronization", 2)
    assert mapping("CURRENCY").synch_only_coupled_records, "set aside for the run only"


def test_run_unconditional_full_synchronization_writes_every_coupled_record_again(
    currencies, admin_client, run_tasks, person, dataverse_client
):
    with run_tasks():
        act(admin_client, "run_full_synchronization", "CURRENCY")
    euro = Coupling.objects.get(local_id=currencies[0].system_id).dataverse_id
    person.patch(f"transactioncurrencies({euro})", json={"currencyname": "Changed there"})

    with run_tasks():
        confirm, response = act(admin_client, "run_unconditional_full_synchronization", "CURRENCY")

    assert "at most 5,000 records" in confirm.content.decode()
    job = SyncJob.objects.get(run_id=request_of(response).pk)
    assert (job.modified, job.unchanged) == (2, 0), "written again, changed or not"
    row = next(iter(dataverse_client.get_many("transactioncurrency", [euro])))
    assert row["currencyname"] == "Euro"


def test_unconditional_full_synchronization_is_refused_for_a_bidirectional_mapping(
    standard_setup, admin_client
):
    response = act(
        admin_client, "run_unconditional_full_synchronization", "CUSTOMER", confirm=False
    )
    assert response.status_code == 302
    page = admin_client.get(response["Location"]).content.decode()
    assert "not available for CUSTOMER, because it synchronizes in both directions" in page
    assert not SyncRequest.objects.exists()


def test_delete_couplings_of_a_mapping_runs_an_uncoupling_job(currencies, admin_client, run_tasks):
    with run_tasks():
        act(admin_client, "run_full_synchronization", "CURRENCY")
    IntegrationTableMapping.objects.filter(name="CURRENCY").update(synch_only_coupled_records=False)

    with run_tasks():
        confirm, response = act(admin_client, "delete_couplings", "CURRENCY")

    text = confirm.content.decode()
    assert "The uncoupling will run in the background" in text
    assert "a subsequent scheduled synchronization creates new counterparts" in text
    job = SyncJob.objects.get(run_id=request_of(response).pk)
    assert (job.job_type, job.uncoupled, job.message) == ("uncoupling", 2, "Uncoupling completed.")
    assert not Coupling.objects.exists()
    log = admin_client.get("/admin/synclog/jobs/?job_type=uncoupling").content.decode()
    assert "Integration Uncoupling Jobs" in log


def test_links_to_a_mappings_log_dataverse_rows_and_coupling_criteria(standard_setup, admin_client):
    for action, target in [
        ("synchronization_log", "/admin/synclog/jobs/?table_mapping_name=CUSTOMER"),
        ("dataverse_rows", "/admin/tandem/mappings/CUSTOMER/dataverse-rows/"),
        ("match_based_coupling", "/admin/tandem/mappings/CUSTOMER/match-based-coupling/"),
    ]:
        response = act(admin_client, action, "CUSTOMER", confirm=False)
        assert response["Location"].startswith(target), action
