"""The Full Synchronization Review page (Run Full Synchronization) and its progress JSON."""

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from ..services import review
from ..services.review_state import full_sync_review_state
from .common import admin_page, page

TITLE = "Full Synchronization Review"
SYNC_ALL_QUESTION = (
    "Full synchronization will synchronize all coupled and uncoupled records. You should use "
    "this option only when you are synchronizing data for the first time, and only for the "
    "lines where one side holds the data: otherwise you get duplicate records. Lines that "
    "recommend Couple Records run match-based coupling instead. Before running full "
    "synchronization, you should couple all salespeople to Dataverse users."
)


@admin_page("integration.synchronize")
def full_sync_review_view(request):
    if request.method == "POST":
        return review_action(request)
    if not review.full_sync_review_lines():
        review.full_sync_review_reset()  # opening the page the first time builds its lines
    return page(
        request,
        "full_sync_review.html",
        TITLE,
        state=full_sync_review_state(),
        back_url=reverse("admin:integration_connectionsetup_changelist"),
    )


def review_action(request):
    action = request.POST.get("action", "")
    if action == "sync_all" and request.POST.get("confirm") != "yes":
        return page(
            request,
            "confirm.html",
            "Sync All",
            question=SYNC_ALL_QUESTION,
            fields={"action": "sync_all", "confirm": "yes"},
            back_url=reverse("integration:full_sync_review"),
            confirm_label="Yes, sync all",
        )
    if action == "sync_all":
        started = review.full_sync_review_start(user=request.user)
        messages.success(request, f"Sync All started: {', '.join(started) or 'no line yet'}.")
    elif action == "restart":
        review.full_sync_review_restart(name=request.POST.get("name", ""), user=request.user)
    elif action == "reset":
        try:
            review.full_sync_review_reset()
        except review.ReviewBusy as exc:
            messages.error(request, str(exc))
    elif action in ("keep", "restore"):
        names = review.full_sync_review_answer(keep_cleared=action == "keep")
        messages.success(request, answer_message(action == "keep", names))
    return redirect("integration:full_sync_review")


def answer_message(keep: bool, names) -> str:
    listed = ", ".join(names) or "the mappings"
    if keep:
        return (
            f"Synch. Only Coupled Records is cleared on {listed}: scheduled jobs create new "
            "records."
        )
    return f"Synch. Only Coupled Records is as it was before the full synchronization: {listed}."


@admin_page("integration.synchronize")
def full_sync_review_progress_view(request):
    state = full_sync_review_state()
    return JsonResponse({"running": state.running, "signature": state.signature})
