"""Background work of Coupled Data Synchronization Errors (ids in, a service call, nothing else).

Enqueued by ``integration.admin.couplings`` when an action covers more couplings than a page
should wait for; each returns a one-line summary, which django-q2 keeps as the task's result.
"""

from ..services import errors


def retry_all_task(mapping_name: str = "") -> str:
    cleared = errors.retry_all(mapping_name)
    return f"Retry All: {errors.plural(cleared, 'coupling')} no longer skipped."


def synchronize_task(coupling_ids: list[int], side: str, requested_by: str = "") -> str:
    outcome = errors.synchronize(coupling_ids, side, requested_by=requested_by)
    return summary("Synchronize", outcome)


def restore_records_task(coupling_ids: list[int], requested_by: str = "") -> str:
    outcome = errors.restore_records(coupling_ids, requested_by=requested_by)
    return summary("Restore Records", outcome)


def find_for_deleted_task() -> str:
    marked = errors.find_for_deleted()
    return f"Find for Deleted: {errors.plural(marked, 'coupling')} marked as skipped."


def summary(action: str, outcome: errors.Outcome) -> str:
    """What the task did, as Business Central's messages would say it, on one line."""
    jobs = [errors.job_summary(job) for job in outcome.jobs]
    done = f"{action}: {errors.plural(outcome.done, 'coupling')} done."
    return " ".join([done, *jobs, *outcome.left])
