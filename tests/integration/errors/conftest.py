"""Fixtures of the coupling error tests: real failed and skipped couplings made by the engine
against the emulator, staff users with chosen permissions, and django-q2 tasks run in-process.

django-q2 runs tasks in the calling process when ``Conf.SYNC`` is set (``q_sync``); a request
enqueues after commit, so tests run the request inside ``django_capture_on_commit_callbacks
(execute=True)`` to let the task run as a worker would.
"""

import re
import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from erp.models import Currency
from integration.models import Coupling
from tests.integration.engine import conftest as engine

# The engine tests' fixtures: the standard setup connected to the emulator, and ``sync``.
connection = engine.connection
standard_setup = engine.standard_setup
sync = engine.sync
demo = engine.demo
salespeople_coupled = engine.salespeople_coupled

PAGE = reverse("integration:coupling_errors")
ACTION = reverse("integration:coupling_errors_action")

# What an administrator who looks after synchronization holds.
ADMINISTRATOR = (
    "integration.view_coupling",
    "integration.couple_records",
    "integration.synchronize_mapping",
    "synclog.view_syncjob",
    "synclog.view_syncjoberror",
    "erp.view_currency",
    "erp.delete_currency",
    "erp.view_salespersonpurchaser",
    "erp.delete_salespersonpurchaser",
)


@pytest.fixture
def q_sync(monkeypatch):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture
def client_with(db, client):
    """Return a client logged in as a staff user holding exactly ``permissions``."""

    def login(*permissions: str):
        user = User.objects.create_user(f"staff-{uuid.uuid4().hex[:8]}", is_staff=True)
        wanted = [p.split(".") for p in permissions]
        chosen = [
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in wanted
        ]
        user.user_permissions.set(chosen)
        client.force_login(user)
        return client

    return login


@pytest.fixture
def staff(client_with):
    return client_with(*ADMINISTRATOR)


@pytest.fixture
def currencies(standard_setup, sync):
    """EUR and GBP in step with Dataverse; LONGCODE failed twice (its ISO code is too long for
    Dataverse's 5 characters), so its coupling is Skipped, and its row was never created."""
    for code, rate in (("EUR", "1.1"), ("GBP", "1.3"), ("LONGCODE", "2")):
        Currency.objects.create(
            code=code, description=f"{code} currency", symbol=code[0], exchange_rate=Decimal(rate)
        )
    first = sync("CURRENCY", full=True, create_new=True)
    assert first["to"].failed == 1
    assert sync("CURRENCY")["to"].failed == 1
    return {c.code: c for c in Currency.objects.all()}


def coupling_of(record) -> Coupling:
    return Coupling.objects.get(local_id=record.system_id)


def row_ids(response) -> set[int]:
    """The couplings a page lists (``<tr id="coupling-…">``)."""
    return {int(pk) for pk in re.findall(r'<tr id="coupling-(\d+)"', response.content.decode())}


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def post_action(client, action: str, couplings, **extra):
    """Tick ``couplings`` on the page and run ``action``; follow to the page shown next."""
    data = {
        "action": action,
        "_selected_action": [c.pk for c in couplings],
        "next": PAGE,
        **extra,
    }
    return client.post(ACTION, data, follow=True)


@pytest.fixture
def broken(currencies, sync, emulator):
    """Four couplings in error, each kind once, all made by real runs against the emulator:

    - LONGCODE: Skipped, its row never created (the same error twice);
    - ABCDEFG: failed once (not skipped), its row never created;
    - EUR: its Dataverse row was deleted (a deletion conflict, failed);
    - GBP: its local record was deleted (a deletion conflict, failed).
    """
    Currency.objects.create(
        code="ABCDEFG", description="Seven", symbol="A", exchange_rate=Decimal("3")
    )
    eur, gbp = currencies["EUR"], currencies["GBP"]
    with emulator.app_session() as api:
        deleted = api.delete(f"transactioncurrencies({coupling_of(eur).dataverse_id})")
        assert deleted.status_code == 204
    gbp.delete()
    jobs = sync("CURRENCY", create_new=True)
    assert jobs["to"].failed == 3, jobs["to"].message
    return {
        "LONGCODE": coupling_of(currencies["LONGCODE"]),
        "ABCDEFG": coupling_of(Currency.objects.get(code="ABCDEFG")),
        "EUR": coupling_of(eur),
        "GBP": Coupling.objects.get(local_id=gbp.system_id),
    }


@pytest.fixture
def salespeople_broken(standard_setup, sync):
    """A salesperson created from a Dataverse user, then deleted locally: SALESPEOPLE only
    reads Dataverse, so its next run fails the coupling (a deletion conflict)."""
    from erp.models import SalespersonPurchaser

    assert sync("SALESPEOPLE", full=True, create_new=True)["from"].inserted == 5
    person = SalespersonPurchaser.objects.order_by("name").first()
    coupling = coupling_of(person)
    person.delete()
    assert sync("SALESPEOPLE")["from"].failed
    coupling.refresh_from_db()
    assert coupling.last_synch_result == "failure"
    return coupling, person.name


@pytest.fixture
def customer_conflict(salespeople_coupled, sync, emulator):
    """A customer's city changed in the ERP and in Dataverse: CUSTOMER resolves no update
    conflicts, so its next run fails the coupling with a conflict."""
    from erp.models import Customer

    sync("CURRENCY", full=True, create_new=True)
    assert not sync("CUSTOMER", full=True, create_new=True)["to"].failed
    customer = Customer.objects.filter(blocked="").order_by("pk").first()
    coupling = Coupling.objects.get(local_id=customer.system_id, dataverse_table="account")
    customer.city = "Local City"
    customer.save()
    with emulator.user_session() as api:
        changed = api.patch(f"accounts({coupling.dataverse_id})", json={"address1_city": "Far"})
        assert changed.status_code == 204
    assert sync("CUSTOMER")["to"].failed == 1
    coupling.refresh_from_db()
    return customer, coupling
