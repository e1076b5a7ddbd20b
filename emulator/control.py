"""The control endpoint for tests and benchmarks: reset, faults, limits, clock, counters.

Served only where the emulator is, and only to the application client (HTTP Basic with its
id and secret, or its bearer token) or to whoever knows DATAVERSE_EMULATOR_CONTROL_KEY.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from dataclasses import asdict

from django.conf import settings
from django.http import HttpRequest, JsonResponse

from . import auth, seed
from .errors import DataverseError
from .faults import INJECTOR
from .protection import PROTECTION
from .state import Faults, Limits, state


def allowed(request: HttpRequest) -> bool:
    key = settings.DATAVERSE_EMULATOR_CONTROL_KEY
    given_key = request.headers.get("X-Emulator-Control-Key", "")
    if key and hmac.compare_digest(given_key.encode(), key.encode()):
        return True
    authorization = request.headers.get("Authorization", "")
    if authorization.startswith("Basic "):
        try:
            user, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
        except (ValueError, binascii.Error):
            return False
        return user == settings.DATAVERSE_EMULATOR_CLIENT_ID and hmac.compare_digest(
            secret.encode(), settings.DATAVERSE_EMULATOR_CLIENT_SECRET.encode()
        )
    try:
        caller = auth.authenticate(authorization, "")
    except DataverseError:
        return False
    return caller.client_id == settings.DATAVERSE_EMULATOR_CLIENT_ID


def body_of(request: HttpRequest) -> dict:
    data = json.loads(request.body or b"{}")
    if not isinstance(data, dict):
        raise ValueError("a JSON object is expected")
    return data


def reset() -> dict:
    seed.reset()
    state().reset()
    INJECTOR.configure(state().faults)
    PROTECTION.reset()
    return state().snapshot()


def set_faults(data: dict) -> dict:
    faults = Faults.from_dict(data)
    runtime = state()
    with runtime.lock:
        runtime.faults = faults
    INJECTOR.configure(faults)
    return asdict(faults)


def set_limits(data: dict) -> dict:
    runtime = state()
    with runtime.lock:
        runtime.limits = Limits(**{**asdict(runtime.limits), **data})
    PROTECTION.reset()
    return asdict(runtime.limits)


def set_options(data: dict) -> dict:
    """Token lifetime, parallelism hint and the clock (``advance_seconds`` moves it on)."""
    runtime = state()
    with runtime.lock:
        runtime.token_lifetime = int(data.get("token_lifetime", runtime.token_lifetime))
        runtime.dop_hint = int(data.get("dop_hint", runtime.dop_hint))
        runtime.clock_offset += float(data.get("advance_seconds", 0))
    return runtime.snapshot()


def clear_counters() -> dict:
    runtime = state()
    with runtime.lock:
        runtime.counters.clear()
        runtime.by_user.clear()
    return runtime.snapshot()


ACTIONS = {
    "reset": reset,
    "faults": set_faults,
    "limits": set_limits,
    "options": set_options,
    "counters": clear_counters,
}


def handle(request: HttpRequest, action: str) -> JsonResponse:
    if action == "health":
        return JsonResponse({"status": "ok"})
    if not allowed(request):
        return JsonResponse(
            {"error": "the control endpoint needs the application client"}, status=401
        )
    if request.method == "GET" and action == "state":
        return JsonResponse(state().snapshot())
    if request.method == "DELETE" and action == "faults":
        return JsonResponse(set_faults({}))
    if request.method != "POST" or action not in ACTIONS:
        return JsonResponse({"error": f"no control action {request.method} {action}"}, status=404)
    try:
        handler = ACTIONS[action]
        result = (
            handler(body_of(request)) if action in ("faults", "limits", "options") else handler()
        )
    except (ValueError, TypeError) as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse(result)
