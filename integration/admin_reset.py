"""Use Default Synchronization Setup in the admin: the confirmation page and its messages.

Shared by the action on the mappings list and the button on the connection setup page.
"""

from django.contrib import messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

from .defaults import STANDARD_MAPPINGS
from .models import IntegrationTableMapping

RESET_QUESTION = (
    "This will restore the default integration table mappings and synchronization schedules "
    "for Dataverse. All customizations to these mappings and schedules will be deleted. "
    "Couplings are kept."
)


def can_reset(request) -> bool:
    return request.user.has_perm("integration.reset_mappings")


def reset_confirmation(request, admin_site, *, names, extra_fields) -> TemplateResponse:
    """The confirmation page of Use Default Synchronization Setup, in the admin's style."""
    context = {
        **admin_site.each_context(request),
        "title": "Use Default Synchronization Setup",
        "question": RESET_QUESTION,
        "names": names,
        "standard": [m for m in STANDARD_MAPPINGS if m.name in set(names)],
        "not_standard": sorted(set(names) - {m.name for m in STANDARD_MAPPINGS}),
        "extra_fields": extra_fields,
        "opts": IntegrationTableMapping._meta,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/integration/reset_confirmation.html", context)


def report_reset(modeladmin, request, result) -> None:
    if result.reset:
        modeladmin.message_user(
            request,
            f"The default synchronization setup was restored for {', '.join(result.reset)}.",
            messages.SUCCESS,
        )
    if result.not_standard:
        modeladmin.message_user(
            request,
            f"{', '.join(result.not_standard)}: not a standard mapping, left as it was.",
            messages.WARNING,
        )
