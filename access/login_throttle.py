"""Failed sign-ins are counted, and too many of them pause signing in for a while.

Two counters, each in Django's cache alias ``login_throttle``:

- per user name and address: ``per_user_and_address`` failures (5) pause that user name from
  that address. Somebody guessing one administrator's password is stopped after a few tries,
  while the administrator can still sign in from elsewhere (no lock-out of the account);
- per address: ``per_address`` failures (20), whatever the user names, pause the address.
  Somebody trying a common password on many user names is stopped too.

Each failure keeps its counter for ``window_seconds`` (15 minutes) more, so the pause ends a
window after the last failure. While paused, a sign-in is refused before the password is
checked (so the right password does not help an attacker) with HTTP 429, ``Retry-After``, and
the login page saying how long to wait. A successful sign-in clears its user-and-address
counter; the address counter runs out on its own.

``LoginThrottleMiddleware`` guards the admin login (the only sign-in page). It counts an
attempt as failed before its password is checked, with one atomic increment per counter, and
lets it through only if that keeps the counts within their limits: attempts sent all at once
to many workers get no more password checks than attempts sent one by one. A successful
sign-in takes its attempt back (``user_logged_in``). Failed sign-ins elsewhere are counted
through ``user_login_failed``. Production keeps the counters in Redis (or a file cache), so
every web process sees the same counts.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import caches
from django.dispatch import receiver
from django.forms.utils import ErrorDict
from django.template.response import TemplateResponse
from django.urls import reverse

logger = logging.getLogger("tandem.security")

DEFAULTS = {"window_seconds": 900, "per_user_and_address": 5, "per_address": 20}
CACHE_ALIAS = "login_throttle"


@dataclass(frozen=True)
class Counter:
    key: str
    limit: int


def options() -> dict:
    return {**DEFAULTS, **getattr(settings, "LOGIN_THROTTLE", {})}


def cache():
    return caches[CACHE_ALIAS]


def client_address(request) -> str:
    """The caller's address: ``REMOTE_ADDR``, or the header a trusted proxy sets, if named."""
    header = options().get("address_header")
    forwarded = request.META.get(header, "") if header else ""
    return forwarded.split(",")[0].strip() or request.META.get("REMOTE_ADDR", "") or "unknown"


def counters(username: str, address: str) -> list[Counter]:
    name = hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]
    limits = options()
    return [
        Counter(f"login:{name}:{address}", limits["per_user_and_address"]),
        Counter(f"login:*:{address}", limits["per_address"]),
    ]


def wait_seconds(username: str, address: str) -> int:
    """Seconds until ``username`` may try to sign in again from ``address`` (0: now)."""
    window, now = options()["window_seconds"], time.time()
    wait = 0.0
    for counter in counters(username, address):
        if (cache().get(counter.key) or 0) >= counter.limit:
            last = cache().get(counter.key + ":last") or now
            wait = max(wait, window - (now - last))
    return math.ceil(wait) if wait > 0 else 0


def count_one(counter: Counter) -> int:
    """Add one failure to ``counter`` (atomic where the cache's ``incr`` is); the new count."""
    window, store = options()["window_seconds"], cache()
    store.add(counter.key, 0, timeout=window)
    try:
        count = store.incr(counter.key)
    except ValueError:  # expired between add and incr
        count = 1
        store.set(counter.key, count, timeout=window)
    store.touch(counter.key, timeout=window)
    store.set(counter.key + ":last", time.time(), timeout=window)
    if count == counter.limit:
        logger.warning("Sign-in paused after %s failed attempts (%s)", count, counter.key)
    return count


def take_back(counter: Counter) -> None:
    with contextlib.suppress(ValueError):  # the count ran out meanwhile: nothing to take back
        cache().decr(counter.key)


def record_failure(username: str, address: str) -> None:
    for counter in counters(username, address):
        count_one(counter)


def reserve_attempt(username: str, address: str) -> bool:
    """Count an attempt as failed before its password is checked; False (and nothing
    counted) if that would go past a limit, which attempts made at the same moment reach."""
    counted = []
    for counter in counters(username, address):
        counted.append(counter)
        if count_one(counter) > counter.limit:
            for taken in counted:
                take_back(taken)
            return False
    return True


def clear(username: str, address: str) -> None:
    key = counters(username, address)[0].key
    cache().delete_many([key, key + ":last"])


@receiver(user_login_failed)
def count_failure(sender, credentials, request=None, **kwargs):
    if request is not None and not getattr(request, "login_attempt_counted", False):
        record_failure(str(credentials.get("username", "")), client_address(request))


@receiver(user_logged_in)
def clear_on_success(sender, request, user, **kwargs):
    if request is None:
        return
    address = client_address(request)
    clear(user.get_username(), address)
    if getattr(request, "login_attempt_counted", False):
        take_back(counters(user.get_username(), address)[1])  # not a failure after all


def wait_text(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


class PausedLoginForm(AdminAuthenticationForm):
    """The admin login form, refused before any password is checked."""

    def __init__(self, request, message: str):
        super().__init__(request, initial={"username": request.POST.get("username", "")})
        self._errors = ErrorDict({"__all__": self.error_class([message], error_class="nonfield")})


class LoginThrottleMiddleware:
    """Refuses sign-ins to the admin while their user name or address is paused."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # After the CSRF check (an earlier middleware): a cross-site POST counts for nothing.
        if request.method != "POST" or request.path != reverse("admin:login"):
            return None
        username, address = request.POST.get("username", ""), client_address(request)
        wait = wait_seconds(username, address)
        if wait:
            return self.refuse(request, wait)
        if not reserve_attempt(username, address):
            return self.refuse(request, wait_seconds(username, address) or 1)
        request.login_attempt_counted = True
        return None

    def refuse(self, request, wait: int) -> TemplateResponse:
        message = (
            "Too many failed sign-in attempts. Signing in is paused: wait "
            f"{wait_text(wait)}, then try again."
        )
        context = {
            **admin.site.each_context(request),
            "title": "Log in",
            "subtitle": None,
            "app_path": request.get_full_path(),
            "form": PausedLoginForm(request, message),
            "username": request.user.get_username(),
            REDIRECT_FIELD_NAME: request.POST.get(REDIRECT_FIELD_NAME, ""),
        }
        response = TemplateResponse(request, "admin/login.html", context, status=429)
        response["Retry-After"] = str(wait)
        return response.render()  # a middleware's answer is not rendered for it
