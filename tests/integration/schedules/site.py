"""An installation of its own for process tests: a database, a broker queue, real processes.

``Site`` runs ``manage.py`` subprocesses against a database made for the test and wired to the
test's emulator: a uniquely named PostgreSQL database (dropped afterwards) when DATABASE_URL
points at PostgreSQL, a SQLite file otherwise; Redis when REDIS_URL is set (the queue's keys
carry a cluster name of the test's own), the ORM broker otherwise. The test process reads the
site's database directly to wait on conditions.
"""

import contextlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[3]


def on_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


class SqliteDatabase:
    label = "SQLite"

    def __init__(self, directory: Path, tag: str):
        self.path = directory / f"site-{tag}.sqlite3"
        self.url = f"sqlite:///{self.path}"

    def rows(self, sql: str, params=()) -> list[tuple]:
        with contextlib.closing(sqlite3.connect(self.path, timeout=30)) as db:
            rows = db.execute(sql.replace("%s", "?"), params).fetchall()
            db.commit()
            return rows

    @staticmethod
    def time_param(moment: datetime) -> str:
        # Django keeps SQLite datetimes as naive UTC text.
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    def drop(self) -> None:
        pass


class PostgresDatabase:
    label = "PostgreSQL"

    def __init__(self, directory: Path, tag: str):
        server = urlsplit(os.environ["DATABASE_URL"])
        self.name = f"tandem_schedules_{tag}"
        self.url = urlunsplit(server._replace(path=f"/{self.name}"))
        self.admin_url = urlunsplit(server._replace(path="/postgres"))
        self._admin(f'CREATE DATABASE "{self.name}"')

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as db:
            db.execute(sql)

    def rows(self, sql: str, params=()) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as db:
            cursor = db.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    @staticmethod
    def time_param(moment: datetime) -> datetime:
        return moment

    def drop(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def log_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S,%f")


def as_time(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


class Site:
    def __init__(self, directory: Path, emulator_url: str):
        self.directory = directory
        tag = uuid.uuid4().hex[:10]
        self.db = (
            PostgresDatabase(directory, tag) if on_postgres() else SqliteDatabase(directory, tag)
        )
        self.cluster_name = f"tandem-test-{tag}"
        self.redis_url = os.environ.get("REDIS_URL", "")
        self.env = {
            **os.environ,
            "DATABASE_URL": self.db.url,
            "TANDEM_VAR_DIR": str(directory),
            "DATAVERSE_URL": emulator_url,
            "Q_CLUSTER_NAME": self.cluster_name,  # its own Redis keys
            "Q_WORKERS": "1",
            "TANDEM_PAGE_SIZE": "40",
            "TANDEM_RUN_WAIT_SECONDS": "2",  # a second run waits that long, then is skipped
            "PYTHONUNBUFFERED": "1",
        }
        self.env.pop("TANDEM_TEST_DATABASE_PREFIX", None)
        self.processes: dict[str, subprocess.Popen] = {}

    @property
    def label(self) -> str:
        broker = "Redis" if self.redis_url else "the ORM broker"
        return f"{self.db.label} with {broker}"

    # -- commands and processes ----------------------------------------------------------

    def manage(self, *args) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def shell(self, code: str) -> str:
        return self.manage("shell", "-c", code)

    def start(self, name: str, *args) -> subprocess.Popen:
        log = (self.directory / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: its workers stop with it
        )
        self.processes[name] = process
        return process

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
            for path in sorted(self.directory.glob("*.log"))
        )

    def task_windows(self, prefix: str) -> dict[str, list[tuple[datetime, datetime]]]:
        """When each cluster's worker was busy with the tasks named ``prefix…``, from its log."""
        windows = {}
        for name in self.processes:
            text = (self.directory / f"{name}.log").read_text(errors="replace")
            started = {
                task: at
                for at, task in re.findall(rf"^(\S+ \S+) .* processing ({prefix}\S+) ", text, re.M)
            }
            ended = {
                task: at
                for at, task in re.findall(
                    rf"^(\S+ \S+) .* Processed .*\(({prefix}\S+)\)", text, re.M
                )
            }
            windows[name] = [
                (log_time(started[task]), log_time(ended[task]))
                for task in started
                if task in ended
            ]
        return windows

    def close(self) -> None:
        # The site is thrown away: no graceful stop, the whole process group goes at once.
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        self.db.drop()
        if self.redis_url:
            import redis

            connection = redis.from_url(self.redis_url)
            for key in connection.scan_iter(f"django_q:{self.cluster_name}:*"):
                connection.delete(key)

    # -- reading the site's database -----------------------------------------------------

    def rows(self, sql: str, params=()) -> list[tuple]:
        return self.db.rows(sql, params)

    def value(self, sql: str, params=()):
        rows = self.rows(sql, params)
        return rows[0][0] if rows else None

    def wait_for(self, condition, what: str, limit: float = 60.0) -> None:
        """Poll the site until ``condition()`` holds; fail with the processes' logs if not."""
        deadline = time.monotonic() + limit
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{what}: not within {limit:.0f} s on {self.label}\n{self.logs()}"
                )
            time.sleep(0.1)  # another process's database: nothing to wait on but time

    def statuses(self) -> dict[str, str]:
        return dict(
            self.rows(
                "SELECT m.name, s.status FROM integration_syncschedule s "
                "JOIN integration_integrationtablemapping m ON m.id = s.table_mapping_id"
            )
        )

    def jobs(self, mapping: str, since: datetime | None = None, trigger: str = "") -> list[dict]:
        """The mapping's synchronization jobs, oldest first."""
        names = ["run_id", "trigger", "status", "direction", "started_at", "finished_at"]
        names += ["inserted", "modified", "deleted", "failed", "message"]
        sql = f"SELECT {', '.join(names)} FROM synclog_syncjob WHERE table_mapping_name = %s"
        params = [mapping]
        if since is not None:
            sql += " AND started_at >= %s"
            params.append(self.db.time_param(since))
        if trigger:
            sql += " AND trigger = %s"
            params.append(trigger)
        jobs = [
            dict(zip(names, row, strict=True))
            for row in self.rows(sql + " ORDER BY started_at", params)
        ]
        for job in jobs:
            job["started_at"], job["finished_at"] = map(
                as_time, (job["started_at"], job["finished_at"])
            )
            job["run_id"] = str(job["run_id"]).replace("-", "")
        return jobs

    def runs(self, mapping: str, since=None, trigger: str = "") -> dict[str, list[dict]]:
        """The mapping's jobs grouped by run, in the order the runs started."""
        grouped: dict[str, list[dict]] = {}
        for job in self.jobs(mapping, since, trigger):
            grouped.setdefault(job["run_id"], []).append(job)
        return grouped

    def set_next_run(self, schedule_name: str, moment: datetime) -> None:
        """Move a django-q2 schedule's next run: lets a test skip the minutes in between."""
        self.rows(
            "UPDATE django_q_schedule SET next_run = %s WHERE name = %s",
            (self.db.time_param(moment), schedule_name),
        )
