"""A synchronization killed mid-way (SIGKILL) and run again: one counterpart per record."""

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.slow


class Site:
    """An ERP installation of its own (SQLite file) wired to the test's emulator."""

    def __init__(self, tmp_path, emulator_url):
        self.db = tmp_path / "erp.sqlite3"
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{self.db}",
            "TANDEM_VAR_DIR": str(tmp_path),
            "DATAVERSE_URL": emulator_url,
            "TANDEM_PAGE_SIZE": "40",
        }

    def manage(self, *args, check=True):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    def start(self, *args) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def query(self, sql) -> list:
        with sqlite3.connect(self.db, timeout=30) as db:
            return db.execute(sql).fetchall()

    def couplings(self) -> int:
        return self.query(
            "SELECT count(*) FROM integration_coupling WHERE local_table = 'erp.customer'"
        )[0][0]


@pytest.fixture
def site(tmp_path, emulator):
    site = Site(tmp_path, emulator.url)
    site.manage("migrate", "-v", "0")
    site.manage(
        "load_demo_data",
        "--customers",
        "300",
        "--vendors",
        "0",
        "--contacts-per-company",
        "0",
        "--items",
        "0",
        "--resources",
        "0",
        "--no-progress",
    )
    site.manage("sync_setup", "--if-missing")
    # Owners need coupled salespeople; this test is about creation, so leave owners out.
    site.manage(
        "shell", "-c", "from erp.models import Customer; Customer.objects.update(salesperson=None)"
    )
    site.manage("sync", "--mapping", "CURRENCY", "--full", "--no-progress")
    return site


def wait_until(condition, process, limit=60.0):
    deadline = time.monotonic() + limit
    while not condition():
        assert process.poll() is None, "the run finished before the kill point"
        assert time.monotonic() < deadline, "the kill point was never reached"
        time.sleep(0.02)  # polling another process's database: nothing to wait on but time


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_killed_full_synchronization_rerun_leaves_exactly_one_account_per_customer(
    site, emulator, dataverse_client, seed
):
    rng = random.Random(seed)
    kill_after = rng.randint(1, 250)
    emulator.faults(latency_ms=rng.choice([20, 60, 120]))
    run = site.start("sync", "--mapping", "CUSTOMER", "--full", "--no-progress")
    wait_until(lambda: site.couplings() >= kill_after, run)
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    emulator.clear_faults()

    site.manage("sync", "--mapping", "CUSTOMER", "--full", "--no-progress")

    open_customers = {
        r[0] for r in site.query("SELECT system_id FROM erp_customer WHERE blocked = ''")
    }
    couplings = site.query(
        "SELECT local_id, dataverse_id, status FROM integration_coupling "
        "WHERE local_table = 'erp.customer'"
    )
    assert {c[0] for c in couplings} == open_customers, "every open customer coupled"
    assert len(couplings) == len(open_customers), "one coupling per customer"
    assert {c[2] for c in couplings} == {"coupled"}
    accounts = {
        str(r["accountid"]).replace("-", "")
        for r in dataverse_client.query(
            "account", select=["accountid"], filter="customertypecode eq 3"
        )
    }
    assert accounts == {c[1] for c in couplings}, "one account per customer, no strays"
    jobs = site.query(
        "SELECT status FROM synclog_syncjob WHERE table_mapping_name='CUSTOMER' ORDER BY started_at"
    )
    assert ("interrupted",) in jobs, "the killed run is marked on the log"
