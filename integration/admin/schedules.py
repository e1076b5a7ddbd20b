"""Synchronization schedules: one per table mapping, with Run Now and links to their jobs.

Thin: saving, enabling, disabling and Run Now go through ``services.schedules``, which keeps
each mapping's django-q2 schedule in step.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from synclog.links import job_list_url, mapping_log_url

from ..models import SyncSchedule
from ..services import schedules

Status = SyncSchedule.Status
SYNCHRONIZE_PERMISSION = "integration.synchronize_mapping"


class ScheduleForm(forms.ModelForm):
    class Meta:
        model = SyncSchedule
        fields = ["enabled", "interval_minutes", "inactivity_timeout_minutes"]

    def clean_interval_minutes(self):
        return minutes_in_range(self.cleaned_data["interval_minutes"])

    def clean_inactivity_timeout_minutes(self):
        return minutes_in_range(self.cleaned_data["inactivity_timeout_minutes"])


def minutes_in_range(value: int) -> int:
    if not 1 <= value <= schedules.MAX_MINUTES:
        raise forms.ValidationError(f"Enter a number of minutes from 1 to {schedules.MAX_MINUTES}.")
    return value


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Status.choices

    def queryset(self, request, queryset):
        held = schedules.lease_held_q()
        if self.value() == Status.DISABLED:
            return queryset.filter(enabled=False)
        if self.value() == Status.RUNNING:
            return queryset.filter(held, enabled=True)
        if self.value():
            return queryset.filter(enabled=True, status=self.value()).exclude(held)
        return queryset


def local_time(value) -> str:
    """As the synchronization log shows times ("2026-12-03 19:49"), short enough for one line."""
    return date_format(timezone.localtime(value), "Y-m-d H:i") if value else "—"


@admin.register(SyncSchedule)
class SyncScheduleAdmin(admin.ModelAdmin):
    form = ScheduleForm
    change_form_template = "admin/integration/syncschedule/change_form.html"
    list_display = [
        "table_mapping",
        "status_text",
        "enabled",
        "interval_minutes",
        "inactivity_timeout_minutes",
        "runs",
        "log",
        "last_message",
    ]
    list_editable = ["enabled", "interval_minutes", "inactivity_timeout_minutes"]
    list_filter = [StatusFilter, "enabled"]
    list_select_related = ["table_mapping"]
    actions = ["enable_schedules", "disable_schedules", "run_now"]
    fields = [
        "table_mapping",
        "enabled",
        "interval_minutes",
        "inactivity_timeout_minutes",
        "status_text",
        "last_run",
        "next_run",
        "log",
        "last_message",
    ]
    readonly_fields = ["table_mapping", "status_text", "last_run", "next_run", "log"]
    readonly_fields += ["last_message"]

    def has_add_permission(self, request):
        return False  # one per mapping, made with the mapping's default setup

    def has_delete_permission(self, request, obj=None):
        return False

    def has_synchronize_permission(self, request):
        return request.user.has_perm(SYNCHRONIZE_PERMISSION)

    def get_changelist_form(self, request, **kwargs):
        kwargs.setdefault("form", ScheduleForm)  # the same checks when edited in the list
        return super().get_changelist_form(request, **kwargs)

    def save_model(self, request, obj, form, change):
        schedules.schedule_save(schedule=obj, changed=form.changed_data)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_run": self.has_synchronize_permission(request),
        }
        return super().changeform_view(request, object_id, form_url, extra_context)

    @admin.display(description="Status")
    def status_text(self, obj):
        return Status(schedules.displayed_status(obj)).label

    @admin.display(description="Last run", ordering="last_run_at")
    def last_run(self, obj):
        if not obj.last_run_id:
            return local_time(obj.last_run_at)
        url = job_list_url(run=obj.last_run_id)
        return format_html('<a href="{}">{}</a>', url, local_time(obj.last_run_at))

    @admin.display(description="Next run", ordering="next_run_at")
    def next_run(self, obj):
        return local_time(obj.next_run_at) if obj.enabled else "—"

    @admin.display(description="Last run / next run", ordering="last_run_at")
    def runs(self, obj):
        """One column for both, as the jobs' list shows start and finish: at 1280 pixels two
        columns left the last message no room beside the filter."""
        next_run = format_html('<span class="tandem-next-run">{}</span>', self.next_run(obj))
        return format_html("{}<br>{}", self.last_run(obj), next_run)

    @admin.display(description="Jobs")
    def log(self, obj):
        url = mapping_log_url(obj.table_mapping.name)
        return format_html('<a href="{}">Synchronization log</a>', url)

    @admin.action(description="Enable the selected schedules", permissions=["change"])
    def enable_schedules(self, request, queryset):
        count = schedules.schedules_set_enabled(schedules=queryset, enabled=True)
        self.message_user(
            request, ngettext("%d schedule enabled.", "%d schedules enabled.", count) % count
        )

    @admin.action(description="Disable the selected schedules", permissions=["change"])
    def disable_schedules(self, request, queryset):
        count = schedules.schedules_set_enabled(schedules=queryset, enabled=False)
        self.message_user(
            request, ngettext("%d schedule disabled.", "%d schedules disabled.", count) % count
        )

    @admin.action(description="Run the selected schedules now", permissions=["synchronize"])
    def run_now(self, request, queryset):
        for schedule in queryset:
            schedules.schedule_run_now(schedule=schedule, requested_by=request.user.get_username())
        names = ", ".join(schedule.table_mapping.name for schedule in queryset)
        self.message_user(request, f"Queued to run now: {names}. Their jobs appear on the log.")


@require_POST
def run_now_view(request, pk):
    """Run Now on one schedule's page (``integration:schedule_run_now``)."""
    if not request.user.has_perm(SYNCHRONIZE_PERMISSION):
        raise PermissionDenied
    schedule = get_object_or_404(SyncSchedule.objects.select_related("table_mapping"), pk=pk)
    schedules.schedule_run_now(schedule=schedule, requested_by=request.user.get_username())
    messages.success(
        request, f"{schedule.table_mapping.name} is queued to run now. Its jobs appear on the log."
    )
    return HttpResponseRedirect(reverse("admin:integration_syncschedule_change", args=[pk]))
