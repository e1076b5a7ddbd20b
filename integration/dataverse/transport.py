"""One HTTP call to Dataverse, with the retry policy.

Every request the client makes goes through ``Transport.request``: it adds the bearer token
and the OData headers, applies timeouts, and decides from ``RETRY_POLICY`` what to do with the
answer. Throttling waits as long as ``Retry-After`` says; server errors, timeouts and dropped
connections are retried with exponential back-off and jitter; both are bounded by
``max_attempts`` and ``max_retry_seconds``, after which ``RetryLater`` is raised. A 401 renews
the token once. Everything else (2xx, other 4xx) goes back to the caller, which knows whether
a 404 means "missing table" or "missing row".

Retrying a POST is safe here because every create carries its client-chosen primary id: a
repeated create cannot make a second row (see ``writes.py``).
"""

from __future__ import annotations

import enum
import json
import logging
import math
import random
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3 import exceptions as urllib3_errors
from urllib3.exceptions import NewConnectionError

from .config import ClientConfig
from .errors import ConnectionUnusable, RetryLater, error_from_body
from .stats import ClientStats

logger = logging.getLogger("integration.dataverse")


class Action(enum.Enum):
    RETURN = "hand the response to the caller"
    RENEW_TOKEN = "renew the token once, then send again"
    WAIT_RETRY_AFTER = "wait as long as Retry-After says, then send again"
    BACK_OFF = "wait with exponential back-off and jitter, then send again"
    STOP = "the connection is unusable: stop"


# What to do with each answer (HTTP status) or failure to get one (kind of exception).
# Anything not listed (2xx, 3xx, other 4xx, 501) is returned to the caller.
RETRY_POLICY: dict[int | str, Action] = {
    401: Action.RENEW_TOKEN,  # expired or revoked token
    408: Action.BACK_OFF,  # request timeout
    429: Action.WAIT_RETRY_AFTER,  # service protection limits
    500: Action.BACK_OFF,
    502: Action.BACK_OFF,
    503: Action.BACK_OFF,
    504: Action.BACK_OFF,
    "timeout": Action.BACK_OFF,  # no answer within the connect or read timeout
    "dropped": Action.BACK_OFF,  # connection reset or closed before the answer was complete
    "refused": Action.STOP,  # DNS failure or connection refused: wrong URL or host down
    "tls": Action.STOP,  # certificate or TLS failure
    "bad_url": Action.STOP,  # not an http(s) URL at all
    "too_large": Action.STOP,  # an answer past max_response_bytes: not Dataverse speaking
}

STANDARD_HEADERS = {
    "Accept": "application/json",
    "OData-MaxVersion": "4.0",
    "OData-Version": "4.0",
    "User-Agent": "Tandem (Dataverse sync)",
}
# Query values keep these characters readable; everything else (& # + = ? …) is encoded.
QUERY_SAFE = "'(),:/$@*"


class Transport:
    def __init__(self, config: ClientConfig, stats: ClientStats) -> None:
        from .auth import TokenProvider  # the token provider sends through this transport

        self.config = config
        self.stats = stats
        self.session = requests.Session()
        pool = config.max_parallel_requests + 2
        self.session.mount("http://", HTTPAdapter(pool_connections=2, pool_maxsize=pool))
        self.session.mount("https://", HTTPAdapter(pool_connections=2, pool_maxsize=pool))
        self.tokens = TokenProvider(config, self)
        self.dop_hint: int | None = None
        self._lock = threading.Lock()

    def url(self, path: str, params: dict[str, str] | None = None) -> str:
        """Return the absolute URL of ``path`` (relative to the Web API root) with ``params``."""
        base = path if path.startswith(("http://", "https://")) else self.config.api_url + path
        if not params:
            return base
        query = "&".join(
            f"{quote(k, QUERY_SAFE)}={quote(v, QUERY_SAFE)}" for k, v in params.items()
        )
        return f"{base}{'&' if '?' in base else '?'}{query}"

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        data: bytes | str | dict | None = None,
        authenticated: bool = True,
    ) -> requests.Response:
        """Send one request, retrying per ``RETRY_POLICY``; return the final response."""
        if authenticated:
            self._check_origin(url)
        started = time.monotonic()
        attempt, renewed = 0, False
        while True:
            attempt += 1
            token = self.tokens.token() if authenticated else None
            response, failure = self._send_once(method, url, headers, data, token)
            key = failure if response is None else response.status_code
            if response is not None and response.is_redirect:
                raise _redirected(response, self.config)
            action = RETRY_POLICY.get(key, Action.RETURN)
            if action is Action.RETURN:
                return response
            if action is Action.RENEW_TOKEN:
                if not authenticated or renewed:
                    return response  # the caller explains the refusal (bad secret, no user)
                renewed = True
                self.stats.add("token_renewals")
                self.tokens.invalidate(token)
                continue
            if action is Action.STOP:
                raise _unusable(failure, url, self.config.max_response_bytes)
            delay = self._delay(action, attempt, response)
            elapsed = time.monotonic() - started
            if (
                attempt >= self.config.max_attempts
                or elapsed + delay > self.config.max_retry_seconds
            ):
                raise _give_up(key, response, attempt, elapsed, delay, self.config)
            logger.info("Dataverse %s %s: %s, retrying in %.1f s", method, url, key, delay)
            self.stats.add("retries")
            self.stats.add("waited_seconds", delay)
            time.sleep(delay)

    def _send_once(self, method, url, headers, data, token: str | None):
        all_headers = dict(STANDARD_HEADERS)
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
            self.stats.add("requests")
        all_headers.update(headers or {})
        try:
            # Redirects are not followed: the Web API never redirects, and a redirect is
            # the easiest way to lead a bearer token elsewhere.
            response = self.session.request(
                method,
                url,
                headers=all_headers,
                data=data,
                timeout=self.config.timeout,
                stream=True,
                allow_redirects=False,
            )
            read_body(response, self.config.max_response_bytes, self.config.read_timeout)
        except (requests.RequestException, ResponseTooLarge) as exc:
            failure = _failure_kind(exc)
            logger.info("Dataverse %s %s failed: %s (%s)", method, url, failure, type(exc).__name__)
            self._count(failure)
            return None, failure
        logger.debug("Dataverse %s %s -> %s", method, url, response.status_code)
        self._count(response.status_code)
        if hint := response.headers.get("x-ms-dop-hint"):
            self._note_dop_hint(hint)
        return response, None

    def _check_origin(self, url: str) -> None:
        """The access token goes to the environment and nowhere else, whatever a next-page
        or delta link in an answer says."""
        if origin(url) != origin(self.config.environment_url):
            raise ConnectionUnusable(
                f"An answer from Dataverse pointed to {origin(url) or url!r}, which is not the "
                f"environment {origin(self.config.environment_url)}; the request was not sent, "
                "so the access token stays with the environment.",
                reason="bad_response",
            )

    def _count(self, key: int | str) -> None:
        counter = {429: "throttled", "timeout": "timeouts", "dropped": "dropped_connections"}
        if key in counter:
            self.stats.add(counter[key])
        elif isinstance(key, int) and key >= 500:
            self.stats.add("server_errors")

    def _note_dop_hint(self, hint: str) -> None:
        try:
            value = int(hint)
        except ValueError:
            return
        with self._lock:
            self.dop_hint = max(1, value)

    def _delay(self, action: Action, attempt: int, response: requests.Response | None) -> float:
        if action is Action.WAIT_RETRY_AFTER and response is not None:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if retry_after is not None:
                return retry_after
        return backoff_delay(attempt, self.config.backoff_base, self.config.backoff_max)


def backoff_delay(attempt: int, base: float, cap: float) -> float:
    """Exponential back-off with "equal jitter": between half and all of base·2ⁿ, capped.

    The jitter spreads parallel workers apart so they do not hit a recovering service at the
    same instant; keeping half the delay fixed keeps the wait growing with every attempt.
    """
    delay = min(cap, base * 2 ** (attempt - 1))
    return delay / 2 + random.uniform(0, delay / 2)


def parse_retry_after(value: str | None) -> float | None:
    """Return the wait in seconds from a ``Retry-After`` header (seconds or an HTTP date)."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError, OverflowError):
            return None
    # NaN, infinity or a negative wait is no instruction at all: back off instead.
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


class ResponseTooLarge(Exception):
    """An answer grew past ``max_response_bytes`` and was abandoned."""


def read_body(response: requests.Response, limit: int, seconds: float) -> None:
    """Read a streamed answer into ``response.content``, at most ``limit`` bytes and
    ``seconds`` in all (the read timeout bounds each wait, not a steady trickle)."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        response.close()
        raise ResponseTooLarge(declared)
    deadline = time.monotonic() + seconds
    chunks, size = [], 0
    for chunk in _pieces(response.raw):
        size += len(chunk)
        if size > limit:
            response.close()
            raise ResponseTooLarge(size)
        if time.monotonic() > deadline:
            response.close()
            raise requests.Timeout(f"the answer was still coming after {seconds} s")
        chunks.append(chunk)
    response._content = b"".join(chunks)
    response._content_consumed = True
    response.raw.release_conn()  # read to the end: the connection goes back to the pool


def _pieces(raw) -> Iterator[bytes]:
    """The body as it arrives: ``read1`` returns after one receive, so that a deadline can be
    checked between pieces (``read(n)`` would wait for all n bytes, however slowly they come).
    urllib3's errors are raised as the requests errors they stand for."""
    try:
        while chunk := raw.read1(64 * 1024, decode_content=True):
            yield chunk
    except urllib3_errors.ReadTimeoutError as exc:
        raise requests.ReadTimeout(str(exc)) from exc
    except urllib3_errors.HTTPError as exc:
        raise requests.exceptions.ChunkedEncodingError(str(exc)) from exc


def origin(url: str) -> str:
    """``scheme://host:port`` of ``url`` (the default port made explicit), or empty."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return ""
    return f"{parts.scheme}://{parts.hostname.lower()}:{port}"


def decode_json(response: requests.Response) -> Any:
    """Return the JSON body with exact decimals (money must not pass through float).

    An error answer that is not JSON (an HTML error page) reads as ``{}``: its status says
    enough. A successful answer that is not JSON is no Web API answer at all (a proxy's login
    page, a wrong URL): ``ConnectionUnusable`` rather than an empty result that would read as
    "no rows".
    """
    if not response.content:
        return {}
    try:
        body = json.loads(response.content, parse_float=Decimal)
    except (ValueError, RecursionError):  # RecursionError: nesting thousands deep
        body = None
    if response.status_code >= 300:
        return body if body is not None else {}
    content_type = response.headers.get("Content-Type", "")
    if body is None or "json" not in content_type.lower():
        raise not_web_api(response, content_type)
    return body


def not_web_api(response: requests.Response, content_type: str = "") -> ConnectionUnusable:
    what = content_type.split(";")[0].strip() or "no content type"
    return ConnectionUnusable(
        f"{origin(response.url) or 'Dataverse'} answered HTTP {response.status_code} with "
        f"something that is not a Web API answer ({what}, {len(response.content)} bytes). "
        "Check the environment URL, and any proxy between Tandem and Dataverse.",
        reason="bad_response",
        status=response.status_code,
    )


def _failure_kind(exc: Exception) -> str:
    if isinstance(exc, ResponseTooLarge):
        return "too_large"
    if isinstance(exc, requests.Timeout):  # ConnectTimeout is also a ConnectionError
        return "timeout"
    if isinstance(exc, requests.exceptions.SSLError):
        return "tls"
    if isinstance(
        exc,
        (
            requests.exceptions.InvalidURL,
            requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema,
        ),
    ):
        return "bad_url"
    if isinstance(exc, requests.ConnectionError):
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        return "refused" if isinstance(reason, NewConnectionError) else "dropped"
    return "dropped"  # ChunkedEncodingError, ContentDecodingError: the answer broke off


def _unusable(failure: str | None, url: str, limit: int) -> ConnectionUnusable:
    host = url.split("/")[2] if "//" in url else url
    if failure == "too_large":
        return ConnectionUnusable(
            f"The answer from {host} was larger than {limit // (1024 * 1024)} MB and was "
            "abandoned; Dataverse never answers that much at once.",
            reason="bad_response",
        )
    if failure == "bad_url":
        return ConnectionUnusable(f"'{url}' is not a valid http(s) URL.", reason="bad_url")
    if failure == "tls":
        return ConnectionUnusable(
            f"The TLS connection to {host} failed (certificate or protocol).", reason="unreachable"
        )
    return ConnectionUnusable(
        f"Could not connect to {host}: the host name does not resolve or nothing answers there.",
        reason="unreachable",
    )


def _redirected(response: requests.Response, config: ClientConfig) -> ConnectionUnusable:
    location = config.redact(response.headers.get("Location", ""))
    return ConnectionUnusable(
        f"{origin(response.url) or 'Dataverse'} answered with a redirect to {location!r}, which "
        "was not followed: the Web API never redirects. Check the environment URL (https, "
        "the organization's host name) and any proxy in between.",
        reason="bad_url",
        status=response.status_code,
    )


def _give_up(
    key, response, attempts: int, elapsed: float, delay: float, config: ClientConfig
) -> RetryLater:
    code, message = error_from_body(decode_json(response)) if response is not None else ("", "")
    # The last answer may come from the token authority, which saw the secret.
    code, message = config.redact(code), config.redact(message)
    what = {
        429: "Dataverse is throttling requests (service protection limits)",
        "timeout": "Dataverse did not answer in time",
        "dropped": "The connection to Dataverse kept dropping",
    }.get(key, f"Dataverse answered HTTP {key}")
    detail = f": {message}" if message else ""
    if key == 429 and delay > 0:
        detail += f" (it asked for a wait of {delay:.0f} s)"
    return RetryLater(
        f"{what}{detail}; gave up after {attempts} attempt(s) in {elapsed:.1f} s.",
        status=response.status_code if response is not None else None,
        code=code,
        retry_after=delay if key == 429 else None,
    )
