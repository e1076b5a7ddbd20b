"""Helpers for the client's tests against the emulator."""

import dataclasses
from uuid import uuid4

import pytest

from integration.dataverse import DataverseClient


@pytest.fixture
def make_client(dataverse_config):
    """Build a client with some settings changed: ``make_client(page_size=2)``."""
    clients = []

    def make(**changes) -> DataverseClient:
        client = DataverseClient(dataclasses.replace(dataverse_config, **changes))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def accounts(count: int, prefix: str = "Account", **columns) -> list[dict]:
    return [
        {"accountid": uuid4(), "name": f"{prefix} {number:05d}", **columns}
        for number in range(count)
    ]
