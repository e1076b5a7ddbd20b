"""``couple``, ``uncouple`` (PRODUCT.md §8), ``create_in_dataverse`` and ``create_in_erp``, against
the emulator."""

import json

import pytest
from django.core.management import CommandError, call_command

from erp.models import Customer
from integration.models import Coupling
from synclog.models import SyncJob

from .conftest import create_row


@pytest.fixture
def customer(standard_setup):
    return Customer.objects.create(name="Adatum Corporation", city="Oslo")


def test_couple_then_send_and_print_the_jobs(customer, person, dataverse_client, capsys):
    row_id = create_row(person, "accounts", "accountid", name="Adatum", customertypecode=3)

    call_command(
        "couple",
        "erp.customer",
        str(customer.pk),
        str(row_id),
        "--sync",
        "to",
        "--json",
        "--no-progress",
    )

    jobs = json.loads(capsys.readouterr().out)
    assert [(j["mapping"], j["direction"], j["modified"]) for j in jobs] == [
        ("CUSTOMER", "to_integration_table", 1)
    ]
    assert Coupling.objects.get(local_id=customer.system_id).dataverse_id == row_id
    row = next(iter(dataverse_client.get_many("account", [row_id], select=["name"])))
    assert row["name"] == "Adatum Corporation"


def test_couple_says_why_it_cannot_couple(customer, person, capsys):
    row_id = create_row(person, "accounts", "accountid", name="Adatum", customertypecode=3)
    other = Customer.objects.create(name="Other")
    call_command("couple", "erp.customer", str(other.pk), str(row_id))
    assert "is coupled to Dataverse account" in capsys.readouterr().out

    with pytest.raises(CommandError, match="because that row is already coupled to Customer"):
        call_command("couple", "erp.customer", str(customer.pk), str(row_id))
    second = create_row(person, "accounts", "accountid", name="Second", customertypecode=3)
    with pytest.raises(CommandError, match="already coupled to another Dataverse account row"):
        call_command("couple", "erp.customer", str(other.pk), str(second))
    with pytest.raises(CommandError, match="There is no Dataverse account row"):
        call_command("couple", "erp.customer", str(customer.pk), str(customer.system_id))


def test_uncouple_one_record_or_a_whole_mapping(customer, person, capsys):
    others = [Customer.objects.create(name=f"Customer {n}") for n in range(2)]
    for record in [customer, *others]:
        row_id = create_row(person, "accounts", "accountid", name=record.name, customertypecode=3)
        Coupling.objects.create(
            local_table="erp.customer",
            local_id=record.system_id,
            dataverse_table="account",
            dataverse_id=row_id,
        )

    call_command("uncouple", "erp.customer", str(customer.pk))

    assert "Adatum Corporation: 1 coupling(s) deleted." in capsys.readouterr().out
    assert Coupling.objects.count() == 2

    call_command("uncouple", "--mapping", "CUSTOMER", "--all", "--json")

    [job] = json.loads(capsys.readouterr().out)
    assert (job["type"], job["uncoupled"], job["status"]) == ("uncoupling", 2, "finished")
    assert not Coupling.objects.exists()
    assert SyncJob.objects.filter(job_type="uncoupling").count() == 2
    with pytest.raises(CommandError, match="--mapping NAME --all"):
        call_command("uncouple")


def test_sync_one_record_one_mapping_and_unconditionally(customer, person, capsys):
    from erp.models import Currency

    Currency.objects.create(code="EUR", description="Euro", symbol="€", exchange_rate=1)
    call_command("sync", "--mapping", "CURRENCY", "--full", "--no-progress")
    call_command("sync", "--mapping", "CUSTOMER", "--full", "--no-progress")
    capsys.readouterr()
    customer.city = "Bergen"
    customer.save()

    call_command(
        "sync",
        "--record",
        "erp.customer",
        str(customer.pk),
        "--direction",
        "to",
        "--json",
        "--no-progress",
    )
    assert [j["modified"] for j in json.loads(capsys.readouterr().out)] == [1]

    call_command("sync", "--mapping", "CURRENCY", "--unconditional", "--json", "--no-progress")
    [job] = json.loads(capsys.readouterr().out)
    assert (job["direction"], job["modified"]) == ("to_integration_table", 1)
    with pytest.raises(CommandError, match="synchronizes in both directions"):
        call_command("sync", "--mapping", "CUSTOMER", "--unconditional")


def test_sync_alone_synchronizes_modified_records_of_every_mapping_in_job_order(
    standard_setup, capsys
):
    from erp.models import Currency
    from integration.models import IntegrationTableMapping
    from integration.ordering import STANDARD_ORDER

    Currency.objects.create(code="EUR", description="Euro", symbol="€", exchange_rate=1)
    IntegrationTableMapping.objects.filter(name="CURRENCY").update(synch_only_coupled_records=False)

    call_command("sync", "--json", "--no-progress")

    jobs = json.loads(capsys.readouterr().out)
    assert list(dict.fromkeys(j["mapping"] for j in jobs)) == STANDARD_ORDER
    assert all(j["status"] == "finished" and j["failed"] == 0 for j in jobs), jobs
    assert [j["inserted"] for j in jobs if j["mapping"] == "CURRENCY"] == [1]


def test_sync_one_mapping_modified_records_then_its_full_synchronization(standard_setup, capsys):
    from erp.models import Currency
    from integration.models import IntegrationTableMapping

    for code in ("EUR", "GBP"):
        Currency.objects.create(code=code, description=code, symbol="¤", exchange_rate=1)

    call_command("sync", "--mapping", "CURRENCY", "--json", "--no-progress")
    [modified] = json.loads(capsys.readouterr().out)
    call_command("sync", "--mapping", "CURRENCY", "--full", "--json", "--no-progress")
    [full] = json.loads(capsys.readouterr().out)

    assert (modified["skipped"], modified["inserted"]) == (2, 0), "only coupled records"
    assert (full["inserted"], full["failed"]) == (2, 0), "full: counterparts created"
    assert IntegrationTableMapping.objects.get(name="CURRENCY").synch_only_coupled_records
    assert Coupling.objects.filter(local_table="erp.currency").count() == 2


def test_sync_one_record_gets_or_merges(customer, person, capsys):
    call_command("sync", "--mapping", "CUSTOMER", "--full", "--no-progress")
    row_id = Coupling.objects.get(local_id=customer.system_id).dataverse_id
    person.patch(f"accounts({row_id})", json={"telephone1": "+47 333"})
    capsys.readouterr()

    record = ["--record", "erp.customer", str(customer.pk)]
    call_command("sync", *record, "--direction", "from", "--json", "--no-progress")

    [got] = json.loads(capsys.readouterr().out)
    assert (got["direction"], got["modified"]) == ("from_integration_table", 1)
    customer.refresh_from_db()
    assert customer.phone_no == "+47 333"

    customer.city = "Molde"
    customer.save()
    person.patch(f"accounts({row_id})", json={"fax": "+47 444"})
    call_command("sync", *record, "--json", "--no-progress")

    merged = json.loads(capsys.readouterr().out)
    assert [(j["direction"], j["modified"]) for j in merged] == [
        ("to_integration_table", 1),
        ("from_integration_table", 1),
    ]
    customer.refresh_from_db()
    assert (customer.city, customer.fax_no) == ("Molde", "+47 444")


def test_couple_then_get_takes_the_rows_values(customer, person, capsys):
    row_id = create_row(
        person, "accounts", "accountid", name="Adatum (Dataverse)", customertypecode=3
    )

    call_command(
        "couple", "erp.customer", str(customer.pk), str(row_id), "--sync", "from", "--json"
    )

    [job] = json.loads(capsys.readouterr().out)
    assert (job["direction"], job["modified"]) == ("from_integration_table", 1)
    customer.refresh_from_db()
    assert customer.name == "Adatum (Dataverse)"
    assert customer.city == "", "Get: the row's blank city wins too"


def test_create_in_dataverse_creates_and_couples_once(customer, dataverse_client, capsys):
    other = Customer.objects.create(name="Fabrikam", city="Lyon")
    call_command("create_in_dataverse", "erp.customer", str(customer.pk), "--json", "--no-progress")
    [job] = json.loads(capsys.readouterr().out)
    assert (job["mapping"], job["direction"], job["inserted"]) == (
        "CUSTOMER",
        "to_integration_table",
        1,
    )
    created = Coupling.objects.get(local_id=customer.system_id).dataverse_id
    row = next(iter(dataverse_client.get_many("account", [created], select=["name"])))
    assert row["name"] == "Adatum Corporation"

    # Again with one more record: only the new one is created, the other is left alone.
    call_command(
        "create_in_dataverse", "erp.customer", str(customer.pk), str(other.pk), "--no-progress"
    )
    output = capsys.readouterr()
    assert "Left alone: 1 already coupled, 0 outside the CUSTOMER table filter." in output.err
    assert "1 inserted" in output.out
    assert Coupling.objects.get(local_id=customer.system_id).dataverse_id == created
    assert Coupling.objects.filter(local_id=other.system_id).exists()
    with pytest.raises(CommandError, match="None of the given records can be created"):
        call_command("create_in_dataverse", "erp.customer", str(other.pk), "--no-progress")
    with pytest.raises(CommandError, match="do not exist"):
        call_command("create_in_dataverse", "erp.customer", "999999", "--no-progress")


def test_create_in_erp_creates_and_couples_the_rows_given(standard_setup, person, capsys):
    ids = [
        create_row(person, "accounts", "accountid", name=name, customertypecode=3)
        for name in ("Litware", "Northwind")
    ]
    call_command("create_in_erp", "--mapping", "CUSTOMER", *map(str, ids), "--json")
    [job] = json.loads(capsys.readouterr().out)
    assert (job["direction"], job["inserted"], job["status"]) == (
        "from_integration_table",
        2,
        "finished",
    )
    created = {c.dataverse_id: c.local_id for c in Coupling.objects.filter(dataverse_id__in=ids)}
    assert set(created) == set(ids)
    names = Customer.objects.filter(system_id__in=created.values()).values_list("name", flat=True)
    assert sorted(names) == ["Litware", "Northwind"]

    call_command("create_in_erp", "--mapping", "CUSTOMER", str(ids[0]))
    assert "every row given is already coupled" in capsys.readouterr().err
    assert Customer.objects.filter(name="Litware").count() == 1, "not created twice"


def test_create_in_erp_says_what_is_wrong(standard_setup):
    row = "5a4c0b1e-0000-4000-8000-000000000001"
    with pytest.raises(CommandError, match="no integration table mapping NOPE"):
        call_command("create_in_erp", "--mapping", "NOPE", row)
    with pytest.raises(CommandError, match="CURRENCY only synchronizes to Dataverse"):
        call_command("create_in_erp", "--mapping", "CURRENCY", row)
    with pytest.raises(CommandError, match="by their ids"):
        call_command("create_in_erp", "--mapping", "CUSTOMER", "Litware")
