"""Bad input, each with a message a person can act on, and nothing lost.

The setup pages refuse bad filters and field mappings (``tests/integration/setup``); here the
same mistakes are stored anyway, as an old database or a script might leave them, and a run
must stop with a message naming the problem, leaving watermarks, couplings and records as
they were. Then a bad value for Dataverse and a misconfigured connection.
"""

import pytest

from erp.models import Customer
from integration.models import ConnectionSetup, Coupling, IntegrationFieldMapping
from synclog.models import SyncJob, SyncJobError

from .conftest import mapping

CUSTOMER = "CUSTOMER"


@pytest.fixture
def synced(customers, sync):
    """Ten customers in step with their accounts; watermarks set."""
    customers(10, seed=41)
    sync(CUSTOMER, full=True, create_new=True)
    return mapping(CUSTOMER)


def stored_anyway(**fields) -> None:
    type(mapping(CUSTOMER)).objects.filter(name=CUSTOMER).update(**fields)


def run_stops(sync, *words) -> SyncJob:
    """Run CUSTOMER; expect one failed job whose message has ``words``; nothing touched."""
    before = mapping(CUSTOMER)
    couplings = set(Coupling.objects.values_list("pk", "local_id", "dataverse_id"))
    jobs = list(sync(CUSTOMER).values())
    assert [job.status for job in jobs] == [SyncJob.Status.FAILED], [j.message for j in jobs]
    for word in words:
        assert word in jobs[0].message, jobs[0].message
    after = mapping(CUSTOMER)
    assert after.local_modified_on_filter == before.local_modified_on_filter
    assert after.dataverse_delta_link == before.dataverse_delta_link
    assert set(Coupling.objects.values_list("pk", "local_id", "dataverse_id")) == couplings
    return jobs[0]


# Filters --------------------------------------------------------------------------------


def test_a_stored_odata_filter_that_does_not_parse_stops_the_job(synced, sync):
    stored_anyway(integration_table_filter="statecode eq 0 and")
    run_stops(sync, "integration table filter of CUSTOMER is invalid")


def test_a_stored_odata_filter_on_a_missing_column_stops_the_job(synced, sync):
    stored_anyway(integration_table_filter="nosuchcolumn eq 1")
    run_stops(sync, "nosuchcolumn")


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"no_such_field": "x"}, ["no_such_field", "cannot be filtered on"]),
        ({"credit_limit_lcy_max": "a lot"}, ["Credit Limit (LCY)", "Enter a number"]),
        (["blocked"], ["set of field conditions"]),
    ],
)
def test_a_stored_local_table_filter_that_went_bad_stops_the_job(synced, sync, data, words):
    stored_anyway(table_filter=data)
    job = run_stops(sync, "table filter of CUSTOMER", *words)
    assert "Correct the table filter" in job.message


# Field mappings -------------------------------------------------------------------------


def test_a_field_mapping_to_a_missing_column_stops_the_job_naming_it(synced, sync):
    IntegrationFieldMapping.objects.filter(table_mapping__name=CUSTOMER, local_field="city").update(
        dataverse_column="address1_town"
    )
    run_stops(sync, "no column 'address1_town'", "city")


def test_a_field_mapping_from_a_missing_field_stops_the_job_naming_it(synced, sync):
    IntegrationFieldMapping.objects.filter(table_mapping__name=CUSTOMER, local_field="city").update(
        local_field="town"
    )
    run_stops(sync, "no field 'town'")


# Values Dataverse cannot take -----------------------------------------------------------


def remap(local_field: str, column: str) -> None:
    IntegrationFieldMapping.objects.filter(
        table_mapping__name=CUSTOMER, local_field=local_field
    ).update(dataverse_column=column, direction="to_integration_table")


def test_a_value_too_long_fails_its_record_every_run_until_fixed_and_is_never_lost(
    synced, sync, dataverse_client
):
    remap("contact", "accountnumber")  # 20 characters in Dataverse, 100 here
    customer = Customer.objects.filter(blocked="").first()
    customer.contact = "Someone With A Very Long Name"
    customer.save()

    first = sync(CUSTOMER)["to"]

    assert (first.failed, first.modified) == (1, 0)
    message = SyncJobError.objects.get(job=first).error_message
    assert "accountnumber" in message and "20" in message
    second = sync(CUSTOMER)["to"]
    assert second.failed == 1, "a refused change is tried again, not taken as sent"
    coupling = Coupling.objects.get(local_id=customer.system_id)
    assert coupling.skipped, "the same error twice: skipped until someone retries it"

    customer.contact = "Short Name"
    customer.save()
    Coupling.objects.filter(pk=coupling.pk).update(skipped=False)  # Retry
    third = sync(CUSTOMER)["to"]
    assert (third.failed, third.modified) == (0, 1)
    row = next(dataverse_client.get_many("account", [coupling.dataverse_id], ["accountnumber"]))
    assert row["accountnumber"] == "Short Name"


@pytest.mark.parametrize(
    ("local_field", "column", "value", "words"),
    [
        ("contact", "numberofemployees", "a dozen", ["'a dozen'", "numberofemployees", "number"]),
        ("contact", "numberofemployees", "12.5", ["'12.5'", "whole number"]),
        ("contact", "creditlimit", "Infinity", ["'Infinity'", "creditlimit"]),
        ("contact", "creditlimit", "1e400", ["'1e400'", "creditlimit"]),
        ("contact", "numberofemployees", "99999999999", ["numberofemployees"]),
    ],
)
def test_a_value_of_the_wrong_type_fails_its_record_with_the_column_named(
    synced, sync, local_field, column, value, words
):
    remap(local_field, column)
    customer = Customer.objects.filter(blocked="").first()
    setattr(customer, local_field, value)
    customer.save()

    job = sync(CUSTOMER)["to"]

    assert job.status == SyncJob.Status.FINISHED and job.failed == 1
    message = SyncJobError.objects.get(job=job).error_message
    for word in words:
        assert word in message, message


# The connection -------------------------------------------------------------------------


def break_connection(**values) -> None:
    setup = ConnectionSetup.get()
    for name, value in values.items():
        setattr(setup, name, value)
    setup.save()


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"is_enabled": False}, ["not enabled"]),
        (
            {"environment_url": "http://127.0.0.1:9", "authority_url": "http://127.0.0.1:9"},
            ["Could not connect to 127.0.0.1:9"],
        ),
        ({"client_secret": "not-the-secret"}, ["refused client id", "secret"]),
        ({"tenant": "elsewhere"}, ["Tenant 'elsewhere' not found"]),
    ],
)
def test_an_unusable_connection_stops_the_job_with_what_to_fix(synced, sync, values, words):
    break_connection(**values)
    job = run_stops(sync, *words)
    assert "not-the-secret" not in job.message


def test_a_lookup_to_an_uncoupled_record_waits_for_its_coupling_and_is_not_lost(
    synced, sync, dataverse_client
):
    from erp.models import Currency

    stray = Currency.objects.create(code="XTS", description="Testing", symbol="¤", exchange_rate=2)
    customer = Customer.objects.filter(blocked="").first()
    customer.currency = stray
    customer.save()

    first = sync(CUSTOMER)["to"]

    assert first.failed == 1
    message = SyncJobError.objects.get(job=first).error_message
    assert "Currency XTS must be coupled to a Dataverse transactioncurrency row" in message
    sync("CURRENCY", full=True, create_new=True)  # someone couples the currency
    second = sync(CUSTOMER)["to"]
    assert (second.failed, second.modified) == (0, 1), "the failed record was tried again"
    row_id = Coupling.objects.get(local_id=customer.system_id).dataverse_id
    currency_id = Coupling.objects.get(local_id=stray.system_id).dataverse_id
    row = next(dataverse_client.get_many("account", [row_id], ["transactioncurrencyid"]))
    assert row["_transactioncurrencyid_value"] == currency_id


def test_a_delta_link_of_another_environment_is_not_followed_but_read_anew(synced, sync, emulator):
    # The connection was pointed at this environment after reading from another one: the old
    # link must not take the token elsewhere, and the run must still see every change.
    stored_anyway(dataverse_delta_link="http://198.51.100.7/api/data/v9.2/accounts?$deltatoken=9")
    with emulator.user_session() as person:
        row_id = Coupling.objects.filter(local_table="erp.customer").first().dataverse_id
        person.patch(f"accounts({row_id})", json={"telephone1": "+47 1111 2222"})

    jobs = sync(CUSTOMER)

    assert jobs["from"].status == SyncJob.Status.FINISHED and jobs["from"].modified == 1
    assert mapping(CUSTOMER).dataverse_delta_link.startswith(emulator.url)
