"""Couplings of one mapping's tables, read and written a page at a time."""

import uuid

from django.db import transaction
from django.utils import timezone

from ..models import Coupling
from .bulk_sql import forget, insert_rows, remember, update_changed
from .specs import MappingPlan

UPDATE_FIELDS = [
    "status",
    "local_id",
    "dataverse_id",
    "last_synch_modified_on",
    "last_synch_dataverse_modified_on",
    "dataverse_version",
    "last_synch_result",
    "last_synch_dataverse_result",
    "last_synch_job_id",
    "last_synch_dataverse_job_id",
    "skipped",
    "local_values",
    "dataverse_values",
    "last_synch_error",
    "last_synch_dataverse_error",
    "failed_on",
    "local_deleted_at",
    "updated_at",
]
# What identifies a coupling (a unique constraint), to find the keys of rows just inserted.
KEY_FIELDS = ("local_table", "dataverse_table", "local_id")


class CouplingStore:
    def __init__(self, plan: MappingPlan):
        self.local_table = plan.local_table
        self.dataverse_table = plan.dataverse_table

    def queryset(self):
        return Coupling.objects.filter(
            local_table=self.local_table, dataverse_table=self.dataverse_table
        )

    def by_local_id(self, local_ids) -> dict[uuid.UUID, Coupling]:
        rows = list(self.queryset().filter(local_id__in=list(local_ids)))
        remember(rows, UPDATE_FIELDS)
        return {c.local_id: c for c in rows}

    def by_dataverse_id(self, dataverse_ids) -> dict[uuid.UUID, Coupling]:
        rows = list(self.queryset().filter(dataverse_id__in=list(dataverse_ids)))
        remember(rows, UPDATE_FIELDS)
        return {c.dataverse_id: c for c in rows}

    def new(self, *, local_id, dataverse_id, status=Coupling.Status.COUPLED) -> Coupling:
        return Coupling(
            local_table=self.local_table,
            dataverse_table=self.dataverse_table,
            local_id=local_id,
            dataverse_id=dataverse_id,
            status=status,
        )

    @staticmethod
    def confirm_created(couplings: list[Coupling], *, job_id) -> None:
        if not couplings:
            return
        now = timezone.now()
        for start in range(0, len(couplings), 500):
            chunk = couplings[start : start + 500]
            Coupling.objects.filter(pk__in=[c.pk for c in chunk]).update(
                status=Coupling.Status.COUPLED,
                skipped=False,
                last_synch_dataverse_result=Coupling.Result.SUCCESS,
                last_synch_dataverse_job_id=job_id,
                last_synch_dataverse_error="",
                failed_on=None,
                updated_at=now,
            )
        for coupling in couplings:
            coupling.updated_at = now

    @staticmethod
    def save(created: list[Coupling], changed: list[Coupling], deleted: list[Coupling] = ()):
        """Write a page's couplings in one transaction."""
        now = timezone.now()
        for coupling in changed:
            coupling.updated_at = now
        try:
            with transaction.atomic():
                if deleted:
                    Coupling.objects.filter(pk__in=[c.pk for c in deleted if c.pk]).delete()
                if created:
                    insert_rows(Coupling, created, KEY_FIELDS)
                if changed:
                    # Only the columns that changed; updated_at says the coupling was touched.
                    update_changed(Coupling, changed, UPDATE_FIELDS, always={"updated_at"})
        except BaseException:
            forget([*created, *changed])  # rolled back: their next write writes every column
            raise
        # New couplings are written again only if they fail: the ones confirmed in bulk are
        # remembered then, so snapshotting every new row here would be wasted work.
        remember(changed, UPDATE_FIELDS)


PENDING = (Coupling.Status.PENDING_CREATE, Coupling.Status.PENDING_LOCAL_CREATE)


def reopen_skipped_create(coupling: Coupling, source_changed: bool) -> bool:
    """Clear Skipped on a create that failed until it was skipped, once its source has
    changed since; True if it did. In Business Central such a record has no coupling, so
    every change makes it a candidate again: fixing the source is enough, no Retry."""
    if coupling.skipped and coupling.status in PENDING and source_changed:
        coupling.skipped = False
        return True
    return False


def mark_success(coupling: Coupling, *, to_dataverse: bool, job_id) -> None:
    if to_dataverse:
        coupling.last_synch_dataverse_result = Coupling.Result.SUCCESS
        coupling.last_synch_dataverse_job_id = job_id
        coupling.last_synch_dataverse_error = ""
    else:
        coupling.last_synch_result = Coupling.Result.SUCCESS
        coupling.last_synch_job_id = job_id
        coupling.last_synch_error = ""
    if not coupling.is_failed:
        coupling.failed_on = None


def mark_failure(coupling: Coupling, message: str, *, to_dataverse: bool, job_id) -> None:
    """Record a failure; the same error twice in a row marks the coupling Skipped."""
    message = message.replace("\x00", "\\x00")  # storable everywhere (PostgreSQL: no NUL)
    if to_dataverse:
        repeated = (
            coupling.last_synch_dataverse_result == Coupling.Result.FAILURE
            and coupling.last_synch_dataverse_error == message
        )
        coupling.last_synch_dataverse_result = Coupling.Result.FAILURE
        coupling.last_synch_dataverse_job_id = job_id
        coupling.last_synch_dataverse_error = message
    else:
        repeated = (
            coupling.last_synch_result == Coupling.Result.FAILURE
            and coupling.last_synch_error == message
        )
        coupling.last_synch_result = Coupling.Result.FAILURE
        coupling.last_synch_job_id = job_id
        coupling.last_synch_error = message
    coupling.failed_on = timezone.now()
    if repeated:
        coupling.skipped = True
