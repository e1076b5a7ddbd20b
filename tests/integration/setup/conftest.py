"""Fixtures of the setup pages' tests: administrators, the standard mappings, page helpers."""

import pytest
from django.contrib.auth.models import Permission, User

from integration.defaults import reset_to_defaults
from integration.models import ConnectionSetup, IntegrationTableMapping


@pytest.fixture
def offline_connection(db):
    """A connection that is switched off: pages check everything but the Dataverse metadata."""
    setup = ConnectionSetup.get()
    setup.is_enabled = False
    setup.save()
    return setup


@pytest.fixture
def standard_mappings(db):
    reset_to_defaults()
    return {m.name: m for m in IntegrationTableMapping.objects.all()}


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser("boss", "boss@example.com", "pw")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def staff_with(*codenames) -> User:
    user = User.objects.create_user(f"staff{len(codenames)}", is_staff=True)
    for codename in codenames:
        app_label, _, code = codename.partition(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=code)
        )
    return user


def change_url(mapping) -> str:
    return f"/admin/integration/integrationtablemapping/{mapping.pk}/change/"
