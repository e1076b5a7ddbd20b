"""Fault switches: throttling, 5xx answers, latency, slow answers, dropped connections."""

import socket
import time
import uuid

import pytest
import requests
from django.core.handlers.wsgi import LimitedStream
from django.test import override_settings

from emulator.faults import client_socket
from emulator.state import Faults, RuntimeState

from .conftest import error_of


def test_throttle_the_next_requests(emulator, api):
    emulator.faults(throttle=2, retry_after=7)
    for _ in range(2):
        response = api.get("WhoAmI")
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "7"
        assert error_of(response)["code"] == "0x80072322"
    assert api.get("WhoAmI").ok
    assert emulator.state()["counters"]["throttled"] == 2


def test_throttle_code_can_be_chosen(emulator, api):
    with emulator.faults(throttle_rate=1.0, throttle_code="0x80072326"):
        assert error_of(api.get("WhoAmI"))["code"] == "0x80072326"
    assert api.get("WhoAmI").ok  # the context manager switched it off


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors(emulator, api, status):
    emulator.faults(errors=1, error_status=status)
    response = api.get("WhoAmI")
    assert response.status_code == status
    assert error_of(response)["code"].startswith("0x")
    assert api.get("WhoAmI").ok


def test_error_rate_is_repeatable_with_a_seed(emulator, api):
    def pattern():
        emulator.faults(error_rate=0.5, seed=42)
        return [api.get("WhoAmI").status_code for _ in range(20)]

    first, second = pattern(), pattern()
    assert first == second
    assert set(first) == {200, 503}


def test_faults_apply_to_chosen_methods_and_paths(emulator, api):
    emulator.faults(error_rate=1.0, methods=["POST"], path_contains="accounts")
    assert api.get("accounts").ok
    assert api.post("contacts", json={"lastname": "x"}).ok
    assert api.post("accounts", json={"name": "x"}).status_code == 503


def test_added_latency(emulator, api):
    emulator.faults(latency_ms=300)
    started = time.monotonic()
    assert api.get("WhoAmI").ok
    assert time.monotonic() - started >= 0.3


def test_slow_answers_outlast_a_client_timeout(emulator, api):
    emulator.faults(slow=1, slow_ms=1500)
    with pytest.raises(requests.Timeout):
        api.get("WhoAmI", timeout=0.3)
    assert api.get("WhoAmI", timeout=5).ok


def test_dropped_connections_are_connection_errors(emulator, api):
    emulator.faults(drops=1)
    with pytest.raises(requests.ConnectionError):
        api.post("accounts", json={"name": "Lost"})
    assert api.get("accounts").json()["value"] == []  # nothing was written
    assert api.get("WhoAmI").ok
    emulator.faults(drop_rate=1.0)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{emulator.api_url}WhoAmI", timeout=5)


def test_a_late_drop_loses_the_answer_but_not_the_write(emulator, api):
    emulator.faults(drops=1, drop_after_processing=True, methods=["POST"])
    chosen = uuid.uuid4()
    with pytest.raises(requests.ConnectionError):
        api.post("accounts", json={"accountid": str(chosen), "name": "Written"})
    assert api.get(f"accounts({chosen})?$select=name").json()["name"] == "Written"
    again = api.post("accounts", json={"accountid": str(chosen), "name": "Written"})
    assert again.status_code == 412 and error_of(again)["code"] == "0x80040237"
    assert emulator.state()["counters"]["faults_drop"] == 1


def test_token_endpoint_is_spared_unless_asked(emulator):
    emulator.faults(error_rate=1.0)
    assert emulator.app_session().headers["Authorization"]
    emulator.faults(error_rate=1.0, include_token_endpoint=True)
    with pytest.raises(requests.HTTPError):
        emulator.app_session()


def test_faults_and_limits_come_from_settings():
    with override_settings(
        DATAVERSE_EMULATOR_FAULTS={"latency_ms": 25, "error_rate": 0.1, "seed": 3},
        DATAVERSE_EMULATOR_LIMITS={"requests": 10},
    ):
        state = RuntimeState()
    assert state.faults.latency_ms == 25 and state.faults.seed == 3
    assert state.limits.requests == 10 and state.limits.concurrent == 52
    with pytest.raises(ValueError):
        Faults.from_dict({"nonsense": 1})


def test_unknown_fault_switch_is_refused(emulator):
    response = emulator.server.http.post(f"{emulator.url}/_control/faults", json={"oops": 1})
    assert response.status_code == 400


def test_the_socket_is_found_under_django_runserver_too():
    """``make run`` serves the emulator with Django's runserver (wsgiref), where the socket
    is only reachable through the request stream."""
    server, client = socket.socketpair()
    try:
        stream = LimitedStream(server.makefile("rb"), 0)
        assert client_socket({"wsgi.input": stream}) is server
        assert client_socket({"gunicorn.socket": client}) is client
        assert client_socket({}) is None
    finally:
        server.close()
        client.close()
