"""Fixtures of the schedule tests: the standard setup, a few ERP records, fast wake-ups."""

from datetime import timedelta

import pytest
from django.utils import timezone

from erp.demo import DemoDataBuilder, DemoSizes
from integration.defaults import reset_to_defaults
from integration.models import ConnectionSetup, IntegrationTableMapping, SyncSchedule
from integration.services import schedule_wakeups, schedules


@pytest.fixture(autouse=True)
def fresh_wake_ups(settings):
    """No throttle and no waiting for leases unless a test asks; no memory between tests."""
    settings.TANDEM_WAKE_THROTTLE_SECONDS = 0
    settings.TANDEM_RUN_WAIT_SECONDS = 0
    schedule_wakeups.forget_wake_ups()
    yield
    schedule_wakeups.forget_wake_ups()


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
def offline_setup(db):
    """The standard mappings and schedules with the connection switched off."""
    setup = ConnectionSetup.get()
    setup.is_enabled = False
    setup.save()
    reset_to_defaults()
    return {m.name: m for m in IntegrationTableMapping.objects.all()}


@pytest.fixture
def demo(db):
    sizes = DemoSizes(customers=3, vendors=0, contacts_per_company=0, items=0, resources=0)
    return DemoDataBuilder(seed=5).load(sizes)


def schedule_of(name: str) -> SyncSchedule:
    return SyncSchedule.objects.select_related("table_mapping").get(table_mapping__name=name)


def q_schedule(name: str):
    return schedules.q_schedules().get(name=schedules.schedule_name(name))


def put_on_hold(name: str, *, last_run_minutes_ago: float = 1) -> SyncSchedule:
    """A schedule as a run that changed nothing left it."""
    now = timezone.now()
    SyncSchedule.objects.filter(table_mapping__name=name).update(
        status=SyncSchedule.Status.ON_HOLD_INACTIVITY,
        last_run_at=now - timedelta(minutes=last_run_minutes_ago),
        next_run_at=now + timedelta(hours=12),
    )
    schedules.q_schedules().filter(name=schedules.schedule_name(name)).update(
        next_run=now + timedelta(hours=12)
    )
    return schedule_of(name)


def close_to(moment, expected, seconds: float = 30) -> bool:
    return abs((moment - expected).total_seconds()) <= seconds
