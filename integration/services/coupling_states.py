"""Which couplings are in error, a page of them at a time, with both sides' state.

Every failure stamps ``failed_on`` (the engine on each failed record, Find for Deleted on what
it marks), so the listed couplings all have one. Saying so in the query lets the database walk
the ``failed_on`` index newest first and stop after a page, instead of sorting every coupling;
paging goes on from the last row shown (keyset), so page 2,000 costs what page 1 costs, and
the total is counted only up to ``COUNT_CAP``.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from ..filters import local_model
from ..models import Coupling, IntegrationTableMapping
from .dataverse_rows import RowState, read_row_states

FAILURE = Coupling.Result.FAILURE
LISTED = Q(failed_on__isnull=False) & (
    Q(skipped=True) | Q(last_synch_result=FAILURE) | Q(last_synch_dataverse_result=FAILURE)
)
PAGE_SIZE = 50
COUNT_CAP = 10_000
SKIPPED, FAILED = "skipped", "failed"
# Local fields the search box looks in, where a table has them.
SEARCH_FIELDS = ("no", "code", "name", "description", "first_name", "surname", "email")


def listed():
    """Every coupling shown on Coupled Data Synchronization Errors."""
    return Coupling.objects.filter(LISTED)


def error_couplings(*, mapping=None, state: str = "", search: str = "", mappings=()):
    """The listed couplings of ``mapping``, only Skipped or only failed, matching ``search``."""
    couplings = listed()
    if mapping is not None:
        couplings = couplings.filter(
            local_table=mapping.local_table, dataverse_table=mapping.dataverse_table
        )
    if state == SKIPPED:
        couplings = couplings.filter(skipped=True)
    elif state == FAILED:
        couplings = couplings.filter(skipped=False)
    if search.strip():
        couplings = couplings.filter(search_condition(search.strip(), mappings))
    return couplings


def search_condition(text: str, mappings) -> Q:
    """Match the error message, a record's or row's id, or the local record's number or name."""
    condition = Q(last_synch_error__icontains=text) | Q(last_synch_dataverse_error__icontains=text)
    try:
        row_id = uuid.UUID(text)
    except ValueError:
        pass
    else:
        condition |= Q(local_id=row_id) | Q(dataverse_id=row_id)
    for label in sorted({m.local_table for m in mappings}):
        records = records_matching(model_or_none(label), text)
        if records is not None:
            condition |= Q(local_table=label, local_id__in=records.values("system_id"))
    return condition


def records_matching(model, text: str):
    """The records of ``model`` whose number or name contains ``text`` (None: no such field)."""
    if model is None:
        return None
    names = [f.name for f in model._meta.concrete_fields if f.name in SEARCH_FIELDS]
    if not names:
        return None
    matches = Q()
    for name in names:
        matches |= Q(**{f"{name}__icontains": text})
    return model._default_manager.filter(matches)


def model_or_none(label: str):
    try:
        return local_model(label)
    except ValidationError:
        return None


# ---- Paging -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """A place in the list, newest first: the failed_on and id of a row."""

    failed_on: datetime
    id: int

    def __str__(self) -> str:
        return f"{self.failed_on.isoformat()}~{self.id}"

    @classmethod
    def parse(cls, text: str | None) -> "Cursor | None":
        try:
            stamp, pk = (text or "").split("~")
            return cls(datetime.fromisoformat(stamp), int(pk))
        except ValueError:
            return None

    @classmethod
    def of(cls, coupling: Coupling) -> "Cursor":
        return cls(coupling.failed_on, coupling.pk)


@dataclass
class CouplingPage:
    couplings: list[Coupling]
    older: Cursor | None  # the next page starts after this row
    newer: Cursor | None  # the previous page ends before this row
    total: int  # counted up to COUNT_CAP
    capped: bool


def page_of(couplings, *, after=None, before=None, size: int = PAGE_SIZE) -> CouplingPage:
    """Return the page after (older than) or before (newer than) a cursor, newest first."""
    if before is not None:
        newer_rows = couplings.filter(
            Q(failed_on__gt=before.failed_on) | Q(failed_on=before.failed_on, pk__gt=before.id),
            failed_on__gte=before.failed_on,
        ).order_by("failed_on", "id")
        rows = list(newer_rows[: size + 1])
        more_newer, rows = len(rows) > size, rows[:size][::-1]
        more_older = True
    else:
        if after is not None:
            couplings_after = couplings.filter(
                Q(failed_on__lt=after.failed_on) | Q(failed_on=after.failed_on, pk__lt=after.id),
                failed_on__lte=after.failed_on,
            )
        else:
            couplings_after = couplings
        rows = list(couplings_after.order_by("-failed_on", "-id")[: size + 1])
        more_older, rows = len(rows) > size, rows[:size]
        more_newer = after is not None
    total = couplings.order_by()[: COUNT_CAP + 1].count()
    return CouplingPage(
        couplings=rows,
        older=Cursor.of(rows[-1]) if rows and more_older else None,
        newer=Cursor.of(rows[0]) if rows and more_newer else None,
        total=min(total, COUNT_CAP),
        capped=total > COUNT_CAP,
    )


# ---- Both sides' state ------------------------------------------------------------------


@dataclass
class CouplingState:
    """A coupling with its mapping, its local record (None if gone) and its Dataverse row."""

    coupling: Coupling
    mapping: IntegrationTableMapping | None
    record: models.Model | None
    row: RowState

    @property
    def local_exists(self) -> bool:
        return self.record is not None

    @property
    def dataverse_exists(self) -> bool | None:
        return self.row.exists

    @property
    def local_pending(self) -> bool:
        """The local record has not been created yet (its creation failed)."""
        return self.coupling.status == Coupling.Status.PENDING_LOCAL_CREATE

    @property
    def dataverse_pending(self) -> bool:
        """The Dataverse row has not been created yet (its creation failed)."""
        return self.coupling.status == Coupling.Status.PENDING_CREATE

    @property
    def can_retry(self) -> bool:
        """Both records exist, or the missing one is still to be created by a retry."""
        local = self.local_exists or self.local_pending
        dataverse = self.dataverse_exists or (self.dataverse_pending and self.row.exists is False)
        return bool(local and dataverse)

    @property
    def one_side_gone(self) -> bool:
        """Exactly one side exists (known only when Dataverse could be read)."""
        if self.dataverse_exists is None:
            return False
        return self.local_exists != self.dataverse_exists

    @property
    def local_description(self) -> str:
        if self.record is not None:
            return f"{self.record._meta.verbose_name.capitalize()} {self.record}"
        return f"{self.coupling.local_table} record {self.coupling.local_id}"


def mappings_by_tables(mappings=None) -> dict[tuple[str, str], IntegrationTableMapping]:
    """Each table pair's mapping (the first by name, should two mappings join the same pair)."""
    if mappings is None:
        mappings = IntegrationTableMapping.objects.order_by("name")
    ordered = sorted(mappings, key=lambda m: m.name, reverse=True)
    return {(m.local_table, m.dataverse_table): m for m in ordered}


def local_records(couplings) -> dict[tuple[str, uuid.UUID], models.Model]:
    """Return the couplings' local records that exist: one query per local table."""
    by_table = defaultdict(list)
    for coupling in couplings:
        by_table[coupling.local_table].append(coupling.local_id)
    found = {}
    for label, ids in by_table.items():
        model = model_or_none(label)
        if model is not None:
            for record in model._default_manager.filter(system_id__in=ids):
                found[(label, record.system_id)] = record
    return found


def assess(couplings, *, mappings=None, client=None) -> tuple[list[CouplingState], str]:
    """Return each coupling's state, and why Dataverse's side is unknown if it is."""
    couplings = list(couplings)
    mappings = mappings_by_tables(mappings)
    records = local_records(couplings)
    rows = read_row_states(((c.dataverse_table, c.dataverse_id) for c in couplings), client)
    states = [
        CouplingState(
            coupling=c,
            mapping=mappings.get((c.local_table, c.dataverse_table)),
            record=records.get((c.local_table, c.local_id)),
            row=rows.get(c.dataverse_table, c.dataverse_id),
        )
        for c in couplings
    ]
    return states, rows.problem
