"""Deletions found outside the rows a pass reads: deleted Dataverse rows under a mapping
that never reads Dataverse rows, and local records deleted under a coupling."""

from ..dataverse import Deleted
from ..dataverse.errors import DeltaLinkExpired
from .from_dataverse import FromDataverse
from .lookups import as_uuid
from .to_dataverse import Page


class DeletionScan(FromDataverse):
    """For mappings that never read Dataverse rows: find deleted rows through change tracking.

    A coupled Dataverse row deleted under a To-only mapping would otherwise go unnoticed until
    the local record changes again; reading only the primary key keeps the scan cheap.
    """

    def run(self, delta_link: str) -> str | None:
        try:
            return self.scan(delta_link or None)
        except DeltaLinkExpired:
            return self.scan(None)

    def scan(self, delta_link) -> str | None:
        feed = self.client.changes(
            self.plan.dataverse_table, select=[self.plan.primary_id], delta_link=delta_link
        )
        deleted = []
        for item in feed:
            if isinstance(item, Deleted):
                deleted.append(as_uuid(item.id))
            if len(deleted) >= self.options.page_size:
                self.process_deleted(deleted)
                deleted = []
        self.process_deleted(deleted)
        return feed.delta_link


class LocalDeletions(FromDataverse):
    """Couplings whose local record was deleted: apply the deletion-conflict resolution."""

    def run(self, delta_link: str = "") -> None:
        couplings = self.store.queryset().filter(local_deleted_at__isnull=False, skipped=False)
        ids = list(couplings.values_list("dataverse_id", flat=True)[:50_000])
        for start in range(0, len(ids), self.options.page_size):
            self.handle(ids[start : start + self.options.page_size])

    def handle(self, ids) -> None:
        self.page = Page(self.store.by_dataverse_id(ids))
        rows = {
            as_uuid(r[self.plan.primary_id]): r
            for r in self.client.get_many(
                self.plan.dataverse_table, ids, select=self.plan.read_columns()
            )
        }
        self.resolver.prepare_to_local(self.specs, list(rows.values()))
        for dataverse_id, coupling in list(self.page.couplings.items()):
            row = rows.get(dataverse_id)
            if row is None:  # gone on both sides: nothing left to keep in step
                self.page.delete(coupling)
                self.log.count("uncoupled")
            else:
                self.local_record_deleted(row, coupling)
        self.page.save()
        self.log.flush(self.client.stats)
