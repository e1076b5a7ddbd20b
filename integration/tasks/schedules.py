"""django-q2 entry points of scheduled synchronization (``services.schedules``).

Each mapping's django-q2 schedule calls ``run_schedule_task`` with the ``SyncSchedule`` id;
the watch's schedule calls ``watch_schedules_task`` every minute. Arguments are literals.
"""


def run_schedule_task(
    schedule_id: int,
    trigger: str = "schedule",
    requested_by: str = "",
    requested_at: str | None = None,
) -> list[str]:
    """Run one schedule's mapping; return its jobs as "<id> <status>" (the task's result)."""
    from ..services.schedules import schedule_run

    jobs = schedule_run(
        schedule_id=schedule_id,
        trigger=trigger,
        requested_by=requested_by,
        requested_at=requested_at,
    )
    return [f"{job.pk} {job.status}" for job in jobs]


def watch_schedules_task() -> dict[str, list[str]]:
    """Wake sleeping schedules that have work; return the mappings woken, by reason."""
    from ..services.schedule_wakeups import schedules_watch

    return schedules_watch()
