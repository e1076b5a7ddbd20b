"""django-q2 entry points for coupling requests: match-based coupling and uncoupling."""

from ..models import IntegrationTableMapping
from ..services import matching, uncoupling
from ..services.records import job_summary, record_selection
from ..services.runs import sync_request_running


def match_based_coupling_task(run_id: str, name: str, label: str = "", pks: list = ()) -> str:
    with sync_request_running(run_id) as request:
        mapping = IntegrationTableMapping.objects.get(name=name)
        local_ids = None
        if pks:
            local_ids = [r.system_id for r in record_selection(label=label, pks=pks).records]
        jobs = matching.match_based_coupling_run(
            mapping=mapping,
            run_id=request.pk,
            requested_by=request.requested_by,
            local_ids=local_ids,
        )
    return job_summary(jobs)


def delete_couplings_task(run_id: str, names: list) -> str:
    with sync_request_running(run_id) as request:
        jobs = [
            uncoupling.mapping_couplings_delete(
                mapping=mapping, run_id=request.pk, requested_by=request.requested_by
            )
            for mapping in IntegrationTableMapping.objects.filter(name__in=names)
        ]
    return job_summary(jobs)


def delete_record_couplings_task(run_id: str, label: str, pks: list) -> str:
    with sync_request_running(run_id) as request:
        selection = record_selection(label=label, pks=pks)
        job = uncoupling.record_couplings_delete(
            mapping=selection.mapping,
            local_ids=[r.system_id for r in selection.records],
            run_id=request.pk,
            requested_by=request.requested_by,
        )
    return job_summary([job])
