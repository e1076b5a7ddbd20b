"""Synchronization jobs and their errors (Business Central's tables 5338 and 5339).

One ``SyncJob`` is one run of one table mapping in one direction; a bidirectional run writes
two, first To then From. ``synclog`` knows nothing of the integration models: a job names its
mapping and tables by their names, so the log survives resetting or deleting mappings.
"""

import uuid

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone


class SyncDirection(models.TextChoices):
    BIDIRECTIONAL = "bidirectional", "Bidirectional"
    TO_INTEGRATION_TABLE = "to_integration_table", "To Integration Table"
    FROM_INTEGRATION_TABLE = "from_integration_table", "From Integration Table"


class SyncJob(models.Model):
    class JobType(models.TextChoices):
        SYNCHRONIZATION = "synchronization", "Synchronization"
        COUPLING = "coupling", "Coupling"
        UNCOUPLING = "uncoupling", "Uncoupling"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Failed"  # the job itself could not run; see its message
        INTERRUPTED = "interrupted", "Interrupted"  # its worker died; the next run finishes it
        SKIPPED = "skipped", "Skipped"  # another run of the same mapping was under way

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        MANUAL = "manual", "Manual"
        FULL_SYNCHRONIZATION = "full_synchronization", "Full synchronization"
        RECORD = "record", "Synchronize Now"
        COMMAND = "command", "Command line"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    table_mapping_name = models.CharField("Integration table mapping", max_length=20, db_index=True)
    job_type = models.CharField(
        "Type", max_length=20, choices=JobType.choices, default=JobType.SYNCHRONIZATION
    )
    direction = models.CharField("Synch. direction", max_length=30, choices=SyncDirection.choices)
    trigger = models.CharField(max_length=30, choices=Trigger.choices, default=Trigger.MANUAL)
    requested_by = models.CharField(max_length=150, blank=True)
    run_id = models.UUIDField(
        null=True,
        blank=True,
        db_index=True,
        help_text="Groups the jobs of one run (To and From of one mapping, "
        "or every line of a full synchronization).",
    )

    local_table = models.CharField(max_length=100, help_text="app_label.model of the local table")
    local_table_caption = models.CharField(max_length=100)
    dataverse_table = models.CharField(max_length=64)
    dataverse_table_caption = models.CharField(max_length=100)

    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    started_at = models.DateTimeField("Start date/time", default=timezone.now, db_index=True)
    finished_at = models.DateTimeField("Finish date/time", null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    message = models.TextField(blank=True)

    inserted = models.PositiveIntegerField(default=0)
    modified = models.PositiveIntegerField(default=0)
    deleted = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0, db_index=True)
    coupled = models.PositiveIntegerField(default=0)
    uncoupled = models.PositiveIntegerField(default=0)

    total = models.PositiveIntegerField(
        null=True, blank=True, help_text="Records to process, when known in advance."
    )
    processed = models.PositiveIntegerField(default=0)
    retries = models.PositiveIntegerField(
        default=0, help_text="Transient faults (throttling, timeouts, 5xx) cured by a retry."
    )
    http_requests = models.PositiveIntegerField(default=0)
    # What the retries were for, so that a slow run explains itself (none of these failed a
    # record: the request was sent again and succeeded, or the job stopped with a message).
    throttled = models.PositiveIntegerField(
        default=0, help_text="Answers 429 (service protection limits), each waited out."
    )
    server_errors = models.PositiveIntegerField(default=0, help_text="Answers 5xx.")
    timeouts = models.PositiveIntegerField(default=0, help_text="Requests not answered in time.")
    dropped_connections = models.PositiveIntegerField(
        default=0, help_text="Connections closed before the answer was complete."
    )
    retry_wait_seconds = models.FloatField(
        default=0, help_text="Time spent waiting before retries (Retry-After and back-off)."
    )

    class Meta:
        verbose_name = "integration synchronization job"
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["table_mapping_name", "-started_at"]),
            models.Index(fields=["job_type", "-started_at"]),
            # Cleanup selects finished jobs by age.
            models.Index(fields=["finished_at"], name="synclog_job_finished_idx"),
        ]

    def __str__(self):
        return f"{self.table_mapping_name} {self.direction_text} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def direction_text(self) -> str:
        """ "Customer to Account." style text, as on Business Central's job list."""
        local, remote = self.local_table_caption, self.dataverse_table_caption
        if self.direction == SyncDirection.FROM_INTEGRATION_TABLE:
            return f"{remote} to {local}."
        if self.direction == SyncDirection.TO_INTEGRATION_TABLE:
            return f"{local} to {remote}."
        return f"{local} and {remote}."

    @property
    def duration(self):
        end = self.finished_at or (timezone.now() if self.status == self.Status.RUNNING else None)
        return end - self.started_at if end else None

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def has_failures(self) -> bool:
        """Return True for a job with failed records or one that could not run at all."""
        return self.failed > 0 or self.status == self.Status.FAILED


class SyncJobError(models.Model):
    """One record that failed in a job, with what a person needs to fix it."""

    job = models.ForeignKey(SyncJob, on_delete=models.CASCADE, related_name="errors")
    created_at = models.DateTimeField("Date/time", default=timezone.now, db_index=True)
    message = models.CharField(max_length=250)
    error_message = models.TextField("Full error message")
    exception_detail = models.TextField(blank=True)
    error_code = models.CharField(
        max_length=40, blank=True, help_text="Dataverse's error code, when it gave one."
    )

    local_table = models.CharField(max_length=100, blank=True)
    local_id = models.UUIDField(null=True, blank=True, db_index=True)
    local_description = models.CharField(max_length=250, blank=True)
    dataverse_table = models.CharField(max_length=64, blank=True)
    dataverse_id = models.UUIDField(null=True, blank=True, db_index=True)
    dataverse_description = models.CharField(max_length=250, blank=True)

    class Meta:
        verbose_name = "integration synchronization error"
        ordering = ["-created_at", "-id"]
        indexes = [
            # The errors page pages through every error newest first, and a job page
            # through one job's errors: both read an index instead of sorting the table.
            models.Index(fields=["-created_at", "-id"], name="synclog_error_newest_idx"),
            models.Index(fields=["job", "-created_at", "-id"], name="synclog_error_job_newest_idx"),
        ]

    def __str__(self):
        return self.message


class LogRetention(models.Model):
    """How long the log keeps jobs (a single row, see ``load``).

    ``synclog.tasks.cleanup_task`` applies it once a day. As on Business Central's
    Delete Entries actions, jobs with failures are kept unless ``include_failed`` is set,
    and jobs still queued or running are never deleted.
    """

    enabled = models.BooleanField("Delete old entries automatically", default=True)
    days_to_keep = models.PositiveIntegerField(
        "Days to keep",
        default=30,
        validators=[MinValueValidator(1)],
        help_text="Finished jobs older than this, and their errors, are deleted every day.",
    )
    include_failed = models.BooleanField(
        "Also delete jobs with failures",
        default=False,
        help_text="Off: jobs with failed records stay until someone deletes them.",
    )
    last_cleanup_at = models.DateTimeField("Last cleanup", null=True, blank=True, editable=False)
    last_cleanup_deleted = models.PositiveIntegerField(
        "Jobs deleted by the last cleanup", default=0, editable=False
    )

    class Meta:
        verbose_name = "log retention"
        verbose_name_plural = "log retention"

    def __str__(self):
        if not self.enabled:
            return "Log retention: off"
        return f"Log retention: {self.days_to_keep} days"

    @classmethod
    def load(cls) -> "LogRetention":
        """Return the retention setting, creating it with the defaults the first time."""
        retention, _ = cls.objects.get_or_create(pk=1)
        return retention
