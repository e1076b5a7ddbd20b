"""Admin entries of the log: jobs and errors open synclog's own pages; retention is a form.

Registering the log models makes "Integration synchronization jobs/errors" appear in the
admin's app list and sidebar for users allowed to view them. Nobody adds or edits log rows
by hand; deleting goes through the Delete Entries pages, which keep BC's rules.
"""

import uuid

from django.contrib import admin
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from .models import LogRetention, SyncJob, SyncJobError
from .services import CLEANUP_TASK


class LogPageAdmin(admin.ModelAdmin):
    page_url_name = ""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        url, query = reverse(self.page_url_name), request.GET.urlencode()
        return redirect(f"{url}?{query}" if query else url)


@admin.register(SyncJob)
class SyncJobAdmin(LogPageAdmin):
    page_url_name = "synclog:job_list"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        try:
            pk = uuid.UUID(object_id)
        except ValueError:
            raise Http404("There is no synchronization job with this id.") from None
        return redirect("synclog:job_detail", pk=pk)


@admin.register(SyncJobError)
class SyncJobErrorAdmin(LogPageAdmin):
    """The change view stays: a read-only page of one error with every field."""

    page_url_name = "synclog:error_list"


@admin.register(LogRetention)
class LogRetentionAdmin(admin.ModelAdmin):
    fields = ["enabled", "days_to_keep", "include_failed", "next_cleanup", "last_cleanup"]
    readonly_fields = ["next_cleanup", "last_cleanup"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # One setting: the list would only ever hold one row, so open it.
        return redirect("admin:synclog_logretention_change", LogRetention.load().pk)

    @admin.display(description="Next cleanup")
    def next_cleanup(self, obj):
        from django_q.models import Schedule

        schedule = Schedule.objects.filter(func=CLEANUP_TASK).first()
        return schedule.next_run if schedule else "Not scheduled: run manage.py migrate"

    @admin.display(description="Last cleanup")
    def last_cleanup(self, obj):
        if not obj.last_cleanup_at:
            return "Never"
        when = date_format(timezone.localtime(obj.last_cleanup_at), "DATETIME_FORMAT")
        return f"{when} ({obj.last_cleanup_deleted} jobs deleted)"
