"""Scheduled synchronization: one django-q2 schedule per table mapping.

Business Central runs each mapping from a recurring job queue entry (BC_SYNC_REFERENCE §3.9).
Here a ``SyncSchedule`` row holds what an administrator sees and edits (No. of Minutes between
Runs, Inactivity Timeout Period, status, last and next run) and a django-q2 ``Schedule``, found
by its name, fires it. After a run whose jobs inserted, modified, deleted and failed nothing,
the schedule goes On Hold with Inactivity Timeout: its next run moves out by the timeout
period, unless something wakes it first (``schedule_wakeups``).

django-q2's scheduler moves ``Schedule.next_run`` on by the interval when it fires; this module
moves it when a run's outcome or an edit says so, and ``SyncSchedule.next_run_at`` mirrors it
for the pages. The runs go through the engine, whose lease allows one run per mapping at a
time on any number of workers.
"""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from synclog.models import SyncJob

from ..engine import RunOptions
from ..engine.lease import holder_is_gone
from ..models import Coupling, IntegrationTableMapping, SyncSchedule
from .background import enqueue
from .synchronization import synchronize_mapping

logger = logging.getLogger(__name__)

RUN_TASK = "integration.tasks.schedules.run_schedule_task"
WATCH_TASK = "integration.tasks.schedules.watch_schedules_task"
WATCH_NAME = "Wake sleeping synchronization schedules"
WATCH_MINUTES = 1
WATCH_TIMEOUT_SECONDS = 300
MAX_MINUTES = 32767  # django-q2 keeps a schedule's minutes in a small integer
Status = SyncSchedule.Status


def schedule_name(mapping_name: str) -> str:
    """The django-q2 schedule's name: Business Central's job queue entry description."""
    return f"{mapping_name} - Dataverse synchronization job"


def q_schedules():
    from django_q.models import Schedule  # django_q's models need the app registry ready

    return Schedule.objects


# ---- Creating and editing schedules ------------------------------------------------------


def schedules_ensure(*, restart: Iterable[str] = ()) -> None:
    """Create or update every mapping's django-q2 schedule (by name), and the watch's.

    Mappings named in ``restart`` start over, as Business Central's recreated job queue
    entries do: Ready and due now. Schedules left behind by renamed or deleted mappings go.
    """
    now, restart = timezone.now(), set(restart)
    names = []
    for schedule in SyncSchedule.objects.select_related("table_mapping"):
        names.append(schedule_name(schedule.table_mapping.name))
        next_run = None
        if schedule.table_mapping.name in restart:
            schedule.status = Status.READY if schedule.enabled else Status.DISABLED
            schedule.last_message = ""
            next_run = now
        if next_run or schedule.next_run_at is None:
            schedule.next_run_at = next_run = next_run or now
            schedule.save(update_fields=["status", "last_message", "next_run_at"])
        save_q_schedule(schedule, next_run=next_run)
    q_schedules().filter(func=RUN_TASK).exclude(name__in=names).delete()
    ensure_watch()


def save_q_schedule(schedule: SyncSchedule, *, next_run: datetime | None = None) -> None:
    """Carry a schedule's settings over to its django-q2 schedule; move it to ``next_run``."""
    values = {
        "func": RUN_TASK,
        "args": repr((schedule.pk,)),  # literals only: the scheduler literal_evals them
        "schedule_type": "I",  # Schedule.MINUTES
        "minutes": min(max(schedule.interval_minutes, 1), MAX_MINUTES),
        "repeats": -1 if schedule.enabled else 0,  # django-q2 never fires repeats=0
        "intended_date_kwarg": "requested_at",
    }
    if next_run is not None:
        values["next_run"] = next_run
    q_schedules().update_or_create(
        name=schedule_name(schedule.table_mapping.name),
        defaults=values,
        create_defaults={**values, "next_run": next_run or schedule.next_run_at},
    )


def ensure_watch() -> None:
    """The light schedule that wakes sleeping schedules (``schedules_watch``), every minute."""
    q_schedules().update_or_create(
        name=WATCH_NAME,
        defaults={
            "func": WATCH_TASK,
            "schedule_type": "I",
            "minutes": WATCH_MINUTES,
            "repeats": -1,
            # A watch stuck on an unanswering service must not hold a worker for an hour.
            "kwargs": repr({"q_options": {"timeout": watch_timeout()}}),
        },
    )


def watch_timeout() -> int:
    return min(WATCH_TIMEOUT_SECONDS, settings.Q_CLUSTER.get("timeout") or WATCH_TIMEOUT_SECONDS)


def schedule_save(*, schedule: SyncSchedule, changed: Iterable[str]) -> SyncSchedule:
    """Save an administrator's edit and carry it over to the django-q2 schedule.

    Enabling makes the schedule due now; a new interval or timeout period counts from the
    last run, as Business Central recalculates the earliest start of its entry.
    """
    changed, now, next_run = set(changed), timezone.now(), None
    if "enabled" in changed:
        schedule.status = Status.READY if schedule.enabled else Status.DISABLED
        next_run = now if schedule.enabled else None
    elif schedule.enabled and changed & {"interval_minutes", "inactivity_timeout_minutes"}:
        next_run = planned_next_run(schedule, now)
    if next_run is not None:
        schedule.next_run_at = next_run
    schedule.save()
    save_q_schedule(schedule, next_run=next_run)
    return schedule


def planned_next_run(schedule: SyncSchedule, now: datetime) -> datetime:
    on_hold = schedule.status == Status.ON_HOLD_INACTIVITY
    minutes = schedule.inactivity_timeout_minutes if on_hold else schedule.interval_minutes
    return max(now, (schedule.last_run_at or now) + timedelta(minutes=minutes))


def schedules_set_enabled(*, schedules: Iterable[SyncSchedule], enabled: bool) -> int:
    """Enable or disable ``schedules``; return how many changed."""
    count = 0
    for schedule in schedules:
        if schedule.enabled != enabled:
            schedule.enabled = enabled
            schedule_save(schedule=schedule, changed={"enabled"})
            count += 1
    return count


def schedule_run_now(*, schedule: SyncSchedule, requested_by: str = "") -> None:
    """Run the schedule's mapping on a worker now (after the current transaction commits)."""
    enqueue(
        RUN_TASK,
        schedule.pk,
        trigger=SyncJob.Trigger.MANUAL.value,
        requested_by=requested_by,
        requested_at=timezone.now().isoformat(),
    )


# ---- Running -----------------------------------------------------------------------------


def schedule_run(
    *,
    schedule_id: int,
    trigger: str = SyncJob.Trigger.SCHEDULE,
    requested_by: str = "",
    requested_at: str | None = None,
) -> list[SyncJob]:
    """Run a schedule's mapping once and put the schedule on hold or keep it ready."""
    schedule = SyncSchedule.objects.select_related("table_mapping").filter(pk=schedule_id).first()
    if schedule is None:
        # Its mapping was deleted: the django-q2 schedule that fired is all that is left.
        q_schedules().filter(func=RUN_TASK, args=repr((schedule_id,))).delete()
        return []
    if trigger == SyncJob.Trigger.SCHEDULE and not schedule.enabled:
        return []
    if already_served(schedule, requested_at):
        return []
    options = RunOptions(
        trigger=trigger, requested_by=requested_by, wait_for_lease=settings.TANDEM_RUN_WAIT_SECONDS
    )
    started = timezone.now()
    try:
        jobs = synchronize_mapping(schedule.table_mapping, options=options)
    except Exception as exc:
        record_outcome(schedule, options.run_id, started, [], error=str(exc) or repr(exc))
        raise
    record_outcome(schedule, options.run_id, started, jobs)
    return jobs


def already_served(schedule: SyncSchedule, requested_at: str | None) -> bool:
    """Whether a run started after this request: then the request is stale.

    The ORM broker hands a task whose worker died to another worker after ``retry``
    seconds; by then a later run has usually done the work, and running again would only
    repeat it.
    """
    requested = parse_datetime(requested_at) if requested_at else None
    if requested is None or schedule.last_run_at is None or schedule.last_run_at <= requested:
        return False
    logger.info("%s: a run started after the request of %s; not run again", schedule, requested)
    return True


def record_outcome(schedule, run_id, started, jobs, *, error: str = "") -> None:
    """Keep the schedule Ready, put it on hold, or mark it failed, after one run."""
    if jobs and all(job.status == SyncJob.Status.SKIPPED for job in jobs):
        return  # another run of the mapping was under way; it records its own outcome
    status, message = outcome(schedule, jobs, started, error)
    now = timezone.now()
    if status == Status.ON_HOLD_INACTIVITY:
        next_run = now + timedelta(minutes=schedule.inactivity_timeout_minutes)
    else:
        next_run = regular_next_run(schedule, started)
    if not SyncSchedule.objects.filter(pk=schedule.pk, enabled=True).exists():
        status, next_run = Status.DISABLED, None  # disabled while it ran
    fields = {"last_run_at": started, "last_run_id": run_id, "last_message": message}
    if next_run is not None:
        fields["next_run_at"] = next_run
        q_schedules().filter(name=schedule_name(schedule.table_mapping.name)).update(
            next_run=next_run
        )
    SyncSchedule.objects.filter(pk=schedule.pk).update(status=status, **fields)


def outcome(schedule, jobs, started, error) -> tuple[str, str]:
    mapping = schedule.table_mapping
    if error:
        return Status.FAILED, f"The run stopped: {error}"
    stopped = [job for job in jobs if job.status == SyncJob.Status.FAILED]
    if stopped:
        return Status.FAILED, stopped[0].message
    counts = {
        name: sum(getattr(job, name) for job in jobs)
        for name in ("inserted", "modified", "deleted", "failed")
    }
    summary = ", ".join(f"{name} {count}" for name, count in counts.items()).capitalize() + "."
    # A local change made while the run went on may have come too late for it, and the
    # wake-up it sent found the schedule awake: stay Ready so the next run picks it up.
    changed_meanwhile = not mapping.disable_event_job_resch and local_changed_since(
        mapping, started
    )
    if sum(counts.values()) or changed_meanwhile:
        return Status.READY, summary
    return Status.ON_HOLD_INACTIVITY, (
        f"{summary} Nothing changed: on hold for the Inactivity Timeout Period "
        f"({schedule.inactivity_timeout_minutes} minutes)."
    )


def regular_next_run(schedule: SyncSchedule, started: datetime) -> datetime:
    """The next run one interval after this one, or sooner when django-q2 already has one."""
    fired = (
        q_schedules()
        .filter(name=schedule_name(schedule.table_mapping.name))
        .values_list("next_run", flat=True)
        .first()
    )
    due = started + timedelta(minutes=schedule.interval_minutes)
    return min(fired, due) if fired else due


def local_changed_since(mapping: IntegrationTableMapping, since: datetime | None) -> bool:
    """Whether a record of the mapping's local table was saved or deleted since ``since``.

    Two indexed queries at most, whatever the size of the table.
    """
    if since is None:
        return False
    try:
        model = apps.get_model(mapping.local_table)
    except (LookupError, ValueError):
        return False
    if model._default_manager.filter(modified_at__gte=since).exists():
        return True
    return Coupling.objects.filter(
        local_table=mapping.local_table, local_deleted_at__gte=since
    ).exists()


# ---- What the pages show -----------------------------------------------------------------


def lease_held_q(now: datetime | None = None) -> Q:
    """Schedules whose mapping a run holds now (the pages' "In process")."""
    now = now or timezone.now()
    return ~Q(table_mapping__lease_owner="") & Q(table_mapping__lease_expires_at__gt=now)


def lease_alive(mapping: IntegrationTableMapping, now: datetime | None = None) -> bool:
    """Whether a live run holds the mapping's lease (a holder that died does not count)."""
    now = now or timezone.now()
    if not mapping.lease_owner or not mapping.lease_expires_at or mapping.lease_expires_at < now:
        return False
    return not holder_is_gone(mapping.lease_owner)


def displayed_status(schedule: SyncSchedule) -> str:
    """Disabled, In process while a run of the mapping holds its lease, else as stored."""
    if not schedule.enabled:
        return Status.DISABLED
    if lease_alive(schedule.table_mapping):
        return Status.RUNNING
    return schedule.status
