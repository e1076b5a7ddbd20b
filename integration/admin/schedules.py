"""The synchronization schedules: one per table mapping."""

from django.contrib import admin

from ..models import SyncSchedule

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
