"""Fixtures of the reliability tests: the standard setup on the emulator, many customers.

The connection, the standard mappings and the ``sync`` helper are the engine tests' own
fixtures, reused here; what is added is data at a scale where faults have room to happen.
"""

import uuid

import pytest

from erp.demo import DemoDataBuilder, DemoSizes
from erp.models import Customer, SalespersonPurchaser
from integration.models import Coupling, IntegrationTableMapping
from tests.integration.engine import conftest as engine

# The engine tests' fixtures, reused as they are: the connection to the emulator, the
# standard mappings, and ``sync("CUSTOMER", …)``.
connection = engine.connection
standard_setup = engine.standard_setup
sync = engine.sync

SITE_CUSTOMERS = 200
ONLY_CUSTOMERS = {"vendors": 0, "contacts_per_company": 0, "items": 0, "resources": 0}


def couple_salespeople(client) -> None:
    """Couple the demo salespeople to the emulator's users with the same email address."""
    users = {
        u["internalemailaddress"]: u["systemuserid"]
        for u in client.query("systemuser", select=["systemuserid", "internalemailaddress"])
    }
    Coupling.objects.bulk_create(
        Coupling(
            local_table="erp.salespersonpurchaser",
            local_id=person.system_id,
            dataverse_table="systemuser",
            dataverse_id=users[person.email],
        )
        for person in SalespersonPurchaser.objects.all()
    )


@pytest.fixture
def customers(standard_setup, dataverse_client, sync):
    """Load ``n`` demo customers, couple the salespeople and the currencies: ready for CUSTOMER."""

    def load(n: int, seed: int = 5) -> list[Customer]:
        DemoDataBuilder(seed=seed).load(DemoSizes(customers=n, **ONLY_CUSTOMERS))
        couple_salespeople(dataverse_client)
        sync("CURRENCY", full=True, create_new=True)
        return list(Customer.objects.filter(blocked="").order_by("pk"))

    return load


def create_accounts(session, names: list[str]) -> list[uuid.UUID]:
    """Create customer accounts in Dataverse as ``session``'s user, 500 per request."""
    ids = [uuid.uuid4() for _ in names]
    rows = [
        {
            "@odata.type": "Microsoft.Dynamics.CRM.account",
            "accountid": str(row_id),
            "name": name,
            "customertypecode": 3,
        }
        for row_id, name in zip(ids, names, strict=True)
    ]
    for start in range(0, len(rows), 500):
        response = session.post(
            "accounts/Microsoft.Dynamics.CRM.CreateMultiple",
            json={"Targets": rows[start : start + 500]},
        )
        assert response.status_code == 200, response.text
    return ids


def customer_accounts(client) -> dict[uuid.UUID, dict]:
    """Every customer account in Dataverse (customertypecode 3), by id."""
    rows = client.query(
        "account", select=["accountid", "name"], filter="customertypecode eq 3 and statecode eq 0"
    )
    return {row["accountid"]: row for row in rows}


def customer_couplings() -> list[Coupling]:
    return list(Coupling.objects.filter(local_table="erp.customer", dataverse_table="account"))


def assert_one_to_one(client) -> dict[uuid.UUID, Customer]:
    """Every open customer ↔ exactly one account and back, with the same name.

    Returns the customers by the id of their account.
    """
    couplings = customer_couplings()
    open_ids = set(Customer.objects.filter(blocked="").values_list("system_id", flat=True))
    assert {c.status for c in couplings} == {Coupling.Status.COUPLED}
    assert len({c.local_id for c in couplings}) == len(couplings), "one coupling per customer"
    assert len({c.dataverse_id for c in couplings}) == len(couplings), "one coupling per account"
    assert {c.local_id for c in couplings} == open_ids, "every open customer coupled, no other"
    accounts = customer_accounts(client)
    assert set(accounts) == {c.dataverse_id for c in couplings}, "no stray or missing account"
    by_local = Customer.objects.in_bulk([c.local_id for c in couplings], field_name="system_id")
    by_account = {c.dataverse_id: by_local[c.local_id] for c in couplings}
    wrong = [i for i, customer in by_account.items() if accounts[i]["name"] != customer.name]
    assert not wrong, f"{len(wrong)} couplings join records of different names"
    return by_account


def mapping(name: str) -> IntegrationTableMapping:
    return IntegrationTableMapping.objects.get(name=name)


@pytest.fixture(scope="session")
def sites(tmp_path_factory, emulator_server):
    """ERP installations run by ``manage.py`` subprocesses: ``sites.new(tmp_path, url)``."""
    from .sites import SiteFactory

    factory = SiteFactory(tmp_path_factory, emulator_server.url, SITE_CUSTOMERS)
    yield factory
    factory.close()
