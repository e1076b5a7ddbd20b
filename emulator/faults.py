"""Fault injection: latency, throttling, 5xx answers, slow answers and dropped connections,
switched on by settings or the control endpoint; random choices come from a seedable
generator so tests are repeatable."""

from __future__ import annotations

import contextlib
import random
import socket
import threading
import time
from dataclasses import dataclass

from .errors import DataverseError
from .state import Faults, state

ERROR_BODIES = {
    500: ("0x80040216", "An unexpected error occurred."),
    502: ("0x80040216", "Bad Gateway. The web server received an invalid response."),
    503: ("0x80040216", "Service Unavailable. The service is temporarily unable to answer."),
    504: ("0x80040216", "Gateway Timeout. The web server did not answer in time."),
}


@dataclass
class Decision:
    drop: bool = False
    drop_late: bool = False  # drop once the request has been carried out
    error: DataverseError | None = None
    delay_ms: int = 0


class FaultInjector:
    def __init__(self):
        self.lock = threading.Lock()
        self.random = random.Random()

    def configure(self, faults: Faults) -> None:
        with self.lock:
            self.random = random.Random(faults.seed)

    def applies(self, faults: Faults, method: str, path: str, token_endpoint: bool) -> bool:
        if token_endpoint and not faults.include_token_endpoint:
            return False
        if faults.methods and method not in faults.methods:
            return False
        return faults.path_contains in path

    def decide(self, method: str, path: str, token_endpoint: bool = False) -> Decision:
        runtime = state()
        with runtime.lock:
            faults = runtime.faults
            decision = Decision(delay_ms=faults.latency_ms)
            if self.applies(faults, method, path, token_endpoint):
                with self.lock:
                    self.choose(faults, decision)
        dropped = decision.drop or decision.drop_late
        if dropped or decision.error or decision.delay_ms > faults.latency_ms:
            kind = "drop" if dropped else "error" if decision.error else "slow"
            runtime.count(f"faults_{kind}")
        return decision

    def choose(self, faults: Faults, decision: Decision) -> None:
        """One outcome per request, the most disruptive first; counts are used up first."""
        if self.take(faults, "drops", faults.drop_rate):
            if faults.drop_after_processing:
                decision.drop_late = True
            else:
                decision.drop = True
        elif self.take(faults, "throttle", faults.throttle_rate):
            decision.error = DataverseError(
                429,
                faults.throttle_code,
                "Number of requests exceeded the limit of 6000 over time window of 300 seconds.",
                {"Retry-After": str(faults.retry_after)},
            )
        elif self.take(faults, "errors", faults.error_rate):
            code, message = ERROR_BODIES.get(faults.error_status, ERROR_BODIES[503])
            decision.error = DataverseError(faults.error_status, code, message)
        elif self.take(faults, "slow", faults.slow_rate):
            decision.delay_ms += faults.slow_ms

    def take(self, faults: Faults, count_name: str, rate: float) -> bool:
        remaining = getattr(faults, count_name)
        if remaining > 0:
            setattr(faults, count_name, remaining - 1)
            return True
        return rate > 0 and self.random.random() < rate


INJECTOR = FaultInjector()


def wait(milliseconds: int) -> None:
    if milliseconds > 0:
        time.sleep(milliseconds / 1000)


def client_socket(environ: dict) -> socket.socket | None:
    """The connection's socket: gunicorn hands it over; under Django's runserver it sits
    behind the request stream (wsgiref keeps no other reference in the environ)."""
    found = environ.get("gunicorn.socket")
    stream = environ.get("wsgi.input")
    for _ in range(6):
        if found is not None or stream is None:
            break
        found = getattr(stream, "_sock", None)
        reader = getattr(stream, "_read", None)  # Django's LimitedStream keeps rfile.read
        stream = (
            getattr(stream, "raw", None)
            or getattr(stream, "stream", None)
            or getattr(reader, "__self__", None)
        )
    return found if isinstance(found, socket.socket) else None


def drop_connection(environ: dict) -> bool:
    """Close the connection without an answer, so the client sees a connection error.
    False when the server in use does not let us reach the socket."""
    sock = client_socket(environ)
    if sock is None:
        return False
    with contextlib.suppress(OSError):  # the client may have gone already
        sock.shutdown(socket.SHUT_RDWR)
    return True
