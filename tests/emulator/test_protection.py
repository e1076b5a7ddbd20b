"""Service protection limits: request count, execution time and concurrency, per user."""

import threading
import time

from .conftest import error_of


def wait_until(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def test_request_count_in_a_sliding_window(emulator, api, user_api):
    emulator.limits(requests=3, window_seconds=60)
    assert all(api.get("WhoAmI").ok for _ in range(3))
    throttled = api.get("WhoAmI")
    assert throttled.status_code == 429
    assert error_of(throttled) == {
        "code": "0x80072322",
        "message": "Number of requests exceeded the limit of 3 over time window of 60 seconds.",
    }
    assert 0 < int(throttled.headers["Retry-After"]) <= 60
    assert user_api.get("WhoAmI").ok  # limits are per user
    emulator.advance_clock(61)
    assert api.get("WhoAmI").ok  # the window has slid past the first requests


def test_execution_time_limit(emulator, api):
    emulator.limits(execution_ms=10, window_seconds=60)
    emulator.faults(latency_ms=20)
    assert api.get("WhoAmI").ok
    throttled = api.get("WhoAmI")
    assert throttled.status_code == 429
    assert error_of(throttled)["code"] == "0x80072321"
    assert "Combined execution time" in error_of(throttled)["message"]
    assert int(throttled.headers["Retry-After"]) > 0


def test_concurrent_requests_limit(emulator, api, user_api):
    emulator.limits(concurrent=1)
    emulator.faults(latency_ms=1500, methods=["GET"], path_contains="accounts")
    emulator.clear_counters()
    slow = threading.Thread(target=lambda: api.get("accounts?$select=name"))
    slow.start()
    try:
        wait_until(lambda: emulator.state()["counters"].get("admitted", 0) >= 1)
        second = api.get("WhoAmI")
        assert second.status_code == 429
        assert error_of(second) == {
            "code": "0x80072326",
            "message": "Number of concurrent requests exceeded the limit of 1.",
        }
        assert second.headers["Retry-After"] == "1"
        assert user_api.get("WhoAmI").ok
    finally:
        slow.join()
    assert api.get("WhoAmI").ok


def test_remaining_requests_header(emulator, api):
    emulator.limits(requests=10)
    first = api.get("WhoAmI").headers["x-ms-ratelimit-burst-remaining-xrm-requests"]
    second = api.get("WhoAmI").headers["x-ms-ratelimit-burst-remaining-xrm-requests"]
    assert int(first) - int(second) == 1


def test_default_limits_are_the_real_ones(emulator):
    limits = emulator.state()["limits"]
    assert limits["requests"] == 6000 and limits["window_seconds"] == 300
    assert limits["concurrent"] == 52 and limits["execution_ms"] == 1_200_000
