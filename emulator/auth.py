"""The OAuth 2.0 token endpoint (client credentials, Entra-style errors) and bearer checks.

Tokens are JWT-shaped and HMAC-signed with a key derived from SECRET_KEY, so they need no
storage and survive a reset; they expire after the configured lifetime.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import uuid
from urllib.parse import urlsplit

from django.conf import settings

from . import seed
from .api import Caller
from .errors import DataverseError
from .state import state


def configured_clients() -> dict[str, tuple[str, uuid.UUID]]:
    """client id -> (secret, the Dataverse user it acts as)."""
    return {
        settings.DATAVERSE_EMULATOR_CLIENT_ID: (
            settings.DATAVERSE_EMULATOR_CLIENT_SECRET,
            seed.APPLICATION_USER_ID,
        ),
        settings.DATAVERSE_EMULATOR_USER_CLIENT_ID: (
            settings.DATAVERSE_EMULATOR_USER_CLIENT_SECRET,
            seed.SALES_USER_ID,
        ),
    }


class TokenError(Exception):
    """An Entra error answer of the token endpoint."""

    def __init__(self, status: int, error: str, code: int, description: str):
        super().__init__(description)
        self.status, self.error, self.code, self.description = status, error, code, description

    def body(self) -> dict:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
        return {
            "error": self.error,
            "error_description": (
                f"AADSTS{self.code}: {self.description} Trace ID: {trace} "
                f"Correlation ID: {correlation} Timestamp: {stamp}"
            ),
            "error_codes": [self.code],
            "timestamp": stamp,
            "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": f"https://login.microsoftonline.com/error?code={self.code}",
        }


def _key() -> bytes:
    return hashlib.sha256(b"dataverse-emulator-token:" + settings.SECRET_KEY.encode()).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode(claims: dict) -> str:
    header = _b64(json.dumps({"typ": "JWT", "alg": "HS256"}).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(_key(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def decode(token: str) -> dict | None:
    try:
        header, payload, signature = token.split(".")
        expected = hmac.new(_key(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(signature)):
            return None
        return json.loads(_unb64(payload))
    except (ValueError, binascii.Error):
        return None


def client_credentials(form: dict, authorization: str) -> tuple[str | None, str | None]:
    """The client id and secret from the form, or from HTTP Basic authentication."""
    if authorization.startswith("Basic "):
        try:
            user, _, password = base64.b64decode(authorization[6:]).decode().partition(":")
            return user, password
        except (ValueError, binascii.Error):
            return None, None
    return form.get("client_id"), form.get("client_secret")


def check_request(tenant: str, form: dict, authorization: str) -> tuple[str, uuid.UUID, str]:
    """Validate a client-credentials request: (client id, its user, scope) or TokenError."""
    if tenant != settings.DATAVERSE_EMULATOR_TENANT:
        raise TokenError(400, "invalid_request", 90002, f"Tenant '{tenant}' not found.")
    grant = form.get("grant_type")
    if grant != "client_credentials":
        message = f"The app requested an unsupported grant type '{grant}'."
        raise TokenError(400, "unsupported_grant_type", 70003, message)
    client_id, secret = client_credentials(form, authorization)
    if not client_id:
        message = "The request body must contain the following parameter: 'client_id'."
        raise TokenError(400, "invalid_request", 900144, message)
    known = configured_clients().get(client_id)
    if known is None:
        message = (
            f"Application with identifier '{client_id}' was not found in the directory '{tenant}'."
        )
        raise TokenError(400, "unauthorized_client", 700016, message)
    # As bytes: compare_digest refuses str with non-ASCII characters (a 500 instead of a 401).
    if not secret or not hmac.compare_digest(secret.encode(), known[0].encode()):
        message = (
            "Invalid client secret provided. Ensure the secret being sent in the request is the "
            f"client secret value, not the client secret ID, for a secret added to app "
            f"'{client_id}'."
        )
        raise TokenError(401, "invalid_client", 7000215, message)
    scope = form.get("scope") or ""
    if not scope.endswith("/.default"):
        message = (
            "The provided value for the input parameter 'scope' is not valid. The scope "
            f"{scope or '(none)'} is not valid."
        )
        raise TokenError(400, "invalid_scope", 70011, message)
    return client_id, known[1], scope


def issue_token(tenant: str, form: dict, authorization: str) -> dict:
    """Check a client-credentials request and return the token answer."""
    client_id, user_id, scope = check_request(tenant, form, authorization)
    runtime = state()
    now, lifetime = int(runtime.now()), runtime.token_lifetime
    claims = {
        "aud": scope.removesuffix("/.default"),
        "iss": f"https://sts.windows.net/{tenant}/",
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
        "appid": client_id,
        "oid": str(user_id),
        "tid": tenant,
        "ver": "1.0",
    }
    runtime.count("tokens_issued")
    return {
        "token_type": "Bearer",
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": encode(claims),
    }


def unauthorized(authority: str, code: str, message: str, error: str | None = None):
    tenant = settings.DATAVERSE_EMULATOR_TENANT
    challenge = f"Bearer authorization_uri={authority}/{tenant}/oauth2/authorize"
    if error:
        challenge += f', error="{error}"'
    return DataverseError(401, code, message, {"WWW-Authenticate": challenge})


def authenticate(authorization: str, authority: str) -> Caller:
    """The caller of a Web API request, or a 401 DataverseError."""
    if not authorization.startswith("Bearer "):
        raise unauthorized(authority, "", "The user is not authenticated: no bearer token.")
    claims = decode(authorization[7:].strip())
    if claims is None or claims.get("tid") != settings.DATAVERSE_EMULATOR_TENANT:
        raise unauthorized(authority, "", "The bearer token is not valid.", "invalid_token")
    if claims.get("exp", 0) <= state().now():
        raise unauthorized(
            authority,
            "0x8005F101",
            "The requested resource requires authentication.",
            "invalid_token",
        )
    if authority and not same_host(claims.get("aud"), authority):
        raise unauthorized(
            authority,
            "",
            f"The bearer token was issued for {claims.get('aud')}, not for this environment "
            f"({authority}): ask for the scope {authority}/.default.",
            "invalid_token",
        )
    known = configured_clients().get(claims.get("appid"))
    if known is None:
        raise unauthorized(authority, "", "The bearer token is not valid.", "invalid_token")
    return Caller(known[1], claims["appid"], seed.BUSINESS_UNIT_ID)


def same_host(audience, environment_url: str) -> bool:
    """Whether a token's audience names this environment (Dataverse checks the audience of
    every token; the host decides, as one environment answers on one host)."""
    return host_of(str(audience or "")) == host_of(environment_url)


def host_of(url: str) -> str:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    try:
        port = parts.port or default
    except ValueError:
        return ""
    return f"{(parts.hostname or '').lower()}:{port}"
