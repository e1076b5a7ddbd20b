"""ERP installations of their own, for tests that run ``manage.py`` in subprocesses.

A site is the engine tests' ``Site`` (``tests/integration/engine/test_crash.py``) on the
backend the suite runs on: a SQLite file, or a PostgreSQL database when ``DATABASE_URL`` names
one (then crashes and concurrent workers meet PostgreSQL's locking, as in production). One
template per module is migrated and loaded; every test gets a copy (a file copy, or
``CREATE DATABASE … TEMPLATE …``), so a test costs its runs, not an installation.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from tests.integration.engine.test_crash import Site as EngineSite

SQLITE_FILES = ("erp.sqlite3", "erp.sqlite3-wal", "erp.sqlite3-shm")
PREPARE = (
    "from erp.models import Customer; "
    # No lookups to couple first: a blank currency is the base currency, no owner is sent.
    "Customer.objects.update(salesperson=None, currency=None)"
)


def postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


class Site(EngineSite):
    def __init__(self, tmp_path: Path, emulator_url: str, database_url: str | None = None):
        super().__init__(tmp_path, emulator_url)
        self.database_url = database_url
        if database_url:
            self.env["DATABASE_URL"] = database_url

    def query(self, sql: str, params=()) -> list:
        if self.database_url is None:
            with sqlite3.connect(self.db, timeout=30) as db:
                return db.execute(sql.replace("%s", "?"), params).fetchall()
        with psycopg.connect(self.database_url, autocommit=True) as db:
            cursor = db.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def id_param(self, value: uuid.UUID):
        """A UUID as the site's database stores it (SQLite: 32 hex digits)."""
        return value.hex if self.database_url is None else value


def as_uuid(value) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


class SiteFactory:
    """Makes the template site once, then a copy per test; drops PostgreSQL copies after."""

    def __init__(self, tmp_path_factory, emulator_url: str, customers: int):
        self.tmp_path_factory = tmp_path_factory
        self.emulator_url = emulator_url
        self.customers = customers
        self.server_url = postgres_url()
        self.prefix = os.environ.get("TANDEM_TEST_DATABASE_PREFIX", "tandem")
        self.databases: list[str] = []
        self.template = self._build_template()

    def _database_url(self, name: str) -> str:
        parts = urlsplit(self.server_url)
        return urlunsplit(parts._replace(path=f"/{name}"))

    def _create_database(self, template: str | None = None) -> str:
        name = f"{self.prefix}_site_{uuid.uuid4().hex[:10]}"
        clause = f" TEMPLATE {template}" if template else ""
        with psycopg.connect(self._database_url("postgres"), autocommit=True) as db:
            db.execute(f"CREATE DATABASE {name}{clause}")
        self.databases.append(name)
        return name

    def _build_template(self) -> Site:
        url = self._database_url(self._create_database()) if self.server_url else None
        site = Site(self.tmp_path_factory.mktemp("site-template"), self.emulator_url, url)
        site.manage("migrate", "-v", "0")
        site.manage(
            "load_demo_data",
            *("--customers", str(self.customers), "--vendors", "0"),
            *("--contacts-per-company", "0", "--items", "0", "--resources", "0", "--no-progress"),
        )
        site.manage("sync_setup", "--if-missing")
        site.manage("shell", "-c", PREPARE)
        return site

    def new(self, tmp_path: Path, emulator_url: str) -> Site:
        if self.server_url:
            template = urlsplit(self.template.database_url).path.lstrip("/")
            return Site(tmp_path, emulator_url, self._database_url(self._create_database(template)))
        for name in SQLITE_FILES:
            if (self.template.db.parent / name).exists():
                shutil.copy(self.template.db.parent / name, tmp_path / name)
        return Site(tmp_path, emulator_url)

    def close(self) -> None:
        if not self.server_url:
            return
        with psycopg.connect(self._database_url("postgres"), autocommit=True) as db:
            for name in reversed(self.databases):
                db.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
