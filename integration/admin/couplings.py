"""Coupled Data Synchronization Errors (Business Central's page 5333) in the admin's style.

The page lists failed and skipped couplings with both sides' state; its actions work on the
couplings ticked on the page, and Retry All and Find for Deleted on all of them. Views stay
thin: they check permissions, call ``integration.services.errors`` (or enqueue a task from
``integration.tasks.errors`` when the work is long), and report with messages.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from ..models import Coupling, IntegrationTableMapping
from ..services import coupling_states, errors
from ..services.background import enqueue
from . import couplings_common as common
from .couplings_common import COUPLE, SYNCHRONIZE, VIEW, admin_page, plural
from .couplings_rows import error_rows

TITLE = "Coupled Data Synchronization Errors"
INLINE_LIMIT = 10  # couplings synchronized while the person waits; more go to a worker
TASKS = "integration.tasks.errors"
SIDES = {errors.SEND: "Send", errors.GET: "Get"}


class FilterForm(forms.Form):
    mapping = forms.ChoiceField(label="Table mapping", required=False)
    state = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[
            ("", "Failed and skipped"),
            (coupling_states.SKIPPED, "Skipped only"),
            (coupling_states.FAILED, "Failed only"),
        ],
    )
    q = forms.CharField(label="Search", required=False, max_length=200)

    def __init__(self, *args, mappings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mapping"].choices = [("", "All")] + [(m.name, m.name) for m in mappings]
        self.fields["q"].widget.attrs["placeholder"] = "Error, number, name or id"


def filtered_couplings(form: FilterForm, mappings):
    """Return the couplings the filter asks for (none while the form is invalid)."""
    if form.is_bound and not form.is_valid():
        return Coupling.objects.none(), None
    values = form.cleaned_data if form.is_bound else {}
    mapping = next((m for m in mappings if m.name == values.get("mapping")), None)
    couplings = coupling_states.error_couplings(
        mapping=mapping,
        state=values.get("state", ""),
        search=values.get("q", ""),
        mappings=mappings,
    )
    return couplings, mapping


@admin_page(VIEW)
def coupling_errors(request):
    mappings = list(IntegrationTableMapping.objects.order_by("name"))
    form = FilterForm(filter_data(request.GET), mappings=mappings)
    couplings, mapping = filtered_couplings(form, mappings)
    page = coupling_states.page_of(
        couplings,
        after=coupling_states.Cursor.parse(request.GET.get("after")),
        before=coupling_states.Cursor.parse(request.GET.get("before")),
        size=coupling_states.PAGE_SIZE,
    )
    states, problem = coupling_states.assess(page.couplings, mappings=mappings)
    context = common.page_context(
        request,
        TITLE,
        form=form,
        page=page,
        rows=error_rows(states, request.user),
        problem=problem,
        mapping=mapping,
        mapping_log_url=common.mapping_log_url(mapping.name, request.user) if mapping else None,
        actions=available_actions(request.user),
        can_couple=request.user.has_perm(COUPLE),
        action_checkbox_name=helpers.ACTION_CHECKBOX_NAME,
    )
    return TemplateResponse(request, "admin/integration/couplings/error_list.html", context)


def filter_data(query):
    """The filter's fields from the query string (paging cursors are not filters)."""
    data = {key: query.get(key) for key in ("mapping", "state", "q") if key in query}
    return data or None


# ---- The actions on ticked couplings ----------------------------------------------------


@dataclass(frozen=True)
class Action:
    label: str
    permissions: tuple[str, ...]
    run: Callable


def available_actions(user) -> list[tuple[str, str]]:
    return [(name, a.label) for name, a in ACTIONS.items() if user.has_perms(a.permissions)]


@require_POST
@admin_page(VIEW)
def coupling_errors_action(request):
    action = ACTIONS.get(request.POST.get("action", ""))
    back = reverse("integration:coupling_errors")
    if action is None:
        messages.warning(request, "Choose an action.")
        return common.redirect_back(request, back)
    if not request.user.has_perms(action.permissions):
        raise PermissionDenied
    ids = selected_ids(request)
    if not ids:
        messages.warning(request, "Tick the couplings to act on: no couplings were changed.")
        return common.redirect_back(request, back)
    return action.run(request, ids)


def selected_ids(request) -> list[int]:
    values = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
    return sorted({int(v) for v in values if v.isdigit()})


def confirmed(request) -> bool:
    return request.POST.get("post") == "yes"


def back_to_list(request):
    return common.redirect_back(request, reverse("integration:coupling_errors"))


def retry_action(request, ids):
    outcome = errors.retry(ids)
    common.report(
        request,
        outcome,
        f"{plural(outcome.done, 'coupling')} will be retried by the next synchronization.",
    )
    return back_to_list(request)


def synchronize_action(request, ids):
    side = request.POST.get("side")
    if side not in SIDES:
        return confirmation(request, ids, "synchronize", "Synchronize", sides=True)
    user = request.user.get_username()
    if len(ids) > INLINE_LIMIT:
        enqueue(f"{TASKS}.synchronize_task", ids, side, user)
        messages.success(request, background_note("Synchronization", ids))
        return back_to_list(request)
    outcome = errors.synchronize(ids, side, requested_by=user)
    common.report(
        request, outcome, f"{SIDES[side]}: {plural(outcome.done, 'coupling')} synchronized."
    )
    return back_to_list(request)


def delete_couplings_action(request, ids):
    if not confirmed(request):
        return confirmation(request, ids, "delete_couplings", "Delete Couplings")
    deleted = errors.delete_couplings(ids)
    messages.success(request, f"{plural(deleted, 'coupling')} deleted; the records were kept.")
    return back_to_list(request)


def restore_records_action(request, ids):
    if not confirmed(request):
        return confirmation(request, ids, "restore_records", "Restore Records")
    user = request.user.get_username()
    if len(ids) > INLINE_LIMIT:
        enqueue(f"{TASKS}.restore_records_task", ids, user)
        messages.success(request, background_note("Restore Records", ids))
        return back_to_list(request)
    outcome = errors.restore_records(ids, requested_by=user)
    common.report(request, outcome, f"{plural(outcome.done, 'record')} restored.")
    return back_to_list(request)


def delete_records_action(request, ids):
    if not confirmed(request):
        return confirmation(request, ids, "delete_records", "Delete Records")
    user = request.user

    def may_delete(model) -> bool:
        return user.has_perm(f"{model._meta.app_label}.delete_{model._meta.model_name}")

    outcome = errors.delete_records(ids, may_delete_local=may_delete)
    common.report(
        request, outcome, f"{plural(outcome.done, 'record')} deleted, with their couplings."
    )
    return back_to_list(request)


def background_note(what: str, ids) -> str:
    return (
        f"{what} of {plural(len(ids), 'coupling')} runs in the background; its jobs appear in "
        "Integration Synchronization Jobs."
    )


ACTIONS = {
    "retry": Action("Retry", (COUPLE,), retry_action),
    "synchronize": Action("Synchronize", (SYNCHRONIZE,), synchronize_action),
    "delete_couplings": Action("Delete Couplings", (COUPLE,), delete_couplings_action),
    "restore_records": Action("Restore Records", (COUPLE, SYNCHRONIZE), restore_records_action),
    "delete_records": Action("Delete Records", (COUPLE,), delete_records_action),
}

QUESTIONS = {
    "synchronize": "Skipped is cleared, then every mapped value that differs is written from "
    "the side you choose. Choose the data to use:",
    "delete_couplings": "The couplings are deleted and the records on both sides are kept; "
    "they are no longer synchronized together.",
    "restore_records": "For each coupling with exactly one side gone, the coupling is deleted "
    "and the missing record is created again from the surviving one, and coupled to it.",
    "delete_records": "For each coupling with exactly one side gone, the surviving record is "
    "deleted (in the ERP or in Dataverse), and the coupling with it. This cannot be undone.",
}


def confirmation(request, ids, action: str, title: str, sides: bool = False):
    """The intermediate page of an action, as Django's delete confirmation."""
    states, problem = coupling_states.assess(coupling_states.listed().filter(pk__in=ids))
    context = common.page_context(
        request,
        title,
        action=action,
        question=QUESTIONS[action],
        rows=error_rows(states, request.user),
        problem=problem,
        sides=sides,
        next=request.POST.get("next", ""),
        action_checkbox_name=helpers.ACTION_CHECKBOX_NAME,
    )
    return TemplateResponse(request, "admin/integration/couplings/confirm.html", context)


# ---- Retry All and Find for Deleted -----------------------------------------------------


@admin_page(VIEW, COUPLE)
def retry_all(request):
    name = request.POST.get("mapping") or request.GET.get("mapping") or ""
    if request.method == "POST":
        enqueue(f"{TASKS}.retry_all_task", name)
        messages.success(
            request,
            "Retry All runs in the background: skipped couplings are retried by the next "
            "synchronization.",
        )
        return redirect("integration:coupling_errors")
    mapping = IntegrationTableMapping.objects.filter(name=name).first() if name else None
    skipped = coupling_states.error_couplings(mapping=mapping, state=coupling_states.SKIPPED)
    context = common.page_context(
        request, "Retry All", mapping=mapping, skipped=skipped.count(), kind="retry_all"
    )
    return TemplateResponse(request, "admin/integration/couplings/background.html", context)


@admin_page(VIEW, COUPLE)
def find_for_deleted(request):
    if request.method == "POST":
        enqueue(f"{TASKS}.find_for_deleted_task")
        messages.success(
            request,
            "Find for Deleted runs in the background; the couplings it finds appear here as "
            "skipped. Reload the page in a moment.",
        )
        return redirect(reverse("integration:coupling_errors") + "?state=skipped")
    context = common.page_context(request, "Find for Deleted", kind="find_for_deleted")
    return TemplateResponse(request, "admin/integration/couplings/background.html", context)


# ---- The admin's entry for couplings ----------------------------------------------------


@admin.register(Coupling)
class CouplingAdmin(admin.ModelAdmin):
    """Couplings are made and broken by actions, never edited: the list opens this page."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        return redirect("integration:coupling_errors")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        coupling = (
            Coupling.objects.filter(pk=object_id).first() if str(object_id).isdigit() else None
        )
        if coupling is None or not self.has_view_permission(request, coupling):
            return redirect("integration:coupling_errors")
        return redirect(common.dataverse_row_url(coupling.dataverse_table, coupling.dataverse_id))
