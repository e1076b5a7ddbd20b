"""The next page worked out while the current page's creates are on their way.

A full synchronization spends its time in two places: here, working out a page (its rows, its
couplings, its lookups, the rows to create), and in Dataverse, storing the page before. One
after the other, each waits for the other. The next page's work does not depend on the answer
for the current one, so it is done while the request is in flight: the request waits in a
thread, the work goes on in this one, and Dataverse's side runs on another CPU.

Early work is reads, decisions, and one write: the next page's pending couplings, which only
reserve the ids its creates will carry. They are committed before those creates are sent, as
always, so a crash at any point leaves pending couplings that the next run confirms (the row
arrived) or completes (it did not): creation stays exactly-once. Everything else that writes
(confirmations, failures, the job log) still happens page after page, in order. A failure
while preparing early is kept and raised when that page's turn comes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ..models import Coupling
from . import merge
from .couplings import CouplingStore
from .errors import RecordError
from .transfer import local_snapshot


@dataclass
class Prepared:
    """What was worked out early for one page."""

    rows: list[dict]
    couplings: dict  # local id → coupling, as ``CouplingStore.by_local_id`` gives them
    creates: dict = field(default_factory=dict)  # local id → (local values, decision or error)
    new_couplings: dict = field(default_factory=dict)  # local id → pending coupling, unsaved
    # local id → (pending coupling, create payload): couplings already committed early
    sends: dict = field(default_factory=dict)

    def row_of(self, local_id) -> dict:
        if not hasattr(self, "_rows_by_id"):
            self._rows_by_id = {r["system_id"]: r for r in self.rows}
        return self._rows_by_id[local_id]


class Lookahead:
    """Iterates over pages like the iterator it wraps; ``while_running`` prepares the next
    page while a request runs. ``current`` is the preparation of the page just handed out
    (None when it was not prepared early)."""

    def __init__(self, pages: Iterator[list[dict]], prepare: Callable[[list[dict]], Prepared]):
        self.pages = iter(pages)
        self.prepare = prepare
        self.current: Prepared | None = None
        self.ready: Prepared | None = None
        self.failure: BaseException | None = None
        self.exhausted = False
        self.executor = ThreadPoolExecutor(1, "dataverse-send")

    def __enter__(self) -> Lookahead:
        return self

    def __exit__(self, *exc_info) -> None:
        self.executor.shutdown(wait=True)

    def __iter__(self) -> Lookahead:
        return self

    def __next__(self) -> list[dict]:
        if self.failure is not None:
            failure, self.failure = self.failure, None
            raise failure
        if self.ready is not None:
            self.current, self.ready = self.ready, None
            return self.current.rows
        self.current = None
        if self.exhausted:
            raise StopIteration
        return next(self.pages)

    def while_running(self, request: Callable):
        """Run ``request`` in the sending thread, prepare the next page meanwhile, and return
        the request's answer (or raise its exception)."""
        future = self.executor.submit(request)
        self.prepare_next()
        return future.result()

    def prepare_next(self) -> None:
        if self.ready is not None or self.exhausted or self.failure is not None:
            return
        try:
            rows = next(self.pages)
            self.ready = self.prepare(rows)
        except StopIteration:
            self.exhausted = True
        except Exception as exc:  # raised in its turn, by __next__
            self.failure = exc


class LooksAhead:
    """What ``ToDataverse`` needs to prepare pages early and to use what was prepared."""

    lookahead: Lookahead | None

    def ahead(self, pages):
        """``pages``, each prepared while the page before it is being sent, when that cannot
        change what is decided: not when the mapping's lookups resolve through its own
        couplings, which the page being sent is about to add to."""
        own = (self.plan.local_table, self.plan.dataverse_table)
        if any((r.local_table, r.dataverse_table) == own for s in self.specs for r in s.related):
            yield from pages
            return
        with Lookahead(pages, self.prepare) as self.lookahead:
            try:
                yield from self.lookahead
            finally:
                self.lookahead = None

    def prepare(self, rows: list[dict]) -> Prepared:
        """The page's couplings, what its new rows would be, and their pending couplings
        committed (the ids reserved) so that the page's creates can go out at once."""
        couplings = self.store.by_local_id(r["system_id"] for r in rows)
        prepared = Prepared(rows, couplings)
        new = [r for r in rows if r["system_id"] not in couplings]
        if new and (self.options.create_new or not self.mapping.synch_only_coupled_records):
            self.resolver.prepare_to_dataverse(self.specs, rows)
            prepared.creates = {r["system_id"]: self.work_out_create(r) for r in new}
            prepared.new_couplings = {r["system_id"]: self.pending_coupling(r) for r in new}
            self.reserve(prepared)
        return prepared

    def reserve(self, prepared: Prepared) -> None:
        """Commit the pending couplings of the creates that were worked out without error."""
        for local_id, (local_now, outcome) in list(prepared.creates.items()):
            if isinstance(outcome, RecordError):
                continue
            row = prepared.row_of(local_id)
            coupling = prepared.new_couplings.pop(local_id)
            payload = self.ready_pending(row, coupling, local_now, outcome)
            prepared.sends[local_id] = (coupling, payload)
            del prepared.creates[local_id]
        CouplingStore.save([c for c, _ in prepared.sends.values()], [])

    def early_send(self, row) -> tuple | None:
        """(pending coupling, payload) for ``row`` when it was reserved early, else None."""
        prepared = self.early()
        return prepared.sends.pop(row["system_id"], None) if prepared else None

    def sending(self, request):
        """Send; meanwhile prepare the next page, if there is a lookahead."""
        return self.lookahead.while_running(request) if self.lookahead else request()

    def early(self) -> Prepared | None:
        return self.lookahead.current if self.lookahead else None

    def couplings_of(self, rows) -> dict:
        prepared = self.early()
        if prepared is None:
            return self.store.by_local_id(r["system_id"] for r in rows)
        ids = {r["system_id"] for r in rows}
        return {i: c for i, c in prepared.couplings.items() if i in ids}

    def new_coupling(self, row) -> Coupling:
        prepared = self.early()
        early = prepared.new_couplings.pop(row["system_id"], None) if prepared else None
        return early or self.pending_coupling(row)

    def pending_coupling(self, row) -> Coupling:
        """A new coupling with the Dataverse id this record's create will carry."""
        return self.store.new(
            local_id=row["system_id"],
            dataverse_id=uuid.uuid4(),
            status=Coupling.Status.PENDING_CREATE,
        )

    def decide_create(self, row) -> tuple[dict, merge.Decision]:
        """The local values and the decision to create ``row``'s counterpart, worked out
        early or now; raises the ``RecordError`` that stops it."""
        prepared = self.early()
        early = prepared.creates.pop(row["system_id"], None) if prepared else None
        local_now, outcome = early or self.work_out_create(row)
        if isinstance(outcome, RecordError):
            raise outcome
        return local_now, outcome

    def work_out_create(self, row) -> tuple[dict, merge.Decision | RecordError]:
        local_now = local_snapshot(self.plan.specs, row)
        try:
            decision = merge.to_dataverse(
                self.specs, local_now, {}, None, {}, self.converter(row), insert=True
            )
        except RecordError as exc:
            return local_now, exc
        return local_now, decision
