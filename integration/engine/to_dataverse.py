"""Local → Dataverse for one mapping: candidates, decisions, bulk writes, couplings.

A page of local records goes through: find their couplings (one query) → confirm creates a
crashed run left pending → read the coupled Dataverse rows when the mapping is bidirectional
(conflicts can only be seen with both sides at hand) → decide per record → send creates and
updates in bulk → write the couplings (one transaction). Creation is exactly-once: the row's
id is chosen and committed in a pending coupling before the create is sent, so a crash, a
retry or a second worker completes that create instead of making another row.
"""

import uuid

from ..dataverse.errors import CONCURRENCY_VERSION_MISMATCH, RecordFailed
from ..models import Coupling, IntegrationTableMapping
from . import merge
from .couplings import CouplingStore, mark_failure, mark_success, reopen_skipped_create
from .errors import RecordError
from .local_table import LocalTable
from .lookahead import LooksAhead
from .lookups import LookupResolver
from .specs import BOTH, TO
from .transfer import dataverse_snapshot, local_snapshot, value_for_dataverse

Deletion = IntegrationTableMapping.DeletionConflictResolution
Update = IntegrationTableMapping.UpdateConflictResolution
NOT_FOUND_CODES = {"0x80040217"}
# A row changed by someone between this run's read and its write is read and decided again,
# this many times in all; after that it fails and the next run tries it again.
WRITE_ATTEMPTS = 3


class ToDataverse(LooksAhead):
    direction = TO

    def __init__(self, plan, client, options, log):
        self.plan, self.client, self.options, self.log = plan, client, options, log
        self.mapping = plan.mapping
        self.specs = plan.specs_for(TO)
        self.local = LocalTable(plan)
        self.store = CouplingStore(plan)
        self.resolver = LookupResolver(plan, client)
        self.bidirectional = self.mapping.direction == BOTH and options.direction is None
        self.page: Page | None = None
        self.lookahead = None  # the next page, prepared during a send (see LooksAhead)
        self.etags: dict[uuid.UUID, str] = {}  # of rows read in this run, for If-Match

    # Candidates ----------------------------------------------------------------------------

    def run(self, watermark) -> None:
        if self.options.local_ids is not None:
            records = self.local.filtered().filter(system_id__in=self.options.local_ids)
            self.log.set_total(records.count())
            for rows in self.local.pages(records, self.options.page_size):
                self.process(rows)
            return
        retry = self.retry_queryset()
        window = self.local.modified_since(watermark)
        if self.options.unconditional:
            # Every record in the filter, also those in step: they are written again.
            window = self.local.filtered()
        self.log.set_total(retry.count() + window.count())
        retried = set()
        for rows in self.ahead(self.local.pages(retry, self.options.page_size)):
            retried.update(r["system_id"] for r in rows)
            self.process(rows)
        # A retried record may also have changed since the watermark: once is enough.
        for rows in self.ahead(self.local.pages(window, self.options.page_size)):
            rows = [r for r in rows if r["system_id"] not in retried]
            if rows:
                self.process(rows)

    def retry_couplings(self):
        """Couplings whose last sync to Dataverse failed or whose create is unconfirmed."""
        failed = self.store.queryset().filter(skipped=False)
        return failed.filter(last_synch_dataverse_result=Coupling.Result.FAILURE) | failed.filter(
            status=Coupling.Status.PENDING_CREATE
        )

    def retry_queryset(self):
        return self.local.filtered().filter(system_id__in=self.retry_couplings().values("local_id"))

    # One page ------------------------------------------------------------------------------

    def process(self, rows: list[dict]) -> None:
        self.page = Page(self.couplings_of(rows))
        inserts, updates, pending = [], [], []
        for row in rows:
            coupling = self.page.couplings.get(row["system_id"])
            if coupling is None:
                self.uncoupled(row, inserts)
            elif coupling.skipped and not reopen_skipped_create(
                coupling, changed_since(row, coupling)
            ):
                self.log.count("skipped")
            elif coupling.status == Coupling.Status.PENDING_CREATE:
                pending.append((row, coupling))
            else:
                updates.append((row, coupling))
        confirmed, recreate = self.confirm_pending(pending)
        self.resolver.prepare_to_dataverse(self.specs, rows)
        self.insert(inserts + recreate)
        self.update(updates + confirmed)
        self.page.save()
        self.log.flush(self.client.stats)

    def uncoupled(self, row, inserts) -> None:
        if self.options.create_new or not self.mapping.synch_only_coupled_records:
            inserts.append((row, None))
        else:
            self.log.count("skipped")

    def confirm_pending(self, pending):
        """Split creates a previous run left unconfirmed into done (row exists) and to-do."""
        if not pending:
            return [], []
        ids = [c.dataverse_id for _, c in pending]
        found = {
            as_id(r[self.plan.primary_id])
            for r in self.client.get_many(
                self.plan.dataverse_table, ids, select=[self.plan.primary_id]
            )
        }
        confirmed, recreate = [], []
        for row, coupling in pending:
            if coupling.dataverse_id in found:
                # A crashed run's create did arrive: this run finishes it.
                coupling.status = Coupling.Status.COUPLED
                self.page.confirmed.add(coupling.dataverse_id)
                self.page.touch(coupling)
                confirmed.append((row, coupling))
            else:
                recreate.append((row, coupling))
        return confirmed, recreate

    # Creating ------------------------------------------------------------------------------

    def insert(self, items) -> None:
        sends = []
        for row, coupling in items:
            early = None if coupling else self.early_send(row)
            if early:
                sends.append((row, *early))
                continue
            coupling = coupling or self.page.add(self.new_coupling(row))
            coupling.status = Coupling.Status.PENDING_CREATE
            try:
                local_now, decision = self.decide_create(row)
            except RecordError as exc:
                self.fail(row, coupling, exc)
                continue
            sends.append((row, coupling, self.ready_pending(row, coupling, local_now, decision)))
        if not sends:
            return
        # Commit the chosen ids before the create goes out: this is what makes it exactly-once.
        self.page.save()
        creates, later = self.split_create_only(sends)
        results = self.sending(lambda: self.client.create_many(self.plan.dataverse_table, creates))
        created = []
        for (row, coupling, _), result in zip(sends, results, strict=True):
            if result.ok:
                created.append((row, coupling))
            else:
                self.fail(row, coupling, dataverse_error(result.error))
        failed_later = self.send_after_create(created, later)
        done = [c for _, c in created if c.dataverse_id not in failed_later]
        self.page.confirm_created(done, job_id=self.log.job.pk)
        self.log.count("inserted", len(done))

    def ready_pending(self, row, coupling, local_now, decision) -> dict:
        """Fill a pending coupling from the create decision; return the create's payload."""
        coupling.status = Coupling.Status.PENDING_CREATE
        coupling.local_values = decision.baseline(local_now)
        coupling.dataverse_values = {c: canon for c, (_, canon) in decision.changes.items()}
        # Written with the pending coupling, so that confirming the create is one UPDATE that
        # sets the same values on every row of the page.
        coupling.last_synch_modified_on = row["modified_at"]
        coupling.last_synch_dataverse_job_id = self.log.job.pk
        payload = {c: value for c, (value, _) in decision.changes.items()}
        return {self.plan.primary_id: coupling.dataverse_id, **payload}

    def split_create_only(self, sends):
        """Keep columns Dataverse refuses on create (a product's state) for an update after.

        Returns the create payloads and, per row id, the columns to update once created.
        """
        attributes = self.plan.entity.attributes
        creates, later = [], {}
        for _, coupling, payload in sends:
            deferred = {
                c: v
                for c, v in payload.items()
                if c in attributes and not attributes[c].valid_for_create
            }
            creates.append({c: v for c, v in payload.items() if c not in deferred})
            if any(v not in (None, 0) for v in deferred.values()):
                later[coupling.dataverse_id] = deferred
        return creates, later

    def send_after_create(self, created, later) -> set:
        rows = [(row, coupling) for row, coupling in created if coupling.dataverse_id in later]
        if not rows:
            return set()
        payloads = [
            {self.plan.primary_id: c.dataverse_id, **later[c.dataverse_id]} for _, c in rows
        ]
        failed = set()
        results = self.client.update_many(self.plan.dataverse_table, payloads)
        for (row, coupling), result in zip(rows, results, strict=True):
            if not result.ok:
                # The row exists: couple it, and let the next run send the state again.
                coupling.status = Coupling.Status.COUPLED
                for column in later[coupling.dataverse_id]:
                    coupling.dataverse_values.pop(column, None)
                self.fail(row, coupling, dataverse_error(result.error))
                failed.add(coupling.dataverse_id)
        return failed

    # Updating ------------------------------------------------------------------------------

    def update(self, items, attempt: int = 1) -> None:
        if not items:
            return
        self.etags = {}
        current = self.read_current([c for _, c in items]) if self.reads_destination() else None
        sends = []
        for row, coupling in items:
            dv_now = None
            if current is not None:
                dv_now = current.get(coupling.dataverse_id)
                if dv_now is None:
                    self.dataverse_row_deleted(row, coupling)
                    continue
            send = self.decide(row, coupling, dv_now)
            if send:
                sends.append((row, coupling, *send))
        stale = self.send_updates(sends, conditional=current is not None)
        self.changed_meanwhile(stale, attempt)

    def reads_destination(self) -> bool:
        return self.bidirectional or (self.options.force and self.options.is_record_run)

    def read_current(self, couplings) -> dict:
        """The coupled rows' current values; their ETags go to ``self.etags`` for the write."""
        specs = [s for s in self.plan.specs if s.column]
        rows = self.client.get_many(
            self.plan.dataverse_table,
            [c.dataverse_id for c in couplings],
            select=self.plan.read_columns(),
        )
        current = {}
        for r in rows:
            row_id = as_id(r[self.plan.primary_id])
            current[row_id] = dataverse_snapshot(specs, r)
            if r.get("@odata.etag"):
                self.etags[row_id] = r["@odata.etag"]
        return current

    def decide(self, row, coupling, dv_now) -> tuple[dict, dict, dict] | None:
        """Return (payload, sent canonical values, local values) for a coupled record, or None.

        The coupling's local baseline moves only once the write succeeded: a write that fails
        or meets a changed row leaves the local change to be sent again.
        """
        local_now = local_snapshot(self.plan.specs, row)
        unconditional = self.options.unconditional
        local_base = {} if unconditional else coupling.local_values
        dv_base = {} if unconditional else coupling.dataverse_values
        try:
            decision = merge.to_dataverse(
                self.specs,
                local_now,
                local_base,
                dv_now,
                dv_base,
                self.converter(row),
                force=self.options.force or unconditional,
            )
            self.resolve_conflicts(decision, row, coupling)
        except RecordError as exc:
            self.fail(row, coupling, exc)
            return None
        except SkipRecord:
            self.log.count("skipped")
            return None
        local_now = decision.baseline(local_now)  # what is taken as synchronized
        if not decision.has_changes:
            coupling.local_values = local_now
            self.succeeded(row, coupling)
            confirmed = coupling.dataverse_id in self.page.confirmed
            self.log.count("inserted" if confirmed else "unchanged")
            return None
        sent = {c: canon for c, (_, canon) in decision.changes.items()}
        payload = {c: value for c, (value, _) in decision.changes.items()}
        return {self.plan.primary_id: coupling.dataverse_id, **payload}, sent, local_now

    def resolve_conflicts(self, decision, row, coupling) -> None:
        if not decision.conflicts:
            return
        resolution = self.mapping.update_conflict_resolution
        if resolution == Update.SEND:
            for conflict in decision.conflicts:
                spec = conflict.spec
                decision.changes[spec.column] = self.converter(row)(spec)
            return
        if resolution == Update.GET:
            # Only the fields in conflict wait for the From pass that follows, which brings
            # Dataverse's values; the record's other changes still go out now.
            return
        raise merge.conflict_error(
            decision.conflicts,
            self.local.describe(row),
            f"Dataverse {self.plan.dataverse_table} row",
        )

    def send_updates(self, sends, *, conditional: bool) -> list:
        """Write the updates; return the (row, coupling) pairs whose row changed meanwhile.

        ``conditional``: the rows were read in this run, so each is written only if it still
        has the version read (If-Match); a person's edit in between is never overwritten.
        """
        if not sends:
            return []
        etags = {c.dataverse_id: self.etags.get(c.dataverse_id) for _, c, *_ in sends}
        results = self.client.update_many(
            self.plan.dataverse_table,
            [p for _, _, p, _, _ in sends],
            etags={k: v for k, v in etags.items() if v} if conditional else None,
        )
        stale = []
        for (row, coupling, _, sent, local_now), result in zip(sends, results, strict=True):
            if result.ok:
                coupling.local_values = local_now
                coupling.dataverse_values = {**coupling.dataverse_values, **sent}
                self.succeeded(row, coupling)
                self.log.count("modified")
            elif result.error and result.error.code in NOT_FOUND_CODES:
                self.dataverse_row_deleted(row, coupling)
            elif conditional and is_version_mismatch(result.error):
                stale.append((row, coupling))
            else:
                self.fail(row, coupling, dataverse_error(result.error))
        return stale

    def changed_meanwhile(self, items, attempt: int) -> None:
        """Rows changed in Dataverse between this run's read and its write: decide again."""
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
                    f"The Dataverse {self.plan.dataverse_table} row coupled to "
                    f"{self.local.describe(row)} kept changing while it was being written "
                    f"({attempt} attempts); the next run will try it again.",
                    code=CONCURRENCY_VERSION_MISMATCH,
                ),
            )

    # Deletion conflicts --------------------------------------------------------------------

    def dataverse_row_deleted(self, row, coupling) -> None:
        """The coupled Dataverse row is gone: apply the mapping's deletion resolution."""
        resolution = self.mapping.deletion_conflict_resolution
        if resolution == Deletion.REMOVE_COUPLING:
            self.page.delete(coupling)
            self.log.count("uncoupled")
        elif resolution == Deletion.RESTORE_RECORDS:
            self.page.delete(coupling)
            self.insert([(row, None)])
        else:
            self.fail(
                row,
                coupling,
                RecordError(
                    f"{self.local.describe(row)} cannot be updated because it is coupled to a "
                    f"deleted Dataverse {self.plan.dataverse_table} row ({coupling.dataverse_id}). "
                    "Restore the record, delete the coupling, or set Resolve Deletion Conflicts "
                    "on the table mapping."
                ),
            )

    # Bookkeeping ---------------------------------------------------------------------------

    def converter(self, row):
        return lambda spec: value_for_dataverse(spec, row, self.resolver, self.describe_related)

    def describe_related(self, local_table, system_id) -> str:
        from django.apps import apps

        model = apps.get_model(local_table)
        record = model._default_manager.filter(system_id=system_id).first()
        return f"{model._meta.verbose_name.capitalize()} {record}" if record else local_table

    def succeeded(self, row, coupling) -> None:
        coupling.last_synch_modified_on = row["modified_at"]
        mark_success(coupling, to_dataverse=True, job_id=self.log.job.pk)
        self.page.touch(coupling)

    def fail(self, row, coupling, exc: RecordError) -> None:
        mark_failure(coupling, exc.message, to_dataverse=True, job_id=self.log.job.pk)
        self.page.touch(coupling)
        self.log.error(
            exc.message,
            detail=exc.detail,
            code=exc.code,
            local_id=row["system_id"],
            local_description=self.local.describe(row),
            dataverse_id=coupling.dataverse_id,
        )


class SkipRecord(Exception):
    """Leave this record to the other direction's pass."""


class Page:
    """The couplings one page creates, changes and deletes, saved together."""

    def __init__(self, couplings: dict):
        self.couplings = couplings
        self.created: list[Coupling] = []
        # By primary key, as model equality goes: a list searched on every touch made a page
        # of 1,000 records cost half a million comparisons.
        self.changed: dict[int, Coupling] = {}
        self.deleted: list[Coupling] = []
        self.confirmed: set[uuid.UUID] = set()

    def add(self, coupling: Coupling) -> Coupling:
        self.created.append(coupling)
        return coupling

    def touch(self, coupling: Coupling) -> None:
        if coupling.pk:
            self.changed.setdefault(coupling.pk, coupling)

    def delete(self, coupling: Coupling) -> None:
        self.deleted.append(coupling)
        if coupling.pk:
            self.changed.pop(coupling.pk, None)

    def save(self) -> None:
        CouplingStore.save(self.created, list(self.changed.values()), self.deleted)
        self.created, self.changed, self.deleted = [], {}, []

    def confirm_created(self, couplings: list[Coupling], *, job_id) -> None:
        """The creates of ``couplings`` arrived: they are coupled now.

        Everything else these couplings need was written with them while pending, so one
        UPDATE does for the whole page, instead of a statement per row.
        """
        for coupling in couplings:
            coupling.status = Coupling.Status.COUPLED
            mark_success(coupling, to_dataverse=True, job_id=job_id)
            self.changed.pop(coupling.pk, None)
        CouplingStore.confirm_created(couplings, job_id=job_id)


def changed_since(row, coupling) -> bool:
    """The local record changed after its coupling last failed (one clock: Tandem's)."""
    return coupling.failed_on is not None and row["modified_at"] > coupling.failed_on


def dataverse_error(error: RecordFailed | None) -> RecordError:
    if error is None:
        return RecordError("Dataverse did not accept the row and gave no reason.")
    return RecordError(
        str(getattr(error, "message", "") or error),
        code=str(getattr(error, "code", "") or ""),
        detail=f"HTTP {getattr(error, 'status', '')}".strip(),
    )


def is_version_mismatch(error) -> bool:
    """412 to an update with If-Match: the row no longer has the version that was read."""
    code = str(getattr(error, "code", "") or "").lower()
    return code == CONCURRENCY_VERSION_MISMATCH or getattr(error, "status", None) == 412


def as_id(value) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
