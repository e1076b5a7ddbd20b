"""Waking sleeping schedules: local changes, Dataverse changes, runs whose worker died.

A schedule On Hold with Inactivity Timeout sleeps until its timeout period ends, unless:

- a record of the mapped local table is saved or deleted (``local_table_changed``, called by
  the signals of every synchronizable model). It costs one query per table and process at
  most every ``TANDEM_WAKE_THROTTLE_SECONDS``, sent after the transaction commits, so a bulk
  of saves stays cheap and a worker never runs before the change is visible;
- the watch (``schedules_watch``, a django-q2 schedule every minute) finds records of the
  local table modified since the schedule's last run (what the throttle passed over, and bulk
  updates that send no signal), or Dataverse reports changes on the mapping's delta link (one
  request per sleeping mapping).

Mappings with Disable Event-driven Synch. Job Rescheduling sleep through local changes. The
watch also finds runs whose worker died: synchronization jobs still marked running although
no live run holds their mapping's lease. It marks them interrupted and makes the schedule due,
so that the next run finishes their work.
"""

import logging
import time
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from synclog.models import SyncJob

from ..connection import ConnectionDisabled, dataverse_client
from ..dataverse.errors import ConnectionUnusable, DeltaLinkExpired, RetryLater
from ..models import IntegrationTableMapping, SyncSchedule
from .schedules import lease_alive, local_changed_since, q_schedules, schedule_name

logger = logging.getLogger(__name__)
Status = SyncSchedule.Status

DEAD_RUN_MESSAGE = (
    "The worker running this job stopped before it finished. Nothing it did is lost: the "
    "next run of this mapping picks up where it ended."
)

# When this process last sent a wake-up per local table (time.monotonic()).
_last_wake: dict[str, float] = {}


def local_table_changed(label: str) -> None:
    """Wake the sleeping schedules of ``label``'s mappings once the transaction commits."""
    now = time.monotonic()
    last = _last_wake.get(label)
    if last is not None and now - last < settings.TANDEM_WAKE_THROTTLE_SECONDS:
        return  # a wake-up went out a moment ago; the watch catches anything it missed
    _last_wake[label] = now
    # robust: a wake-up that fails is logged, never fails the save that caused it.
    transaction.on_commit(lambda: wake_for_local_change(label), robust=True)


def forget_wake_ups() -> None:
    """Forget the throttle's memory (tests, and processes that fork)."""
    _last_wake.clear()


def wake_for_local_change(label: str) -> list[str]:
    sleeping = SyncSchedule.objects.filter(
        enabled=True,
        status=Status.ON_HOLD_INACTIVITY,
        table_mapping__local_table=label,
        table_mapping__disable_event_job_resch=False,
    ).select_related("table_mapping")
    message = f"Woken by a change to {label}."
    return [s.table_mapping.name for s in sleeping if schedule_wake(s, message=message)]


def schedule_wake(schedule: SyncSchedule, *, message: str, only_on_hold: bool = True) -> bool:
    """Make an enabled schedule due now; one that was on hold becomes Ready."""
    now = timezone.now()
    rows = SyncSchedule.objects.filter(pk=schedule.pk, enabled=True)
    if only_on_hold:
        # Conditional: a run that ended in between has just decided the status itself.
        rows = rows.filter(status=Status.ON_HOLD_INACTIVITY)
    ready = Case(
        When(status=Status.ON_HOLD_INACTIVITY, then=Value(Status.READY)), default=F("status")
    )
    if not rows.update(status=ready, next_run_at=now, last_message=message):
        return False
    q_schedules().filter(name=schedule_name(schedule.table_mapping.name)).update(next_run=now)
    logger.info("%s: %s", schedule.table_mapping.name, message)
    return True


# ---- The watch ---------------------------------------------------------------------------


def schedules_watch(*, client=None) -> dict[str, list[str]]:
    """Wake the schedules that have work: a run that died, local or Dataverse changes."""
    woken = {"dead_runs": wake_dead_runs(), "local": [], "dataverse": []}
    sleeping = list(
        SyncSchedule.objects.filter(enabled=True, status=Status.ON_HOLD_INACTIVITY).select_related(
            "table_mapping"
        )
    )
    asleep = []
    for schedule in sleeping:
        mapping = schedule.table_mapping
        if not mapping.disable_event_job_resch and local_changed_since(
            mapping, schedule.last_run_at
        ):
            if schedule_wake(schedule, message=f"Woken by a change to {mapping.local_table}."):
                woken["local"].append(mapping.name)
        else:
            asleep.append(schedule)
    woken["dataverse"] = wake_for_dataverse_changes(asleep, client)
    return woken


def wake_for_dataverse_changes(schedules: list[SyncSchedule], client=None) -> list[str]:
    """Ask Dataverse, one request per mapping, whether its table changed since the last run.

    The question goes to the delta link the last run stored; a mapping without one has not
    finished a run that reads Dataverse yet, and waits for its timeout.
    """
    tracked = [s for s in schedules if s.table_mapping.dataverse_delta_link]
    if not tracked:
        return []
    own_client = client is None
    try:
        client = client or dataverse_client()
    except (ConnectionDisabled, ConnectionUnusable) as exc:
        logger.info("Dataverse changes not checked: %s", exc)
        return []
    woken = []
    try:
        for schedule in tracked:
            if wake_if_dataverse_changed(client, schedule):
                woken.append(schedule.table_mapping.name)
    except (RetryLater, ConnectionUnusable) as exc:
        logger.warning("Dataverse changes not checked: %s", exc)
    finally:
        if own_client:
            client.close()
    return woken


def wake_if_dataverse_changed(client, schedule: SyncSchedule) -> bool:
    try:
        changed = client.has_changes(schedule.table_mapping.dataverse_delta_link)
    except DeltaLinkExpired:
        changed = True  # the next run reads the table in full
    return changed and schedule_wake(schedule, message="Woken by changes in Dataverse.")


def wake_dead_runs() -> list[str]:
    """Mark the jobs of runs whose worker died interrupted, and make their schedules due.

    The jobs are read before the lease: a run that ends marks its jobs finished before it
    releases the lease, so a job still running after the lease was found free is dead.
    Synchronization jobs only run under their mapping's lease.
    """
    running = defaultdict(list)
    for name, pk in SyncJob.objects.filter(
        status=SyncJob.Status.RUNNING, job_type=SyncJob.JobType.SYNCHRONIZATION
    ).values_list("table_mapping_name", "pk"):
        running[name].append(pk)
    woken = []
    for mapping in IntegrationTableMapping.objects.filter(name__in=running):
        if lease_alive(mapping) or not mark_interrupted(running[mapping.name]):
            continue
        schedule = SyncSchedule.objects.filter(table_mapping=mapping).first()
        message = "The last run stopped before it finished (its worker died); the next run "
        message += "finishes its work."
        if schedule and schedule_wake(schedule, message=message, only_on_hold=False):
            woken.append(mapping.name)
    return woken


def mark_interrupted(job_ids: list) -> int:
    return SyncJob.objects.filter(pk__in=job_ids, status=SyncJob.Status.RUNNING).update(
        status=SyncJob.Status.INTERRUPTED, finished_at=timezone.now(), message=DEAD_RUN_MESSAGE
    )
