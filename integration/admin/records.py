"""Synchronization on the record pages of every mapped table (customers, contacts, items …).

``erp`` knows nothing of synchronization: when the integration app starts, ``install`` adds
to the admin of each table the engine can synchronize a "Coupled to Dataverse" column and
filter (one ``Exists`` in the list's query, no query per row), the actions Synchronize Now,
Set Up Coupling, Create in Dataverse, Delete Coupling, Match-Based Coupling and
Synchronization Log, and the same buttons on the record's card. The actions are small: they
send the selection to the integration pages, which do the work.
"""

import types
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.db.models import Exists, OuterRef
from django.http import HttpResponseRedirect
from django.urls import reverse

from synclog.links import record_log_url

from ..models import Coupling
from ..services.records import MAX_RECORDS, mapping_for_model
from ..signals import synchronizable_models

COUPLED = "tandem_coupled_to_dataverse"


def coupled_to_dataverse_annotation(model):
    return Exists(
        Coupling.objects.filter(
            local_table=model._meta.label_lower,
            local_id=OuterRef("system_id"),
            status=Coupling.Status.COUPLED,
        )
    )


@admin.display(description="Coupled to Dataverse", boolean=True, ordering=COUPLED)
def coupled_to_dataverse(obj):
    return getattr(obj, COUPLED, None)


class CoupledToDataverseFilter(admin.SimpleListFilter):
    title = "Coupled to Dataverse"
    parameter_name = "coupled_to_dataverse"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(**{COUPLED: self.value() == "yes"})
        return queryset


def to_page(url_name: str, queryset, *, single: bool = False, modeladmin=None, request=None):
    """Send the selection to one of the integration pages (``?model=…&pks=…``)."""
    pks = [str(pk) for pk in queryset.values_list("pk", flat=True)[: MAX_RECORDS + 1]]
    if single and len(pks) != 1:
        modeladmin.message_user(request, "Select exactly one record.", messages.WARNING)
        return None
    if len(pks) > MAX_RECORDS:
        modeladmin.message_user(
            request, f"Select at most {MAX_RECORDS:,} records at a time.", messages.WARNING
        )
        return None
    query = {"model": queryset.model._meta.label_lower}
    query.update({"pk": pks[0]} if single else {"pks": ",".join(pks)})
    return HttpResponseRedirect(f"{reverse(url_name)}?{urlencode(query)}")


@admin.action(description="Synchronize Now", permissions=["synchronize_records"])
def synchronize_now(modeladmin, request, queryset):
    return to_page("integration:synchronize_now", queryset, modeladmin=modeladmin, request=request)


@admin.action(description="Set Up Coupling", permissions=["couple_records"])
def set_up_coupling(modeladmin, request, queryset):
    return to_page(
        "integration:set_up_coupling", queryset, single=True, modeladmin=modeladmin, request=request
    )


@admin.action(description="Create in Dataverse", permissions=["couple_records"])
def create_in_dataverse(modeladmin, request, queryset):
    return to_page(
        "integration:create_in_dataverse", queryset, modeladmin=modeladmin, request=request
    )


@admin.action(description="Delete Coupling", permissions=["couple_records"])
def delete_coupling(modeladmin, request, queryset):
    return to_page("integration:delete_coupling", queryset, modeladmin=modeladmin, request=request)


@admin.action(description="Match-Based Coupling", permissions=["couple_records"])
def match_based_coupling(modeladmin, request, queryset):
    mapping = mapping_for_model(queryset.model)
    if mapping is None:
        modeladmin.message_user(request, "There is no mapping for this table.", messages.WARNING)
        return None
    pks = [str(pk) for pk in queryset.values_list("pk", flat=True)[: MAX_RECORDS + 1]]
    if len(pks) > MAX_RECORDS:
        modeladmin.message_user(
            request, f"Select at most {MAX_RECORDS:,} records at a time.", messages.WARNING
        )
        return None
    query = urlencode(
        {"model": queryset.model._meta.label_lower, "pks": ",".join(pks), "next": request.path}
    )
    url = reverse("integration:match_based_coupling", args=[mapping.name])
    return HttpResponseRedirect(f"{url}?{query}")


@admin.action(description="Synchronization Log")
def synchronization_log(modeladmin, request, queryset):
    record = queryset.first()
    if queryset.count() != 1 or record is None:
        modeladmin.message_user(request, "Select exactly one record.", messages.WARNING)
        return None
    return HttpResponseRedirect(record_log_url_for(record))


def record_log_url_for(record) -> str:
    couplings = Coupling.objects.filter(
        local_table=record._meta.label_lower, local_id=record.system_id
    )
    job_ids = []
    for coupling in couplings:
        job_ids += [coupling.last_synch_job_id, coupling.last_synch_dataverse_job_id]
    return record_log_url(record.system_id, job_ids)


ACTIONS = [
    synchronize_now,
    set_up_coupling,
    create_in_dataverse,
    delete_coupling,
    match_based_coupling,
    synchronization_log,
]


def has_synchronize_records_permission(self, request):
    return request.user.has_perm("integration.synchronize_records")


def has_couple_records_permission(self, request):
    return request.user.has_perm("integration.couple_records")


def annotated_queryset(self, request):
    queryset = type(self).get_queryset(self, request)
    return queryset.annotate(**{COUPLED: coupled_to_dataverse_annotation(queryset.model)})


def extend(model_admin) -> None:
    """Add the synchronization column, filter, actions and card buttons to one ModelAdmin."""
    bind = types.MethodType
    model_admin.has_synchronize_records_permission = bind(
        has_synchronize_records_permission, model_admin
    )
    model_admin.has_couple_records_permission = bind(has_couple_records_permission, model_admin)
    model_admin.get_queryset = bind(annotated_queryset, model_admin)
    model_admin.actions = [*(model_admin.actions or ()), *ACTIONS]
    model_admin.list_display = [*model_admin.list_display, coupled_to_dataverse]
    model_admin.list_filter = [*model_admin.list_filter, CoupledToDataverseFilter]
    if model_admin.change_form_template is None:
        model_admin.change_form_template = "admin/integration/record_change_form.html"
    if model_admin.change_list_template is None:
        model_admin.change_list_template = "admin/integration/record_change_list.html"


def install(site=admin.site) -> list:
    """Extend the admin of every synchronizable model registered on ``site``; idempotent."""
    extended = []
    for model in synchronizable_models():
        model_admin = site._registry.get(model)
        if model_admin is None or getattr(model_admin, "_tandem_sync_installed", False):
            continue
        extend(model_admin)
        model_admin._tandem_sync_installed = True
        extended.append(model)
    return extended
