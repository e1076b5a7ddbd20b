"""django-q2 entry points for synchronization requests: literals in, a service call, a summary.

Each request task gets its request's id first; ``sync_request_running`` marks the request
running and then finished (or failed, with the error) for its run status page.
"""

from ..services import creation, mapping_runs, review, synchronize_now
from ..services.records import job_summary
from ..services.runs import sync_request_running


def synchronize_modified_records_task(run_id: str, names: list | None = None) -> str:
    with sync_request_running(run_id) as request:
        jobs = mapping_runs.modified_records_run(
            run_id=request.pk, names=names, requested_by=request.requested_by
        )
    return job_summary(jobs)


def synchronize_mapping_task(run_id: str, name: str, mode: str) -> str:
    with sync_request_running(run_id) as request:
        jobs = mapping_runs.mapping_full_sync_run(
            run_id=request.pk, name=name, mode=mode, requested_by=request.requested_by
        )
    return job_summary(jobs)


def synchronize_now_task(run_id: str, label: str, pks: list, choice: str) -> str:
    with sync_request_running(run_id) as request:
        jobs = synchronize_now.synchronize_now_run(
            run_id=request.pk,
            label=label,
            pks=pks,
            choice=choice,
            requested_by=request.requested_by,
        )
    return job_summary(jobs)


def create_in_dataverse_task(run_id: str, label: str, pks: list) -> str:
    with sync_request_running(run_id) as request:
        jobs = creation.create_in_dataverse_run(
            run_id=request.pk, label=label, pks=pks, requested_by=request.requested_by
        )
    return job_summary(jobs)


def create_in_erp_task(run_id: str, name: str, dataverse_ids: list) -> str:
    with sync_request_running(run_id) as request:
        jobs = creation.create_in_erp_run(
            run_id=request.pk,
            name=name,
            dataverse_ids=dataverse_ids,
            requested_by=request.requested_by,
        )
    return job_summary(jobs)


def full_sync_review_analyze_task() -> str:
    review.full_sync_review_analyze(preview=True)
    return "Full synchronization review analyzed."


def full_sync_review_line_task(name: str) -> str:
    jobs = review.full_sync_review_line_run(name=name)
    return f"{name}: {job_summary(jobs)}"
