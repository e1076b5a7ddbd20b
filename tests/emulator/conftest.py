"""Protocol tests drive the emulator over real HTTP, as a Dataverse client would."""

import uuid

import pytest


@pytest.fixture
def api(emulator):
    """The application user's session (``base_url`` is the Web API root)."""
    with emulator.app_session() as session:
        yield session


@pytest.fixture
def user_api(emulator):
    with emulator.user_session() as session:
        yield session


def error_of(response) -> dict:
    """The ``error`` object of a Dataverse error answer."""
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]


def create(api, entity_set: str, row: dict) -> uuid.UUID:
    response = api.post(entity_set, json=row)
    assert response.status_code == 204, response.text
    return uuid.UUID(response.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")"))


def seeded(api, entity_set: str, select: str, condition: str) -> dict:
    rows = api.get(entity_set, params={"$select": select, "$filter": condition}).json()["value"]
    assert len(rows) == 1, rows
    return rows[0]
