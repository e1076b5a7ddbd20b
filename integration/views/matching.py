"""Match-Based Coupling: the Select Coupling Criteria page, then the coupling job."""

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.text import capfirst

from ..filters import local_model
from ..models import IntegrationTableMapping
from ..services.match_criteria import (
    eligible_field_mappings,
    match_criteria_reset,
    match_criteria_save,
)
from ..services.matching import match_based_coupling_request
from .common import admin_page, page, problem_page, safe_next, selected, to_run
from .forms import MatchCriteriaForm, MatchFieldFormSet

TITLE = "Match-Based Coupling"


@admin_page("integration.couple_records")
def match_based_coupling_view(request, name):
    mapping = get_object_or_404(IntegrationTableMapping, name=name)
    selection = None
    data = request.POST if request.method == "POST" else request.GET
    if data.get("model"):
        try:
            selection = selected(request)
        except ValidationError as exc:
            return problem_page(request, TITLE, exc)
    back = safe_next(request, reverse("admin:integration_integrationtablemapping_changelist"))
    if request.method == "POST" and "reset" in request.POST:
        match_criteria_reset(mapping=mapping)
        return redirect(request.get_full_path())
    fields = eligible_field_mappings(mapping)
    form = MatchCriteriaForm(mapping, request.POST or None)
    formset = MatchFieldFormSet(request.POST or None, initial=initial_rows(fields))
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        match_criteria_save(mapping=mapping, fields=chosen(formset), **header(form))
        mapping.refresh_from_db()
        queued = match_based_coupling_request(
            mapping=mapping,
            user=request.user,
            label=selection.label if selection else "",
            pks=selection.pks if selection else (),
            return_url=back,
        )
        return to_run(request, queued)
    return page(
        request,
        "match_based_coupling.html",
        f"{TITLE}: Select Coupling Criteria",
        mapping=mapping,
        form=form,
        formset=formset,
        rows=zip(formset.forms, fields, field_captions(mapping, fields), strict=False),
        selection=selection,
        back_url=back,
    )


def field_captions(mapping, fields) -> list[str]:
    """Captions ("Phone No.", not phone_no): the criteria are chosen by the fields' captions, as on
    Business Central's page; a field the model does not have keeps its name."""
    try:
        meta = local_model(mapping.local_table)._meta
    except ValidationError:
        return [fm.local_field for fm in fields]
    captions = []
    for fm in fields:
        try:
            captions.append(capfirst(meta.get_field(fm.local_field).verbose_name))
        except FieldDoesNotExist:
            captions.append(fm.local_field)
    return captions


def initial_rows(fields) -> list[dict]:
    return [
        {
            "field_mapping": fm.pk,
            "match": fm.use_for_match_based_coupling,
            "case_sensitive": fm.case_sensitive_matching,
            "priority": fm.match_priority,
        }
        for fm in fields
    ]


def chosen(formset) -> dict:
    return {
        f.cleaned_data["field_mapping"]: (
            f.cleaned_data["match"],
            f.cleaned_data["case_sensitive"],
            f.cleaned_data["priority"] or 0,
        )
        for f in formset.forms
    }


def header(form) -> dict:
    data = form.cleaned_data
    return {
        "synchronize_after": data["synch_after_bulk_coupling"],
        "create_new": data.get("create_new_in_case_of_no_match", False),
        "update_conflict_resolution": data.get("update_conflict_resolution"),
    }
