"""Throw-away databases for the benchmark's installations and its emulator.

SQLite by default: one file per database in the run's temporary directory, gone with it.
When ``DATABASE_URL`` points at PostgreSQL, each database is created on that server under a
name unique to the run and dropped at the end, so a benchmark never writes into the
database the variable names.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql")


def postgres_server(url: str | None) -> str | None:
    """The server URL of ``url`` when it is a PostgreSQL URL, else None."""
    if not url or urlsplit(url).scheme not in POSTGRES_SCHEMES:
        return None
    return url


def with_database(url: str, name: str) -> str:
    """``url`` with its database name replaced by ``name`` (query string kept)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


class ThrowAwayDatabases:
    """Hands out database URLs by name; ``drop_all`` removes the PostgreSQL ones."""

    def __init__(self, directory: Path, server_url: str | None = None):
        self.directory = directory
        self.server_url = postgres_server(server_url)
        self.prefix = f"tandem_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.created: list[str] = []

    @classmethod
    def from_environment(cls, directory: Path) -> ThrowAwayDatabases:
        return cls(directory, os.environ.get("DATABASE_URL"))

    @property
    def engine(self) -> str:
        return "PostgreSQL" if self.server_url else "SQLite"

    def url(self, name: str, template: str | None = None) -> str:
        """A new database called ``name`` for this run: empty, or a copy of ``template`` (a
        database of this run no process is using any more)."""
        if not self.server_url:
            path = self.directory / f"{name}.sqlite3"
            path.unlink(missing_ok=True)
            if template:
                shutil.copyfile(self.directory / f"{template}.sqlite3", path)
            return f"sqlite:///{path}"
        database = f"{self.prefix}_{name}"
        self._execute(f'DROP DATABASE IF EXISTS "{database}"')
        copy = f' TEMPLATE "{self.prefix}_{template}"' if template else ""
        self._execute(f'CREATE DATABASE "{database}"{copy}')
        self.created.append(database)
        return with_database(self.server_url, database)

    def drop_all(self) -> None:
        for database in reversed(self.created):
            # FORCE: a child killed mid-run may leave a connection behind.
            self._execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        self.created = []

    def _execute(self, sql: str) -> None:
        import psycopg

        maintenance = with_database(self.server_url, "postgres")
        with psycopg.connect(maintenance, autocommit=True) as connection:
            connection.execute(sql)
