"""The Integration Synchronization Jobs and Errors pages, in the admin's look.

Views stay thin: filter with the FilterSets, page, and hand rows to the templates. Every
page needs a staff login (the admin's own login page) and a model permission (403 without).
"""

from functools import wraps

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse

from . import charts, presenters, selectors, services
from .filters import SyncJobErrorFilter, SyncJobFilter
from .models import SyncJob

JOBS_PER_PAGE = 50
ERRORS_PER_PAGE = 50
JOBS_TITLE = "Integration Synchronization Jobs"
ERRORS_TITLE = "Integration Synchronization Errors"
TITLES_BY_TYPE = {
    SyncJob.JobType.COUPLING: "Integration Coupling Jobs",
    SyncJob.JobType.UNCOUPLING: "Integration Uncoupling Jobs",
}


def admin_page(permission: str):
    """Wrap a view in the admin's staff login and require ``permission`` (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        def checked(request, *args, **kwargs):
            if not request.user.has_perm(permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return admin.site.admin_view(checked)

    return decorator


def paginate(request, queryset, per_page: int) -> Page:
    page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)  # evaluate once; templates iterate it twice
    page.elided_range = page.paginator.get_elided_page_range(page.number, on_each_side=2)
    return page


def filtered(filterset):
    """Return the FilterSet's rows, or none when its form is invalid (shown with errors)."""
    if filterset.is_bound and not filterset.is_valid():
        return filterset.queryset.none()
    return filterset.qs


def cleaned(filterset) -> dict:
    """Return the valid filter values (none while the form is unbound)."""
    return filterset.form.cleaned_data if filterset.is_bound and filterset.is_valid() else {}


def page_context(request, title: str, **extra) -> dict:
    return {**admin.site.each_context(request), "title": title, **extra}


@admin_page("synclog.view_syncjob")
def job_list(request):
    filterset = SyncJobFilter(request.GET or None, queryset=selectors.jobs(), request=request)
    jobs = filtered(filterset)
    values = cleaned(filterset)
    page = paginate(request, jobs, JOBS_PER_PAGE)
    context = page_context(
        request,
        TITLES_BY_TYPE.get(values.get("job_type"), JOBS_TITLE),
        filter=filterset,
        page=page,
        record_log=bool(values.get("record") or values.get("jobs")),
        record_id=values.get("record"),
        # Coupled/Uncoupled only mean something for coupling and uncoupling jobs.
        show_coupling_counts=any(job.job_type in TITLES_BY_TYPE for job in page.object_list),
        names=selectors.known_names(),
        can_delete=request.user.has_perm("synclog.delete_syncjob"),
        can_view_errors=request.user.has_perm("synclog.view_syncjoberror"),
        **charts.job_charts(jobs, request.GET.get("chart", charts.DEFAULT_WINDOW)),
    )
    return TemplateResponse(request, "admin/synclog/job_list.html", context)


@admin_page("synclog.view_syncjob")
def job_detail(request, pk):
    job = get_object_or_404(SyncJob, pk=pk)
    can_view_errors = request.user.has_perm("synclog.view_syncjoberror")
    page = rows = None
    if can_view_errors:
        page = paginate(request, selectors.job_errors(job), ERRORS_PER_PAGE)
        for error in page.object_list:
            error.job = job  # the page's job: no query per row
        rows = presenters.error_rows(page.object_list, request)
    context = page_context(
        request,
        f"{job.table_mapping_name}: {job.direction_text}",
        job=job,
        progress=selectors.job_progress(job),
        page=page,
        rows=rows,
        can_view_errors=can_view_errors,
    )
    return TemplateResponse(request, "admin/synclog/job_detail.html", context)


@admin_page("synclog.view_syncjob")
def job_progress(request, pk):
    job = get_object_or_404(SyncJob, pk=pk)
    return JsonResponse(selectors.job_progress(job))


@admin_page("synclog.view_syncjoberror")
def error_list(request):
    data = request.GET or None
    filterset = SyncJobErrorFilter(data, queryset=selectors.errors(), request=request)
    page = paginate(request, filtered(filterset), ERRORS_PER_PAGE)
    job_id = cleaned(filterset).get("job")
    context = page_context(
        request,
        ERRORS_TITLE,
        filter=filterset,
        page=page,
        rows=presenters.error_rows(page.object_list, request),
        job=SyncJob.objects.filter(pk=job_id).first() if job_id else None,
        names=selectors.known_names(),
        can_delete=request.user.has_perm("synclog.delete_syncjoberror"),
    )
    return TemplateResponse(request, "admin/synclog/error_list.html", context)


class DeleteEntriesForm(forms.Form):
    days = forms.IntegerField(label="Older than (days)", min_value=0, max_value=36500, initial=7)
    include_failed = forms.BooleanField(label="Also delete jobs with failures", required=False)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def delete_title(days: int) -> str:
    if days == 0:
        return "Delete All Entries"
    return f"Delete Entries Older Than {plural(days, 'Day')}"


def read_days(request, all_entries: bool) -> tuple[DeleteEntriesForm, int | None]:
    """Return the form and the days it asks for (None while it is invalid)."""
    data = request.POST if request.method == "POST" else (request.GET or None)
    if all_entries and data is not None:
        data = data.copy()
        data["days"] = "0"
    form = DeleteEntriesForm(data, initial={"days": 0 if all_entries else 7})
    if not form.is_bound:
        return form, form.initial["days"]
    return form, form.cleaned_data["days"] if form.is_valid() else None


def delete_jobs(request, all_entries: bool):
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    form, days = read_days(request, all_entries)
    if request.method == "POST" and days is not None:
        include_failed = form.cleaned_data["include_failed"]
        deleted = services.delete_jobs(days=days, include_failed=include_failed)
        kept = "" if include_failed else " Jobs with failures were kept."
        done = f"Deleted {plural(deleted, 'synchronization job')}, errors included.{kept}"
        messages.success(request, done)
        return redirect("synclog:job_list")
    preview = services.preview_job_cleanup(days=days) if days is not None else None
    context = page_context(
        request,
        delete_title(days if days is not None else 7),
        kind="jobs",
        form=form,
        days=days,
        all_entries=all_entries,
        preview=preview,
        cutoff=preview.cutoff if preview else None,
        list_title=JOBS_TITLE,
        list_url_name="synclog:job_list",
    )
    return TemplateResponse(request, "admin/synclog/delete_entries.html", context)


def delete_errors(request, all_entries: bool):
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    form, days = read_days(request, all_entries)
    if request.method == "POST" and days is not None:
        deleted = services.delete_errors(days=days)
        messages.success(request, f"Deleted {plural(deleted, 'synchronization error')}.")
        return redirect("synclog:error_list")
    count = services.preview_error_cleanup(days=days) if days is not None else None
    context = page_context(
        request,
        delete_title(days if days is not None else 7),
        kind="errors",
        form=form,
        days=days,
        all_entries=all_entries,
        error_count=count,
        cutoff=services.cutoff(days) if days is not None else None,
        list_title=ERRORS_TITLE,
        list_url_name="synclog:error_list",
    )
    return TemplateResponse(request, "admin/synclog/delete_entries.html", context)


@admin_page("synclog.delete_syncjob")
def job_delete_older(request):
    return delete_jobs(request, all_entries=False)


@admin_page("synclog.delete_syncjob")
def job_delete_all(request):
    return delete_jobs(request, all_entries=True)


@admin_page("synclog.delete_syncjoberror")
def error_delete_older(request):
    return delete_errors(request, all_entries=False)


@admin_page("synclog.delete_syncjoberror")
def error_delete_all(request):
    return delete_errors(request, all_entries=True)
