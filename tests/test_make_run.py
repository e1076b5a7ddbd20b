"""`make run`: the web server and the django-q2 cluster start together and stop together.

The Makefile's own recipe runs, with ``PY`` pointing at a stand-in for ``manage.py`` that
reports what it is asked to do and which signal stops it, so the test exercises the shell
plumbing (the trap, the background cluster) without starting Django twice.
"""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

STAND_IN = textwrap.dedent(
    """\
    import os, signal, sys
    command = sys.argv[2] if len(sys.argv) > 2 else ""
    log = os.environ["STAND_IN_LOG"]

    def note(text):
        with open(log, "a") as f:
            f.write(text + "\\n")

    def stop(signum, frame):
        note(f"{command} stopped by {signal.Signals(signum).name}")
        sys.exit(0)

    if command in ("qcluster", "runserver"):
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        os.write(1, f"{command} ready\\n".encode())  # one write: the two share a pipe
        if command == "runserver" and os.environ.get("SERVER_EXITS"):
            note("runserver exited")
            sys.exit(0)
        signal.pause()
    """
)


@pytest.fixture
def make_run(tmp_path):
    """Start ``make run`` in its own process group, as a terminal would."""
    script = tmp_path / "manage_stand_in.py"
    script.write_text(STAND_IN)
    python = tmp_path / "python"
    python.write_text(f'#!/bin/sh\nexec {sys.executable} {script} "$@"\n')
    python.chmod(0o755)
    venv = tmp_path / "venv"
    venv.mkdir()
    # Newer than requirements.txt: make takes the environment as installed.
    (venv / ".installed").touch()
    log = tmp_path / "log"

    def start(**env):
        return subprocess.Popen(
            ["make", "--no-print-directory", "run", f"PY={python}", f"VENV={venv}"],
            cwd=ROOT,
            env={**os.environ, "STAND_IN_LOG": str(log), **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    start.log = log
    return start


def wait_until_both_ready(process) -> None:
    seen = ""
    for line in process.stdout:
        seen += line
        if "qcluster ready" in seen and "runserver ready" in seen:
            return
    raise AssertionError("make run ended before both started:\n" + seen)


def nothing_left_running(process) -> bool:
    """Whether every process ``make run`` started has ended (its process group is empty)."""
    try:
        os.killpg(process.pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_ctrl_c_stops_the_server_and_the_cluster(make_run):
    process = make_run()
    wait_until_both_ready(process)
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends: the whole foreground group
    output = process.communicate(timeout=60)[0]
    log = make_run.log.read_text()
    assert "runserver stopped by SIGINT" in log
    assert "qcluster stopped by" in log
    assert "Segmentation fault" not in output, output
    assert nothing_left_running(process)


def test_the_cluster_stops_when_the_server_stops_on_its_own(make_run):
    process = make_run(SERVER_EXITS="1")  # e.g. the port is taken
    output = process.communicate(timeout=60)[0]
    assert "runserver exited" in make_run.log.read_text()
    # The stand-in cluster never ends by itself: only the recipe's trap can have stopped it.
    assert nothing_left_running(process)
    assert "Segmentation fault" not in output
    assert process.returncode == 0, output
