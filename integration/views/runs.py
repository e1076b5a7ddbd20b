"""The run status page: one request's jobs with live progress, and its JSON for polling."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse

from ..services.runs import run_status
from .common import admin_page, page


def visible_status(request, run_id):
    """The request's status; its requester and readers of the log may see it."""
    status = run_status(run_id=run_id)
    if status.request is None and not status.jobs:
        raise Http404("There is no such request.")
    mine = status.request is not None and status.request.requested_by == request.user.get_username()
    if not (mine or request.user.has_perm("synclog.view_syncjob")):
        raise PermissionDenied
    return status


@admin_page()
def run_status_view(request, run_id):
    status = visible_status(request, run_id)
    title = status.request.action if status.request else "Synchronization"
    return page(request, "run_status.html", title, status=status, run_id=run_id)


@admin_page()
def run_progress_view(request, run_id):
    status = visible_status(request, run_id)
    return JsonResponse({"running": status.running, "signature": status.signature})
