"""Dataverse Connection Setup: one page, a write-only secret, Test Connection, permissions."""

import logging
import sys

import pytest
from django.contrib.admin.models import LogEntry
from django.views.debug import ExceptionReporter

from integration.models import ConnectionSetup

from .conftest import staff_with
from .page import open_form, page_text, submit

pytestmark = pytest.mark.django_db

SECRET = "Zq8-very-Secret-Value-41"
CHANGE_URL = "/admin/integration/connectionsetup/1/change/"
FORM_ID = "connectionsetup_form"
PAGES = [
    "/admin/",
    "/admin/integration/",
    "/admin/integration/connectionsetup/",
    CHANGE_URL,
    "/admin/integration/connectionsetup/1/history/",
    "/admin/integration/connectionsetup/reset-defaults/",
    "/admin/integration/integrationtablemapping/",
    "/admin/integration/integrationfieldmapping/",
    "/admin/integration/syncschedule/",
    "/admin/admin/logentry/",
]


def assert_secret_nowhere(client, setup, caplog):
    encrypted = setup.client_secret_encrypted
    for url in PAGES:
        response = client.get(url, follow=True)
        assert response.status_code in (200, 404), url
        text = page_text(response)
        assert SECRET not in text and encrypted not in text, url
    assert SECRET not in caplog.text
    assert SECRET not in repr(setup) and SECRET not in str(setup)


def save_secret(client, secret=SECRET, **changes):
    form = open_form(client, CHANGE_URL, FORM_ID)
    form.set("client_secret", secret)
    for name, value in changes.items():
        form.set(name, value)
    return submit(client, CHANGE_URL, form)


def test_the_list_opens_the_one_connection_setup(admin_client):
    response = admin_client.get("/admin/integration/connectionsetup/")
    assert response.status_code == 302 and response["Location"] == CHANGE_URL
    text = page_text(admin_client.get(CHANGE_URL))
    for caption in ["Environment URL", "Tenant", "Client ID", "Client secret",
                    "Token authority URL", "Enabled", "Test Connection",
                    "Use Default Synchronization Setup", "A secret is stored."]:  # fmt: skip
        assert caption in text, caption
    assert "Add dataverse connection setup" not in text and "Delete" not in text


def test_the_secret_is_write_only_and_never_shown(admin_client, caplog):
    caplog.set_level(logging.DEBUG)
    response = save_secret(admin_client, environment_url="https://contoso.crm.dynamics.com")
    assert response.status_code == 302
    setup = ConnectionSetup.get()
    assert setup.client_secret == SECRET
    assert SECRET not in setup.client_secret_encrypted  # encrypted at rest
    form = open_form(admin_client, CHANGE_URL, FORM_ID)
    assert form.get("client_secret") == ""  # the password box comes back empty
    assert "Client secret" in LogEntry.objects.get().get_change_message()
    assert SECRET not in LogEntry.objects.get().change_message
    assert_secret_nowhere(admin_client, setup, caplog)


def test_a_blank_secret_keeps_the_stored_one(admin_client):
    save_secret(admin_client)
    assert save_secret(admin_client, secret="", tenant="contoso.onmicrosoft.com").status_code == 302
    setup = ConnectionSetup.get()
    assert (setup.tenant, setup.client_secret) == ("contoso.onmicrosoft.com", SECRET)


def test_a_refused_page_does_not_echo_the_new_secret(admin_client, caplog):
    caplog.set_level(logging.DEBUG)
    response = save_secret(admin_client, environment_url="not a url")
    assert response.status_code == 200
    text = page_text(response)
    assert "Enter a valid URL." in text
    assert SECRET not in text
    assert ConnectionSetup.get().client_secret != SECRET
    assert SECRET not in caplog.text


def test_an_error_report_about_the_save_does_not_show_the_secret(admin_client):
    # What DEBUG's error page and the error e-mail to ADMINS would show about this request.
    request = save_secret(admin_client).wsgi_request
    try:
        raise RuntimeError("a failure while saving")
    except RuntimeError:
        reporter = ExceptionReporter(request, *sys.exc_info())
    for report in (reporter.get_traceback_text(), reporter.get_traceback_html()):
        assert "client_secret" in report and "********" in report
        assert SECRET not in report


def test_an_enabled_connection_needs_a_secret(admin_client):
    setup = ConnectionSetup.get()
    setup.client_secret = ""
    setup.save()
    text = page_text(save_secret(admin_client, secret=""))
    assert "Enter the client secret: none is stored." in text
    assert "No secret is stored." in text


def test_test_connection_reports_an_unreachable_environment_without_the_secret(
    admin_client, caplog
):
    caplog.set_level(logging.DEBUG)
    save_secret(
        admin_client, environment_url="http://127.0.0.1:9", authority_url="http://127.0.0.1:9"
    )
    response = admin_client.post("/admin/integration/connectionsetup/1/test/", follow=True)
    text = page_text(response)
    setup = ConnectionSetup.get()
    assert setup.last_test_succeeded is False and setup.last_tested_at is not None
    assert "Test Connection: " in text and "Failed" in text
    assert setup.last_test_message.split("\n")[0] in text
    assert "127.0.0.1:9" in setup.last_test_message
    assert_secret_nowhere(admin_client, setup, caplog)


def test_test_connection_and_reset_need_their_permissions(client, standard_mappings):
    user = staff_with("integration.view_connectionsetup", "integration.change_connectionsetup")
    client.force_login(user)
    text = page_text(client.get(CHANGE_URL))
    assert "Test Connection</button>" not in text
    assert "Use Default Synchronization Setup" not in text
    assert client.post("/admin/integration/connectionsetup/1/test/").status_code == 403
    reset = "/admin/integration/connectionsetup/reset-defaults/"
    assert client.post(reset, {"post": "yes"}).status_code == 403
    assert ConnectionSetup.get().last_tested_at is None


def test_test_connection_only_answers_posts(admin_client):
    assert admin_client.get("/admin/integration/connectionsetup/1/test/").status_code == 405
