"""Counters of what the client did, for the job log ("retries are not failures").

The engine copies ``client.stats.as_dict()`` into the synchronization job when a run ends, so
an administrator can see that a run was slow because it was throttled 14 times, not because
records failed. Writes from parallel threads go through a lock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, fields


@dataclass
class ClientStats:
    requests: int = 0  # Web API calls sent, every attempt counted
    retries: int = 0  # attempts repeated after a 429, 5xx, timeout or dropped connection
    throttled: int = 0  # 429 answers
    server_errors: int = 0  # 5xx answers
    timeouts: int = 0
    dropped_connections: int = 0
    waited_seconds: float = 0.0  # time spent waiting before retries
    token_requests: int = 0
    token_renewals: int = 0  # tokens renewed because Dataverse answered 401
    bulk_requests: int = 0  # CreateMultiple / UpdateMultiple calls
    batch_requests: int = 0  # $batch calls
    batch_fallbacks: int = 0  # bulk calls refused and resent as $batch to isolate rows
    rows_refused_before_sending: int = 0  # rows that failed validation against metadata
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, counter: str, amount: float = 1) -> None:
        with self._lock:
            setattr(self, counter, getattr(self, counter) + amount)

    def as_dict(self) -> dict[str, float]:
        with self._lock:
            return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "_lock"}
