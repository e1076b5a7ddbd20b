"""OAuth 2.0 client credentials: one cached bearer token per client.

The token comes from ``<authority>/<tenant>/oauth2/v2.0/token`` (Microsoft Entra ID, or the
emulator, which plays the same authority) for the scope ``<environment>/.default``. It is kept
until shortly before it expires; when Dataverse still answers 401 (the token was revoked or
the clock is off) the transport invalidates it and a new one is fetched once.

The secret is sent only in the token request's form body. It never goes into a log line, an
exception message or a repr, and neither does the token.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from .config import ClientConfig
from .errors import ConnectionUnusable
from .transport import decode_json

if TYPE_CHECKING:
    from .transport import Transport

logger = logging.getLogger("integration.dataverse")

# Entra error codes that mean "fix the application registration or the secret".
CREDENTIAL_ERRORS = {"invalid_client", "unauthorized_client", "invalid_grant"}


class TokenProvider:
    def __init__(self, config: ClientConfig, transport: Transport) -> None:
        self._config = config
        self._transport = transport
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"TokenProvider(client_id={self._config.client_id!r}, cached={self._token is not None})"
        )

    def token(self) -> str:
        """Return a valid access token, fetching a new one when needed."""
        with self._lock:  # one fetch, even when several threads find the token stale at once
            if self._token is None or time.monotonic() >= self._expires_at:
                self._token, lifetime = self._fetch()
                margin = min(self._config.token_renewal_margin, lifetime / 2)
                self._expires_at = time.monotonic() + lifetime - margin
            return self._token

    def invalidate(self, refused: str | None) -> None:
        """Forget the token Dataverse refused, unless another thread already replaced it."""
        with self._lock:
            if self._token == refused:
                self._token = None

    def _fetch(self) -> tuple[str, float]:
        config = self._config
        self._transport.stats.add("token_requests")
        logger.info("Requesting a Dataverse access token for client %s", config.client_id)
        response = self._transport.request(
            "POST",
            config.token_url,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            data=TokenForm.of(config),
            authenticated=False,
        )
        body = decode_json(response)
        if response.status_code == 200 and isinstance(body, dict) and body.get("access_token"):
            return str(body["access_token"]), _lifetime(body.get("expires_in"))
        raise _token_refused(response.status_code, body, config)


class TokenForm(bytes):
    """The token request's form, encoded, under a repr that leaves the secret out.

    Error reports (DEBUG's page, the e-mail to ADMINS, error trackers) show the variables of
    every frame, the HTTP library's among them: a plain dict or bytes there would show the
    secret to whoever reads the report."""

    @classmethod
    def of(cls, config: ClientConfig) -> TokenForm:
        fields = {
            "grant_type": "client_credentials",
            "client_id": config.client_id,
            "client_secret": config.client_secret,
            "scope": config.scope,
        }
        return cls(urlencode(fields).encode())

    def __repr__(self) -> str:
        return "<token request form, client secret withheld>"

    __str__ = __repr__


def _lifetime(expires_in: object) -> float:
    """Seconds the token is valid. Entra always says; an unreadable value counts as its usual
    hour (a 401 renews the token anyway), while 0 means already expired, not "unknown"."""
    try:
        seconds = float(expires_in)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 3600.0
    return seconds if math.isfinite(seconds) and seconds >= 0 else 3600.0


def _token_refused(status: int, body: object, config: ClientConfig) -> ConnectionUnusable:
    body = body if isinstance(body, dict) else {}
    error = config.redact(str(body.get("error") or ""))
    # Entra's descriptions name the problem (AADSTS7000215 invalid secret, AADSTS700016 unknown
    # application, AADSTS90002 unknown tenant) and never echo the secret; a proxy might.
    description = str(body.get("error_description") or "").split("\r\n")[0].strip()
    description = config.redact(description)
    if status == 404 or (status >= 300 and not error):
        return ConnectionUnusable(
            f"The token authority {config.token_url} answered HTTP {status}; check the "
            "authority URL and the tenant.",
            reason="bad_url",
            status=status,
        )
    if error in CREDENTIAL_ERRORS or status in (400, 401):
        detail = f" ({description})" if description else f" ({error})" if error else ""
        return ConnectionUnusable(
            f"The token authority refused client id '{config.client_id}' with its secret"
            f"{detail}. Check the client id, the secret and whether the secret has expired.",
            reason="bad_credentials",
            status=status,
            code=error,
        )
    return ConnectionUnusable(
        f"The token authority answered HTTP {status} without a token.",
        reason="bad_credentials",
        status=status,
        code=error,
    )
