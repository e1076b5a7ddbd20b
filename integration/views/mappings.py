"""Synchronize Modified Records for every mapping (from the Dataverse Connection Setup page)."""

from django.urls import reverse

from ..services.mapping_runs import modified_records_request
from .common import admin_page, page, to_run

QUESTION = (
    "This will synchronize all modified records in all integration table mappings, in job "
    "order. Do you want to continue?"
)


@admin_page("integration.synchronize")
def synchronize_modified_records_view(request):
    back = reverse("admin:integration_connectionsetup_changelist")
    if request.method == "POST":
        queued = modified_records_request(names=None, user=request.user, return_url=back)
        return to_run(
            request,
            queued,
            "Synchronization is scheduled for Modified Records. Details are available on the "
            "Integration Synchronization Jobs page.",
        )
    return page(
        request,
        "confirm.html",
        "Synchronize Modified Records",
        question=QUESTION,
        back_url=back,
        confirm_label="Yes, synchronize",
    )
