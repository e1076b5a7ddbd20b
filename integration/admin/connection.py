"""Dataverse Connection Setup: one page, with Test Connection and the default setup."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.views.decorators.debug import sensitive_post_parameters

from .. import forms, setup_services
from ..admin_reset import can_reset, report_reset, reset_confirmation
from ..defaults import STANDARD_MAPPINGS
from ..models import ConnectionSetup

# ---- Dataverse Connection Setup --------------------------------------------------------


@admin.register(ConnectionSetup)
class ConnectionSetupAdmin(admin.ModelAdmin):
    form = forms.ConnectionSetupForm
    change_form_template = "admin/integration/connectionsetup/change_form.html"
    readonly_fields = ["client_secret_status", "last_tested_at", "last_test_result"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "environment_url",
                    "tenant",
                    "client_id",
                    "client_secret",
                    "client_secret_status",
                    "authority_url",
                    "is_enabled",
                ]
            },
        ),
        ("Test Connection", {"fields": ["last_tested_at", "last_test_result"]}),
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs["assume_scheme"] = "https"  # a URL typed without a scheme: real environments
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def changelist_view(self, request, extra_context=None):
        """There is one connection: the list opens it."""
        setup = ConnectionSetup.get()
        return HttpResponseRedirect(
            reverse("admin:integration_connectionsetup_change", args=[setup.pk])
        )

    @method_decorator(sensitive_post_parameters("client_secret"))
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        ConnectionSetup.get()  # a new installation opens the default connection (the emulator)
        extra_context = {
            **(extra_context or {}),
            "can_test": request.user.has_perm("integration.test_connection"),
            "can_reset": can_reset(request),
            # Synchronize Modified Records and Run Full Synchronization (the review page).
            "can_synchronize": request.user.has_perm("integration.synchronize"),
        }
        return super().changeform_view(request, object_id, form_url, extra_context)

    @admin.display(description="Stored secret")
    def client_secret_status(self, obj):
        return "A secret is stored." if obj and obj.has_client_secret else "No secret is stored."

    @admin.display(description="Result")
    def last_test_result(self, obj):
        if obj is None or obj.last_test_succeeded is None:
            return "Not tested yet."
        summary, lines = setup_services.stored_test_lines(obj)
        outcome = "Passed" if obj.last_test_succeeded else "Failed"
        items = format_html_join(
            "",
            '<li class="{}">{}</li>',
            (("success" if ok else "error", text) for ok, text in lines),
        )
        return format_html("<strong>{}</strong>: {}<ul>{}</ul>", outcome, summary, items)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/test/",
                view(self.test_connection_view),
                name="integration_connectionsetup_test",
            ),
            path(
                "reset-defaults/", view(self.reset_view), name="integration_connectionsetup_reset"
            ),
            *super().get_urls(),
        ]

    def test_connection_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm("integration.test_connection"):
            raise PermissionDenied
        setup = ConnectionSetup.get()
        result = setup_services.connection_test(setup=setup)
        level = messages.SUCCESS if result.ok else messages.ERROR
        self.message_user(request, f"Test Connection: {result.message}", level)
        return HttpResponseRedirect(
            reverse("admin:integration_connectionsetup_change", args=[setup.pk])
        )

    def reset_view(self, request):
        if not can_reset(request):
            raise PermissionDenied
        names = [m.name for m in STANDARD_MAPPINGS]
        if request.method == "POST" and request.POST.get("post") == "yes":
            report_reset(self, request, setup_services.mappings_reset())
            return HttpResponseRedirect(
                reverse("admin:integration_integrationtablemapping_changelist")
            )
        return reset_confirmation(request, self.admin_site, names=names, extra_fields={})
