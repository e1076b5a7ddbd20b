"""Fixtures for engine tests: the standard setup connected to the emulator, small demo data."""

import pytest

from erp.demo import DemoDataBuilder, DemoSizes
from integration.defaults import reset_to_defaults
from integration.models import ConnectionSetup, IntegrationTableMapping


@pytest.fixture
def connection(db, emulator, settings):
    settings.TANDEM_CLIENT_OPTIONS = {"backoff_base": 0.01, "backoff_max": 0.05}
    setup = ConnectionSetup.get()
    kwargs = emulator.connection_kwargs()
    secret = kwargs.pop("client_secret")
    for name, value in kwargs.items():
        setattr(setup, name, value)
    setup.client_secret = secret
    setup.save()
    return setup


@pytest.fixture
def standard_setup(connection):
    reset_to_defaults()
    return {m.name: m for m in IntegrationTableMapping.objects.all()}


@pytest.fixture
def demo(db):
    sizes = DemoSizes(customers=6, vendors=3, contacts_per_company=1, items=4, resources=2)
    return DemoDataBuilder(seed=3).load(sizes)


def mapping(name) -> IntegrationTableMapping:
    return IntegrationTableMapping.objects.get(name=name)


@pytest.fixture
def salespeople_coupled(standard_setup, demo, dataverse_client):
    """The demo salespeople coupled to the emulator's users with the same email address."""
    from erp.models import SalespersonPurchaser
    from integration.models import Coupling

    users = {
        u["internalemailaddress"]: u["systemuserid"]
        for u in dataverse_client.query(
            "systemuser", select=["systemuserid", "internalemailaddress"]
        )
    }
    for person in SalespersonPurchaser.objects.all():
        Coupling.objects.create(
            local_table="erp.salespersonpurchaser",
            local_id=person.system_id,
            dataverse_table="systemuser",
            dataverse_id=users[person.email],
        )


@pytest.fixture
def sync():
    """Run one mapping now: ``sync("CUSTOMER", full=True)`` returns its jobs by direction."""
    from integration.engine import RunOptions
    from integration.services.synchronization import synchronize_mapping

    def run(name, **options):
        jobs = synchronize_mapping(mapping(name), options=RunOptions(**options))
        return {job.direction.split("_")[0]: job for job in jobs}

    return run


def counts(job) -> dict:
    names = ["inserted", "modified", "deleted", "unchanged", "skipped", "failed", "uncoupled"]
    return {n: getattr(job, n) for n in names if getattr(job, n)}
