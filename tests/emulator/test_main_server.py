"""The emulator inside the main server, under ``/emulator/``, over real HTTP: the URLs, the
middleware (CSRF, sessions, common) and the links in answers as a client meets them."""

import threading
import uuid

import pytest
import requests
from django.conf import settings

from emulator import gateway

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "dataverse"])


@pytest.fixture
def root(live_server, monkeypatch) -> str:
    # The test database is emptied after the test: the next server must seed it again.
    monkeypatch.setattr(gateway, "_seeded", threading.Event())
    return f"{live_server.url}/emulator"


@pytest.fixture
def session(root):
    answer = requests.post(
        f"{root}/{settings.DATAVERSE_EMULATOR_TENANT}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": settings.DATAVERSE_EMULATOR_CLIENT_ID,
            "client_secret": settings.DATAVERSE_EMULATOR_CLIENT_SECRET,
            "scope": f"{root}/.default",
        },
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
        yield session


def test_the_web_api_answers_under_emulator_in_the_main_server(root, session):
    api = f"{root}/api/data/v9.2/"
    assert requests.get(f"{api}WhoAmI", timeout=30).status_code == 401
    whoami = session.get(f"{api}WhoAmI", timeout=30)
    assert whoami.status_code == 200
    assert whoami.json()["@odata.context"].startswith(f"{api}$metadata#")
    chosen = uuid.uuid4()
    created = session.post(f"{api}accounts", json={"accountid": str(chosen), "name": "Main"})
    assert created.status_code == 204  # no CSRF token needed: a Web API, not a form
    assert created.headers["OData-EntityId"] == f"{api}accounts({chosen})"
    rows = [{"@odata.type": "Microsoft.Dynamics.CRM.account", "name": f"M{n}"} for n in range(3)]
    bulk = session.post(
        f"{api}accounts/Microsoft.Dynamics.CRM.CreateMultiple", json={"Targets": rows}, timeout=30
    )
    assert bulk.status_code == 200 and len(bulk.json()["Ids"]) == 3
    page = session.get(
        f"{api}accounts?$select=name", headers={"Prefer": "odata.maxpagesize=2"}, timeout=30
    )
    assert page.json()["@odata.nextLink"].startswith(f"{api}accounts?")
    rest = session.get(
        page.json()["@odata.nextLink"], headers={"Prefer": "odata.maxpagesize=2"}, timeout=30
    )
    assert len(page.json()["value"]) + len(rest.json()["value"]) == 4


def test_the_fault_switches_work_under_the_main_server_too(root, session):
    api = f"{root}/api/data/v9.2/"
    with requests.Session() as control:
        control.auth = (
            settings.DATAVERSE_EMULATOR_CLIENT_ID,
            settings.DATAVERSE_EMULATOR_CLIENT_SECRET,
        )
        assert control.post(f"{root}/_control/faults", json={"drops": 1}, timeout=30).ok
        try:  # a dropped connection, under Django's server rather than gunicorn
            with pytest.raises(requests.ConnectionError):
                session.get(f"{api}WhoAmI", timeout=30)
        finally:
            control.delete(f"{root}/_control/faults", timeout=30)
    assert session.get(f"{api}WhoAmI", timeout=30).ok
