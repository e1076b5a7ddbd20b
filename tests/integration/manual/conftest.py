"""Fixtures of the manual synchronization tests: the emulator connection, demo data, an
administrator, and django-q2 tasks run in-line.

Tasks: ``django_q.conf.Conf.SYNC`` is switched on, so ``async_task`` runs a task in the
calling process; Tandem enqueues after commit, so a test wraps the request in ``run_tasks()``
(pytest-django's on-commit capture with execute=True, which also runs the tasks that tasks
enqueue, such as the next lines of Sync All). A task that raised fails the test.
"""

import contextlib
import uuid

import pytest
from django.contrib.auth.models import Permission, User
from django_q.conf import Conf

from erp.demo import DemoDataBuilder, DemoSizes
from integration.defaults import reset_to_defaults
from integration.models import ConnectionSetup, Coupling, IntegrationTableMapping


@pytest.fixture
def connection(db, emulator, settings):
    settings.TANDEM_CLIENT_OPTIONS = {"backoff_base": 0.01, "backoff_max": 0.05}
    settings.TANDEM_RUN_WAIT_SECONDS = 0
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
    sizes = DemoSizes(customers=5, vendors=2, contacts_per_company=1, items=3, resources=2)
    return DemoDataBuilder(seed=7).load(sizes)


@pytest.fixture
def run_tasks(monkeypatch, django_capture_on_commit_callbacks):
    """``with run_tasks(): client.post(...)`` runs what the request enqueued, in-line."""
    from django_q.models import Failure

    monkeypatch.setattr(Conf, "SYNC", True)

    @contextlib.contextmanager
    def running():
        with django_capture_on_commit_callbacks(execute=True):
            yield

    yield running
    failures = [f"{f.func}: {f.result}" for f in Failure.objects.all()]
    assert not failures, failures


@pytest.fixture
def person(emulator):
    """A licensed sales user working in Dataverse through the Web API."""
    with emulator.user_session() as session:
        yield session


def mapping(name) -> IntegrationTableMapping:
    return IntegrationTableMapping.objects.get(name=name)


def create_row(session, entity_set: str, id_column: str, **values) -> uuid.UUID:
    row_id = uuid.uuid4()
    response = session.post(entity_set, json={id_column: str(row_id), **values})
    assert response.status_code == 204, response.text
    return row_id


def couplings(name) -> list[Coupling]:
    m = mapping(name)
    return list(
        Coupling.objects.filter(local_table=m.local_table, dataverse_table=m.dataverse_table)
    )


def staff_with(*codenames, username="clerk") -> User:
    user = User.objects.create_user(username, is_staff=True)
    for codename in codenames:
        app_label, _, code = codename.partition(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=code)
        )
    return user


@pytest.fixture
def salespeople_coupled(standard_setup, demo, dataverse_client):
    """The demo salespeople coupled to the emulator's users with the same email address."""
    from erp.models import SalespersonPurchaser

    users = {
        u["internalemailaddress"]: u["systemuserid"]
        for u in dataverse_client.query(
            "systemuser", select=["systemuserid", "internalemailaddress"]
        )
    }
    for person_ in SalespersonPurchaser.objects.all():
        Coupling.objects.create(
            local_table="erp.salespersonpurchaser",
            local_id=person_.system_id,
            dataverse_table="systemuser",
            dataverse_id=users[person_.email],
        )


def local_ids_in_filter(m) -> set:
    from integration.filters import apply_table_filter, local_model

    model = local_model(m.local_table)
    records = apply_table_filter(m, model._default_manager.all())
    return set(records.values_list("system_id", flat=True))


def dataverse_ids_in_filter(m, client) -> set:
    from integration.services.review_analysis import analysis_filter

    entity = client.entity(m.dataverse_table)
    rows = client.query(m.dataverse_table, select=[entity.primary_id], filter=analysis_filter(m))
    return {uuid.UUID(str(r[entity.primary_id])) for r in rows}


def assert_coupled_once(name, client) -> int:
    """Every record of the mapping's table filter and every row of its Dataverse filter is in
    exactly one coupling with each other: nothing left out, nothing duplicated."""
    m = mapping(name)
    pairs = [(c.local_id, c.dataverse_id, c.status) for c in couplings(name)]
    assert {p[2] for p in pairs} <= {"coupled"}, f"{name}: every coupling complete"
    assert {p[0] for p in pairs} == local_ids_in_filter(m), f"{name}: every record coupled"
    assert {p[1] for p in pairs} == dataverse_ids_in_filter(m, client), f"{name}: no stray rows"
    assert len({p[0] for p in pairs}) == len({p[1] for p in pairs}) == len(pairs)
    return len(pairs)
