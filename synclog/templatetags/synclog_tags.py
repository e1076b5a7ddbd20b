"""Template helpers of the log pages and the admin index cue."""

from datetime import timedelta

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from synclog import hooks, selectors

register = template.Library()


@register.filter
def duration(value) -> str:
    """Format seconds or a timedelta the way the progress script does: "3 min 05 s"."""
    if value is None or value == "":
        return ""
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if seconds < 10:
        return f"{seconds:.1f} s"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


@register.filter
def finish_time(finished, started) -> str:
    """Return the finish time alone when the job finished on the day it started."""
    if not finished:
        return ""
    finished_local = timezone.localtime(finished)
    if started and timezone.localtime(started).date() == finished_local.date():
        return date_format(finished_local, "H:i:s")
    return date_format(finished_local, "Y-m-d H:i:s")


@register.simple_tag(takes_context=True)
def synclog_cues(context) -> list[hooks.Cue]:
    """Return the cues of the admin index: synclog's own, then those other apps register."""
    request = context.get("request")
    if request is None:
        return []
    cues = []
    if request.user.has_perm("synclog.view_syncjob"):
        url = reverse("synclog:job_list") + "?failed_only=on&period=24h"
        count = selectors.failed_jobs_count("24h")
        cues.append(hooks.Cue("Failed synchronization jobs in the last 24 hours", count, url))
    return cues + hooks.registered_cues(request)
