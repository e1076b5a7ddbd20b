"""Deciding what to write, field by field. Pure functions over canonical snapshots.

Each coupling keeps the values last synchronized on both sides (the baseline). A field
changed on one side since then flows to the other; a field changed on both sides to
different values is a conflict; a field changed on both sides to the same value is simply in
step. ``force`` (Send, Get, unconditional full synchronization) writes every mapped value
that differs, changed or not.

A reference cleared under Clear Value on Failed Sync (a primary contact not coupled yet) is
*unresolved*: it stays out of the baseline, so that it counts as changed and is tried again
the next time the record is synchronized, as Business Central transfers every field then.
"""

from dataclasses import dataclass, field

from .errors import RecordError
from .specs import FieldSpec
from .transfer import SKIP

MISSING = object()


@dataclass
class Conflict:
    spec: FieldSpec
    local_value: object
    dataverse_value: object


@dataclass
class Decision:
    changes: dict = field(default_factory=dict)  # destination key → (value, canonical)
    conflicts: list[Conflict] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)
    unresolved: set = field(default_factory=set)  # source keys of references cleared for now

    def baseline(self, snapshot: dict) -> dict:
        """``snapshot`` as the values last synchronized: without the unresolved references."""
        return {k: v for k, v in snapshot.items() if k not in self.unresolved}

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def raise_errors(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise RecordError(" ".join(e.message for e in self.errors), code=self.errors[0].code)


def changed(now: dict, base: dict, key: str) -> bool:
    return base.get(key, MISSING) != now.get(key)


def to_dataverse(
    specs, local_now, local_base, dv_now, dv_base, convert, *, force=False, insert=False
) -> Decision:
    """Decide the columns to write to Dataverse.

    ``dv_now`` is the row's current snapshot when it was read, else None (then the baseline
    stands in for it: what Tandem last wrote is what Dataverse holds, as far as it knows).
    """
    decision = Decision()
    current = dv_now if dv_now is not None else dv_base
    convert = collecting(convert, decision)
    for spec in specs:
        if not (insert or spec.updatable):
            continue  # set when the row was created; sending it now would fail the record
        if spec.local_field and not (
            insert or force or changed(local_now, local_base, spec.local_field)
        ):
            continue
        result = convert(spec)
        if result is SKIP:
            continue
        value, canon = result
        if cleared(spec, local_now.get(spec.local_field), canon):
            decision.unresolved.add(spec.local_field)
        if not insert and current.get(spec.column, MISSING) == canon:
            continue
        if (
            not (insert or force)
            and spec.local_field
            and spec.is_bidirectional
            and dv_now is not None
            and changed(dv_now, dv_base, spec.column)
        ):
            decision.conflicts.append(
                Conflict(spec, local_now.get(spec.local_field), dv_now.get(spec.column))
            )
            continue
        decision.changes[spec.column] = (value, canon)
    decision.raise_errors()
    return decision


def to_local(
    specs, dv_now, dv_base, local_now, local_base, convert, *, force=False, insert=False
) -> Decision:
    """Decide the local fields to write from a Dataverse row."""
    decision = Decision()
    convert = collecting(convert, decision)
    for spec in specs:
        if spec.column and not (insert or force or changed(dv_now, dv_base, spec.column)):
            continue
        result = convert(spec)
        if result is SKIP:
            if cleared(spec, dv_now.get(spec.column), None):
                decision.unresolved.add(spec.column)
            continue
        assignments, canon = result
        if not insert and local_now.get(spec.local_field, MISSING) == canon:
            continue
        if (
            not (insert or force)
            and spec.column
            and spec.is_bidirectional
            and changed(local_now, local_base, spec.local_field)
        ):
            decision.conflicts.append(
                Conflict(spec, local_now.get(spec.local_field), dv_now.get(spec.column))
            )
            continue
        decision.changes[spec.local_field] = (assignments, canon)
    decision.raise_errors()
    return decision


def cleared(spec, source_value, canon) -> bool:
    """The source refers to a record, and Clear Value on Failed Sync left the reference out."""
    return (
        spec.is_lookup
        and spec.clear_value_on_failed_sync
        and source_value is not None
        and canon is None
    )


def collecting(convert, decision):
    """Wrap ``convert`` so that a field that cannot be transferred is noted, not fatal yet:
    the record fails once, with every field that needs fixing in one message."""

    def wrapped(spec):
        try:
            return convert(spec)
        except RecordError as exc:
            decision.errors.append(exc)
            return SKIP

    return wrapped


def conflict_error(conflicts: list[Conflict], record: str, dataverse: str) -> RecordError:
    """The error for an update conflict: names every field and both values."""
    parts = [
        f"{c.spec.local_field} is {shown(c.local_value)} here and {c.spec.column} is "
        f"{shown(c.dataverse_value)} in Dataverse"
        for c in conflicts
    ]
    return RecordError(
        f"Cannot update {record}: both it and the coupled {dataverse} changed since the last "
        f"synchronization, and the mapping between them is bidirectional. "
        f"{'; '.join(parts)}. Choose which side wins (Synchronize Now: Send or Get), or set "
        "Resolve Update Conflicts on the table mapping."
    )


def shown(value) -> str:
    return "blank" if value in (None, "") else repr(value)
