"""Match-Based Coupling: couple each uncoupled record to its one uncoupled look-alike.

A coupling job (type Coupling, counter Coupled) pages through the uncoupled records of the
mapping's table filter (or of a selection). For each page and priority group it asks
Dataverse once — one ``$filter`` of OR-ed conditions, split only to keep URLs short — for the
rows that could match, and couples a record when exactly one uncoupled row matches it. The
records left without a unique match fail together in one aggregated error, unless the
mapping creates new rows for them (Create New in Case of No Match). Afterwards the new pairs
can be synchronized (Synch. After Match-Based Coupling) with Send, Get or both, from the
mapping's Resolve Update Conflicts.
"""

from dataclasses import dataclass, field, replace

from django.conf import settings
from django.db.models import Exists, OuterRef

from synclog.models import SyncJob

from ..connection import ConnectionDisabled, dataverse_client
from ..dataverse.errors import ConnectionUnusable, DataverseError
from ..engine import JobStopped, MappingBusy, RunOptions
from ..engine.joblog import JobLog
from ..engine.lease import mapping_lease
from ..engine.local_table import LocalTable
from ..engine.runner import record_failed_start
from ..engine.specs import BOTH, FROM, TO, build_plan
from ..models import Coupling, IntegrationTableMapping
from .match_criteria import can_create_new, match_groups
from .match_lookup import GroupLookup
from .runs import sync_request_enqueue
from .synchronization import synchronize_mapping

PAGE_SIZE = 200
SYNC_CHUNK = 5000  # records per follow-up synchronization (one job each)
# Any error from the client stops the coupling job with its message (the engine does the same).
STOPPING = (JobStopped, DataverseError)
Update = IntegrationTableMapping.UpdateConflictResolution


@dataclass
class CouplingOutcome:
    job: SyncJob
    pairs: list = field(default_factory=list)  # (local id, Dataverse id) coupled
    unmatched: list = field(default_factory=list)  # local ids


def match_based_coupling_request(*, mapping, user, label="", pks=(), return_url=""):
    return sync_request_enqueue(
        action="Match-Based Coupling",
        task="integration.tasks.coupling.match_based_coupling_task",
        args=(mapping.name, label, [str(pk) for pk in pks]),
        description=f"{mapping.name}: {len(pks)} selected records" if pks else mapping.name,
        user=user,
        return_url=return_url,
    )


def match_based_coupling_run(
    *,
    mapping: IntegrationTableMapping,
    run_id,
    requested_by: str = "",
    local_ids=None,
    create_new: bool | None = None,
    progress=None,
) -> list[SyncJob]:
    """The coupling job, then the creations and synchronizations it asks for."""
    options = RunOptions(run_id=run_id, requested_by=requested_by, progress=progress)
    if create_new is None:
        create_new = mapping.create_new_in_case_of_no_match
    create_new = create_new and can_create_new(mapping)
    try:
        client = dataverse_client()
    except (ConnectionDisabled, ConnectionUnusable) as exc:
        return [record_failed_start(mapping, options, exc)]
    outcome = couple_under_lease(mapping, client, options, local_ids, create_new)
    jobs = [outcome.job]
    if create_new and outcome.unmatched:
        jobs += create_counterparts(mapping, client, options, outcome.unmatched)
    if mapping.synch_after_bulk_coupling and outcome.pairs:
        jobs += synchronize_pairs(mapping, client, options, outcome.pairs)
    return jobs


def couple_under_lease(mapping, client, options, local_ids, create_new) -> CouplingOutcome:
    wait = float(getattr(settings, "TANDEM_RUN_WAIT_SECONDS", 10))
    try:
        with mapping_lease(mapping, wait=wait) as heartbeat:
            mapping.refresh_from_db()
            return couple_records(mapping, client, options, local_ids, create_new, heartbeat)
    except MappingBusy as exc:
        return CouplingOutcome(coupling_job(mapping, options, SyncJob.Status.SKIPPED, str(exc)))


def couple_records(mapping, client, options, local_ids, create_new, heartbeat):
    try:
        plan = build_plan(mapping, client)
    except STOPPING as exc:
        return CouplingOutcome(coupling_job(mapping, options, SyncJob.Status.FAILED, str(exc)))
    log = JobLog.start(
        plan, mapping.direction, options, job_type=SyncJob.JobType.COUPLING, heartbeat=heartbeat
    )
    log.track_client(client.stats)
    groups = match_groups(plan)
    if not groups:
        message = (
            f"You must specify which fields on the table mapping '{mapping.name}' should be "
            "used for match-based coupling."
        )
        return CouplingOutcome(log.finish(message, status=SyncJob.Status.FAILED))
    outcome = CouplingOutcome(log.job)
    try:
        match_pages(plan, client, log, groups, local_ids, outcome)
    except STOPPING as exc:
        outcome.job = log.fail_job(exc, client_stats=client.stats)
        outcome.unmatched = []
        return outcome
    if outcome.unmatched and not create_new:
        log_unmatched(plan, log, len(outcome.unmatched))
    outcome.job = log.finish(client_stats=client.stats)
    return outcome


def coupling_job(mapping, options, status, message) -> SyncJob:
    """A coupling job that could not start: recorded with why."""
    job = record_failed_start(mapping, options, message)
    SyncJob.objects.filter(pk=job.pk).update(job_type=SyncJob.JobType.COUPLING, status=status)
    job.job_type, job.status = SyncJob.JobType.COUPLING, status
    return job


def uncoupled_records(plan, local_ids):
    coupled = Coupling.objects.filter(
        local_table=plan.local_table,
        dataverse_table=plan.dataverse_table,
        local_id=OuterRef("system_id"),
    )
    records = LocalTable(plan).filtered().exclude(Exists(coupled))
    if local_ids is not None:
        records = records.filter(system_id__in=list(local_ids))
    return records


def match_pages(plan, client, log, groups, local_ids, outcome) -> None:
    table = LocalTable(plan)
    records = uncoupled_records(plan, local_ids)
    log.set_total(records.count())
    lookup = GroupLookup(plan, client)
    for rows in table.pages(records, PAGE_SIZE):
        pairs = lookup.match(rows, groups)
        coupled = save_pairs(plan, pairs)
        outcome.pairs += coupled
        log.count("coupled", len(coupled))
        matched = {local_id for local_id, _ in coupled}
        unmatched = [r["system_id"] for r in rows if r["system_id"] not in matched]
        outcome.unmatched += unmatched
        log.processed += len(unmatched)
        log.flush(client.stats)


def save_pairs(plan, pairs) -> list:
    """Write the page's couplings; return the pairs that are coupled now.

    A record or row coupled meanwhile by someone else keeps that coupling (the unique
    constraints refuse ours), and its record counts as unmatched.
    """
    if not pairs:
        return []
    tables = {"local_table": plan.local_table, "dataverse_table": plan.dataverse_table}
    Coupling.objects.bulk_create(
        [Coupling(**tables, local_id=local, dataverse_id=remote) for local, remote in pairs],
        ignore_conflicts=True,
    )
    written = set(
        Coupling.objects.filter(**tables, local_id__in=[p[0] for p in pairs]).values_list(
            "local_id", "dataverse_id"
        )
    )
    return [pair for pair in pairs if pair in written]


def log_unmatched(plan, log, count: int) -> None:
    message = (
        f"Failed to couple {count} record(s), because no unique uncoupled matching entity was "
        f"found in {plan.dataverse_caption} with the specified matching criteria."
    )
    log.error(message, count=False)
    log.counts["failed"] += count


def create_counterparts(mapping, client, options, local_ids) -> list[SyncJob]:
    """Create New in Case of No Match: a new Dataverse row for each record left over."""
    jobs = []
    for start in range(0, len(local_ids), SYNC_CHUNK):
        run = replace(
            options,
            local_ids=local_ids[start : start + SYNC_CHUNK],
            dataverse_ids=[],
            create_new=True,
            direction=TO,
        )
        jobs += synchronize_mapping(mapping, options=run, client=client)
    return jobs


def sync_after_direction(mapping) -> str | None:
    """Send, Get, or both for a bidirectional mapping, from Resolve Update Conflicts."""
    if mapping.direction != BOTH:
        return mapping.direction
    return {Update.SEND: TO, Update.GET: FROM}.get(mapping.update_conflict_resolution)


def synchronize_pairs(mapping, client, options, pairs) -> list[SyncJob]:
    """Make both sides of the new couplings agree (their baselines are still empty)."""
    jobs = []
    for start in range(0, len(pairs), SYNC_CHUNK):
        chunk = pairs[start : start + SYNC_CHUNK]
        run = replace(
            options,
            local_ids=[local for local, _ in chunk],
            dataverse_ids=[remote for _, remote in chunk],
            direction=sync_after_direction(mapping),
            force=True,
        )
        jobs += synchronize_mapping(mapping, options=run, client=client)
    return jobs
