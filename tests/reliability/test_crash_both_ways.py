"""SIGKILL at random points of a full synchronization from Dataverse, and of a bidirectional
one, then a rerun: one counterpart per record on each side, every coupling correct.

The engine tests kill the To direction (``tests/integration/engine/test_crash.py``); this
module does the same for the From direction and for both at once, on sites (``sites.py``) of
the suite's backend, so that on PostgreSQL the killed worker leaves PostgreSQL's state.
"""

import os
import random
import signal

import pytest

from tests.integration.engine.test_crash import wait_until

from .conftest import create_accounts, customer_accounts
from .sites import as_uuid

pytestmark = pytest.mark.slow

ACCOUNTS = 300
SEEDS = [4, 5, 6]
# What the kill waits for: each lands in another phase of a page's work. Couplings are
# reserved for a whole page before anything is created; they are confirmed once the page's
# counterparts exist; customers are inserted between the two, in the From direction.
PHASES = ["reserved", "confirmed", "inserted"]


def progress(site, phase: str, customers_before: int) -> int:
    if phase == "reserved":
        return site.couplings()
    if phase == "confirmed":
        return site.query(
            "SELECT count(*) FROM integration_coupling "
            "WHERE local_table = 'erp.customer' AND status = 'coupled'"
        )[0][0]
    return site.query("SELECT count(*) FROM erp_customer")[0][0] - customers_before


def kill_and_rerun(site, emulator, seed, args, expected: dict) -> None:
    """Start ``sync args``, kill it at a random point of a phase chosen by the seed (of
    ``expected[phase]`` steps in all), then run it again."""
    rng = random.Random(seed)
    phase = PHASES[seed % len(PHASES)]
    kill_after = rng.randint(1, int(expected[phase] * 0.7))
    customers_before = site.query("SELECT count(*) FROM erp_customer")[0][0]
    emulator.faults(latency_ms=rng.choice([10, 30, 60]))
    run = site.start("sync", *args, "--no-progress")
    wait_until(lambda: progress(site, phase, customers_before) >= kill_after, run)
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    emulator.clear_faults()
    site.manage("sync", *args, "--no-progress")


def site_couplings(site) -> dict:
    """The site's customer couplings, account id → customer system id, checked one to one."""
    rows = site.query(
        "SELECT local_id, dataverse_id, status FROM integration_coupling "
        "WHERE local_table = 'erp.customer' AND dataverse_table = 'account'"
    )
    assert {status for _, _, status in rows} == {"coupled"}
    couplings = {as_uuid(remote): as_uuid(local) for local, remote, _ in rows}
    assert len(set(couplings.values())) == len(rows), "one coupling per customer"
    assert len(couplings) == len(rows), "one coupling per account"
    return couplings


def customer_names(site, where: str = "") -> dict:
    rows = site.query(f"SELECT system_id, name FROM erp_customer {where}")
    return {as_uuid(system_id): name for system_id, name in rows}


def assert_in_step(site, dataverse_client, customers_before: int, created_in_dataverse) -> None:
    couplings = site_couplings(site)
    accounts = customer_accounts(dataverse_client)
    assert set(accounts) == set(couplings), "every account coupled once, no stray account"
    names = customer_names(site)
    wrong = [i for i, local in couplings.items() if names.get(local) != accounts[i]["name"]]
    assert not wrong, f"{len(wrong)} couplings join different names or missing customers"
    assert len(names) == customers_before + len(created_in_dataverse), "no customer twice"
    open_ids = set(customer_names(site, "WHERE blocked = ''"))
    assert open_ids <= set(couplings.values()), "every open customer has its account"
    assert_the_kill_is_on_the_log(site)


def assert_the_kill_is_on_the_log(site) -> None:
    statuses = [r[0] for r in site.query("SELECT status FROM synclog_syncjob")]
    assert "interrupted" in statuses, "the killed run is marked on the log"
    assert "running" not in statuses


@pytest.mark.parametrize("seed", SEEDS)
def test_a_killed_synchronization_from_dataverse_rerun_makes_one_customer_per_account(
    sites, tmp_path, emulator, dataverse_client, seed
):
    site = sites.new(tmp_path, emulator.url)
    with emulator.user_session() as person:
        created = create_accounts(
            person, [f"From Dataverse {seed}-{n:04d}" for n in range(ACCOUNTS)]
        )
    before = site.query("SELECT count(*) FROM erp_customer")[0][0]

    args = ("--mapping", "CUSTOMER", "--full", "--direction", "from")
    kill_and_rerun(site, emulator, seed, args, expected=dict.fromkeys(PHASES, ACCOUNTS))

    couplings = site_couplings(site)
    assert set(created) == set(couplings)
    names = customer_names(site)
    assert len(names) == before + ACCOUNTS, "one customer per account, none twice"
    accounts = customer_accounts(dataverse_client)
    assert all(names[couplings[i]] == accounts[i]["name"] for i in created)
    assert_the_kill_is_on_the_log(site)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_killed_bidirectional_synchronization_rerun_leaves_both_sides_one_to_one(
    sites, tmp_path, emulator, dataverse_client, seed
):
    site = sites.new(tmp_path, emulator.url)
    with emulator.user_session() as person:
        created = create_accounts(person, [f"Both Ways {seed}-{n:04d}" for n in range(ACCOUNTS)])
    before = site.query("SELECT count(*) FROM erp_customer")[0][0]
    open_customers = site.query("SELECT count(*) FROM erp_customer WHERE blocked = ''")[0][0]

    kill_and_rerun(
        site,
        emulator,
        seed,
        ("--mapping", "CUSTOMER", "--full"),
        expected={
            "reserved": open_customers + ACCOUNTS,
            "confirmed": open_customers + ACCOUNTS,
            "inserted": ACCOUNTS,
        },
    )

    assert_in_step(site, dataverse_client, before, created)
