"""The client secret is encrypted at rest and appears in no page, log, error or job record."""

import io
import logging
import uuid

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from integration import secrets
from integration.models import ConnectionSetup, IntegrationTableMapping
from integration.services.synchronization import synchronize_mapping
from synclog.models import SyncJob, SyncJobError

from .pages import project_pages

pytestmark = pytest.mark.django_db
SECRET = f"Sëcret-{uuid.uuid4().hex}-&'<>"


def store(secret: str, **values) -> ConnectionSetup:
    setup = ConnectionSetup.get()
    setup.client_secret = secret
    for name, value in values.items():
        setattr(setup, name, value)
    setup.save()
    return setup


def test_the_secret_is_stored_encrypted_and_comes_back_intact(samples):
    store(SECRET)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM integration_connectionsetup")
        rows = cursor.fetchall()
    stored = " ".join(str(value) for row in rows for value in row)
    assert SECRET not in stored and secrets.PREFIX in stored
    assert ConnectionSetup.get().client_secret == SECRET
    dump = io.StringIO()
    call_command("dumpdata", "integration.connectionsetup", stdout=dump)
    assert SECRET not in dump.getvalue()
    assert SECRET not in repr(ConnectionSetup.get()) and SECRET not in str(ConnectionSetup.get())


def test_a_changed_key_makes_the_secret_unreadable_not_readable_elsewhere(samples, settings):
    store(SECRET)
    settings.TANDEM_ENCRYPTION_KEY = "another key"
    assert ConnectionSetup.get().client_secret == "", "asked for again, never decrypted wrongly"


def test_no_page_shows_the_secret(client, samples, superuser):
    store(SECRET)
    client.force_login(superuser)
    leaks = [
        str(page)
        for page in project_pages(samples)
        if not page.is_emulator and SECRET in client.get(page.url, follow=True).content.decode()
    ]
    assert not leaks, f"pages showing the secret: {leaks}"


def every_text_in_the_log() -> str:
    jobs = SyncJob.objects.values_list("message", "requested_by")
    errors = SyncJobError.objects.values_list(
        "message", "error_message", "exception_detail", "local_description", "dataverse_description"
    )
    return " ".join(str(value) for row in [*jobs, *errors] for value in row)


def test_runs_and_connection_tests_keep_the_secret_out_of_logs_errors_and_jobs(
    client, samples, superuser, emulator, caplog
):
    # The right secret (the emulator's) for a run that works, a wrong one for one that fails.
    caplog.set_level(logging.DEBUG)
    right = settings.DATAVERSE_EMULATOR_CLIENT_SECRET
    kwargs = {k: v for k, v in emulator.connection_kwargs().items() if k != "client_secret"}
    store(right, is_enabled=True, **kwargs)
    mapping = IntegrationTableMapping.objects.get(name="CURRENCY")
    worked = synchronize_mapping(mapping)
    client.force_login(superuser)
    test_url = reverse("admin:integration_connectionsetup_test", args=[ConnectionSetup.get().pk])
    page_ok = client.post(test_url, follow=True).content.decode()

    store(SECRET)
    failed = synchronize_mapping(mapping)
    page_refused = client.post(test_url, follow=True).content.decode()

    assert [job.status for job in worked] == ["finished"]
    assert [job.status for job in failed] == ["failed"] and "refused" in failed[0].message
    for text in (caplog.text, every_text_in_the_log(), page_ok, page_refused):
        assert right not in text and SECRET not in text
    assert all(SECRET not in str(record.args) for record in caplog.records)


# The stored secret goes only where it was entered for ------------------------------------

CHANGE_URL = "/admin/integration/connectionsetup/1/change/"


def save_connection(client, **changes):
    from tests.integration.setup.page import open_form, submit

    form = open_form(client, CHANGE_URL, "connectionsetup_form")
    for name, value in changes.items():
        form.set(name, value)
    return submit(client, CHANGE_URL, form)


def test_pointing_the_token_authority_elsewhere_needs_the_secret_entered_again(
    client, samples, make_staff
):
    # Someone who may change the setup but was never told the secret must not be able to
    # send the stored one to a server of their own (the next run or test would post it).
    store(SECRET)
    authority = ConnectionSetup.get().authority_url
    client.force_login(
        make_staff("integration.view_connectionsetup", "integration.change_connectionsetup")
    )

    refused = save_connection(client, authority_url="https://collector.example.net")

    assert refused.status_code == 200
    assert "Enter the client secret again" in refused.content.decode()
    assert ConnectionSetup.get().authority_url == authority, "nothing saved"
    saved = save_connection(
        client, authority_url="https://login.microsoftonline.com", client_secret="N3w-s3cret"
    )
    assert saved.status_code == 302
    setup = ConnectionSetup.get()
    assert (setup.authority_url, setup.client_secret) == (
        "https://login.microsoftonline.com",
        "N3w-s3cret",
    )


def test_other_changes_keep_the_stored_secret(client, samples, superuser):
    store(SECRET)
    client.force_login(superuser)

    saved = save_connection(client, tenant="contoso.onmicrosoft.com", client_id="another-app")

    assert saved.status_code == 302
    assert ConnectionSetup.get().client_secret == SECRET


def test_an_error_report_of_a_fault_while_signing_in_does_not_show_the_secret(samples, emulator):
    # What DEBUG's error page, the error e-mail to ADMINS or an error tracker would show
    # about a fault in the middle of a token request: every frame's variables.
    import requests
    from django.views.debug import ExceptionReporter

    from integration.connection import dataverse_client

    secret = f"plain{uuid.uuid4().hex}"  # no character a report would escape
    kwargs = {k: v for k, v in emulator.connection_kwargs().items() if k != "client_secret"}
    store(secret, is_enabled=True, **kwargs)

    def fault(self, request, **options):
        raise RuntimeError("an unexpected fault")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(requests.Session, "send", fault)
        with pytest.raises(RuntimeError) as raised, dataverse_client() as client:
            client.entity("account")
    # From Tandem's first frame on: this test's own variables hold the secret, of course.
    reporter = ExceptionReporter(None, raised.type, raised.value, raised.tb.tb_next)

    frames = {frame["function"]: frame for frame in reporter.get_traceback_frames()}
    assert "_fetch" in frames, "the fault came in the middle of the token request"
    html = reporter.get_traceback_html()
    assert "tandem-local" in html, "the report shows the frames' variables"
    for report in (reporter.get_traceback_text(), html):
        assert secret not in report
