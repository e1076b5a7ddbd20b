"""Actions of the Integration Table Mappings list that synchronize or couple whole mappings.

Each asks first (the admin's two-POST confirmation: the page posts the selection back with
``post=yes``), then queues a request and follows it on the run status page.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from synclog.links import mapping_log_url

from ..services.mapping_runs import (
    FULL,
    UNCONDITIONAL,
    check_unconditional,
    mapping_full_sync_request,
    modified_records_request,
)
from ..services.uncoupling import couplings_delete_request

SCHEDULED = (
    "Synchronization is scheduled for Modified Records. Details are available on the "
    "Integration Synchronization Jobs page."
)


def confirmation(modeladmin, request, queryset, action, question, notes=()) -> TemplateResponse:
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": action.short_description,
        "question": question,
        "notes": list(notes),
        "names": [m.name for m in queryset],
        "fields": {"action": action.__name__, "post": "yes"},
        "selected": [str(pk) for pk in queryset.values_list("pk", flat=True)],
        "back_url": request.get_full_path(),
        "confirm_label": "Yes",
    }
    return TemplateResponse(request, "admin/integration/sync/confirm.html", context)


def confirmed(request) -> bool:
    return request.POST.get("post") == "yes"


def to_run(sync_request):
    return HttpResponseRedirect(reverse("integration:run_status", args=[sync_request.pk]))


def only_one(modeladmin, request, queryset):
    if queryset.count() != 1:
        modeladmin.message_user(request, "Select exactly one mapping.", messages.WARNING)
        return None
    return queryset.first()


@admin.action(description="Synchronize Modified Records", permissions=["synchronize_mapping"])
def synchronize_modified_records(modeladmin, request, queryset):
    if not confirmed(request):
        question = (
            "Synchronize the records modified since the last synchronization, for the selected "
            "integration table mappings, in job order?"
        )
        return confirmation(modeladmin, request, queryset, synchronize_modified_records, question)
    names = list(queryset.values_list("name", flat=True))
    queued = modified_records_request(names=names, user=request.user, return_url=request.path)
    modeladmin.message_user(request, SCHEDULED, messages.SUCCESS)
    return to_run(queued)


@admin.action(description="Run Full Synchronization", permissions=["synchronize_mapping"])
def run_full_synchronization(modeladmin, request, queryset):
    mapping = only_one(modeladmin, request, queryset)
    if mapping is None:
        return None
    if not confirmed(request):
        question = (
            f"You are about to synchronize all data within the mapping {mapping.name}. Every "
            "uncoupled record gets a new, coupled counterpart where the direction allows it, "
            "so use this only where one side holds the data. This may take a long time. Do "
            "you want to continue?"
        )
        return confirmation(modeladmin, request, queryset, run_full_synchronization, question)
    queued = mapping_full_sync_request(
        mapping=mapping, mode=FULL, user=request.user, return_url=request.path
    )
    return to_run(queued)


@admin.action(
    description="Run Unconditional Full Synchronization", permissions=["synchronize_mapping"]
)
def run_unconditional_full_synchronization(modeladmin, request, queryset):
    mapping = only_one(modeladmin, request, queryset)
    if mapping is None:
        return None
    try:
        check_unconditional(mapping)
    except ValidationError as exc:
        modeladmin.message_user(request, " ".join(exc.messages), messages.ERROR)
        return None
    if not confirmed(request):
        question = (
            f"This synchronizes every record of {mapping.name} again, including those that "
            "have not changed since the last synchronization — for example after you added a "
            "field mapping. We recommend that you use filters to limit the run to at most "
            "5,000 records. Do you want to continue?"
        )
        action = run_unconditional_full_synchronization
        return confirmation(modeladmin, request, queryset, action, question)
    queued = mapping_full_sync_request(
        mapping=mapping, mode=UNCONDITIONAL, user=request.user, return_url=request.path
    )
    return to_run(queued)


@admin.action(description="Delete Couplings", permissions=["couple_records"])
def delete_couplings(modeladmin, request, queryset):
    if not confirmed(request):
        question = (
            "Delete every coupling of the selected mappings? The records stay on both sides "
            "and are no longer synchronized. The uncoupling will run in the background."
        )
        notes = [
            f"Synch. Only Coupled Records is cleared on {m.name}: a subsequent scheduled "
            "synchronization creates new counterparts for the uncoupled records."
            for m in queryset
            if not m.synch_only_coupled_records
        ]
        return confirmation(modeladmin, request, queryset, delete_couplings, question, notes)
    names = list(queryset.values_list("name", flat=True))
    queued = couplings_delete_request(names=names, user=request.user, return_url=request.path)
    return to_run(queued)


@admin.action(description="Match-Based Coupling", permissions=["couple_records"])
def match_based_coupling(modeladmin, request, queryset):
    mapping = only_one(modeladmin, request, queryset)
    if mapping is None:
        return None
    url = reverse("integration:match_based_coupling", args=[mapping.name])
    return HttpResponseRedirect(url)


@admin.action(description="Dataverse Rows")
def dataverse_rows(modeladmin, request, queryset):
    mapping = only_one(modeladmin, request, queryset)
    if mapping is None:
        return None
    return HttpResponseRedirect(reverse("integration:dataverse_rows", args=[mapping.name]))


@admin.action(description="Synchronization Log")
def synchronization_log(modeladmin, request, queryset):
    mapping = only_one(modeladmin, request, queryset)
    if mapping is None:
        return None
    return HttpResponseRedirect(mapping_log_url(mapping.name))


ACTIONS = [
    synchronize_modified_records,
    run_full_synchronization,
    run_unconditional_full_synchronization,
    match_based_coupling,
    delete_couplings,
    dataverse_rows,
    synchronization_log,
]
