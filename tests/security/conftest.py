"""Fixtures of the security tests: people with chosen permissions, sample objects, a clean
sign-in throttle."""

import uuid

import pytest
from django.contrib.auth.models import Permission, User
from django.core.cache import caches
from django.utils import timezone

from integration.defaults import reset_to_defaults
from integration.models import ConnectionSetup, SyncSchedule
from synclog.models import SyncJob, SyncJobError

from .pages import SAMPLE_UUID

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def quick_password_hashing(settings):
    """Signing in hashes the password (half a second with the real hasher, even for a user
    name that does not exist); the throttle tests sign in dozens of times."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_throttle():
    """Every test starts with no failed sign-ins counted."""
    caches["login_throttle"].clear()
    yield
    caches["login_throttle"].clear()


@pytest.fixture
def make_staff(db):
    """``make_staff(*perms)``: a staff member (not a superuser) holding exactly ``perms``
    ("app_label.codename"); ``make_staff(all_but=[…])`` holds every permission but those."""

    def make(*codenames, all_but=None):
        # No password: force_login needs none, and hashing one costs half a second.
        user = User.objects.create_user(f"staff-{uuid.uuid4().hex[:8]}")
        user.is_staff = True
        user.save()
        if all_but is not None:
            excluded = {tuple(c.split(".")) for c in all_but}
            permissions = [
                p
                for p in Permission.objects.select_related("content_type")
                if (p.content_type.app_label, p.codename) not in excluded
            ]
        else:
            permissions = [permission(c) for c in codenames]
        user.user_permissions.set(permissions)
        return User.objects.get(pk=user.pk)  # a fresh object: no cached permissions

    return make


def permission(codename: str) -> Permission:
    app_label, _, code = codename.partition(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=code)


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("boss", "boss@example.com", PASSWORD)


@pytest.fixture
def samples(db):
    """Objects behind the sample URLs, so that pages answer as they would for real data."""
    reset_to_defaults()
    setup = ConnectionSetup.get()
    setup.is_enabled = False  # pages must not talk to a Dataverse that is not there
    setup.save()
    now = timezone.now()
    job = SyncJob.objects.create(
        id=SAMPLE_UUID,
        run_id=SAMPLE_UUID,
        table_mapping_name="CUSTOMER",
        direction="to_integration_table",
        local_table="erp.customer",
        local_table_caption="Customer",
        dataverse_table="account",
        dataverse_table_caption="Account",
        status=SyncJob.Status.FINISHED,
        started_at=now,
        finished_at=now,
    )
    # Routes name both an error and a schedule "pk": one number that is both keeps the
    # sample URLs pointing at real objects.
    schedule = SyncSchedule.objects.order_by("pk").first()
    SyncJobError.objects.create(pk=schedule.pk, job=job, message="Sample", error_message="Sample")
    return {
        "pk": str(schedule.pk),
        "object_id": str(setup.pk),
        "name": "CUSTOMER",
        "table": "account",
    }
