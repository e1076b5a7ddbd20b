"""Admin pages of the integration setup: Dataverse Connection Setup, Integration Table Mappings
(with their field mappings), Integration Field Mappings and the synchronization schedules.

Thin by design: pages and actions call ``integration.setup_services``; the forms in
``integration.forms`` translate between pages and models. Couplings get their pages elsewhere.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.views.decorators.debug import sensitive_post_parameters

from . import filters, forms, setup_services
from .admin_reset import can_reset, report_reset, reset_confirmation
from .defaults import STANDARD_MAPPINGS
from .models import ConnectionSetup, IntegrationFieldMapping, IntegrationTableMapping, SyncSchedule

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


# ---- Integration Table Mappings --------------------------------------------------------


class FieldMappingInline(admin.TabularInline):
    model = IntegrationFieldMapping
    formset = forms.FieldMappingFormSet
    form = forms.IntegrationFieldMappingForm
    extra = 1
    show_change_link = True
    fields = [
        "order",
        "local_field",
        "direction",
        "dataverse_column",
        "constant_value",
        "status",
        "transformation_rule",
        "parameter_1",
        "parameter_2",
        "transformation_direction",
        "validate_field",
        "validate_integration_table_field",
        "clear_value_on_failed_sync",
        "not_null",
        "use_for_match_based_coupling",
        "case_sensitive_matching",
        "match_priority",
    ]

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["form"] = forms.field_mapping_form_for(IntegrationTableMappingAdmin.model_of(obj))
        return super().get_formset(request, obj, **kwargs)


@admin.register(IntegrationTableMapping)
class IntegrationTableMappingAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "local_table",
        "table_filter_summary",
        "direction",
        "dataverse_table",
        "integration_table_filter",
        "synch_only_coupled_records",
        "dataverse_modified_on_filter",
        "local_modified_on_filter",
        "deletion_conflict_resolution",
        "update_conflict_resolution",
        "dependency_filter",
    ]
    list_filter = ["direction", "synch_only_coupled_records", "dataverse_table"]
    search_fields = ["name", "local_table", "dataverse_table"]
    inlines = [FieldMappingInline]
    actions = ["use_default_synchronization_setup"]

    @staticmethod
    def model_of(obj):
        if obj is None:
            return None
        try:
            return filters.local_model(obj.local_table)
        except ValidationError:
            return None

    @admin.display(description="Table filter")
    def table_filter_summary(self, obj):
        model = self.model_of(obj)
        if model is None or not obj.table_filter:
            return "—" if not obj.table_filter else str(obj.table_filter)
        try:
            return filters.describe_table_filter(model, obj.table_filter)
        except (ValidationError, TypeError, AttributeError):
            return str(obj.table_filter)  # a stored filter gone bad still shows as it is

    def get_fieldsets(self, request, obj=None):
        model = self.model_of(obj)
        filter_fields = forms.table_filter_field_names(model)
        table_filter = {
            "fields": filter_fields,
            "classes": ["collapse"] if not obj or not obj.table_filter else [],
        }
        if not filter_fields:
            table_filter["description"] = "Choose the table and save to set its filter."
        return [
            (None, {"fields": ["name", "local_table", "dataverse_table", "direction"]}),
            ("Table filter", table_filter),
            ("Integration table filter", {"fields": ["integration_table_filter"]}),
            (
                "Synchronization",
                {
                    "fields": [
                        "synch_only_coupled_records",
                        "confirm_clear_synch_only_coupled",
                        "dependency_filter",
                        "update_conflict_resolution",
                        "deletion_conflict_resolution",
                        "disable_event_job_resch",
                    ]
                },
            ),
            (
                "Match-based coupling",
                {"fields": ["synch_after_bulk_coupling", "create_new_in_case_of_no_match"]},
            ),
            (
                "Watermarks",
                {
                    "fields": ["local_modified_on_filter", "dataverse_modified_on_filter"],
                    "classes": ["collapse"],
                },
            ),
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        has_rows = any(
            isinstance(i, FieldMappingInline) for i in self.get_inline_instances(request, obj)
        )
        kwargs["form"] = forms.table_mapping_form_for(
            self.model_of(obj), rows_from_formset=has_rows
        )
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if getattr(form, "table_filter_reset", False):
            self.message_user(
                request, "The table changed, so the table filter was cleared.", messages.WARNING
            )
        for note in getattr(form, "notes", []):
            self.message_user(request, note, messages.WARNING)

    def has_reset_mappings_permission(self, request):
        return can_reset(request)

    @admin.action(description="Use Default Synchronization Setup", permissions=["reset_mappings"])
    def use_default_synchronization_setup(self, request, queryset):
        names = list(queryset.values_list("name", flat=True))
        if request.POST.get("post") == "yes":
            report_reset(self, request, setup_services.mappings_reset(names=names))
            return None
        extra = {
            "action": "use_default_synchronization_setup",
            "pks": [str(pk) for pk in queryset.values_list("pk", flat=True)],
        }
        return reset_confirmation(request, self.admin_site, names=names, extra_fields=extra)


# ---- Integration Field Mappings --------------------------------------------------------


@admin.register(IntegrationFieldMapping)
class IntegrationFieldMappingAdmin(admin.ModelAdmin):
    list_display = [
        "table_mapping",
        "order",
        "local_field",
        "direction",
        "dataverse_column",
        "constant_value",
        "transformation_rule",
        "status",
        "use_for_match_based_coupling",
        "match_priority",
    ]
    list_display_links = ["table_mapping", "order", "local_field"]
    list_filter = ["table_mapping", "status", "direction", "use_for_match_based_coupling"]
    search_fields = ["local_field", "dataverse_column", "table_mapping__name"]
    list_select_related = ["table_mapping"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "table_mapping",
                    "order",
                    "local_field",
                    "direction",
                    "dataverse_column",
                    "constant_value",
                    "status",
                ]
            },
        ),
        (
            "Transformation",
            {
                "fields": [
                    "transformation_rule",
                    "parameter_1",
                    "parameter_2",
                    "transformation_direction",
                ]
            },
        ),
        (
            "Transfer",
            {
                "fields": [
                    "validate_field",
                    "validate_integration_table_field",
                    "clear_value_on_failed_sync",
                    "not_null",
                ]
            },
        ),
        (
            "Match-based coupling",
            {
                "fields": [
                    "use_for_match_based_coupling",
                    "case_sensitive_matching",
                    "match_priority",
                ]
            },
        ),
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        mapping = obj.table_mapping if obj else None
        if mapping is None and request.GET.get("table_mapping"):
            mapping = IntegrationTableMapping.objects.filter(
                pk=request.GET["table_mapping"]
            ).first()
        model = IntegrationTableMappingAdmin.model_of(mapping)
        kwargs["form"] = forms.field_mapping_form_for(model, base=forms.StandaloneFieldMappingForm)
        return super().get_form(request, obj, change, **kwargs)


# ---- Synchronization schedules ---------------------------------------------------------


@admin.register(SyncSchedule)
class SyncScheduleAdmin(admin.ModelAdmin):
    list_display = [
        "table_mapping",
        "enabled",
        "interval_minutes",
        "inactivity_timeout_minutes",
        "status",
        "last_run_at",
        "next_run_at",
    ]
    list_editable = ["enabled", "interval_minutes", "inactivity_timeout_minutes"]
    list_select_related = ["table_mapping"]
    fields = [
        "table_mapping",
        "enabled",
        "interval_minutes",
        "inactivity_timeout_minutes",
        "status",
        "last_run_at",
        "next_run_at",
        "last_message",
    ]
    readonly_fields = ["table_mapping", "status", "last_run_at", "next_run_at", "last_message"]

    def has_add_permission(self, request):
        return False  # one per mapping, made with the mapping's default setup

    def has_delete_permission(self, request, obj=None):
        return False
