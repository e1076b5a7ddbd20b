"""Record lists and cards: Synchronize Now, Set Up Coupling, Create in Dataverse, Delete
Coupling, Synchronization Log, and the "Coupled to Dataverse" column and filter — each posted
through the admin the way a browser does, with the work run in-line."""

import uuid

import pytest
from django.urls import reverse

from erp.models import Currency, Customer
from integration.engine import RunOptions
from integration.models import Coupling, SyncRequest
from integration.services.synchronization import synchronize_mapping
from synclog.models import SyncJob

from .conftest import create_row, mapping

CUSTOMERS = "/admin/erp/customer/"


@pytest.fixture
def customers(standard_setup):
    """Three customers without references to other tables (no owner, the local currency)."""
    return [
        Customer.objects.create(name=name, city="Oslo", phone_no="+47 1")
        for name in ("Adatum Corporation", "Trey Research", "Coho Winery")
    ]


@pytest.fixture
def coupled_customers(customers):
    synchronize_mapping(mapping("CUSTOMER"), options=RunOptions(full=True, create_new=True))
    return customers


def coupling_of(record) -> Coupling:
    return Coupling.objects.get(local_table=record._meta.label_lower, local_id=record.system_id)


def account(client, row_id) -> dict:
    return next(iter(client.get_many("account", [row_id], select=["name", "telephone1"])))


def post_action(client, action, records, url=CUSTOMERS):
    response = client.post(url, {"action": action, "_selected_action": [r.pk for r in records]})
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"]


def follow_request(client, response) -> SyncRequest:
    """The run status page a queued action redirected to, and its request."""
    assert response.status_code == 302, response.content.decode()[:800]
    run_id = uuid.UUID(response["Location"].rstrip("/").split("/")[-1])
    page = client.get(response["Location"])
    assert page.status_code == 200
    return SyncRequest.objects.get(pk=run_id)


def test_the_list_shows_and_filters_coupled_to_dataverse_with_one_query_for_all_rows(
    coupled_customers, admin_client, django_assert_max_num_queries
):
    Customer.objects.create(name="Not Yet Coupled")
    with django_assert_max_num_queries(12):
        page = admin_client.get(CUSTOMERS).content.decode()
    assert "Coupled to Dataverse" in page
    coupled = admin_client.get(CUSTOMERS, {"coupled_to_dataverse": "yes"}).context["cl"]
    assert {c.name for c in coupled.result_list} == {c.name for c in coupled_customers}
    uncoupled = admin_client.get(CUSTOMERS, {"coupled_to_dataverse": "no"}).context["cl"]
    assert [c.name for c in uncoupled.result_list] == ["Not Yet Coupled"]
    assert "Dataverse account rows" in page, "the list links to its mapping's Dataverse rows"


def test_set_up_coupling_finds_the_row_by_name_couples_and_sends(
    customers, admin_client, run_tasks, person, dataverse_client
):
    customer = customers[0]
    row_id = create_row(person, "accounts", "accountid", name="Adatum Corp.", customertypecode=3)
    create_row(person, "accounts", "accountid", name="A Supplier", customertypecode=11)

    url = post_action(admin_client, "set_up_coupling", [customer])
    page = admin_client.get(url)
    assert page.status_code == 200
    rows = page.context["search"].rows
    assert [r.name for r in rows] == ["Adatum Corp."], "searched by name, within the filter"
    assert page.context["form"]["synchronize"].value() == "send", "To is the default"

    with run_tasks():
        response = admin_client.post(
            "/admin/tandem/records/set-up-coupling/",
            {
                "model": "erp.customer",
                "pk": customer.pk,
                "dataverse_id": row_id,
                "synchronize": "send",
            },
        )

    request = follow_request(admin_client, response)
    assert request.status == "finished" and request.action == "Synchronize Now"
    assert coupling_of(customer).dataverse_id == row_id
    assert account(dataverse_client, row_id)["name"] == "Adatum Corporation", "sent after"
    job = SyncJob.objects.get(run_id=request.pk)
    assert (job.direction, job.modified) == ("to_integration_table", 1)


def test_set_up_coupling_refuses_a_row_coupled_to_another_record_but_replaces_a_stale_one(
    coupled_customers, admin_client
):
    first, second, third = coupled_customers
    taken = coupling_of(first).dataverse_id
    data = {"model": "erp.customer", "pk": second.pk, "dataverse_id": taken, "synchronize": ""}

    response = admin_client.post("/admin/tandem/records/set-up-coupling/", data)

    assert response.status_code == 200
    assert "because that row is already coupled to Customer" in response.content.decode()
    assert coupling_of(second).dataverse_id != taken

    first.delete()  # the coupling of a deleted record is stale
    response = admin_client.post("/admin/tandem/records/set-up-coupling/", data)

    assert response.status_code == 302 and response["Location"].endswith(f"/{second.pk}/change/")
    assert coupling_of(second).dataverse_id == taken


def test_create_new_from_set_up_coupling_and_create_in_dataverse_from_the_list(
    customers, admin_client, run_tasks, dataverse_client
):
    with run_tasks():
        response = admin_client.post(
            "/admin/tandem/records/set-up-coupling/",
            {"model": "erp.customer", "pk": customers[0].pk, "create_new": "on"},
        )
    follow_request(admin_client, response)
    created = coupling_of(customers[0]).dataverse_id
    assert account(dataverse_client, created)["name"] == customers[0].name

    url = post_action(admin_client, "create_in_dataverse", customers)
    page = admin_client.get(url).content.decode()
    assert "Create 2 customers in Dataverse" in page and "1 already coupled: skipped." in page
    with run_tasks():
        response = admin_client.post(
            url.split("?")[0],
            {"model": "erp.customer", "pks": ",".join(str(c.pk) for c in customers)},
        )

    request = follow_request(admin_client, response)
    assert "1 records were already coupled" in request.message
    names = {account(dataverse_client, coupling_of(c).dataverse_id)["name"] for c in customers}
    assert names == {c.name for c in customers}
    assert coupling_of(customers[0]).dataverse_id == created, "not created twice"


def test_synchronize_now_recommends_get_after_a_change_in_dataverse(
    coupled_customers, admin_client, run_tasks, person
):
    customer = coupled_customers[0]
    row_id = coupling_of(customer).dataverse_id
    assert person.patch(f"accounts({row_id})", json={"telephone1": "+47 999"}).status_code == 204

    url = post_action(admin_client, "synchronize_now", [customer])
    page = admin_client.get(url)

    assert page.context["review"].recommended == "get"
    assert page.context["form"]["choice"].value() == "get"
    assert 'Get data update from Dataverse. <span class="tandem-recommended">' in (
        page.content.decode()
    )
    with run_tasks():
        response = admin_client.post(
            url.split("?")[0], {"model": "erp.customer", "pks": str(customer.pk), "choice": "get"}
        )
    follow_request(admin_client, response)
    customer.refresh_from_db()
    assert customer.phone_no == "+47 999"


def test_synchronize_now_offers_send_or_get_when_both_sides_changed_the_same_field(
    coupled_customers, admin_client, run_tasks, person, dataverse_client
):
    customer = coupled_customers[0]
    row_id = coupling_of(customer).dataverse_id
    person.patch(f"accounts({row_id})", json={"name": "Adatum (Dataverse)"})
    customer.name = "Adatum (ERP)"
    customer.save()
    url = f"/admin/tandem/records/synchronize-now/?model=erp.customer&pks={customer.pk}"

    page = admin_client.get(url)

    assert page.context["review"].choices == ["send", "get"]
    assert page.context["review"].recommended is None
    text = page.content.decode()
    assert "changed both here and in Dataverse" in text and "Dataverse contains newer data" in text
    with run_tasks():
        response = admin_client.post(
            url.split("?")[0], {"model": "erp.customer", "pks": str(customer.pk), "choice": "send"}
        )
    follow_request(admin_client, response)
    assert account(dataverse_client, row_id)["name"] == "Adatum (ERP)"


def test_synchronize_now_for_several_records_skips_the_uncoupled_ones(
    coupled_customers, admin_client, run_tasks
):
    extra = Customer.objects.create(name="Fourth Coffee")
    for customer in coupled_customers:
        customer.phone_no = "+47 2"
        customer.save()
    selected = [*coupled_customers, extra]

    url = post_action(admin_client, "synchronize_now", selected)
    page = admin_client.get(url)
    assert page.context["review"].recommended == "send"
    assert (
        "3 of 4 records will be synchronized; 1 is not coupled and is left out."
        in page.content.decode()
    )
    with run_tasks():
        response = admin_client.post(
            url.split("?")[0],
            {
                "model": "erp.customer",
                "pks": ",".join(str(c.pk) for c in selected),
                "choice": "merge",
            },
        )

    request = follow_request(admin_client, response)
    assert "1 of 4 records were skipped" in request.message
    jobs = SyncJob.objects.filter(run_id=request.pk)
    assert sorted((j.direction, j.modified) for j in jobs) == [
        ("from_integration_table", 0),
        ("to_integration_table", 3),
    ]
    assert not Coupling.objects.filter(local_id=extra.system_id).exists()


def test_synchronize_now_on_a_one_way_mapping_confirms_and_warns_of_newer_data(
    standard_setup, admin_client, run_tasks, person, dataverse_client
):
    euro = Currency.objects.create(code="EUR", description="Euro", symbol="€", exchange_rate=1)
    synchronize_mapping(mapping("CURRENCY"), options=RunOptions(full=True, create_new=True))
    row_id = coupling_of(euro).dataverse_id
    person.patch(f"transactioncurrencies({row_id})", json={"currencyname": "Euro (changed)"})
    url = f"/admin/tandem/records/synchronize-now/?model=erp.currency&pks={euro.pk}"

    page = admin_client.get(url)

    assert page.context["review"].choices == ["send"]
    assert "Dataverse contains newer data for this record" in page.content.decode()
    with run_tasks():
        response = admin_client.post(
            url.split("?")[0], {"model": "erp.currency", "pks": str(euro.pk), "choice": "send"}
        )
    follow_request(admin_client, response)
    row = next(iter(dataverse_client.get_many("transactioncurrency", [row_id])))
    assert row["currencyname"] == "Euro"


def test_synchronize_now_on_an_uncoupled_record_offers_set_up_coupling(customers, admin_client):
    url = f"/admin/tandem/records/synchronize-now/?model=erp.customer&pks={customers[0].pk}"
    page = admin_client.get(url).content.decode()
    assert "The customer record is not coupled to Dataverse" in page
    assert (
        f"/admin/tandem/records/set-up-coupling/?model=erp.customer&amp;pk={customers[0].pk}"
        in page
    )


def test_delete_coupling_runs_an_uncoupling_job(coupled_customers, admin_client, run_tasks):
    url = post_action(admin_client, "delete_coupling", coupled_customers[:2])
    assert "Delete the coupling of 2 customers" in admin_client.get(url).content.decode()

    with run_tasks():
        response = admin_client.post(
            url.split("?")[0],
            {
                "model": "erp.customer",
                "pks": f"{coupled_customers[0].pk},{coupled_customers[1].pk}",
            },
        )

    request = follow_request(admin_client, response)
    job = SyncJob.objects.get(run_id=request.pk)
    assert (job.job_type, job.uncoupled, job.status) == ("uncoupling", 2, "finished")
    assert Coupling.objects.filter(local_table="erp.customer").count() == 1


def test_the_card_has_the_buttons_and_the_log_of_its_record(coupled_customers, admin_client):
    customer = coupled_customers[0]
    page = admin_client.get(f"{CUSTOMERS}{customer.pk}/change/").content.decode()
    for label in ("Synchronize Now", "Set Up Coupling", "Delete Coupling", "Synchronization Log"):
        assert f'class="tandem-tool">{label}</a>' in page
    assert "Coupled to Dataverse (account" in page
    coupling = Coupling.objects.get(local_table="erp.customer", local_id=customer.system_id)
    row = reverse("integration:dataverse_row", args=["account", coupling.dataverse_id])
    assert f'<a href="{row}"' in page, "the coupled row's page is a click away"
    assert "Create in Dataverse</a>" not in page, "only for uncoupled records"

    log = post_action(admin_client, "synchronization_log", [customer])

    assert log.startswith("/admin/synclog/jobs/?") and str(customer.system_id) in log
    jobs = admin_client.get(log).context["page"].object_list
    assert {(j.table_mapping_name, j.direction) for j in jobs} == {
        ("CUSTOMER", "to_integration_table"),  # the jobs of its coupling's last synchronization
        ("CUSTOMER", "from_integration_table"),
    }
