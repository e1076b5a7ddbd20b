"""Hostile strings in names and filters: they travel intact both ways and never inject.

Quotes and OData operators that would break out of a filter literal, the characters a URL
gives meaning to (``&``, ``#``, ``%``, ``?``), HTML and script, text at the longest a field
takes, and scripts from all over Unicode.
"""

import pytest

from erp.models import Currency, Customer
from integration.models import Coupling, IntegrationTableMapping
from synclog.models import SyncJobError

from .conftest import create_accounts, customer_accounts

HOSTILE = [
    "O'Brien & Sons",
    "x' or name ne 'y",
    "') or (1 eq 1",
    "name eq 'a' and statecode eq 0",
    "50% off_now [sale] *",
    "#hash &amp; ?q=1&$top=1&$filter=",
    "<script>alert('x')</script><b>bold</b>",
    'back\\slash "quoted" /slash/ + plus',
    "Ünïcødé — 中文 — العربية — עברית — 🚲🚴‍♀️ — e\u0301",
    "%00 %27 %2F",
    "Z" * 100,
]


@pytest.fixture
def hostile_customers(customers):
    """Customers named with the hostile strings, ready to synchronize."""
    records = customers(len(HOSTILE) + 5, seed=51)[: len(HOSTILE)]
    for customer, name in zip(records, HOSTILE, strict=True):
        customer.name = name
        customer.save()
    return records


def test_hostile_names_round_trip_intact_in_both_directions(
    hostile_customers, sync, emulator, dataverse_client
):
    jobs = sync("CUSTOMER", full=True, create_new=True)
    assert jobs["to"].failed == 0, list(SyncJobError.objects.values_list("message", flat=True))
    accounts = customer_accounts(dataverse_client)
    names = {
        accounts[c.dataverse_id]["name"]
        for c in Coupling.objects.filter(local_table="erp.customer")
    }
    assert set(HOSTILE) <= names, "each name arrived exactly as written"

    # People in Dataverse rename every account to another hostile name, and add one.
    renamed = {
        c.system_id: HOSTILE[(i + 3) % len(HOSTILE)][:95] + " ✓"
        for i, c in enumerate(hostile_customers)
    }
    with emulator.user_session() as person:
        for customer in hostile_customers:
            row_id = Coupling.objects.get(local_id=customer.system_id).dataverse_id
            response = person.patch(
                f"accounts({row_id})", json={"name": renamed[customer.system_id]}
            )
            assert response.status_code == 204, response.text
        (new_id,) = create_accounts(person, ["New <img src=x onerror=alert(1)> & 'Co'"])

    jobs = sync("CUSTOMER", full=True, create_new=True)

    assert jobs["from"].failed == 0
    for customer in hostile_customers:
        customer.refresh_from_db()
        assert customer.name == renamed[customer.system_id]
    new = Customer.objects.get(system_id=Coupling.objects.get(dataverse_id=new_id).local_id)
    assert new.name == "New <img src=x onerror=alert(1)> & 'Co'"


def test_a_dataverse_name_with_a_nul_character_is_refused_with_a_message(customers, sync, emulator):
    customers(0)
    with emulator.user_session() as person:
        (row_id,) = create_accounts(person, ["Nul \x00 Inside"])

    jobs = sync("CUSTOMER", full=True, create_new=True)

    assert jobs["from"].failed == 1
    error = SyncJobError.objects.get(job=jobs["from"])
    assert "NUL character" in error.error_message and "name" in error.error_message
    assert "Nul \\x00 Inside" in error.dataverse_description, "the log keeps it, visibly"
    coupling = Coupling.objects.get(dataverse_id=row_id)
    assert coupling.status == Coupling.Status.PENDING_LOCAL_CREATE, "kept, to be tried again"


@pytest.mark.parametrize("value", ["O'Brien & Sons", "') or (1 eq 1", "50% off_now [sale] *"])
def test_a_hostile_value_in_the_integration_table_filter_selects_only_what_it_says(
    customers, sync, emulator, value
):
    # Only accounts not named ``value`` are to be synchronized: the filter holds the value as
    # an escaped literal (as the mapping page stores it), and nothing leaks past it.
    from integration.dataverse import odata

    customers(0)
    text = odata.and_("customertypecode eq 3 and statecode eq 0", odata.ne("name", value))
    IntegrationTableMapping.objects.filter(name="CUSTOMER").update(integration_table_filter=text)
    with emulator.user_session() as person:
        create_accounts(person, [value, value + " and more", "Plain Name"])

    jobs = sync("CUSTOMER", full=True, create_new=True)

    assert jobs["from"].failed == 0
    assert sorted(Customer.objects.values_list("name", flat=True)) == sorted(
        [value + " and more", "Plain Name"]
    )


@pytest.mark.parametrize("value", ["%", "_", "' OR 1=1 --", "O'Brien-Zyx"])
def test_a_hostile_value_in_the_local_table_filter_matches_literally(customers, sync, value):
    records = customers(4, seed=52)
    records[0].name = f"Has {value} inside"
    records[0].save()
    IntegrationTableMapping.objects.filter(name="CUSTOMER").update(
        table_filter={"blocked": [""], "name": value}
    )

    jobs = sync("CUSTOMER", full=True, create_new=True)

    assert jobs["to"].inserted == 1, "only the customer whose name holds the text itself"
    coupled = Coupling.objects.get(local_table="erp.customer")
    assert coupled.local_id == records[0].system_id


def test_hostile_text_on_the_log_pages_is_shown_as_text(hostile_customers, sync, admin_client):
    script = "<script>alert('x')</script><b>bold</b>"
    # A currency nobody coupled makes this customer fail, so its name shows on the log.
    stray = Currency.objects.create(code="XXX", description="Stray", exchange_rate=1)
    Customer.objects.filter(name=script).update(currency=stray)
    jobs = sync("CUSTOMER", full=True, create_new=True)
    error = SyncJobError.objects.get(job=jobs["to"])
    assert script in error.local_description

    for url in (f"/admin/synclog/jobs/{jobs['to'].pk}/", "/admin/synclog/errors/"):
        page = admin_client.get(url).content.decode()
        assert "<script>alert" not in page and "<b>bold</b>" not in page
        assert "&lt;script&gt;alert(" in page


def test_match_based_coupling_finds_each_hostile_name_and_nothing_else(customers, emulator):
    # Match-based coupling puts every record's name into the $filter it sends.
    import uuid

    from integration.services.matching import match_based_coupling_run

    names = [name for name in HOSTILE if len(name) <= 90]
    records = customers(len(names) + 3, seed=53)[: len(names)]
    for record, name in zip(records, names, strict=True):
        record.name = name
        record.save()
    with emulator.user_session() as person:
        wanted = dict(zip(names, create_accounts(person, names), strict=True))
        # Rows a name that broke out of its literal would match as well.
        create_accounts(person, [f"{name} (decoy)" for name in names] + ["y", "1"])
    IntegrationTableMapping.objects.filter(name="CUSTOMER").update(
        synch_after_bulk_coupling=False, create_new_in_case_of_no_match=False
    )

    (job,) = match_based_coupling_run(
        mapping=IntegrationTableMapping.objects.get(name="CUSTOMER"),
        run_id=uuid.uuid4(),
        local_ids=[r.system_id for r in records],
        create_new=False,
    )

    assert (job.coupled, job.failed) == (len(names), 0), job.message
    for record in records:
        coupling = Coupling.objects.get(local_id=record.system_id)
        assert coupling.dataverse_id == wanted[record.name], record.name
