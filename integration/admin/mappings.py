"""Integration Table Mappings with their field mappings, and Integration Field Mappings."""

import re

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from .. import filters, forms, setup_services
from ..admin_reset import can_reset, report_reset, reset_confirmation
from ..models import IntegrationFieldMapping, IntegrationTableMapping
from . import mapping_actions
from .couplings_common import mapping_log_url

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
    change_form_template = "admin/integration/integrationtablemapping/change_form.html"
    # Use Default Synchronization Setup, then synchronizing and coupling whole mappings.
    actions = ["use_default_synchronization_setup", *mapping_actions.ACTIONS]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        mapping = self.get_object(request, object_id)
        links = self.mapping_links(request, mapping) if mapping else []
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), "mapping_links": links}
        )

    @staticmethod
    def mapping_links(request, mapping) -> list[tuple[str, str]]:
        links = []
        log = mapping_log_url(mapping.name, request.user)
        if log:
            links.append(("Synchronization Log", log))
        if request.user.has_perm("integration.view_integrationtablemapping"):
            rows = reverse("integration:dataverse_rows", args=[mapping.name])
            links.append((f"Dataverse {mapping.dataverse_table} rows", rows))
        return links

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

    def has_synchronize_mapping_permission(self, request):
        return request.user.has_perm("integration.synchronize_mapping")

    def has_couple_records_permission(self, request):
        return request.user.has_perm("integration.couple_records")

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


def mapping_named_in(request) -> IntegrationTableMapping | None:
    """The table mapping a link to the add page names (``?table_mapping=<id>``), if any.

    The value comes from the address bar: anything but a plain id names no mapping, and the
    page then lets the person choose one."""
    value = request.GET.get("table_mapping", "")
    if not re.fullmatch(r"[0-9]{1,18}", value):
        return None
    return IntegrationTableMapping.objects.filter(pk=int(value)).first()


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
        mapping = obj.table_mapping if obj else mapping_named_in(request)
        model = IntegrationTableMappingAdmin.model_of(mapping)
        kwargs["form"] = forms.field_mapping_form_for(model, base=forms.StandaloneFieldMappingForm)
        return super().get_form(request, obj, change, **kwargs)
