"""What a page costs: database queries and HTTP requests do not grow with the page size."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from erp.demo import DemoDataBuilder, DemoSizes
from erp.models import Customer
from integration.connection import dataverse_client
from integration.engine import RunOptions
from integration.engine.from_dataverse import FromDataverse
from integration.engine.joblog import JobLog
from integration.engine.local_table import LocalTable
from integration.engine.specs import FROM, TO, build_plan
from integration.engine.to_dataverse import ToDataverse
from integration.models import Coupling

from .conftest import counts, mapping


@pytest.fixture
def many_customers(salespeople_coupled, sync):
    DemoDataBuilder(seed=11).load(
        DemoSizes(customers=60, vendors=0, contacts_per_company=0, items=0, resources=0)
    )
    sync("CURRENCY", full=True, create_new=True)
    return list(Customer.objects.filter(blocked="").order_by("pk"))


def cost_of(process, rows, client):
    before = client.stats.requests
    with CaptureQueriesContext(connection) as queries:
        process(rows)
    return len(queries), client.stats.requests - before


def to_pass(client, options):
    plan = build_plan(mapping("CUSTOMER"), client)
    log = JobLog.start(plan, TO, options)
    return ToDataverse(plan, client, options, log), LocalTable(plan)


def test_creating_a_page_costs_the_same_for_5_or_25_records(many_customers):
    client = dataverse_client()
    to, local = to_pass(client, RunOptions(create_new=True))
    rows = list(local.pages(local.filtered().order_by("pk"), 33))[0]
    to.process(rows[:3])  # the run's one-off costs: token, metadata, the local currency

    small = cost_of(to.process, rows[3:8], client)
    large = cost_of(to.process, rows[8:33], client)

    assert large <= small, f"queries and requests: 5 records {small}, 25 records {large}"
    assert large[1] == 1, "one bulk create, nothing else over HTTP"


def test_updating_a_page_costs_the_same_for_5_or_25_records(many_customers, sync):
    sync("CUSTOMER", full=True, create_new=True)
    client = dataverse_client()
    for customer in many_customers[:30]:
        customer.city = "Tromsø"
        customer.save()
    to, local = to_pass(client, RunOptions())
    rows = list(local.pages(local.filtered().order_by("pk"), 33))[0]
    to.process(rows[:3])

    small = cost_of(to.process, rows[3:8], client)
    large = cost_of(to.process, rows[8:33], client)

    assert large <= small, f"queries and requests: 5 records {small}, 25 records {large}"
    assert large[1] == 2, "one read of the coupled rows (bidirectional), one bulk update"


def test_reading_a_page_from_dataverse_costs_the_same_for_5_or_25_rows(
    many_customers, sync, emulator
):
    sync("CUSTOMER", full=True, create_new=True)
    # The customers' order, so that every run measures the same pages (what a page's lookups
    # cost depends on which currencies the pages before it already resolved).
    ids = [coupled_id(customer) for customer in many_customers[:33]]
    # Dataverse keeps modifiedon to the second: an edit made in the same second as the full
    # run would leave the couplings' Dataverse time as it was, and such couplings would be
    # written by a statement of their own. Edits come later than that in life: say an hour.
    Coupling.objects.filter(dataverse_id__in=ids).update(
        last_synch_dataverse_modified_on=timezone.now() - timedelta(hours=1)
    )
    with emulator.user_session() as person:
        for row_id in ids:
            person.patch(f"accounts({row_id})", json={"telephone1": "+47 000"})
    client = dataverse_client()
    plan = build_plan(mapping("CUSTOMER"), client)
    options = RunOptions()
    from_pass = FromDataverse(plan, client, options, JobLog.start(plan, FROM, options))
    found = {r["accountid"]: r for r in client.get_many("account", ids, select=plan.read_columns())}
    rows = [found[row_id] for row_id in ids]
    from_pass.process(rows[:3])

    small = cost_of(from_pass.process, rows[3:8], client)
    large = cost_of(from_pass.process, rows[8:33], client)

    assert large <= small, f"queries and requests: 5 rows {small}, 25 rows {large}"
    assert large[1] == 0, "the rows are at hand; nothing more is asked of Dataverse"


def test_creating_a_page_of_local_records_costs_the_same_for_5_or_25_rows(many_customers, emulator):
    eur = many_customers[0].currency or Customer.objects.exclude(currency=None).first().currency
    currency = Coupling.objects.get(local_id=eur.system_id).dataverse_id
    with emulator.user_session() as person:
        for n in range(33):
            response = person.post(
                "accounts",
                json={
                    "name": f"Dataverse Account {n}",
                    "customertypecode": 3,
                    "transactioncurrencyid@odata.bind": f"/transactioncurrencies({currency})",
                },
            )
            assert response.status_code == 204
    client = dataverse_client()
    plan = build_plan(mapping("CUSTOMER"), client)
    options = RunOptions(create_new=True)
    from_pass = FromDataverse(plan, client, options, JobLog.start(plan, FROM, options))
    rows = list(
        client.query("account", select=plan.read_columns(), filter="startswith(name,'Dataverse')")
    )
    from_pass.process(rows[:3])

    small = cost_of(from_pass.process, rows[3:8], client)
    large = cost_of(from_pass.process, rows[8:33], client)

    assert large <= small, f"queries and requests: 5 rows {small}, 25 rows {large}"
    assert large[1] == 0, "the rows are at hand; nothing more is asked of Dataverse"
    assert Customer.objects.filter(name__startswith="Dataverse Account").count() == 33


def coupled_id(customer):
    return Coupling.objects.get(local_id=customer.system_id).dataverse_id


def run_without_changes(sync):
    before = connection.queries_log.maxlen
    with CaptureQueriesContext(connection) as queries:
        jobs = sync("CUSTOMER")
    assert before == connection.queries_log.maxlen
    assert counts(jobs["to"]) == {} and counts(jobs["from"]) == {}
    return len(queries), jobs["to"].http_requests + jobs["from"].http_requests


def test_an_incremental_run_with_nothing_changed_costs_the_same_whatever_the_table_size(
    many_customers, sync
):
    sync("CUSTOMER", full=True, create_new=True)
    sync("CUSTOMER")  # settles the echo of the full run
    small_table = run_without_changes(sync)
    DemoDataBuilder(seed=12).load(
        DemoSizes(customers=120, vendors=0, contacts_per_company=0, items=0, resources=0)
    )
    sync("CUSTOMER", full=True, create_new=True)
    sync("CUSTOMER")

    large_table = run_without_changes(sync)

    assert large_table == small_table
    assert large_table[1] <= 3, "a delta request, plus at most a token and metadata"
