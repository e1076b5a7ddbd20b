"""What the coupling error pages share: permissions, links, messages, the way back.

Links are built only where the person may follow them (a record's change page needs its view
permission), so a page never offers a link that answers 403.
"""

from functools import wraps
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme

from synclog import links as log_links

from ..services.errors import job_summary

VIEW = "integration.view_coupling"
COUPLE = "integration.couple_records"
SYNCHRONIZE = "integration.synchronize_mapping"
VIEW_JOBS = "synclog.view_syncjob"


def admin_page(*permissions: str):
    """Wrap a view in the admin's staff login and require every permission (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        def checked(request, *args, **kwargs):
            if not request.user.has_perms(permissions):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return admin.site.admin_view(checked)

    return decorator


def page_context(request, title: str, **extra) -> dict:
    return {**admin.site.each_context(request), "title": title, **extra}


# ---- Links ------------------------------------------------------------------------------


def record_admin_url(record, user) -> str | None:
    """The local record's change page in the admin, if it has one the user may open."""
    opts = record._meta
    if not admin.site.is_registered(type(record)):
        return None
    if not (
        user.has_perm(f"{opts.app_label}.view_{opts.model_name}")
        or user.has_perm(f"{opts.app_label}.change_{opts.model_name}")
    ):
        return None
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk])


def set_up_coupling_url(record, user) -> str | None:
    """Set Up Coupling for a local record, once that page exists and the user may couple."""
    if record is None or not user.has_perm(COUPLE):
        return None
    try:
        url = reverse("integration:set_up_coupling")
    except NoReverseMatch:
        return None
    return f"{url}?{urlencode({'model': record._meta.label_lower, 'pk': record.pk})}"


def dataverse_row_url(table: str, row_id) -> str:
    return reverse("integration:dataverse_row", args=[table, row_id])


def record_log_url(coupling, user) -> str | None:
    """The record's Synchronization Log: jobs naming it, and its coupling's last jobs."""
    if not user.has_perm(VIEW_JOBS):
        return None
    jobs = [coupling.last_synch_job_id, coupling.last_synch_dataverse_job_id]
    return log_links.record_log_url(coupling.local_id, jobs)


def mapping_log_url(name: str, user) -> str | None:
    return log_links.mapping_log_url(name) if user.has_perm(VIEW_JOBS) else None


# ---- Messages and the way back ----------------------------------------------------------


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def report(request, outcome, done: str) -> None:
    """Tell what a fix did: the count, each job's result, and what was left and why."""
    if outcome.done:
        messages.success(request, done)
    for job in outcome.jobs:
        level = messages.ERROR if job.has_failures else messages.INFO
        messages.add_message(request, level, job_summary(job))
    if outcome.jobs and request.user.has_perm(VIEW_JOBS):
        url = log_links.record_log_url(None, [job.pk for job in outcome.jobs])
        messages.info(request, format_html('<a href="{}">See the synchronization jobs</a>', url))
    for reason in outcome.left:
        messages.warning(request, reason)


def redirect_back(request, default: str):
    """Return to the page the form came from (its ``next`` field), or to ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(target if target and safe else default)
