"""The next page worked out while the current page's creates are on their way.

A full synchronization spends its time in two places: here, working out a page (its rows, its
couplings, its lookups, the rows to create), and in Dataverse, storing the page before. One
after the other, each waits for the other. The next page's work does not depend on the answer
for the current one, so it is done while the request is in flight: the request waits in a
thread, the work goes on in this one, and Dataverse's side runs on another CPU.

Only reads and computation happen early. Everything that writes (couplings, the job log) still
happens page after page, in order, once the current page is complete: what a run records, and
what a crash leaves behind, are as before. A failure while preparing early is kept and raised
when that page's turn comes, where it would have been raised anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field


@dataclass
class Prepared:
    """What was worked out early for one page."""

    rows: list[dict]
    couplings: dict  # local id → coupling, as ``CouplingStore.by_local_id`` gives them
    creates: dict = field(default_factory=dict)  # local id → (local values, decision or error)


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
