"""Between Django and the Web API handlers: faults, bearer token, service protection, the
response headers Dataverse adds, and seeding the organisation on first use."""

from __future__ import annotations

import threading
import time
import uuid

from django.http import HttpRequest, HttpResponse, JsonResponse

from . import auth, faults, seed
from .api import ApiRequest, ApiResponse, Headers
from .errors import DataverseError
from .protection import PROTECTION
from .routing import dispatch
from .state import state

API_ROOT = "api/data/v9.2/"
_seeded = threading.Event()
_seeding = threading.Lock()


def ensure_seeded() -> None:
    """The seeded organisation exists after ``migrate`` with no further step: the first
    request of a process seeds an empty database (once, even with parallel requests)."""
    if not _seeded.is_set():
        with _seeding:
            if not _seeded.is_set():
                seed.ensure_seeded()
                _seeded.set()


def mount_url(request: HttpRequest, path: str, suffix: str) -> str:
    """The emulator's base URL (``…/emulator`` in the main server, the host when alone)."""
    prefix = request.path[: len(request.path) - len(path) - len(suffix)]
    return request.build_absolute_uri(prefix).rstrip("/")


def to_http(response: ApiResponse) -> HttpResponse:
    http = HttpResponse(response.body, status=response.status)
    if "Content-Type" not in response.headers:
        del http["Content-Type"]  # an empty answer has no content type
    for name, value in response.headers.items():
        http[name] = value
    return http


def error_response(error: DataverseError) -> HttpResponse:
    return to_http(ApiResponse.error(error))


def injected_answer(request: HttpRequest, decision: faults.Decision) -> HttpResponse | None:
    """A dropped connection or an error answer instead of the real one."""
    if decision.drop:
        if faults.drop_connection(request.META):
            return HttpResponse(status=204)  # written to a closed socket: never seen
        state().count("errors")
        return error_response(DataverseError(503, *faults.ERROR_BODIES[503]))
    if decision.error:
        state().count("throttled" if decision.error.status == 429 else "errors")
        return error_response(decision.error)
    return None


def web_api(request: HttpRequest, path: str) -> HttpResponse:
    runtime = state()
    runtime.count("requests")
    decision = faults.INJECTOR.decide(request.method, path)
    injected = injected_answer(request, decision)
    if injected is not None:
        return injected
    base = mount_url(request, path, API_ROOT)
    try:
        caller = auth.authenticate(request.headers.get("Authorization", ""), base)
    except DataverseError as error:
        runtime.count("unauthorized")
        return error_response(error)
    user = str(caller.user_id)
    try:
        PROTECTION.enter(user)
    except DataverseError as error:
        runtime.count("throttled")
        return error_response(error)
    runtime.count("admitted", caller.client_id)
    started = time.monotonic()
    try:
        # Added latency counts as execution time and keeps the request concurrent.
        faults.wait(decision.delay_ms)
        ensure_seeded()
        response = dispatch(api_request(request, path, base, caller))
    finally:
        PROTECTION.leave(user, (time.monotonic() - started) * 1000)
    if decision.drop_late and faults.drop_connection(request.META):
        return HttpResponse(status=204)  # the work is done; the answer is never seen
    response.headers["x-ms-dop-hint"] = str(runtime.dop_hint)
    response.headers["x-ms-ratelimit-burst-remaining-xrm-requests"] = str(
        PROTECTION.remaining(user)
    )
    response.headers["x-ms-service-request-id"] = str(uuid.uuid4())
    return to_http(response)


def api_request(request: HttpRequest, path: str, base: str, caller) -> ApiRequest:
    return ApiRequest(
        method=request.method,
        path=path,
        query={name: request.GET[name] for name in request.GET},
        headers=Headers(request.headers),
        body=request.body,
        root=f"{base}/{API_ROOT}",
        caller=caller,
    )


def token(request: HttpRequest, tenant: str) -> HttpResponse:
    state().count("token_requests")
    decision = faults.INJECTOR.decide(request.method, request.path, token_endpoint=True)
    faults.wait(decision.delay_ms)
    injected = injected_answer(request, decision)
    if injected is not None:
        return injected
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    try:
        answer = auth.issue_token(
            tenant, request.POST.dict(), request.headers.get("Authorization", "")
        )
    except auth.TokenError as error:
        return JsonResponse(error.body(), status=error.status)
    return JsonResponse(answer, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})
