"""Service protection limits, per user: requests and execution time in a sliding window, and
concurrent requests. Exceeding one answers 429 with Retry-After, as Dataverse does (LIMITS)."""

from __future__ import annotations

import math
import threading
from collections import Counter, defaultdict, deque

from .errors import DataverseError
from .state import state

REQUESTS = "0x80072322"
EXECUTION_TIME = "0x80072321"
CONCURRENCY = "0x80072326"


def throttled(code: str, message: str, retry_after: float) -> DataverseError:
    seconds = max(0, math.ceil(retry_after))
    return DataverseError(429, code, message, {"Retry-After": str(seconds)})


class ServiceProtection:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.starts: dict[str, deque] = defaultdict(deque)
        self.durations: dict[str, deque] = defaultdict(deque)
        self.active: Counter = Counter()

    def enter(self, user: str) -> None:
        """Admit one request of ``user`` or raise the 429 error that applies."""
        limits = state().limits
        now = state().monotonic()
        with self.lock:
            starts, durations = self.starts[user], self.durations[user]
            window = limits.window_seconds
            while starts and starts[0] <= now - window:
                starts.popleft()
            while durations and durations[0][0] <= now - window:
                durations.popleft()
            if self.active[user] >= limits.concurrent:
                raise throttled(
                    CONCURRENCY,
                    f"Number of concurrent requests exceeded the limit of {limits.concurrent}.",
                    limits.concurrency_retry_after,
                )
            if len(starts) >= limits.requests:
                raise throttled(
                    REQUESTS,
                    f"Number of requests exceeded the limit of {limits.requests} over time "
                    f"window of {window:g} seconds.",
                    starts[0] + window - now,
                )
            if sum(ms for _, ms in durations) > limits.execution_ms:
                raise throttled(
                    EXECUTION_TIME,
                    "Combined execution time of incoming requests exceeded limit of "
                    f"{limits.execution_ms:,} milliseconds over time window of {window:g} "
                    "seconds. Decrease number of concurrent requests or reduce the duration of "
                    "requests and try again later.",
                    durations[0][0] + window - now,
                )
            starts.append(now)
            self.active[user] += 1

    def leave(self, user: str, milliseconds: float) -> None:
        with self.lock:
            self.active[user] -= 1
            self.durations[user].append((state().monotonic(), milliseconds))

    def remaining(self, user: str) -> int:
        with self.lock:
            return max(0, state().limits.requests - len(self.starts[user]))


PROTECTION = ServiceProtection()
