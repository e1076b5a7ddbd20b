"""Fixtures of the synchronization log tests: jobs, errors, users with chosen permissions."""

import re
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.utils import timezone

from synclog import hooks
from synclog.models import SyncDirection, SyncJob, SyncJobError

CUSTOMER_TO_ACCOUNT = {
    "table_mapping_name": "CUSTOMER",
    "direction": SyncDirection.TO_INTEGRATION_TABLE,
    "local_table": "erp.customer",
    "local_table_caption": "Customer",
    "dataverse_table": "account",
    "dataverse_table_caption": "Account",
}


def build_job(**fields) -> SyncJob:
    """Return an unsaved finished CUSTOMER → account job that started an hour ago."""
    started = fields.pop("started_at", timezone.now() - timedelta(hours=1))
    values = {
        **CUSTOMER_TO_ACCOUNT,
        "status": SyncJob.Status.FINISHED,
        "started_at": started,
        "finished_at": started + timedelta(seconds=90),
    }
    values.update(fields)
    return SyncJob(**values)


def build_error(job: SyncJob, **fields) -> SyncJobError:
    values = {
        "job": job,
        "created_at": job.started_at + timedelta(seconds=30),
        "message": "The Salesperson SP1 must be coupled.",
        "error_message": "The Salesperson SP1 must be coupled to a Dataverse user.",
        "local_table": job.local_table,
        "local_id": uuid.uuid4(),
        "local_description": "Customer 10000",
        "dataverse_table": job.dataverse_table,
        "dataverse_id": uuid.uuid4(),
        "dataverse_description": "Account Adatum",
    }
    values.update(fields)
    return SyncJobError(**values)


@pytest.fixture
def make_job(db):
    def make(**fields) -> SyncJob:
        job = build_job(**fields)
        job.save()
        return job

    return make


@pytest.fixture
def make_error(db):
    def make(job: SyncJob, **fields) -> SyncJobError:
        error = build_error(job, **fields)
        error.save()
        return error

    return make


PERMISSIONS = ("view_syncjob", "view_syncjoberror", "delete_syncjob", "delete_syncjoberror")


@pytest.fixture
def client_with(db, client):
    """Return a client logged in as a staff user holding exactly the given synclog perms."""

    def login(*codenames: str):
        user = User.objects.create_user(f"staff-{uuid.uuid4().hex[:8]}", is_staff=True)
        user.user_permissions.set(
            Permission.objects.filter(content_type__app_label="synclog", codename__in=codenames)
        )
        client.force_login(user)
        return client

    return login


@pytest.fixture
def staff(client_with):
    """A staff user who may view and delete jobs and errors."""
    return client_with(*PERMISSIONS)


@pytest.fixture
def registry():
    """Let a test register hook providers; remove them afterwards."""
    added = []

    def register(kind, fn):
        getattr(hooks, kind).register(fn)
        added.append((kind, fn))
        return fn

    yield register
    for kind, fn in added:
        getattr(hooks, kind).unregister(fn)


def row_ids(response, prefix: str) -> set[str]:
    """Return the ids of the table rows a page shows (``<tr id="job-…">``)."""
    return set(re.findall(rf'<tr id="{prefix}-([^"]+)"', response.content.decode()))
