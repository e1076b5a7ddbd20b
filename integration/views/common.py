"""What the pages share: the admin's login and permissions, the context, record selections."""

from functools import wraps

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from ..services.records import RecordSelection, record_selection


def admin_page(*permissions: str):
    """Wrap a view in the admin's staff login and require every one of ``permissions``."""

    def decorator(view):
        @wraps(view)
        def checked(request, *args, **kwargs):
            if not all(request.user.has_perm(p) for p in permissions):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return admin.site.admin_view(checked)

    return decorator


def page(request, template: str, title: str, **context) -> TemplateResponse:
    context = {**admin.site.each_context(request), "title": title, **context}
    return TemplateResponse(request, f"admin/integration/sync/{template}", context)


def problem_page(request, title: str, error: ValidationError, back: str = "") -> TemplateResponse:
    return page(request, "problem.html", title, problems=error.messages, back_url=back)


def selected(request) -> RecordSelection:
    """The records named by ``model`` and ``pks`` (or ``pk``) in the query or the form."""
    data = request.POST if request.method == "POST" else request.GET
    pks = data.get("pks") or data.get("pk") or ""
    selection = record_selection(label=data.get("model", ""), pks=pks.split(","))
    meta = selection.model._meta
    viewable = f"{meta.app_label}.view_{meta.model_name}"
    changeable = f"{meta.app_label}.change_{meta.model_name}"
    if not (request.user.has_perm(viewable) or request.user.has_perm(changeable)):
        raise PermissionDenied
    return selection


def records_url(selection: RecordSelection) -> str:
    """Where the records came from: the record's card for one, else the list."""
    meta = selection.model._meta
    try:
        if len(selection.records) == 1:
            return reverse(
                f"admin:{meta.app_label}_{meta.model_name}_change", args=[selection.records[0].pk]
            )
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
    except NoReverseMatch:
        return reverse("admin:index")


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return default


def to_run(request, sync_request, message: str = ""):
    """Follow a queued request on its run status page."""
    if message:
        messages.success(request, message)
    return redirect("integration:run_status", run_id=sync_request.pk)
