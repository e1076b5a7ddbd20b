"""The emulator's in-process runtime state: limits, faults, counters, clock and token lifetime.

It lives in memory of the one serving process (the standalone server runs one worker with
many threads), and is changed through settings at start and the control endpoint later.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, fields

from django.conf import settings

DEFAULT_LIMITS = {
    "requests": 6000,
    "window_seconds": 300,
    "concurrent": 52,
    "execution_ms": 1_200_000,
    "concurrency_retry_after": 1,
}


@dataclass
class Limits:
    requests: int = 6000
    window_seconds: float = 300
    concurrent: int = 52
    execution_ms: int = 1_200_000
    concurrency_retry_after: int = 1


@dataclass
class Faults:
    """What to do to requests. Counts (``throttle``, ``errors``, ``drops``, ``slow``) apply to
    the next N matching requests; rates apply to each matching request at random."""

    latency_ms: int = 0
    throttle: int = 0
    throttle_rate: float = 0.0
    throttle_code: str = "0x80072322"
    retry_after: int = 1
    errors: int = 0
    error_rate: float = 0.0
    error_status: int = 503
    drops: int = 0
    drop_rate: float = 0.0
    # Drop after carrying the request out: the write happened, only its answer is lost.
    drop_after_processing: bool = False
    slow: int = 0
    slow_rate: float = 0.0
    slow_ms: int = 0
    methods: list[str] = field(default_factory=list)
    path_contains: str = ""
    include_token_endpoint: bool = False
    seed: int | None = None

    @classmethod
    def from_dict(cls, data: dict) -> Faults:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        faults = cls(**data)
        if faults.slow_ms and not (faults.slow or faults.slow_rate):
            faults.slow_rate = 1.0  # slow_ms alone slows every request
        return faults


class RuntimeState:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.limits = Limits(**{**DEFAULT_LIMITS, **settings.DATAVERSE_EMULATOR_LIMITS})
            self.faults = Faults.from_dict(dict(settings.DATAVERSE_EMULATOR_FAULTS))
            self.token_lifetime = settings.DATAVERSE_EMULATOR_TOKEN_LIFETIME
            self.dop_hint = settings.DATAVERSE_EMULATOR_DOP_HINT
            self.clock_offset = 0.0
            self.counters: Counter = Counter()
            self.by_user: Counter = Counter()

    def now(self) -> float:
        """Wall-clock seconds, moved forward by the control endpoint to expire tokens."""
        return time.time() + self.clock_offset

    def monotonic(self) -> float:
        return time.monotonic() + self.clock_offset

    def count(self, name: str, user: str | None = None) -> None:
        with self.lock:
            self.counters[name] += 1
            if user:
                self.by_user[user] += 1

    def snapshot(self) -> dict:
        with self.lock:
            return {
                "counters": dict(self.counters),
                "requests_by_user": dict(self.by_user),
                "limits": asdict(self.limits),
                "faults": asdict(self.faults),
                "token_lifetime": self.token_lifetime,
                "dop_hint": self.dop_hint,
                "clock_offset": self.clock_offset,
            }


_state: RuntimeState | None = None
_creating = threading.Lock()


def state() -> RuntimeState:
    """The process-wide state, created on first use (settings must be ready by then)."""
    global _state
    if _state is None:
        with _creating:
            if _state is None:
                _state = RuntimeState()
    return _state
