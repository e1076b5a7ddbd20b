"""Shared test set-up. Fixtures of one area live in that area's conftest.py; fixtures used
across areas (the emulator server, Dataverse clients) are plugins under tests/fixtures/."""

import os

import pytest

pytest_plugins = ["tests.fixtures.emulator", "tests.fixtures.dataverse"]


@pytest.fixture
def run_on_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
