"""Deletion conflicts met while reading from Dataverse: a coupled record deleted on one side.

Each is resolved by the mapping's Resolve Deletion Conflicts: none (the record fails, with
what to do), Delete coupling (uncouple; both records stay where they exist), or Restore
records (create the deleted record again on its side and couple it anew). Business Central
never propagates a deletion as a deletion, and neither does Tandem.
"""

from dataclasses import replace

from ..models import IntegrationTableMapping
from .errors import RecordError
from .specs import FROM
from .to_dataverse import Page, ToDataverse

Deletion = IntegrationTableMapping.DeletionConflictResolution


class DeletionConflicts:
    """What ``FromDataverse`` does with couplings whose record is gone on one side."""

    def process_deleted(self, ids) -> None:
        if not ids:
            return
        self.page = Page(self.store.by_dataverse_id(ids))
        restore = []
        for coupling in self.page.couplings.values():
            self.dataverse_row_deleted(coupling, restore)
        self.page.save()
        if restore:
            self.restore_in_dataverse(restore)
        self.log.flush(self.client.stats)

    def dataverse_row_deleted(self, coupling, restore) -> None:
        resolution = self.mapping.deletion_conflict_resolution
        local_row = self.local.rows_by_system_id([coupling.local_id]).get(coupling.local_id)
        if resolution == Deletion.REMOVE_COUPLING or local_row is None:
            self.page.delete(coupling)
            self.log.count("uncoupled")
        elif resolution == Deletion.RESTORE_RECORDS and self.mapping.direction != FROM:
            self.page.delete(coupling)
            restore.append(coupling.local_id)
        else:
            self.fail(
                None,
                coupling,
                RecordError(
                    f"{self.local.describe(local_row)} is coupled to a Dataverse "
                    f"{self.plan.dataverse_table} row ({coupling.dataverse_id}) that was deleted. "
                    + self.what_to_do(toward="Dataverse")
                ),
                local_row,
            )

    def what_to_do(self, *, toward: str) -> str:
        """The way out of a deletion conflict this mapping cannot resolve by itself."""
        if self.mapping.deletion_conflict_resolution == Deletion.RESTORE_RECORDS:
            # Restoring means synchronizing toward the side that lost the record, which a
            # one-way mapping does not do: saying "restore" again would not help anyone.
            return (
                f"It cannot be restored, because {self.mapping.name} does not synchronize "
                f"toward {toward}. Delete the coupling, or create the record there again "
                "and couple it."
            )
        return (
            "Restore the record, delete the coupling, or set Resolve Deletion Conflicts on "
            "the table mapping."
        )

    def restore_in_dataverse(self, local_ids) -> None:
        options = replace(self.options, create_new=True, local_ids=local_ids)
        to_dataverse = ToDataverse(self.plan, self.client, options, self.log)
        rows = list(self.local.rows_by_system_id(local_ids).values())
        to_dataverse.process(rows)

    def local_record_deleted(self, row, coupling) -> None:
        resolution = self.mapping.deletion_conflict_resolution
        if resolution == Deletion.REMOVE_COUPLING:
            self.page.delete(coupling)
            self.log.count("uncoupled")
        elif resolution == Deletion.RESTORE_RECORDS and self.specs:
            self.page.delete(coupling)
            self.page.save()
            self.insert([(row, None)])
        else:
            name = row.get(self.plan.entity.primary_name) or coupling.dataverse_id
            self.fail(
                row,
                coupling,
                RecordError(
                    f"The {self.plan.local_caption} coupled to the Dataverse "
                    f"{self.plan.dataverse_table} row {name!s} was deleted. "
                    + self.what_to_do(toward="the ERP")
                ),
            )
