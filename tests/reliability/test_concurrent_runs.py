"""Workers side by side: two ``sync`` processes on one mapping, and people editing both sides
while a run is going. On PostgreSQL in CI (and on SQLite locally): no duplicate, no lost
update, conflicts reported as conflicts."""

import subprocess
import uuid

import pytest
from django.utils import timezone

from tests.integration.engine.test_crash import wait_until

from .conftest import customer_accounts
from .sites import as_uuid

pytestmark = pytest.mark.slow

RUN_LIMIT = 240  # seconds a run may take on a loaded machine before the test gives up


@pytest.fixture
def site(sites, tmp_path, emulator):
    return sites.new(tmp_path, emulator.url)


def finish(process: subprocess.Popen) -> int:
    try:
        return process.wait(timeout=RUN_LIMIT)
    except subprocess.TimeoutExpired:
        process.kill()
        raise


def jobs(site) -> list[dict]:
    names = ["run_id", "status", "direction", "inserted", "failed", "message"]
    names += ["started_at", "finished_at"]
    rows = site.query(
        f"SELECT {', '.join(names)} FROM synclog_syncjob "
        "WHERE table_mapping_name = 'CUSTOMER' ORDER BY started_at"
    )
    return [dict(zip(names, row, strict=True)) for row in rows]


def couplings(site) -> dict[uuid.UUID, uuid.UUID]:
    rows = site.query(
        "SELECT local_id, dataverse_id, status FROM integration_coupling "
        "WHERE local_table = 'erp.customer' AND dataverse_table = 'account'"
    )
    assert {status for _, _, status in rows} <= {"coupled"}
    pairs = {as_uuid(remote): as_uuid(local) for local, remote, _ in rows}
    assert len(pairs) == len(rows) == len(set(pairs.values())), "one coupling per record"
    return pairs


def open_customers(site) -> set[uuid.UUID]:
    return {
        as_uuid(r[0]) for r in site.query("SELECT system_id FROM erp_customer WHERE blocked = ''")
    }


def test_two_workers_started_together_on_one_mapping_make_no_duplicate(
    site, emulator, dataverse_client
):
    # Latency makes the run last seconds, far longer than the two processes' start-up skew.
    emulator.faults(latency_ms=120)
    args = ("sync", "--mapping", "CUSTOMER", "--full", "--no-progress")
    first, second = site.start(*args), site.start(*args)
    codes = finish(first), finish(second)
    emulator.clear_faults()

    assert 0 in codes, "one of the two ran to the end"
    runs = {}
    for job in jobs(site):
        runs.setdefault(job["run_id"], []).append(job)
    skipped = [job for job in jobs(site) if job["status"] == "skipped"]
    worked = [run for run in runs.values() if any(j["status"] == "finished" for j in run)]
    if skipped:  # the lease turned the second request away, and the log says so
        assert len(skipped) == 1 and len(worked) == 1
        assert "under way" in skipped[0]["message"]
        run = worked[0]
        # Turned away while the other held the lease (taken before its first job began).
        assert skipped[0]["started_at"] <= run[-1]["finished_at"]
    else:  # or it waited for the lease and found nothing left to create
        assert len(worked) == 2
        earlier, later = sorted(worked, key=lambda run: run[0]["started_at"])
        assert later[0]["started_at"] >= earlier[-1]["finished_at"], "never side by side"
        assert sum(j["inserted"] for j in later) == 0
    assert sum(j["inserted"] for j in jobs(site)) == len(open_customers(site))
    pairs = couplings(site)
    assert set(pairs.values()) == open_customers(site)
    assert set(customer_accounts(dataverse_client)) == set(pairs), "one account per customer"


# People at work during a run ------------------------------------------------------------

LOCAL_ONLY, REMOTE_ONLY, BOTH_FIELDS, SAME_FIELD = range(4)


def edit_locally(site, system_id: uuid.UUID | None = None, **values) -> None:
    """An ERP user saving a customer (all of them when ``system_id`` is None): new values and a
    new modification time, committed."""
    now = timezone.now()
    stamp = now if site.database_url else now.replace(tzinfo=None).isoformat(" ")
    assignments = ", ".join(f"{name} = %s" for name in values)
    where, params = ("WHERE system_id = %s", [site.id_param(system_id)]) if system_id else ("", [])
    site.query(
        f"UPDATE erp_customer SET {assignments}, modified_at = %s {where}",
        (*values.values(), stamp, *params),
    )


def edit_in_dataverse(person, row_id: uuid.UUID, **values) -> None:
    response = person.patch(f"accounts({row_id})", json=values)
    assert response.status_code == 204, response.text


def local_rows(site) -> dict[uuid.UUID, tuple]:
    rows = site.query("SELECT system_id, city, phone_no FROM erp_customer")
    return {as_uuid(sid): (city, phone) for sid, city, phone in rows}


def remote_rows(person, ids) -> dict[uuid.UUID, tuple]:
    found = {}
    for row_id in ids:
        row = person.get(f"accounts({row_id})?$select=address1_city,telephone1").json()
        found[row_id] = (row.get("address1_city"), row.get("telephone1"))
    return found


def job_progress(site) -> int:
    """Records processed so far by the newest job of the run under way."""
    rows = site.query(
        "SELECT processed FROM synclog_syncjob WHERE table_mapping_name = 'CUSTOMER' "
        "AND status = 'running' ORDER BY started_at DESC"
    )
    return rows[0][0] if rows else -1


def make_edits(site, person, pairs, batch, tag) -> dict:
    """Edit the couplings in ``batch`` on one side, the other, or both; return what was done."""
    done = {}
    for n, (row_id, local_id) in enumerate(batch):
        kind = n % 4
        city, phone = f"City {tag}-{n}", f"+47 {tag}{n:03d}"
        if kind in (LOCAL_ONLY, BOTH_FIELDS, SAME_FIELD):
            edit_locally(site, local_id, city=city)
        if kind in (REMOTE_ONLY, BOTH_FIELDS):
            edit_in_dataverse(person, row_id, telephone1=phone)
        if kind == SAME_FIELD:
            edit_in_dataverse(person, row_id, address1_city=f"Remote {city}")
        done[row_id] = (kind, local_id, city, phone)
    return done


def test_edits_on_both_sides_during_a_run_are_neither_lost_nor_duplicated(
    site, emulator, dataverse_client
):
    site.manage("sync", "--mapping", "CUSTOMER", "--full", "--no-progress")
    pairs = list(couplings(site).items())
    # Every customer gets a new contact name, so the next run has pages of work to do.
    edit_locally(site, contact="Busy Person")
    # The run's writes ($batch) answer slowly; the person's own edits go at normal speed.
    emulator.faults(slow_rate=1.0, slow_ms=600, path_contains="$batch")
    edits = {}
    with emulator.user_session() as person:
        run = site.start("sync", "--mapping", "CUSTOMER", "--no-progress")
        for number, batch_at in enumerate((0, 40, 80)):
            wait_until(lambda at=batch_at: job_progress(site) >= at, run, limit=RUN_LIMIT)
            batch = pairs[number * 12 : (number + 1) * 12]
            edits.update(make_edits(site, person, pairs, batch, tag=number))
        assert finish(run) in (0, 1)
        emulator.clear_faults()
        for _ in range(2):  # what came in during the run goes out in the runs after it
            site.manage("sync", "--mapping", "CUSTOMER", "--no-progress", check=False)
        assert_no_edit_lost(site, person, edits)
    pairs = couplings(site)
    assert set(pairs.values()) == open_customers(site)
    assert set(customer_accounts(dataverse_client)) == set(pairs), "no account twice"


def conflict_errors(site) -> set[uuid.UUID]:
    rows = site.query(
        "SELECT dataverse_id, error_message FROM synclog_syncjoberror WHERE error_message LIKE %s",
        ("%changed since the last synchronization%",),
    )
    return {as_uuid(row_id) for row_id, _ in rows}


def assert_no_edit_lost(site, person, edits) -> None:
    local, remote = local_rows(site), remote_rows(person, list(edits))
    conflicts = conflict_errors(site)
    for row_id, (kind, local_id, city, phone) in edits.items():
        here, there = local[local_id], remote[row_id]
        if kind == LOCAL_ONLY:
            assert here[0] == there[0] == city
        elif kind == REMOTE_ONLY:
            assert here[1] == there[1] == phone
        elif kind == BOTH_FIELDS:
            assert here == there == (city, phone), "both edits kept, merged field by field"
        elif row_id in conflicts:
            assert (here[0], there[0]) == (city, f"Remote {city}"), "a conflict overwrites nothing"
        else:
            # No conflict only if the run sent the local edit before the person in Dataverse
            # made theirs (always the later one): theirs then wins on both sides. The local
            # value anywhere would be the Dataverse edit lost.
            assert here[0] == there[0] == f"Remote {city}", "an edit was lost"
    same_field = {row_id for row_id, edit in edits.items() if edit[0] == SAME_FIELD}
    assert same_field & conflicts, "a field changed on both sides mid-run is a conflict"
