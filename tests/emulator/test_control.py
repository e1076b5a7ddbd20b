"""The control endpoint: who may use it, counters, and where it is served."""

import requests
from django.conf import settings
from django.test import RequestFactory, override_settings

from emulator import control


def test_health_needs_nothing_but_the_rest_needs_the_application_client(emulator):
    assert requests.get(f"{emulator.url}/_control/health", timeout=5).ok
    assert requests.post(f"{emulator.url}/_control/reset", timeout=5).status_code == 401
    as_user = requests.get(
        f"{emulator.url}/_control/state",
        auth=(
            settings.DATAVERSE_EMULATOR_USER_CLIENT_ID,
            settings.DATAVERSE_EMULATOR_USER_CLIENT_SECRET,
        ),
        timeout=5,
    )
    assert as_user.status_code == 401
    bearer = emulator.app_session().headers["Authorization"]
    assert requests.get(
        f"{emulator.url}/_control/state", headers={"Authorization": bearer}, timeout=5
    ).ok


def test_control_key_from_settings():
    factory = RequestFactory()
    with override_settings(DATAVERSE_EMULATOR_CONTROL_KEY="s3cret"):
        assert control.allowed(factory.get("/", HTTP_X_EMULATOR_CONTROL_KEY="s3cret"))
        assert not control.allowed(factory.get("/", HTTP_X_EMULATOR_CONTROL_KEY="guess"))
    with override_settings(DATAVERSE_EMULATOR_CONTROL_KEY=""):
        assert not control.allowed(factory.get("/", HTTP_X_EMULATOR_CONTROL_KEY=""))


def test_counters_of_requests_per_client(emulator, api, user_api):
    emulator.clear_counters()
    api.get("WhoAmI")
    api.get("accounts")
    user_api.get("WhoAmI")
    state = emulator.state()
    assert state["counters"]["requests"] == 3
    assert state["requests_by_user"][settings.DATAVERSE_EMULATOR_CLIENT_ID] == 2
    assert state["requests_by_user"][settings.DATAVERSE_EMULATOR_USER_CLIENT_ID] == 1


def test_main_server_serves_the_emulator_under_emulator(client):
    response = client.get("/emulator/api/data/v9.2/WhoAmI")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith(
        "Bearer authorization_uri=http://testserver/emulator/"
    )
