"""The benchmark's processes: the emulator, and the ERP installations ("sites") it measures.

Every measured step runs in a fresh ``python -m integration.bench.child`` process, so its
peak memory (``ru_maxrss``) belongs to that step alone and nothing cached by an earlier step
makes a later one look faster.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
RESULT_MARK = "BENCH-RESULT "
START_TIMEOUT = 60
STEP_TIMEOUT = 1800


class BenchError(RuntimeError):
    """A benchmark process failed; the message carries the end of its output."""


def child_env(var_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONUNBUFFERED": "1",
        "TANDEM_VAR_DIR": str(var_dir),
        # The benchmark's own logging would drown the table; warnings still show.
        "LOG_LEVEL": "WARNING",
        # As in production: with DEBUG on, Django keeps and formats every SQL statement.
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",  # the emulator answers on loopback only
    }
    # The benchmark's processes use the databases it gives them, never the environment's.
    env.pop("DATAVERSE_DATABASE_URL", None)
    env.update(extra)
    return env


class Emulator:
    """A ``run_dataverse_emulator`` process with its own throw-away database."""

    def __init__(self, var_dir: Path, database_url: str | None):
        self.var_dir = var_dir
        var_dir.mkdir(parents=True, exist_ok=True)
        self.env = child_env(var_dir, DATAVERSE_EMULATOR_ENABLED="1")
        # Its own database only (the benchmark resets it), SQLite files in its own directory
        # unless it is given a URL.
        self.env.pop("DATABASE_URL", None)
        if database_url:
            self.env["DATAVERSE_DATABASE_URL"] = database_url
        self.process: subprocess.Popen | None = None
        self.url = ""
        self.http = requests.Session()
        self.http.auth = (
            settings.DATAVERSE_EMULATOR_CLIENT_ID,
            settings.DATAVERSE_EMULATOR_CLIENT_SECRET,
        )

    def start(self) -> Emulator:
        log_path = self.var_dir / "emulator.log"
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "run_dataverse_emulator", "--port", "0"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.url = self._wait_for_url(log_path)
        return self

    def _wait_for_url(self, log_path: Path) -> str:
        deadline = time.monotonic() + START_TIMEOUT
        url = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"the emulator exited: {log_path.read_text()[-3000:]}")
            if url is None:
                found = re.search(r"listening on (http://\S+)", log_path.read_text())
                url = found[1] if found else None
            if url is not None:
                with contextlib.suppress(requests.ConnectionError):
                    if self.http.get(f"{url}/_control/health", timeout=5).ok:
                        return url
            time.sleep(0.05)  # another process is starting: nothing to wait on but time
        raise BenchError(f"the emulator did not start: {log_path.read_text()[-3000:]}")

    def control(self, action: str, payload: dict | None = None, method: str = "POST") -> dict:
        response = self.http.request(
            method, f"{self.url}/_control/{action}", json=payload, timeout=300
        )
        response.raise_for_status()
        return response.json()

    def http_requests(self) -> int:
        """Every HTTP request the emulator has answered (Web API and token endpoint)."""
        counters = self.control("state", method="GET")["counters"]
        return counters.get("requests", 0) + counters.get("token_requests", 0)

    def cpu_seconds(self) -> float:
        """CPU time used so far by the emulator's processes (gunicorn's master and worker)."""
        pids = [self.process.pid, *child_pids(self.process.pid)]
        return sum(process_cpu_seconds(pid) for pid in pids)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def child_pids(parent: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{parent}/task/{parent}/children").read_text().split()]
    except OSError:
        return []


def process_cpu_seconds(pid: int) -> float:
    """User and system CPU time of one process, from /proc (Linux), 0 when unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # After the command: state is field 3, utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Site:
    """An ERP installation of its own (a throw-away database) wired to the emulator."""

    def __init__(self, name: str, var_dir: Path, database_url: str, emulator_url: str):
        self.name = name
        var_dir.mkdir(parents=True, exist_ok=True)
        self.env = child_env(var_dir, DATABASE_URL=database_url, DATAVERSE_URL=emulator_url)

    def step(self, name: str, *, show_progress: bool = False, **params) -> dict:
        """Run one step in a new process and return the result it reports."""
        result = subprocess.run(
            [sys.executable, "-m", "integration.bench.child", name, json.dumps(params)],
            cwd=ROOT,
            env={**self.env, "BENCH_PROGRESS": "1" if show_progress else ""},
            stdout=subprocess.PIPE,
            stderr=None if show_progress else subprocess.PIPE,
            text=True,
            timeout=STEP_TIMEOUT,
        )
        lines = [line for line in result.stdout.splitlines() if line.startswith(RESULT_MARK)]
        if result.returncode != 0 or not lines:
            output = (result.stdout + (result.stderr or "(its errors are above)"))[-4000:]
            raise BenchError(f"step {name} of site {self.name} failed:\n{output}")
        return json.loads(lines[-1][len(RESULT_MARK) :])
