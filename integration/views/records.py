"""Record pages: Synchronize Now, Set Up Coupling, Create in Dataverse, Delete Coupling.

Each reached from a record list's action or a record card's button with ``?model=<app_label.
model>&pks=<pk,pk,…>`` (``pk`` for Set Up Coupling); each queues its work and follows it on
the run status page.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect

from ..services import coupling, creation, synchronize_now, uncoupling
from ..services.records import describe_record
from .common import admin_page, page, problem_page, records_url, selected, to_run
from .forms import SetUpCouplingForm, SynchronizeNowForm

SYNC_NOW = "Synchronize Now"


@admin_page("integration.synchronize_records")
def synchronize_now_view(request):
    try:
        selection = selected(request)
    except ValidationError as exc:
        return problem_page(request, SYNC_NOW, exc)
    back = records_url(selection)
    if request.method == "POST":
        form = SynchronizeNowForm(selection.mapping, request.POST)
        if form.is_valid():
            try:
                queued = synchronize_now.synchronize_now_request(
                    selection=selection,
                    choice=form.cleaned_data["choice"],
                    user=request.user,
                    return_url=back,
                )
            except ValidationError as exc:
                return problem_page(request, SYNC_NOW, exc, back)
            return to_run(request, queued)
    review = synchronize_now.synchronize_now_review(selection=selection)
    form = SynchronizeNowForm(selection.mapping, choices=review.choices, initial=review.recommended)
    return page(
        request,
        "synchronize_now.html",
        SYNC_NOW,
        selection=selection,
        review=review,
        form=form,
        back_url=back,
        describe=describe_record(selection.records[0]),
    )


@admin_page("integration.couple_records")
def set_up_coupling_view(request):
    try:
        selection = selected(request)
    except ValidationError as exc:
        return problem_page(request, "Set Up Coupling", exc)
    record, back = selection.records[0], records_url(selection)
    coupled = selection.is_coupled(record)
    form = SetUpCouplingForm(selection.mapping, request.POST or None, coupled=coupled)
    if request.method == "POST" and form.is_valid():
        try:
            result = coupling.coupling_set_up(
                selection=selection, user=request.user, return_url=back, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if result.request is not None:
                return to_run(request, result.request, result.message)
            messages.success(request, result.message)
            return redirect(back)
    text, search = find_rows(request, selection, record)
    return page(
        request,
        "set_up_coupling.html",
        "Set Up Coupling",
        selection=selection,
        record=record,
        describe=describe_record(record),
        form=form,
        search=search,
        search_text=text,
        current=selection.coupling(record),
        back_url=back,
    )


def find_rows(request, selection, record):
    """The search the page shows: the text typed, or at first the record's own name (then its
    first word, when the whole name finds nothing)."""
    data = request.POST if request.method == "POST" else request.GET
    if "q" in data:
        text = data["q"]
        return text, coupling.dataverse_row_search(mapping=selection.mapping, text=text)
    name = record_name(record)
    search = coupling.dataverse_row_search(mapping=selection.mapping, text=name)
    first_word = name.split()[0] if name.split() else ""
    if not search.rows and first_word != name:
        return first_word, coupling.dataverse_row_search(mapping=selection.mapping, text=first_word)
    return name, search


def record_name(record) -> str:
    for name in ("name", "description", "surname", "code", "email"):
        value = getattr(record, name, "")
        if value:
            return str(value)
    return ""


@admin_page("integration.couple_records")
def create_in_dataverse_view(request):
    title = "Create in Dataverse"
    try:
        selection = selected(request)
        plan = creation.create_in_dataverse_plan(selection=selection)
    except ValidationError as exc:
        return problem_page(request, title, exc)
    back = records_url(selection)
    if request.method == "POST":
        try:
            queued = creation.create_in_dataverse_request(
                selection=selection, user=request.user, return_url=back
            )
        except ValidationError as exc:
            return problem_page(request, title, exc, back)
        return to_run(request, queued)
    return page(
        request,
        "create_in_dataverse.html",
        title,
        selection=selection,
        plan=plan,
        back_url=back,
    )


@admin_page("integration.couple_records")
def delete_coupling_view(request):
    title = "Delete Coupling"
    try:
        selection = selected(request)
    except ValidationError as exc:
        return problem_page(request, title, exc)
    back = records_url(selection)
    coupled = [r for r in selection.records if selection.coupling(r) is not None]
    if request.method == "POST":
        try:
            queued = uncoupling.record_couplings_delete_request(
                selection=selection, user=request.user, return_url=back
            )
        except ValidationError as exc:
            return problem_page(request, title, exc, back)
        return to_run(request, queued)
    return page(
        request,
        "delete_coupling.html",
        title,
        selection=selection,
        coupled=coupled,
        back_url=back,
        not_coupled=len(selection.records) - len(coupled),
    )
