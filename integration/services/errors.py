"""Coupled Data Synchronization Errors: couplings that failed or are skipped, and their fixes.

Business Central's page 5333 (BC_SYNC_REFERENCE §3.7, with §2.7 and §2.8). A coupling is
listed when its last synchronization failed in either direction or when it is Skipped (the
same error twice in a row, or found by Find for Deleted). The fixes work on a selection:

- Retry clears Skipped, so the next run picks the coupling up again;
- Synchronize clears Skipped and writes every differing value from the side that wins;
- Restore Records re-creates the missing side and couples it, Delete Records deletes the
  surviving side and the coupling (both only when exactly one side is gone);
- Delete Couplings uncouples; Find for Deleted marks broken couplings Skipped.

Each fix reads both sides again instead of trusting what the page showed.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, ProtectedError, Q
from django.utils import timezone

from synclog.models import SyncDirection, SyncJob

from ..dataverse import DataverseError
from ..engine import RunOptions
from ..filters import apply_table_filter, local_model
from ..models import Coupling, IntegrationTableMapping
from .coupling_states import CouplingState, assess, listed
from .dataverse_rows import DataverseUnavailable, delete_rows, page_client
from .synchronization import synchronize_mapping, synchronize_records

TO = SyncDirection.TO_INTEGRATION_TABLE
FROM = SyncDirection.FROM_INTEGRATION_TABLE
BOTH = SyncDirection.BIDIRECTIONAL
SEND, GET = "send", "get"  # Synchronize: which side's data wins
SIDE_DIRECTIONS = {SEND: TO, GET: FROM}


@dataclass
class Outcome:
    """What a fix did: how many couplings it handled, why others were left, its jobs."""

    done: int = 0
    left: list[str] = field(default_factory=list)
    jobs: list[SyncJob] = field(default_factory=list)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def job_summary(job: SyncJob) -> str:
    """ "CURRENCY To Integration Table: 1 inserted, 1 failed." and the job's message."""
    counts = ["inserted", "modified", "unchanged", "skipped", "failed", "uncoupled"]
    done = ", ".join(f"{getattr(job, n)} {n}" for n in counts if getattr(job, n))
    direction = SyncDirection(job.direction).label if job.direction else ""
    text = f"{job.table_mapping_name} {direction}: {done or 'nothing to do'}"
    return f"{text}. {job.message}" if job.message else f"{text}."


def left_because(states: list[CouplingState], reason: str) -> list[str]:
    return [f"{plural(len(states), 'coupling')} left as they were: {reason}"] if states else []


def assessed(ids) -> tuple[list[CouplingState], Outcome | None]:
    """Read the selected couplings with both sides; an Outcome when Dataverse is unreadable."""
    states, problem = assess(listed().filter(pk__in=list(ids)))
    return states, Outcome(left=[problem]) if problem else None


# ---- Retry, Retry All, Delete Couplings -------------------------------------------------


def retry(ids) -> Outcome:
    """Clear Skipped on the selected couplings whose two records are there."""
    states, unreadable = assessed(ids)
    if unreadable:
        return unreadable
    ready = [s for s in states if s.can_retry]
    cleared = clear_skipped([s.coupling.pk for s in ready])
    reason = "a side was deleted; use Restore Records or Delete Records."
    return Outcome(done=cleared, left=left_because([s for s in states if not s.can_retry], reason))


def clear_skipped(pks) -> int:
    return Coupling.objects.filter(pk__in=list(pks)).update(
        skipped=False, updated_at=timezone.now()
    )


def retry_all(mapping_name: str = "") -> int:
    """Clear Skipped on every skipped coupling (of one mapping when a name is given)."""
    couplings = Coupling.objects.filter(skipped=True)
    if mapping_name:
        mapping = IntegrationTableMapping.objects.filter(name=mapping_name).first()
        if mapping is None:
            return 0
        couplings = couplings.filter(
            local_table=mapping.local_table, dataverse_table=mapping.dataverse_table
        )
    return couplings.update(skipped=False, updated_at=timezone.now())


def delete_couplings(ids) -> int:
    """Uncouple: the records stay on both sides and are no longer synchronized together."""
    deleted, _ = listed().filter(pk__in=list(ids)).delete()
    return deleted


# ---- Synchronize ------------------------------------------------------------------------


def synchronize(ids, side: str, *, requested_by: str = "") -> Outcome:
    """Clear Skipped, then write every differing value from the winning side (Send / Get).

    Under a bidirectional mapping an ordinary pass the other way follows: it finds both sides
    in step and clears that direction's old failure, or reports what still fails that way
    (a lookup that is not coupled, say), so the page shows the truth right away.
    """
    direction = SIDE_DIRECTIONS[side]
    states, unreadable = assessed(ids)
    if unreadable:
        return unreadable
    ready = [s for s in states if s.can_retry]
    reason = "a side was deleted; use Restore Records or Delete Records."
    outcome = Outcome(left=left_because([s for s in states if not s.can_retry], reason))
    run_id = uuid.uuid4()
    for mapping, group in by_mapping(ready, outcome).items():
        if not allows(mapping, direction, group, outcome):
            continue
        clear_skipped([s.coupling.pk for s in group])
        passes = [(direction, True)]
        if mapping.direction == BOTH:
            passes.append((FROM if direction == TO else TO, False))
        for way, force in passes:
            options = RunOptions(
                local_ids=[s.coupling.local_id for s in group],
                dataverse_ids=[s.coupling.dataverse_id for s in group],
                direction=way,
                force=force,
                trigger=SyncJob.Trigger.RECORD,
                requested_by=requested_by,
                run_id=run_id,
            )
            outcome.jobs += synchronize_mapping(mapping, options=options)
        outcome.done += len(group)
    return outcome


def by_mapping(states, outcome: Outcome) -> dict:
    """Group couplings by their mapping; those without one are reported and left."""
    groups = defaultdict(list)
    for state in states:
        groups[state.mapping].append(state)
    orphans = groups.pop(None, [])
    outcome.left += left_because(orphans, "no table mapping joins their tables any more.")
    return groups


def allows(mapping, direction: str, group, outcome: Outcome) -> bool:
    if mapping.direction in (BOTH, direction):
        return True
    label = SyncDirection(direction).label
    reason = f"the mapping {mapping.name} does not synchronize {label}."
    outcome.left += left_because(group, reason)
    return False


# ---- Restore Records and Delete Records -------------------------------------------------


def restore_records(ids, *, requested_by: str = "") -> Outcome:
    """Re-create the missing side of each coupling and couple it (exactly one side gone)."""
    states, unreadable = assessed(ids)
    if unreadable:
        return unreadable
    outcome = Outcome(left=left_one_side(states))
    run_id = uuid.uuid4()
    for mapping, group in by_mapping([s for s in states if s.one_side_gone], outcome).items():
        in_dataverse = [s for s in group if s.local_exists]  # the Dataverse row is gone
        in_erp = [s for s in group if not s.local_exists]
        for direction, part in ((TO, in_dataverse), (FROM, in_erp)):
            if part and allows(mapping, direction, part, outcome):
                outcome.jobs += recreate(mapping, direction, part, requested_by, run_id)
                outcome.done += len(part)
    return outcome


def left_one_side(states) -> list[str]:
    reason = "both records exist, or neither does; Restore and Delete Records need exactly one."
    return left_because([s for s in states if not s.one_side_gone], reason)


def recreate(mapping, direction, states, requested_by, run_id) -> list[SyncJob]:
    """Uncouple, then create and couple a counterpart of the surviving records."""
    Coupling.objects.filter(pk__in=[s.coupling.pk for s in states]).delete()
    ids = {"local_ids": [s.coupling.local_id for s in states]}
    if direction == FROM:
        ids = {"dataverse_ids": [s.coupling.dataverse_id for s in states]}
    options = RunOptions(
        **ids,
        direction=direction,
        create_new=True,
        trigger=SyncJob.Trigger.RECORD,
        requested_by=requested_by,
        run_id=run_id,
    )
    return synchronize_mapping(mapping, options=options)


def delete_records(ids, *, may_delete_local=lambda model: True) -> Outcome:
    """Delete the surviving record of each coupling (local or Dataverse) and the coupling."""
    states, unreadable = assessed(ids)
    if unreadable:
        return unreadable
    outcome = Outcome(left=left_one_side(states))
    targets = [s for s in states if s.one_side_gone]
    delete_local_records([s for s in targets if s.local_exists], may_delete_local, outcome)
    delete_dataverse_rows([s for s in targets if not s.local_exists], outcome)
    return outcome


def delete_local_records(states, may_delete_local, outcome: Outcome) -> None:
    for state in states:
        record = state.record
        if not may_delete_local(type(record)):
            name = type(record)._meta.verbose_name_plural
            outcome.left += left_because([state], f"you may not delete {name}.")
            continue
        try:
            with transaction.atomic():
                state.coupling.delete()
                record.delete()
        except (ProtectedError, IntegrityError) as exc:
            reason = exc.args[0] if exc.args else exc
            outcome.left.append(f"{state.local_description} could not be deleted: {reason}")
            continue
        outcome.done += 1


def delete_dataverse_rows(states, outcome: Outcome) -> None:
    if not states:
        return
    tables = defaultdict(list)
    for state in states:
        tables[state.coupling.dataverse_table].append(state)
    try:
        with page_client() as client:
            for table, group in tables.items():
                errors = delete_rows(table, [s.coupling.dataverse_id for s in group], client)
                gone = [s for s in group if not errors.get(s.coupling.dataverse_id)]
                Coupling.objects.filter(pk__in=[s.coupling.pk for s in gone]).delete()
                outcome.done += len(gone)
                outcome.left += [
                    f"The Dataverse {table} row {s.coupling.dataverse_id} could not be deleted: "
                    f"{errors[s.coupling.dataverse_id]}"
                    for s in group
                    if errors.get(s.coupling.dataverse_id)
                ]
    except (DataverseUnavailable, DataverseError) as exc:
        outcome.left.append(f"Dataverse rows could not be deleted: {exc}")


# ---- Find for Deleted -------------------------------------------------------------------


def find_for_deleted() -> int:
    """Mark Skipped the couplings whose local record is gone or left the table filter.

    Business Central scans only mappings that are not bidirectional. Tandem looks for deleted
    records under every mapping, because a record deleted without Django knowing (raw SQL,
    another program) leaves a bidirectional coupling unnoticed until its Dataverse row changes.
    "Left the table filter" stays limited to the other mappings, as in Business Central: under
    a bidirectional mapping the Dataverse row still updates a record outside the filter.
    """
    marked = 0
    for mapping in IntegrationTableMapping.objects.order_by("name"):
        marked += mark_broken_couplings(mapping)
    return marked


def mark_broken_couplings(mapping: IntegrationTableMapping) -> int:
    model = mapping_model(mapping)
    if model is None:
        return 0
    couplings = Coupling.objects.filter(
        local_table=mapping.local_table, dataverse_table=mapping.dataverse_table, skipped=False
    ).exclude(status=Coupling.Status.PENDING_LOCAL_CREATE)  # no local record yet, by design
    record = model._default_manager.filter(system_id=OuterRef("local_id"))
    caption = model._meta.verbose_name
    gone = mark_skipped(
        couplings.filter(~Exists(record)),
        mapping,
        f"The {caption} record coupled to this {mapping.dataverse_table} row was deleted. "
        "Restore Records, Delete Records, or delete the coupling.",
        local_deleted_at=timezone.now(),  # so that a retried coupling meets the engine's rule
    )
    kept = records_in_filter(mapping, record)
    if kept is None:
        return gone
    outside = mark_skipped(
        couplings.filter(Exists(record), ~Exists(kept)),
        mapping,
        f"The {caption} record no longer matches the table filter of the mapping "
        f"{mapping.name}. Delete the coupling, or change the record or the filter.",
    )
    return gone + outside


def records_in_filter(mapping, records):
    """The records the table filter keeps; None where Find for Deleted ignores the filter."""
    if mapping.direction == BOTH or not mapping.table_filter:
        return None
    try:
        return apply_table_filter(mapping, records)
    except ValidationError:
        return None  # a broken filter is the mapping page's to report, not a reason to skip


def mark_skipped(couplings, mapping, message: str, **fields) -> int:
    """Mark Skipped with the reason as the error of the direction the mapping writes in."""
    error = "last_synch_error" if mapping.direction == FROM else "last_synch_dataverse_error"
    now = timezone.now()
    return couplings.update(
        skipped=True, failed_on=now, updated_at=now, **{error: message}, **fields
    )


# ---- The actions on Integration Synchronization Errors ----------------------------------


def synchronize_error_record(error, *, requested_by: str = "") -> Outcome:
    """Synchronize the record of a logged error in its job's direction, Skipped cleared."""
    mapping = mapping_of_error(error)
    if mapping is None:
        return Outcome(left=[f"No table mapping is named {error.job.table_mapping_name}."])
    couplings = couplings_of_error(error, mapping)
    clear_skipped(couplings.values_list("pk", flat=True))
    direction = error.job.direction if error.job.direction in (TO, FROM) else None
    model = mapping_model(mapping)
    record = model._default_manager.filter(system_id=error.local_id).first() if model else None
    options = RunOptions(trigger=SyncJob.Trigger.RECORD, requested_by=requested_by)
    if record is not None:
        jobs = synchronize_records([record], direction=direction, options=options)
        return Outcome(done=1, jobs=jobs)
    if error.dataverse_id and direction == FROM:
        options.dataverse_ids, options.direction = [error.dataverse_id], FROM
        return Outcome(done=1, jobs=synchronize_mapping(mapping, options=options))
    return Outcome(left=[f"The {mapping.local_table} record of this error no longer exists."])


def delete_error_coupling(error) -> int:
    """Delete the coupling of a logged error's record; return how many were deleted."""
    mapping = mapping_of_error(error)
    if mapping is None:
        return 0
    deleted, _ = couplings_of_error(error, mapping).delete()
    return deleted


def mapping_of_error(error) -> IntegrationTableMapping | None:
    return IntegrationTableMapping.objects.filter(name=error.job.table_mapping_name).first()


def couplings_of_error(error, mapping):
    same = Coupling.objects.filter(
        local_table=mapping.local_table, dataverse_table=mapping.dataverse_table
    )
    condition = Q(pk__in=[])
    if error.local_id:
        condition |= Q(local_id=error.local_id)
    if error.dataverse_id:
        condition |= Q(dataverse_id=error.dataverse_id)
    return same.filter(condition)


def mapping_model(mapping):
    try:
        return local_model(mapping.local_table)
    except ValidationError:
        return None
