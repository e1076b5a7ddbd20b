"""Match-Based Coupling: the criteria page, the coupling job, and ``match_couple``."""

import json

import pytest
from django.core.management import call_command

from erp.models import Currency, Customer, SalespersonPurchaser
from integration.models import Coupling, IntegrationFieldMapping
from synclog.models import SyncJob, SyncJobError
from tests.integration.setup.page import open_form, row_index

from .conftest import create_row, mapping

URL = "/admin/tandem/mappings/{}/match-based-coupling/"


def account(person, **values):
    return create_row(person, "accounts", "accountid", customertypecode=3, **values)


def field(name, local_field) -> IntegrationFieldMapping:
    return IntegrationFieldMapping.objects.get(table_mapping__name=name, local_field=local_field)


def coupled_to(record):
    coupling = Coupling.objects.filter(local_id=record.system_id).first()
    return coupling.dataverse_id if coupling else None


def choose_criteria(client, name, criteria: dict, **options):
    """Fill Select Coupling Criteria as a person would: {local field: (case, priority)}."""
    url = URL.format(name)
    form = open_form(client, url, "tandem-criteria-form")
    total = int(form.get("form-TOTAL_FORMS"))
    for index in range(total):
        form.check(f"form-{index}-match", False)
    for local_field, (case_sensitive, priority) in criteria.items():
        index = row_index(form, "form", field_mapping=str(field(name, local_field).pk))
        form.check(f"form-{index}-match")
        form.check(f"form-{index}-case_sensitive", case_sensitive)
        form.set(f"form-{index}-priority", str(priority))
    for option, value in options.items():
        form.check(option, value) if isinstance(value, bool) else form.set(option, value)
    data = form.as_dict()
    data["ok"] = ["OK"]
    return client.post(url, data)


@pytest.fixture
def lookalikes(standard_setup, person):
    """Customers and accounts that match in different ways."""
    local = {
        name: Customer.objects.create(name=name, city=city, email=email)
        for name, city, email in [
            ("Adatum", "Oslo", ""),
            ("Trey Research", "Bergen", "trey@example.com"),
            ("Coho Winery", "Oslo", ""),
            ("Lucerne Publishing", "", ""),
            ("Fourth Coffee", "Oslo", ""),
        ]
    }
    remote = {
        "adatum": account(person, name="Adatum", address1_city="Oslo"),
        "adatum elsewhere": account(person, name="Adatum", address1_city="Paris"),
        "trey 1": account(person, name="Trey Research", address1_city="Bergen"),
        "trey 2": account(
            person, name="Trey Research", address1_city="Bergen", emailaddress1="trey@example.com"
        ),
        "coho": account(person, name="COHO WINERY", address1_city="oslo"),
        "lucerne": account(person, name="Lucerne Publishing", address1_city="Rome"),
        "supplier": create_row(
            person, "accounts", "accountid", name="Fourth Coffee", customertypecode=11
        ),
    }
    return local, remote


def test_priority_groups_couple_each_record_to_its_one_uncoupled_match(
    lookalikes, admin_client, run_tasks
):
    local, remote = lookalikes
    with run_tasks():
        response = choose_criteria(
            admin_client,
            "CUSTOMER",
            {"name": (False, 0), "city": (False, 0), "email": (False, 1)},
            synch_after_bulk_coupling=False,
        )
    assert response.status_code == 302, response.content.decode()[:2000]

    assert coupled_to(local["Adatum"]) == remote["adatum"], "name and city, the one in Oslo"
    assert coupled_to(local["Trey Research"]) == remote["trey 2"], "two by name: then by email"
    assert coupled_to(local["Coho Winery"]) == remote["coho"], "text ignores case"
    assert coupled_to(local["Lucerne Publishing"]) == remote["lucerne"], "blank city ignored"
    assert coupled_to(local["Fourth Coffee"]) is None, "a vendor account is outside the filter"
    job = SyncJob.objects.get(job_type="coupling")
    assert (job.coupled, job.failed, job.status) == (4, 1, "finished")
    error = SyncJobError.objects.get(job=job)
    assert error.message == (
        "Failed to couple 1 record(s), because no unique uncoupled matching entity was found "
        "in Account with the specified matching criteria."
    )
    assert job.http_requests <= 3, "one query per priority group for the page"
    assert field("CUSTOMER", "email").match_priority == 1, "the criteria are kept"


def test_case_sensitive_matching_and_already_coupled_rows_leave_records_unmatched(
    lookalikes, run_tasks, admin_client
):
    local, remote = lookalikes
    other = Customer.objects.create(name="Adatum", city="Oslo")
    Coupling.objects.create(
        local_table="erp.customer",
        local_id=other.system_id,
        dataverse_table="account",
        dataverse_id=remote["adatum"],
    )
    with run_tasks():
        choose_criteria(
            admin_client,
            "CUSTOMER",
            {"name": (True, 0), "city": (False, 0)},
            synch_after_bulk_coupling=False,
        )

    assert coupled_to(local["Coho Winery"]) is None, "COHO WINERY is not Coho Winery"
    assert coupled_to(local["Adatum"]) is None, "its only match is coupled already"
    assert SyncJob.objects.get(job_type="coupling").failed == 4


def test_selected_records_only_and_synchronize_after_coupling(
    lookalikes, admin_client, run_tasks, dataverse_client
):
    local, remote = lookalikes
    chosen = local["Lucerne Publishing"]
    response = admin_client.post(
        "/admin/erp/customer/", {"action": "match_based_coupling", "_selected_action": [chosen.pk]}
    )
    assert response.status_code == 302
    page = admin_client.get(response["Location"])
    assert "the 1 selected customer" in page.content.decode()

    with run_tasks():
        form = open_form(admin_client, response["Location"], "tandem-criteria-form")
        form.check("synch_after_bulk_coupling")
        form.set("update_conflict_resolution", "send")
        data = form.as_dict()
        data["ok"] = ["OK"]
        admin_client.post(response["Location"], data)

    assert coupled_to(chosen) == remote["lucerne"]
    assert Coupling.objects.count() == 1, "only the selected record"
    row = next(iter(dataverse_client.get_many("account", [remote["lucerne"]])))
    assert row["address1_city"] is None, "Send after coupling: the blank city went out"
    assert mapping("CUSTOMER").update_conflict_resolution == "send"


def test_reset_criteria_restores_the_standard_match_fields(standard_setup, admin_client):
    IntegrationFieldMapping.objects.filter(table_mapping__name="CUSTOMER").exclude(
        local_field=""
    ).update(use_for_match_based_coupling=True, case_sensitive_matching=True, match_priority=3)
    url = URL.format("CUSTOMER")

    response = admin_client.post(url, {"reset": "Reset Criteria"})

    assert response.status_code == 302
    matched = IntegrationFieldMapping.objects.filter(
        table_mapping__name="CUSTOMER", use_for_match_based_coupling=True
    )
    assert [(f.local_field, f.case_sensitive_matching, f.match_priority) for f in matched] == [
        ("name", False, 0)
    ]


def test_the_criteria_name_the_fields_by_their_captions(standard_setup, admin_client):
    page = admin_client.get(URL.format("CUSTOMER")).content.decode()
    assert 'Phone No. <span class="synclog-quiet">phone_no</span>' in page
    assert "<td>telephone1</td>" in page


def test_create_new_is_offered_only_where_records_can_be_created(standard_setup, admin_client):
    assert "Create New If Unable" in admin_client.get(URL.format("CURRENCY")).content.decode()
    page = admin_client.get(URL.format("SALESPEOPLE")).content.decode()
    assert "Create New If Unable" not in page and "Resolve Update Conflicts" not in page
    assert "Resolve Update Conflicts" in admin_client.get(URL.format("CUSTOMER")).content.decode()


def test_match_couple_command_couples_creates_the_rest_and_synchronizes(
    standard_setup, person, dataverse_client, capsys
):
    euro = Currency.objects.create(code="EUR", description="Euro", symbol="€", exchange_rate=1)
    Currency.objects.create(code="GBP", description="Pound", symbol="£", exchange_rate=1)
    row_id = create_row(
        person,
        "transactioncurrencies",
        "transactioncurrencyid",
        isocurrencycode="eur",
        currencyname="Old name",
        currencysymbol="E",
        exchangerate=2,
        currencyprecision=2,
    )

    call_command("match_couple", "--mapping", "CURRENCY", "--json", "--no-progress")

    jobs = json.loads(capsys.readouterr().out)
    assert [(j["type"], j["coupled"], j["inserted"], j["modified"]) for j in jobs] == [
        ("coupling", 1, 0, 0),
        ("synchronization", 0, 1, 0),  # Create New in Case of No Match: GBP
        ("synchronization", 0, 0, 1),  # Synch. After Match-Based Coupling: EUR sent
    ]
    assert coupled_to(euro) == row_id
    assert (
        next(iter(dataverse_client.get_many("transactioncurrency", [row_id])))["currencyname"]
        == "Euro"
    )


def test_salespeople_are_never_created_and_the_unmatched_fail_together(standard_setup, capsys):
    SalespersonPurchaser.objects.create(
        code="AH", name="Annette", email="annette.hill@cronus.example"
    )
    SalespersonPurchaser.objects.create(code="XX", name="Nobody", email="nobody@example.com")
    SalespersonPurchaser.objects.create(code="YY", name="No one", email="")

    call_command("match_couple", "--mapping", "SALESPEOPLE", "--create-new", "--no-progress")

    out = capsys.readouterr().out
    assert "2 failed, 1 coupled [Coupling]" in out
    assert Coupling.objects.filter(local_table="erp.salespersonpurchaser").count() == 1
    assert SalespersonPurchaser.objects.count() == 3
    assert SyncJobError.objects.get().message.startswith("Failed to couple 2 record(s)")
