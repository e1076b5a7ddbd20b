"""Synchronize Now for one or many records: which side changed, the choice, the run.

For a bidirectional mapping the administrator sends (Send), gets (Get) or merges field by
field (Merge); the page recommends the side that changed. Which side changed is read from the
values, not the timestamps: each coupling keeps the values last synchronized on both sides,
so a field counts as changed when its value now differs from that baseline (an empty
baseline, right after coupling, means everything changed).
"""

from dataclasses import dataclass, field, replace

from django.core.exceptions import ValidationError

from synclog.models import SyncJob

from ..dataverse import DataverseError
from ..engine import JobStopped, RunOptions
from ..engine.local_table import LocalTable
from ..engine.lookups import as_uuid
from ..engine.merge import changed
from ..engine.specs import FROM, TO, build_plan
from ..engine.transfer import dataverse_snapshot, local_snapshot
from ..models import Coupling
from .dataverse_rows import DataverseUnavailable, page_client
from .records import BOTH, RecordSelection, allows, record_selection
from .runs import sync_request_enqueue, sync_request_note
from .synchronization import synchronize_records

SEND, GET, MERGE = "send", "get", "merge"
CHOICES = {
    SEND: "Send data update to Dataverse.",
    GET: "Get data update from Dataverse.",
    MERGE: "Merge data.",
}
RUN = {SEND: (TO, True), GET: (FROM, True), MERGE: (None, False)}
FAILURE = Coupling.Result.FAILURE
COUPLED = Coupling.Status.COUPLED


@dataclass
class RecordState:
    record: object
    coupling: Coupling | None
    local_fields: set = field(default_factory=set)  # local fields changed since last sync
    dataverse_columns: set = field(default_factory=set)  # Dataverse columns changed
    conflict: bool = False
    dataverse_missing: bool = False

    @property
    def ready(self) -> bool:
        coupling = self.coupling
        return coupling is not None and coupling.status == COUPLED and (not coupling.skipped)


@dataclass
class SyncNowReview:
    selection: RecordSelection
    states: list[RecordState]
    problem: str = ""
    plan: object = None

    @property
    def mapping(self):
        return self.selection.mapping

    @property
    def ready(self) -> list[RecordState]:
        return [s for s in self.states if s.ready]

    @property
    def not_coupled(self) -> int:
        return sum(1 for s in self.states if not s.coupling or s.coupling.status != COUPLED)

    @property
    def skipped(self) -> int:
        return sum(1 for s in self.states if s.coupling and s.coupling.skipped)

    @property
    def choices(self) -> list[str]:
        direction = self.mapping.direction
        if direction != BOTH:
            return [SEND] if direction == TO else [GET]
        if len(self.states) == 1 and self.conflicts:
            return [SEND, GET]  # a merge could only fail on the conflicting fields
        return [SEND, GET, MERGE]

    @property
    def conflicts(self) -> int:
        return sum(1 for s in self.ready if s.conflict)

    def newer_in_dataverse(self) -> int:
        """Records whose Dataverse row changed what Send would overwrite."""
        columns = self.columns_carried(TO)
        return sum(1 for s in self.ready if s.dataverse_missing or s.dataverse_columns & columns)

    def newer_locally(self) -> int:
        """Records whose local changes Get would overwrite."""
        fields = self.fields_carried(FROM)
        return sum(1 for s in self.ready if s.local_fields & fields)

    def columns_carried(self, direction) -> set:
        specs = self.plan.specs if self.plan else []
        return {s.column for s in specs if s.column and s.carries(direction)}

    def fields_carried(self, direction) -> set:
        specs = self.plan.specs if self.plan else []
        return {s.local_field for s in specs if s.local_field and s.carries(direction)}

    @property
    def recommended(self) -> str | None:
        choices = self.choices
        if len(choices) == 1:
            return choices[0]
        if MERGE not in choices:
            return None  # a conflict: the administrator decides which side wins
        local = any(s.local_fields & self.fields_carried(TO) for s in self.ready)
        remote = any(s.dataverse_columns & self.columns_carried(FROM) for s in self.ready)
        if local and not remote:
            return SEND
        if remote and not local:
            return GET
        return MERGE


def synchronize_now_review(*, selection: RecordSelection, client=None) -> SyncNowReview:
    states = [RecordState(r, selection.coupling(r)) for r in selection.records]
    review = SyncNowReview(selection, states)
    ready = review.ready
    if not ready:
        return review
    try:
        client = client or page_client()
        review.plan = build_plan(selection.mapping, client)
        compare_with_baselines(review.plan, client, ready)
    except (DataverseUnavailable, DataverseError, JobStopped) as exc:
        review.problem = f"Which side changed could not be read: {exc}"
    return review


def compare_with_baselines(plan, client, states: list[RecordState]) -> None:
    local_rows = LocalTable(plan).rows_by_system_id(s.record.system_id for s in states)
    ids = [s.coupling.dataverse_id for s in states]
    rows = client.get_many(plan.dataverse_table, ids, select=plan.read_columns())
    remote = {as_uuid(r[plan.primary_id]): r for r in rows}
    column_specs = [s for s in plan.specs if s.column]
    for state in states:
        coupling = state.coupling
        local_now = local_snapshot(plan.specs, local_rows.get(state.record.system_id) or {})
        state.local_fields = {k for k in local_now if changed(local_now, coupling.local_values, k)}
        if coupling.last_synch_dataverse_result == FAILURE:
            state.local_fields |= set(local_now)
        row = remote.get(coupling.dataverse_id)
        if row is None:
            state.dataverse_missing = True
            continue
        dv_now = dataverse_snapshot(column_specs, row)
        state.dataverse_columns = {
            k for k in dv_now if changed(dv_now, coupling.dataverse_values, k)
        }
        if coupling.last_synch_result == FAILURE:
            state.dataverse_columns |= set(dv_now)
        state.conflict = any(
            spec.is_bidirectional
            and spec.local_field in state.local_fields
            and spec.column in state.dataverse_columns
            for spec in plan.specs
        )


def synchronize_now_request(*, selection: RecordSelection, choice: str, user, return_url=""):
    """Queue Synchronize Now for the selection; return the request to follow."""
    if choice not in CHOICES:
        raise ValidationError("Choose the direction of the update.")
    direction = RUN[choice][0]
    if direction and not allows(selection.mapping, direction):
        raise ValidationError(
            f"The mapping {selection.mapping.name} does not synchronize in that direction."
        )
    count = len(selection.records)
    return sync_request_enqueue(
        action="Synchronize Now",
        task="integration.tasks.sync.synchronize_now_task",
        args=(selection.label, selection.pks, choice),
        description=f"{CHOICES[choice]} {count} {selection.caption}",
        user=user,
        return_url=return_url,
    )


def synchronize_now_run(
    *, run_id, label: str, pks: list, choice: str, requested_by: str = "", progress=None
) -> list[SyncJob]:
    """Synchronize the coupled records among ``pks``; the others are skipped, as in BC."""
    selection = record_selection(label=label, pks=pks)
    ready = [r for r in selection.records if RecordState(r, selection.coupling(r)).ready]
    left_out = len(selection.records) - len(ready)
    if left_out:
        sync_request_note(
            run_id,
            f"{left_out} of {len(selection.records)} records were skipped: they are not "
            "coupled, or their coupling is marked as skipped (retry it on Coupled Data "
            "Synchronization Errors first).",
        )
    if not ready:
        return []
    direction, force = RUN[choice]
    options = RunOptions(run_id=run_id, requested_by=requested_by, progress=progress)
    options = replace(options, trigger=SyncJob.Trigger.RECORD)
    return synchronize_records(ready, direction=direction, force=force, options=options)
