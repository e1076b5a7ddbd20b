"""Local → Dataverse: insert and couple, modify, unchanged, skip, fail — over real HTTP."""

from decimal import Decimal

import pytest

from erp.models import Currency, Customer, Item, UnitOfMeasure
from integration.models import Coupling
from synclog.models import SyncJobError

from .conftest import counts, mapping


def accounts(client, **filters):
    rows = client.query(
        "account",
        select=[
            "accountid",
            "name",
            "address1_city",
            "customertypecode",
            "_ownerid_value",
            "_transactioncurrencyid_value",
            "creditlimit",
            "telephone1",
        ],
    )
    return {r["accountid"]: r for r in rows}


def coupled_id(record, table="account"):
    return Coupling.objects.get(local_id=record.system_id, dataverse_table=table).dataverse_id


def test_currency_full_synchronization_creates_and_couples_each_currency(
    standard_setup, demo, dataverse_client, sync
):
    jobs = sync("CURRENCY", full=True, create_new=True)

    assert counts(jobs["to"]) == {"inserted": Currency.objects.count()}
    rows = {
        r["isocurrencycode"]: r
        for r in dataverse_client.query(
            "transactioncurrency",
            select=["isocurrencycode", "currencyname", "exchangerate", "currencysymbol"],
        )
    }
    eur = Currency.objects.get(code="EUR")
    assert rows["EUR"]["currencyname"] == eur.description
    assert Decimal(rows["EUR"]["exchangerate"]) == eur.exchange_rate
    assert Coupling.objects.filter(local_table="erp.currency").count() == Currency.objects.count()

    again = sync("CURRENCY")
    assert counts(again["to"]) == {}, "an incremental run after a full one has nothing to do"


def test_customers_go_to_accounts_with_their_lookups(salespeople_coupled, dataverse_client, sync):
    sync("CURRENCY", full=True, create_new=True)
    jobs = sync("CUSTOMER", full=True, create_new=True)

    open_customers = Customer.objects.filter(blocked="")
    assert counts(jobs["to"]) == {"inserted": open_customers.count()}
    assert not jobs["to"].failed, list(SyncJobError.objects.values_list("message", flat=True))
    assert jobs["to"].direction_text == "Customer to Account."
    assert jobs["from"].direction_text == "Account to Customer."
    rows = accounts(dataverse_client)
    base = next(
        iter(
            dataverse_client.query(
                "transactioncurrency",
                select=["transactioncurrencyid"],
                filter="isocurrencycode eq 'USD'",
            )
        )
    )["transactioncurrencyid"]
    for customer in open_customers.select_related("currency", "salesperson"):
        row = rows[coupled_id(customer)]
        assert row["name"] == customer.name and row["customertypecode"] == 3
        owner = coupled_id(customer.salesperson, "systemuser")
        assert row["_ownerid_value"] == owner
        expected = (
            coupled_id(customer.currency, "transactioncurrency") if customer.currency else base
        )
        assert row["_transactioncurrencyid_value"] == expected, "a blank currency means LCY"
    assert (
        not Customer.objects.filter(blocked="all")
        .filter(system_id__in=Coupling.objects.values("local_id"))
        .exists()
    ), "outside the table filter"


@pytest.fixture
def customers_synced(salespeople_coupled, sync):
    sync("CURRENCY", full=True, create_new=True)
    sync("CUSTOMER", full=True, create_new=True)
    return Customer.objects.filter(blocked="").order_by("pk")


def test_a_changed_customer_is_modified_and_only_its_change_is_sent(
    customers_synced, dataverse_client, sync
):
    customer = customers_synced.first()
    customer.city = "Trondheim"
    customer.save()

    jobs = sync("CUSTOMER")

    assert counts(jobs["to"]) == {"modified": 1}
    assert counts(jobs["from"]) == {}, "Tandem's own write does not come back as a change"
    assert accounts(dataverse_client)[coupled_id(customer)]["address1_city"] == "Trondheim"
    assert counts(sync("CUSTOMER")["to"]) == {}


def test_a_record_saved_without_changes_counts_as_unchanged(customers_synced, sync):
    customers_synced.first().save()

    jobs = sync("CUSTOMER")

    assert counts(jobs["to"]) == {"unchanged": 1}
    assert jobs["to"].http_requests <= 2, "nothing was written"


def test_uncoupled_records_are_skipped_while_only_coupled_records_are_synchronized(
    customers_synced, sync
):
    Customer.objects.create(name="Newcomer Ltd")

    jobs = sync("CUSTOMER")

    assert counts(jobs["to"]) == {"skipped": 1}
    assert not Coupling.objects.filter(
        local_id=Customer.objects.get(name="Newcomer Ltd").system_id
    ).exists()


def test_uncoupled_records_get_a_counterpart_when_the_mapping_creates_new_ones(
    customers_synced, dataverse_client, sync
):
    mapping("CUSTOMER").__class__.objects.filter(name="CUSTOMER").update(
        synch_only_coupled_records=False
    )
    newcomer = Customer.objects.create(name="Newcomer Ltd", city="Bergen")

    jobs = sync("CUSTOMER")

    assert counts(jobs["to"]) == {"inserted": 1}
    assert accounts(dataverse_client)[coupled_id(newcomer)]["name"] == "Newcomer Ltd"


def test_a_value_too_long_for_dataverse_fails_the_record_not_the_job(
    standard_setup, demo, dataverse_client, sync
):
    Currency.objects.create(
        code="LONGCODE", description="Too long an ISO code", exchange_rate=Decimal("2")
    )

    jobs = sync("CURRENCY", full=True, create_new=True)

    assert counts(jobs["to"]) == {"inserted": Currency.objects.count() - 1, "failed": 1}
    error = SyncJobError.objects.get(job=jobs["to"])
    assert "isocurrencycode" in error.error_message and "5" in error.error_message
    coupling = Coupling.objects.get(local_id=Currency.objects.get(code="LONGCODE").system_id)
    assert coupling.last_synch_dataverse_result == "failure" and not coupling.skipped


def test_the_same_error_twice_marks_the_coupling_skipped_until_retried(standard_setup, demo, sync):
    sync("CURRENCY", full=True, create_new=True)
    currency = Currency.objects.get(code="EUR")
    coupling = Coupling.objects.get(local_id=currency.system_id)
    currency.code = "EURO12"  # longer than isocurrencycode takes
    currency.save()

    first, second = sync("CURRENCY")["to"], sync("CURRENCY")["to"]
    coupling.refresh_from_db()
    assert (counts(first), counts(second)) == ({"failed": 1}, {"failed": 1})
    assert coupling.skipped, "the same error twice in a row"
    assert counts(sync("CURRENCY")["to"]) == {}, "a skipped coupling waits for Retry"

    currency.code = "EUA"
    currency.save()
    assert counts(sync("CURRENCY")["to"]) == {"skipped": 1}, "fixed, it still waits for Retry"
    Coupling.objects.filter(pk=coupling.pk).update(skipped=False)  # Retry
    assert counts(sync("CURRENCY")["to"]) == {"modified": 1}
    coupling.refresh_from_db()
    assert coupling.last_synch_dataverse_result == "success" and not coupling.skipped


def test_a_create_skipped_after_failing_twice_is_tried_again_once_the_record_changes(
    standard_setup, demo, dataverse_client, sync
):
    """As in Business Central, where a record that was never created has no coupling and
    every change makes it a candidate again: fixing it is enough."""
    bad = Currency.objects.create(
        code="LONGCODE", description="Long", symbol="L", exchange_rate=Decimal("2")
    )
    sync("CURRENCY", full=True, create_new=True)
    assert counts(sync("CURRENCY")["to"]) == {"failed": 1}
    coupling = Coupling.objects.get(local_id=bad.system_id)
    assert coupling.skipped and coupling.status == "pending_create"
    assert counts(sync("CURRENCY")["to"]) == {}, "unchanged, it waits"

    bad.code = "LNG"
    bad.save()
    assert counts(sync("CURRENCY")["to"]) == {"inserted": 1}

    coupling.refresh_from_db()
    assert coupling.status == "coupled" and not coupling.skipped
    rows = dataverse_client.get_many("transactioncurrency", [coupling.dataverse_id])
    assert [r["isocurrencycode"] for r in rows] == ["LNG"]


def test_a_lookup_to_an_uncoupled_record_fails_with_must_be_coupled(standard_setup, demo, sync):
    jobs = sync("CUSTOMER", full=True, create_new=True)  # nothing it refers to is coupled

    assert jobs["to"].failed == Customer.objects.filter(blocked="").count()
    customer = Customer.objects.filter(blocked="").exclude(currency=None).first()
    message = SyncJobError.objects.get(job=jobs["to"], local_id=customer.system_id).error_message
    assert (
        f"Salesperson/purchaser {customer.salesperson} must be coupled to a Dataverse "
        "systemuser row" in message
    )
    assert (
        f"Currency {customer.currency.code} must be coupled to a Dataverse "
        "transactioncurrency row" in message
    ), "every field to fix is named at once"


def test_products_get_their_unit_group_its_base_unit_and_state(
    standard_setup, demo, dataverse_client, sync
):
    sync("UNIT OF MEASURE", full=True, create_new=True)
    item = Item.objects.filter(blocked=False).first()
    item.blocked = True  # a retired product: the state goes in an update after the create
    item.save()
    mapping_filter = mapping("ITEM-PRODUCT")
    mapping_filter.table_filter = {}
    mapping_filter.save()

    jobs = sync("ITEM-PRODUCT", full=True, create_new=True)

    assert counts(jobs["to"]) == {"inserted": Item.objects.count()}
    row = next(
        iter(
            dataverse_client.get_many(
                "product",
                [coupled_id(item, "product")],
                select=[
                    "productnumber",
                    "statecode",
                    "_defaultuomscheduleid_value",
                    "_defaultuomid_value",
                    "quantityonhand",
                    "producttypecode",
                ],
            )
        )
    )
    unit = UnitOfMeasure.objects.get(pk=item.base_unit_of_measure_id)
    group = coupled_id(unit, "uomschedule")
    base_unit = next(
        iter(
            dataverse_client.query(
                "uom",
                select=["uomid"],
                filter=(f"_uomscheduleid_value eq {group} and isschedulebaseuom eq true"),
            )
        )
    )["uomid"]
    assert row["productnumber"] == item.no and row["producttypecode"] == 1
    assert row["statecode"] == 1, "blocked is Retired"
    assert row["_defaultuomscheduleid_value"] == group
    assert row["_defaultuomid_value"] == base_unit
    assert row["quantityonhand"] == max(item.inventory, 0), "negative inventory is sent as 0"


def test_a_disabled_connection_records_a_failed_job_that_says_why(standard_setup, sync):
    from integration.models import ConnectionSetup

    ConnectionSetup.objects.update(is_enabled=False)

    jobs = sync("CUSTOMER")

    job = jobs["bidirectional"]
    assert job.status == "failed"
    assert "The Dataverse connection is not enabled" in job.message
    assert job.direction_text == "Customer and Account."
