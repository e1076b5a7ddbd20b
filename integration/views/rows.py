"""The Dataverse rows page of a mapping: remote rows, their coupling, Create in ERP."""

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse

from ..filters import local_model
from ..models import IntegrationTableMapping
from ..services.creation import create_in_erp_request
from ..services.dataverse_browse import dataverse_rows_page
from ..services.records import FROM, allows
from .common import admin_page, page, to_run


@admin_page("integration.view_integrationtablemapping")
def dataverse_rows_view(request, name):
    mapping = get_object_or_404(IntegrationTableMapping, name=name)
    here = reverse("integration:dataverse_rows", args=[mapping.name])
    if request.method == "POST":
        if not request.user.has_perm("integration.couple_records"):
            raise PermissionDenied
        try:
            ids = [uuid.UUID(v) for v in request.POST.getlist("row")]
            queued = create_in_erp_request(
                mapping=mapping, dataverse_ids=ids, user=request.user, return_url=here
            )
        except (ValidationError, ValueError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
            return redirect(request.get_full_path())
        return to_run(request, queued)
    query = request.GET
    rows = dataverse_rows_page(
        mapping=mapping,
        search=query.get("q", ""),
        hide_coupled=bool(query.get("hide_coupled")),
        after=query.get("after") or None,
        before=query.get("before") or None,
    )
    title = f"Dataverse {mapping.dataverse_table} rows ({mapping.name})"
    return page(
        request,
        "dataverse_rows.html",
        title,
        mapping=mapping,
        rows=rows,
        search=query.get("q", ""),
        hide_coupled=bool(query.get("hide_coupled")),
        can_create=allows(mapping, FROM) and request.user.has_perm("integration.couple_records"),
        records=erp_records(mapping, request.user),
    )


def erp_records(mapping, user) -> dict:
    """The ERP side of the page's rows: "customers", and their list when the user may open it
    (the list links here; this is the way back)."""
    try:
        meta = local_model(mapping.local_table)._meta
    except ValidationError:
        return {"name": mapping.local_table, "plural": mapping.local_table, "url": ""}
    url = ""
    if user.has_perm(f"{meta.app_label}.view_{meta.model_name}") or user.has_perm(
        f"{meta.app_label}.change_{meta.model_name}"
    ):
        try:
            url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        except NoReverseMatch:
            url = ""
    return {"name": meta.verbose_name, "plural": meta.verbose_name_plural, "url": url}
