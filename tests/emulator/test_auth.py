"""Token endpoint, bearer tokens on every call, WhoAmI."""

import uuid

import requests
from django.conf import settings

from .conftest import error_of


def token_request(emulator, **overrides):
    data = {
        "grant_type": "client_credentials",
        "client_id": settings.DATAVERSE_EMULATOR_CLIENT_ID,
        "client_secret": settings.DATAVERSE_EMULATOR_CLIENT_SECRET,
        "scope": f"{emulator.url}/.default",
        **overrides,
    }
    tenant = settings.DATAVERSE_EMULATOR_TENANT
    return requests.post(f"{emulator.url}/{tenant}/oauth2/v2.0/token", data=data, timeout=10)


def test_client_credentials_give_a_bearer_token(emulator):
    response = token_request(emulator)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3599
    assert body["access_token"].count(".") == 2  # JWT-shaped


def test_secret_may_come_as_http_basic(emulator):
    response = requests.post(
        f"{emulator.url}/{settings.DATAVERSE_EMULATOR_TENANT}/oauth2/v2.0/token",
        data={"grant_type": "client_credentials", "scope": f"{emulator.url}/.default"},
        auth=(settings.DATAVERSE_EMULATOR_CLIENT_ID, settings.DATAVERSE_EMULATOR_CLIENT_SECRET),
        timeout=10,
    )
    assert response.status_code == 200


def test_bad_secret_is_an_entra_invalid_client_answer(emulator):
    response = token_request(emulator, client_secret="wrong")
    assert response.status_code == 401
    body = response.json()
    assert body["error"] == "invalid_client"
    assert body["error_codes"] == [7000215]
    assert body["error_description"].startswith("AADSTS7000215:")
    assert {"timestamp", "trace_id", "correlation_id"} <= set(body)


def test_unknown_client_tenant_grant_and_scope_are_refused(emulator):
    assert token_request(emulator, client_id="nobody").json()["error"] == "unauthorized_client"
    assert token_request(emulator, grant_type="password").json()["error"] == (
        "unsupported_grant_type"
    )
    assert token_request(emulator, scope="https://x").json()["error"] == "invalid_scope"
    wrong_tenant = requests.post(f"{emulator.url}/elsewhere/oauth2/v2.0/token", data={}, timeout=10)
    assert wrong_tenant.status_code == 400
    assert wrong_tenant.json()["error_codes"] == [90002]


def test_every_web_api_call_needs_a_valid_bearer_token(emulator):
    bare = requests.get(f"{emulator.api_url}WhoAmI", timeout=10)
    assert bare.status_code == 401
    assert bare.headers["WWW-Authenticate"].startswith(
        f"Bearer authorization_uri={emulator.url}/{settings.DATAVERSE_EMULATOR_TENANT}/"
    )
    forged = requests.get(
        f"{emulator.api_url}accounts", headers={"Authorization": "Bearer a.b.c"}, timeout=10
    )
    assert forged.status_code == 401
    assert 'error="invalid_token"' in forged.headers["WWW-Authenticate"]


def test_a_token_for_another_environment_is_refused(emulator):
    def token_for(scope):
        token = emulator.server.token(
            settings.DATAVERSE_EMULATOR_CLIENT_ID, settings.DATAVERSE_EMULATOR_CLIENT_SECRET, scope
        )
        return {"Authorization": f"Bearer {token}"}

    other = token_for("https://contoso.crm.dynamics.com/.default")
    refused = requests.get(f"{emulator.api_url}WhoAmI", headers=other, timeout=10)
    assert refused.status_code == 401
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
    message = refused.json()["error"]["message"]
    assert "issued for https://contoso.crm.dynamics.com" in message
    assert f"ask for the scope {emulator.url}/.default" in message
    # The host decides: the same environment asked for with a trailing path is accepted.
    same = token_for(f"{emulator.url}/some/path/.default")
    assert requests.get(f"{emulator.api_url}WhoAmI", headers=same, timeout=10).ok


def test_tokens_expire(emulator, api):
    assert api.get("WhoAmI").status_code == 200
    emulator.advance_clock(3600)
    expired = api.get("WhoAmI")
    assert expired.status_code == 401
    assert error_of(expired)["code"] == "0x8005F101"


def test_token_lifetime_is_configurable(emulator):
    emulator.options(token_lifetime=5)
    assert token_request(emulator).json()["expires_in"] == 5
    session = emulator.app_session()
    emulator.advance_clock(6)
    assert session.get("WhoAmI").status_code == 401


def test_whoami_names_the_calling_user(emulator, api, user_api):
    app = api.get("WhoAmI").json()
    assert app["@odata.context"].endswith("$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse")
    assert {"BusinessUnitId", "UserId", "OrganizationId"} <= set(app)
    user = api.get(f"systemusers({app['UserId']})?$select=fullname,applicationid").json()
    assert user["fullname"] == "# Tandem" and user["applicationid"]
    person = user_api.get("WhoAmI()").json()
    assert person["UserId"] != app["UserId"]
    annette = api.get(f"systemusers({person['UserId']})?$select=fullname").json()
    assert annette["fullname"] == "Annette Hill"
    uuid.UUID(app["OrganizationId"])


def test_whoami_answers_only_get(api):
    response = api.post("WhoAmI", json={})
    assert response.status_code == 404
    assert error_of(response)["message"].startswith("No HTTP resource was found")
