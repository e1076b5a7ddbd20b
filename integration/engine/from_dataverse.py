"""Dataverse → local for one mapping: change tracking, decisions, bulk ORM writes, couplings.

Candidates come from Dataverse change tracking (rows new or changed since the mapping's delta
link, and rows deleted), filtered by the mapping's integration table filter here because
Dataverse does not allow ``$filter`` with change tracking, plus couplings whose last sync to
the local table failed. A row whose mapped values equal what the coupling last synchronized
is an echo of a write Tandem itself made and is passed over.

Local records are created and coupled in one transaction, and updated with a conditional
UPDATE on their modification time, so a local edit made while the run was going is never
overwritten: the next run sees it as the change it is.
"""

from django.db import transaction
from django.utils import timezone

from ..dataverse import Deleted
from ..dataverse.errors import DeltaLinkExpired
from ..models import Coupling, IntegrationTableMapping
from . import merge
from .couplings import CouplingStore, mark_failure, mark_success, reopen_skipped_create
from .deletion_conflicts import DeletionConflicts
from .errors import RecordError
from .local_creation import LocalCreation
from .local_table import LocalTable
from .lookups import LookupResolver, as_uuid
from .specs import FROM
from .to_dataverse import WRITE_ATTEMPTS, Page, SkipRecord
from .transfer import dataverse_snapshot, local_snapshot, value_for_local
from .values import canonical

Update = IntegrationTableMapping.UpdateConflictResolution


class FromDataverse(LocalCreation, DeletionConflicts):
    direction = FROM

    def __init__(self, plan, client, options, log):
        self.plan, self.client, self.options, self.log = plan, client, options, log
        self.mapping = plan.mapping
        self.specs = plan.specs_for(FROM)
        self.column_specs = [s for s in plan.specs if s.column]
        self.from_columns = {s.column for s in self.specs if s.column}
        self.local = LocalTable(plan)
        self.store = CouplingStore(plan)
        self.resolver = LookupResolver(plan, client)
        self.page: Page | None = None
        self.latest_modified_on = None
        self._integration_user = None

    # Candidates ----------------------------------------------------------------------------

    def run(self, delta_link: str) -> str | None:
        """Synchronize; return the delta link to resume from next time (None: keep the old)."""
        if self.options.dataverse_ids is not None:
            self.process_ids(self.options.dataverse_ids, explicit=True)
            return None
        self.retry_failed()
        feed = self.client.changes(
            self.plan.dataverse_table,
            select=self.plan.read_columns(),
            delta_link=delta_link or None,
        )
        try:
            self.consume(feed)
        except DeltaLinkExpired:
            # Dataverse keeps change tracking for a limited time: read everything once more.
            # Rows already in step come out as echoes, so this costs reads, not writes.
            feed = self.client.changes(
                self.plan.dataverse_table, select=self.plan.read_columns(), delta_link=None
            )
            self.consume(feed)
        return feed.delta_link

    def consume(self, feed) -> None:
        rows, deleted = [], []
        for item in feed:
            if isinstance(item, Deleted):
                deleted.append(as_uuid(item.id))
            elif self.in_filter(item):
                rows.append(item)
            if len(rows) >= self.options.page_size:
                self.process(rows)
                rows = []
            if len(deleted) >= self.options.page_size:
                self.process_deleted(deleted)
                deleted = []
        if rows:
            self.process(rows)
        if deleted:
            self.process_deleted(deleted)

    def in_filter(self, row: dict) -> bool:
        expression = self.plan.filter_expression
        return expression is None or expression.matches(row)

    def retry_failed(self) -> None:
        """Couplings whose last sync to the local table failed are tried again every run."""
        candidates = self.store.queryset().filter(skipped=False)
        failed = (
            # Two questions, each answered by its own index, rather than one OR inside a
            # filter, which reads every coupling of the table.
            candidates.filter(last_synch_result=Coupling.Result.FAILURE)
            | candidates.filter(status=Coupling.Status.PENDING_LOCAL_CREATE)
        ).exclude(
            # Failed once by this very job (a local deletion found earlier in the pass) is
            # enough: trying again now would count one record twice and skip it too soon.
            last_synch_job_id=self.log.job.pk
        )
        ids = list(failed.values_list("dataverse_id", flat=True)[:50_000])
        for start in range(0, len(ids), self.options.page_size):
            self.process_ids(ids[start : start + self.options.page_size])

    def process_ids(self, ids, *, explicit=False) -> None:
        ids = [as_uuid(i) for i in ids]
        rows = list(
            self.client.get_many(self.plan.dataverse_table, ids, select=self.plan.read_columns())
        )
        found = {as_uuid(r[self.plan.primary_id]) for r in rows}
        if not explicit:
            rows = [r for r in rows if self.in_filter(r)]
        self.process(rows)
        self.process_deleted([i for i in ids if i not in found])

    # One page ------------------------------------------------------------------------------

    def process(self, rows: list[dict]) -> None:
        if not rows:
            return
        self.note_modified_on(rows)
        ids = [as_uuid(r[self.plan.primary_id]) for r in rows]
        self.page = Page(self.store.by_dataverse_id(ids))
        inserts, updates, pending = [], [], []
        for row, row_id in zip(rows, ids, strict=True):
            coupling = self.page.couplings.get(row_id)
            if coupling is None:
                self.uncoupled(row, inserts)
            elif coupling.skipped and not reopen_skipped_create(
                coupling, row.get("versionnumber") != coupling.dataverse_version
            ):
                self.log.count("skipped")
            elif coupling.last_synch_job_id == self.log.job.pk:
                continue  # handled earlier in this job (a local deletion, a retry): once is all
            elif coupling.status == Coupling.Status.PENDING_LOCAL_CREATE:
                pending.append((row, coupling))
            else:
                updates.append((row, coupling))
        updates += self.confirm_pending(pending, inserts)
        self.resolver.prepare_to_local(self.specs, rows)
        self.update(updates)
        self.page.save()
        self.insert(inserts)
        self.page.save()
        self.log.flush(self.client.stats)

    def uncoupled(self, row, inserts) -> None:
        if self.options.create_new or not self.mapping.synch_only_coupled_records:
            inserts.append((row, None))
        else:
            self.log.count("skipped")

    def confirm_pending(self, pending, inserts) -> list:
        """Split local creates left unconfirmed into done (the record exists) and to-do.

        A run that dies after inserting the record and before confirming its coupling leaves
        both behind: inserting again would collide with the record's system id, so this run
        takes the record as created and finishes the coupling.
        """
        existing = self.local.existing_system_ids(c.local_id for _, c in pending)
        confirmed = []
        for row, coupling in pending:
            if coupling.local_id in existing:
                self.page.confirmed.add(coupling.dataverse_id)
                confirmed.append((row, coupling))
            else:
                inserts.append((row, coupling))
        return confirmed

    # Updating ------------------------------------------------------------------------------

    def update(self, items, attempt: int = 1) -> None:
        if not items:
            return
        local_rows = self.local.rows_by_system_id(c.local_id for _, c in items)
        writes = []
        for row, coupling in items:
            local_row = local_rows.get(coupling.local_id)
            if local_row is None:
                self.local_record_deleted(row, coupling)
                continue
            write = self.decide(row, coupling, local_row)
            if write:
                writes.append(write)
        self.edited_meanwhile(self.write_updates(writes), attempt)

    def decide(self, row, coupling, local_row):
        coupling.status = Coupling.Status.COUPLED
        dv_now = dataverse_snapshot(self.column_specs, row)
        unconditional = self.options.unconditional
        dv_base = {} if unconditional else coupling.dataverse_values
        local_base = {} if unconditional else coupling.local_values
        if not (self.options.force or unconditional) and self.is_echo(dv_now, dv_base):
            self.in_step(row, coupling, dv_now, counted=not self.written_by_us(row))
            return None
        local_now = local_snapshot(self.plan.specs, local_row)
        try:
            decision = merge.to_local(
                self.specs,
                dv_now,
                dv_base,
                local_now,
                local_base,
                self.converter(row),
                force=self.options.force or unconditional,
            )
            self.resolve_conflicts(decision, row, local_row)
        except RecordError as exc:
            self.fail(row, coupling, exc, local_row)
            return None
        except SkipRecord:
            self.log.count("skipped")
            return None
        if not decision.has_changes:
            coupling.local_values = local_baseline(coupling, local_now)
            self.in_step(row, coupling, dv_now, counted=True, unresolved=decision.unresolved)
            return None
        return row, coupling, local_row, local_now, dv_now, decision

    def is_echo(self, dv_now: dict, dv_base: dict) -> bool:
        return all(dv_now.get(c) == dv_base.get(c, merge.MISSING) for c in self.from_columns)

    def written_by_us(self, row) -> bool:
        if self._integration_user is None:
            self._integration_user = canonical(self.client.whoami().get("UserId"))
        return canonical(row.get("_modifiedby_value")) == self._integration_user

    def resolve_conflicts(self, decision, row, local_row) -> None:
        if not decision.conflicts:
            return
        resolution = self.mapping.update_conflict_resolution
        if resolution == Update.GET:
            for conflict in decision.conflicts:
                spec = conflict.spec
                decision.changes[spec.local_field] = self.converter(row)(spec)
            return
        if resolution == Update.SEND:
            return  # the local values win: only the fields not in conflict are taken
        raise merge.conflict_error(
            decision.conflicts,
            self.local.describe(local_row),
            f"Dataverse {self.plan.dataverse_table} row",
        )

    def write_updates(self, writes) -> list:
        """Write each record only if nobody changed it since it was read (no lost update).

        Return the (row, coupling) pairs of records edited meanwhile, left unwritten.
        """
        if not writes:
            return []
        now = timezone.now()
        updates = []
        for _, _, local_row, _, _, decision in writes:
            values = {}
            for assignments, _ in decision.changes.values():
                values.update(assignments)
            updates.append((local_row["pk"], local_row["modified_at"], values))
        with transaction.atomic():
            written = self.local.update_if_unchanged(updates, now)
        edited = []
        for row, coupling, local_row, local_now, dv_now, decision in writes:
            if local_row["pk"] not in written:
                edited.append((row, coupling))
                continue
            canon = {name: c for name, (_, c) in decision.changes.items()}
            coupling.local_values = local_baseline(coupling, local_now, canon)
            # A local change not yet sent keeps the record a candidate of the next To pass.
            record = {**local_now, **canon}  # the record as this write leaves it
            # (A field missing from the baseline, a reference not coupled yet, waits for the
            # record's next change, not for the next run.)
            unsent = any(coupling.local_values.get(f, v) != v for f, v in record.items())
            self.in_step(
                row,
                coupling,
                dv_now,
                counted=False,
                local_modified=None if unsent else now,
                unresolved=decision.unresolved,
            )
            self.log.count("modified")
        return edited

    def edited_meanwhile(self, items, attempt: int) -> None:
        """Records saved locally between this run's read and its write: decide again.

        The Dataverse row is not read again by a later run (the change feed has moved on),
        so leaving the record would lose the Dataverse change; merging now keeps both.
        """
        if not items:
            return
        if attempt < WRITE_ATTEMPTS:
            self.update(items, attempt + 1)
            return
        for row, coupling in items:
            self.fail(
                row,
                coupling,
                RecordError(
                    f"The {self.plan.local_caption} coupled to the Dataverse "
                    f"{self.plan.dataverse_table} row {coupling.dataverse_id} kept changing while "
                    f"it was being written ({attempt} attempts); the next run will try it again."
                ),
            )

    def in_step(
        self, row, coupling, dv_now, *, counted, local_modified=None, unresolved=()
    ) -> None:
        """Both sides agree: remember the row's values and version for next time.

        ``unresolved`` columns refer to records not coupled yet: they are left out, so that
        the next time the row is read they count as changed and are tried again."""
        values = {**coupling.dataverse_values, **{c: dv_now.get(c) for c in self.from_columns}}
        coupling.dataverse_values = {c: v for c, v in values.items() if c not in unresolved}
        coupling.dataverse_version = row.get("versionnumber")
        coupling.last_synch_dataverse_modified_on = parse_time(row.get("modifiedon"))
        if local_modified is not None:
            coupling.last_synch_modified_on = local_modified
        mark_success(coupling, to_dataverse=False, job_id=self.log.job.pk)
        self.page.touch(coupling)
        if counted:
            confirmed = coupling.dataverse_id in self.page.confirmed
            self.log.count("inserted" if confirmed else "unchanged")

    # Bookkeeping ---------------------------------------------------------------------------

    def converter(self, row):
        return lambda spec: value_for_local(spec, row, self.resolver, self.plan.model)

    def fail(self, row, coupling, exc: RecordError, local_row=None) -> None:
        mark_failure(coupling, exc.message, to_dataverse=False, job_id=self.log.job.pk)
        if row and coupling.status == Coupling.Status.PENDING_LOCAL_CREATE:
            # The version that failed: a later one may have been fixed (see process).
            coupling.dataverse_version = row.get("versionnumber")
        self.page.touch(coupling)
        name = (row or {}).get(self.plan.entity.primary_name) or ""
        self.log.error(
            exc.message,
            detail=exc.detail,
            code=exc.code,
            local_id=coupling.local_id if local_row or coupling.pk else None,
            local_description=self.local.describe(local_row) if local_row else "",
            dataverse_id=coupling.dataverse_id,
            dataverse_description=f"{self.plan.dataverse_caption} {name}".strip(),
        )

    def note_modified_on(self, rows) -> None:
        for row in rows:
            stamp = parse_time(row.get("modifiedon"))
            if stamp and (self.latest_modified_on is None or stamp > self.latest_modified_on):
                self.latest_modified_on = stamp


def local_baseline(coupling, local_now: dict, written: dict | None = None) -> dict:
    """The local values last synchronized, after the From pass wrote ``written``.

    A field keeps its old baseline: the record may hold a local change made during the run
    that the To pass has not sent yet, and taking it into the baseline would hide it for
    good. A new coupling (no baseline yet) takes the record's values; a field missing from
    an existing baseline was left out on purpose (a reference not coupled yet, a field
    mapping added since) and stays out, so that the To pass still sends it.
    """
    base = coupling.local_values or local_now
    return {**base, **(written or {})}


def parse_time(value):
    if value is None or hasattr(value, "tzinfo"):
        return value
    from datetime import datetime

    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
