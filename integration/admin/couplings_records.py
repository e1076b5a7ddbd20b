"""One record's pages: a Dataverse row with its coupling, and the actions offered on
Integration Synchronization Errors for a logged error's record (Synchronize, Delete Coupling).
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from synclog.models import SyncJobError

from ..models import Coupling
from ..services import errors
from ..services.coupling_states import local_records, mappings_by_tables
from ..services.dataverse_rows import DataverseUnavailable, read_row
from . import couplings_common as common
from .couplings_common import COUPLE, SYNCHRONIZE, VIEW, admin_page, plural


@admin_page(VIEW)
def dataverse_row(request, table: str, row_id):
    """A Dataverse row's columns as the client reads them, its couplings, and links."""
    problem = ""
    try:
        row = read_row(table, row_id)
    except DataverseUnavailable as exc:
        row, problem = None, str(exc)
    couplings = list(Coupling.objects.filter(dataverse_table=table, dataverse_id=row_id))
    context = common.page_context(
        request,
        f"Dataverse {table} row {row.name if row and row.name else row_id}",
        table=table,
        row_id=row_id,
        row=row,
        problem=problem,
        couplings=coupled_records(couplings, request.user),
    )
    # A missing row or an unreachable Dataverse is what this page reports, not a failure
    # of the page: it answers 200 with the reason at the top.
    return TemplateResponse(request, "admin/integration/couplings/dataverse_row.html", context)


def coupled_records(couplings, user) -> list[dict]:
    """Each coupling with its mapping, its local record (if it still exists) and links."""
    records = local_records(couplings)
    mappings = mappings_by_tables()
    result = []
    for coupling in couplings:
        record = records.get((coupling.local_table, coupling.local_id))
        mapping = mappings.get((coupling.local_table, coupling.dataverse_table))
        result.append(
            {
                "coupling": coupling,
                "mapping": mapping,
                "record": record,
                "record_url": common.record_admin_url(record, user) if record else None,
                "log_url": common.record_log_url(coupling, user),
                "errors_url": errors_page_url(coupling, mapping, user),
            }
        )
    return result


def errors_page_url(coupling, mapping, user) -> str | None:
    """Coupled Data Synchronization Errors searched for this coupling, when it is listed."""
    if not user.has_perm(VIEW) or not (coupling.skipped or coupling.is_failed):
        return None
    return f"{reverse('integration:coupling_errors')}?q={coupling.dataverse_id}"


# ---- Actions on a logged error's record -------------------------------------------------


def logged_error(pk) -> SyncJobError:
    return get_object_or_404(SyncJobError.objects.select_related("job"), pk=pk)


@require_POST
@admin_page(SYNCHRONIZE)
def error_synchronize(request, pk):
    """Synchronize: the error's record again, in its job's direction, Skipped cleared."""
    error = logged_error(pk)
    outcome = errors.synchronize_error_record(error, requested_by=request.user.get_username())
    common.report(request, outcome, "The record was synchronized.")
    return common.redirect_back(request, reverse("synclog:error_list"))


@require_POST
@admin_page(COUPLE)
def error_delete_coupling(request, pk):
    """Delete Coupling: the error's record is no longer synchronized with its counterpart."""
    deleted = errors.delete_error_coupling(logged_error(pk))
    if deleted:
        messages.success(request, f"{plural(deleted, 'coupling')} deleted; the records were kept.")
    else:
        messages.warning(request, "The record of this error is not coupled.")
    return common.redirect_back(request, reverse("synclog:error_list"))
