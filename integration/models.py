"""Integration setup: the connection, table mappings, field mappings and couplings.

These mirror Business Central's setup tables (BC_SYNC_REFERENCE §1.1–1.3). A coupling names
its tables rather than its mapping, so resetting the mappings to the defaults keeps every
coupling, as in Business Central.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from synclog.models import SyncDirection

from . import secrets


class ConnectionSetup(models.Model):
    """The Dataverse connection (one row): Business Central's Dataverse Connection Setup."""

    environment_url = models.URLField(
        "Environment URL",
        max_length=250,
        help_text="For example https://contoso.crm.dynamics.com, or the built-in emulator.",
    )
    tenant = models.CharField(
        "Tenant", max_length=100, help_text="Microsoft Entra tenant id or domain."
    )
    client_id = models.CharField("Client ID", max_length=100)
    client_secret_encrypted = models.TextField(blank=True, editable=False)
    authority_url = models.URLField(
        "Token authority URL",
        max_length=250,
        help_text="https://login.microsoftonline.com for real environments; the emulator by "
        "default.",
    )
    is_enabled = models.BooleanField("Enabled", default=True)
    last_tested_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_test_succeeded = models.BooleanField(null=True, editable=False)
    last_test_message = models.TextField(blank=True, editable=False)

    class Meta:
        verbose_name = "Dataverse connection setup"
        verbose_name_plural = "Dataverse connection setup"
        permissions = [
            ("test_connection", "Can test the Dataverse connection"),
            ("synchronize", "Can run synchronization"),
        ]

    def __str__(self):
        return self.environment_url

    def __repr__(self):
        # Never the secret, not even encrypted.
        return f"<ConnectionSetup {self.environment_url!r} client_id={self.client_id!r}>"

    @property
    def client_secret(self) -> str:
        return secrets.decrypt(self.client_secret_encrypted)

    @client_secret.setter
    def client_secret(self, value: str) -> None:
        self.client_secret_encrypted = secrets.encrypt(value)

    @property
    def has_client_secret(self) -> bool:
        return bool(self.client_secret)

    @property
    def token_url(self) -> str:
        return f"{self.authority_url.rstrip('/')}/{self.tenant}/oauth2/v2.0/token"

    @classmethod
    def default_values(cls) -> dict:
        return {
            "environment_url": settings.DATAVERSE_URL,
            "tenant": settings.DATAVERSE_EMULATOR_TENANT,
            "client_id": settings.DATAVERSE_EMULATOR_CLIENT_ID,
            "authority_url": settings.DATAVERSE_URL,
            "is_enabled": True,
        }

    @classmethod
    def get(cls) -> "ConnectionSetup":
        """Return the connection setup, creating the default one (the emulator) if missing."""
        setup = cls.objects.filter(pk=1).first()
        if setup is None:
            setup = cls(pk=1, **cls.default_values())
            setup.client_secret = settings.DATAVERSE_EMULATOR_CLIENT_SECRET
            setup.save()
        return setup


class IntegrationTableMapping(models.Model):
    """One local table ↔ one Dataverse table (table 5335, Integration Table Mappings)."""

    Direction = SyncDirection

    class UpdateConflictResolution(models.TextChoices):
        NONE = "", "None"
        SEND = "send", "Send data update to integration table"
        GET = "get", "Get data update from integration table"

    class DeletionConflictResolution(models.TextChoices):
        NONE = "", "None"
        RESTORE_RECORDS = "restore_records", "Restore records"
        REMOVE_COUPLING = "remove_coupling", "Delete coupling"

    name = models.CharField(max_length=20, unique=True)
    local_table = models.CharField(
        "Table",
        max_length=100,
        help_text="The local model as app_label.model, for example erp.customer.",
    )
    dataverse_table = models.CharField(
        "Integration table", max_length=64, help_text="Dataverse logical name, for example account."
    )
    direction = models.CharField(
        max_length=30, choices=SyncDirection.choices, default=SyncDirection.BIDIRECTIONAL
    )
    table_filter = models.JSONField(
        "Table filter",
        default=dict,
        blank=True,
        help_text="Local records to synchronize, as the data of the table's filter form.",
    )
    integration_table_filter = models.TextField(
        "Integration table filter",
        blank=True,
        help_text="Dataverse rows to synchronize, as an OData $filter expression.",
    )
    synch_only_coupled_records = models.BooleanField("Synch. Only Coupled Records", default=True)
    dependency_filter = models.CharField(
        max_length=250,
        blank=True,
        help_text="Mappings to synchronize first, separated by |, for example CUSTOMER|VENDOR.",
    )
    update_conflict_resolution = models.CharField(
        "Resolve update conflicts",
        max_length=10,
        blank=True,
        choices=UpdateConflictResolution.choices,
        default=UpdateConflictResolution.NONE,
    )
    deletion_conflict_resolution = models.CharField(
        "Resolve deletion conflicts",
        max_length=20,
        blank=True,
        choices=DeletionConflictResolution.choices,
        default=DeletionConflictResolution.NONE,
    )
    # The two watermarks. Business Central's names are kept as verbose names; they are known
    # to confuse, so the field names say which side each one watches.
    local_modified_on_filter = models.DateTimeField(
        "Synch. Int. Tbl. Mod. On Fltr.",
        null=True,
        blank=True,
        help_text="Last local modification synchronized to Dataverse.",
    )
    dataverse_modified_on_filter = models.DateTimeField(
        "Synch. Modified On Filter",
        null=True,
        blank=True,
        help_text="Last Dataverse modification synchronized to the local table.",
    )
    dataverse_delta_link = models.TextField(
        blank=True,
        editable=False,
        help_text="Dataverse change-tracking link: where the next run resumes reading changes.",
    )
    synch_after_bulk_coupling = models.BooleanField(
        "Synch. After Match-Based Coupling", default=False
    )
    create_new_in_case_of_no_match = models.BooleanField(
        "Create New in Case of No Match", default=False
    )
    disable_event_job_resch = models.BooleanField(
        "Disable Event-driven Synch. Job Rescheduling",
        default=False,
        help_text="When set, local changes do not wake this mapping's sleeping schedule.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # The run lease: at most one run per mapping, across processes and machines.
    lease_owner = models.CharField(max_length=100, blank=True, editable=False)
    lease_expires_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "integration table mapping"
        ordering = ["name"]
        permissions = [
            ("synchronize_mapping", "Can synchronize integration table mappings"),
            ("couple_records", "Can couple and uncouple records"),
            ("reset_mappings", "Can use the default synchronization setup"),
            ("synchronize_records", "Can synchronize records now"),
        ]

    def __str__(self):
        return self.name

    @property
    def dependencies(self) -> list[str]:
        return [n.strip() for n in self.dependency_filter.split("|") if n.strip()]


class IntegrationFieldMapping(models.Model):
    """One local field ↔ one Dataverse column (table 5336, Integration Field Mapping List)."""

    Direction = SyncDirection

    class Status(models.TextChoices):
        ENABLED = "enabled", "Enabled"
        DISABLED = "disabled", "Disabled"

    class TransformationRule(models.TextChoices):
        NONE = "", "None"
        UPPERCASE = "uppercase", "Uppercase"
        LOWERCASE = "lowercase", "Lowercase"
        TITLE_CASE = "title_case", "Title case"
        TRIM = "trim", "Trim"
        SUBSTRING = "substring", "Substring"
        REPLACE = "replace", "Replace"
        REGEX_REPLACE = "regex_replace", "Regular expression replace"
        REMOVE_NON_ALPHANUMERIC = "remove_non_alphanumeric", "Remove non-alphanumeric"
        PREFIX = "prefix", "Prefix"
        SUFFIX = "suffix", "Suffix"
        ROUND = "round", "Round"
        NEGATIVE_AS_ZERO = "negative_as_zero", "Negative as zero"

    table_mapping = models.ForeignKey(
        IntegrationTableMapping, on_delete=models.CASCADE, related_name="field_mappings"
    )
    order = models.PositiveIntegerField(
        "No.", default=0, help_text="Fields are transferred in this order."
    )
    local_field = models.CharField(
        "Field",
        max_length=100,
        blank=True,
        help_text="Blank: the constant value is written to the Dataverse column.",
    )
    dataverse_column = models.CharField(
        "Integration table field",
        max_length=100,
        blank=True,
        help_text="Blank: the constant value is written to the local field.",
    )
    direction = models.CharField(
        max_length=30, choices=SyncDirection.choices, default=SyncDirection.BIDIRECTIONAL
    )
    constant_value = models.CharField(max_length=100, blank=True)
    transformation_rule = models.CharField(
        max_length=30, blank=True, choices=TransformationRule.choices
    )
    transformation_parameters = models.JSONField(
        default=dict,
        blank=True,
        help_text='The rule\'s settings, e.g. {"start": 1, "length": 10} for substring.',
    )
    transformation_direction = models.CharField(
        max_length=30,
        blank=True,
        choices=[c for c in SyncDirection.choices if c[0] != SyncDirection.BIDIRECTIONAL],
        help_text="For bidirectional fields: the direction the rule applies in.",
    )
    validate_field = models.BooleanField(default=True)
    validate_integration_table_field = models.BooleanField(
        "Validate integration table field", default=False
    )
    clear_value_on_failed_sync = models.BooleanField(default=False)
    not_null = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ENABLED)
    use_for_match_based_coupling = models.BooleanField("Match on this field", default=False)
    case_sensitive_matching = models.BooleanField(default=False)
    match_priority = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "integration field mapping"
        ordering = ["table_mapping", "order", "pk"]
        indexes = [models.Index(fields=["table_mapping", "order"])]

    def __str__(self):
        arrow = {
            SyncDirection.BIDIRECTIONAL: "↔",
            SyncDirection.TO_INTEGRATION_TABLE: "→",
            SyncDirection.FROM_INTEGRATION_TABLE: "←",
        }[self.direction]
        local = self.local_field or f"'{self.constant_value}'"
        remote = self.dataverse_column or f"'{self.constant_value}'"
        return f"{local} {arrow} {remote}"

    @property
    def is_enabled(self) -> bool:
        return self.status == self.Status.ENABLED


class Coupling(models.Model):
    """A local record ↔ a Dataverse row (table 5331, CRM Integration Record).

    Besides Business Central's fields it keeps the values last synchronized on each side, so
    that changes are found field by field and Tandem's own writes never come back as changes.
    """

    class Status(models.TextChoices):
        COUPLED = "coupled", "Coupled"
        # The Dataverse id is chosen and recorded before the create is sent: a crash or a
        # retry finds this row and completes or confirms the create instead of making another.
        PENDING_CREATE = "pending_create", "Creating in Dataverse"
        # A Dataverse row whose local record could not be created yet: the local system id is
        # reserved so that the failure is retried every run and shows on the errors page.
        PENDING_LOCAL_CREATE = "pending_local_create", "Creating locally"

    class Result(models.TextChoices):
        NONE = "", "—"
        SUCCESS = "success", "Success"
        FAILURE = "failure", "Failure"

    local_table = models.CharField(max_length=100)
    local_id = models.UUIDField("Local record (system ID)")
    dataverse_table = models.CharField(max_length=64)
    dataverse_id = models.UUIDField("Dataverse row ID")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.COUPLED)

    last_synch_modified_on = models.DateTimeField(
        null=True, blank=True, help_text="The local record's modification time at the last sync."
    )
    last_synch_dataverse_modified_on = models.DateTimeField(
        null=True, blank=True, help_text="The Dataverse row's modifiedon at the last sync."
    )
    dataverse_version = models.BigIntegerField(
        null=True, blank=True, help_text="versionnumber at the last sync."
    )
    last_synch_result = models.CharField(
        "Last synch. result (to local)", max_length=10, blank=True, choices=Result.choices
    )
    last_synch_dataverse_result = models.CharField(
        "Last synch. result (to Dataverse)", max_length=10, blank=True, choices=Result.choices
    )
    last_synch_job_id = models.UUIDField(null=True, blank=True)
    last_synch_dataverse_job_id = models.UUIDField(null=True, blank=True)
    skipped = models.BooleanField(default=False)
    local_values = models.JSONField(
        default=dict, blank=True, help_text="Mapped local values as last synchronized."
    )
    dataverse_values = models.JSONField(
        default=dict, blank=True, help_text="Mapped Dataverse values as last synchronized."
    )
    last_synch_error = models.TextField("Last error (to local)", blank=True)
    last_synch_dataverse_error = models.TextField("Last error (to Dataverse)", blank=True)
    failed_on = models.DateTimeField(null=True, blank=True)
    local_deleted_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when the local record was deleted."
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["local_table", "local_id", "dataverse_table"],
                name="coupling_one_row_per_local_record",
            ),
            models.UniqueConstraint(
                fields=["dataverse_table", "dataverse_id", "local_table"],
                name="coupling_one_record_per_dataverse_row",
            ),
        ]
        indexes = [
            models.Index(fields=["local_table", "dataverse_table", "skipped"]),
            models.Index(fields=["local_table", "last_synch_dataverse_result"]),
            models.Index(fields=["local_table", "last_synch_result"]),
            models.Index(fields=["failed_on"]),
            # Every run looks for unconfirmed creates and deleted local records: without these,
            # each of those questions reads every coupling of the table.
            models.Index(fields=["local_table", "status"]),
            models.Index(fields=["local_table", "local_deleted_at"]),
        ]

    def __str__(self):
        return f"{self.local_table} {self.local_id} ↔ {self.dataverse_table} {self.dataverse_id}"

    @property
    def is_failed(self) -> bool:
        return Coupling.Result.FAILURE in (self.last_synch_result, self.last_synch_dataverse_result)

    @property
    def error_message(self) -> str:
        """The latest error, whichever direction it came from."""
        return self.last_synch_dataverse_error or self.last_synch_error


class SyncSchedule(models.Model):
    """The recurring synchronization of one mapping (Business Central's job queue entry)."""

    class Status(models.TextChoices):
        READY = "ready", "Ready"
        RUNNING = "running", "In process"
        ON_HOLD_INACTIVITY = "on_hold_inactivity", "On hold with inactivity timeout"
        FAILED = "failed", "Error"
        DISABLED = "disabled", "Disabled"

    table_mapping = models.OneToOneField(
        IntegrationTableMapping, on_delete=models.CASCADE, related_name="schedule"
    )
    enabled = models.BooleanField(default=True)
    interval_minutes = models.PositiveIntegerField("No. of minutes between runs", default=30)
    inactivity_timeout_minutes = models.PositiveIntegerField(
        "Inactivity timeout period", default=720
    )
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.READY)
    last_run_at = models.DateTimeField(null=True, blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    last_run_id = models.UUIDField(null=True, blank=True)
    last_message = models.TextField(blank=True)

    class Meta:
        verbose_name = "synchronization schedule"
        ordering = ["table_mapping__name"]

    def __str__(self):
        return f"{self.table_mapping.name} every {self.interval_minutes} min"


class SyncRequest(models.Model):
    """One manual request: an action chosen on a page or a command, run by a worker.

    Its id is the ``run_id`` of every synchronization job it writes, so the run status page
    shows the request's jobs and their live progress from the moment a worker takes it up.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "In process"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    action = models.CharField(max_length=100, help_text="For example Synchronize Now.")
    description = models.CharField(max_length=250, blank=True)
    requested_by = models.CharField(max_length=150, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    message = models.TextField(blank=True)
    return_url = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = "synchronization request"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.action}: {self.description}" if self.description else self.action

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class FullSyncReviewLine(models.Model):
    """One mapping on the Full Synchronization Review page (table 5373).

    The recommendation comes from the data on both sides; the line's status follows its run,
    and a line starts only when the lines of the mappings it depends on have finished.
    """

    class Recommendation(models.TextChoices):
        FULL_SYNCHRONIZATION = "full_synchronization", "Full Synchronization"
        COUPLE_RECORDS = "couple_records", "Couple Records"
        NO_RECORDS = "no_records", "No Records To Synchronize Now"

    class Status(models.TextChoices):
        NOT_STARTED = "", "—"
        WAITING = "waiting", "Waiting for dependencies"
        READY = "ready", "Ready"
        IN_PROCESS = "in_process", "In Process"
        FINISHED = "finished", "Finished"
        ERROR = "error", "Error"

    name = models.CharField("Name", max_length=20, unique=True)
    position = models.PositiveIntegerField(default=0, help_text="Place in the job order.")
    dependency_filter = models.CharField(max_length=250, blank=True)
    direction = models.CharField(max_length=30, choices=SyncDirection.choices)
    recommendation = models.CharField(max_length=30, blank=True, choices=Recommendation.choices)
    analyzed_at = models.DateTimeField(null=True, blank=True)
    analysis_message = models.TextField(blank=True)
    local_records = models.PositiveIntegerField(null=True, blank=True)
    dataverse_records = models.PositiveIntegerField(
        null=True, blank=True, help_text="Known exactly only after a preview."
    )
    has_dataverse_records = models.BooleanField(default=False)
    # The preview: what the line's run would do, computed before anything is written.
    to_create_in_dataverse = models.PositiveIntegerField(null=True, blank=True)
    to_create_locally = models.PositiveIntegerField(null=True, blank=True)
    to_update = models.PositiveIntegerField(null=True, blank=True)
    to_couple = models.PositiveIntegerField(null=True, blank=True)
    duplicates = models.PositiveIntegerField(null=True, blank=True)

    status = models.CharField(max_length=20, blank=True, choices=Status.choices)
    run_id = models.UUIDField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    message = models.TextField(blank=True)
    requested_by = models.CharField(max_length=150, blank=True)
    # Synch. Only Coupled Records as it was before the run set it aside: the question at the
    # end restores it (No) or clears it for good (Yes). None: nothing to ask for this line.
    synch_only_coupled_before = models.BooleanField(null=True, blank=True)

    class Meta:
        verbose_name = "full synchronization review line"
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    @property
    def dependencies(self) -> list[str]:
        return [n.strip() for n in self.dependency_filter.split("|") if n.strip()]

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.WAITING, self.Status.READY, self.Status.IN_PROCESS)
