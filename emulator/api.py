"""The emulator's own request and response objects, shared by views, ``$batch`` and handlers.

A Web API call is handled as an ``ApiRequest`` -> ``ApiResponse`` function so that a part of a
``$batch`` runs exactly the code a single request runs.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .errors import DataverseError, payload_error

ODATA_JSON = "application/json; odata.metadata=minimal"
BASE_HEADERS = {"OData-Version": "4.0"}


@dataclass(frozen=True)
class Caller:
    """The Dataverse user a request runs as."""

    user_id: uuid.UUID
    client_id: str
    business_unit_id: uuid.UUID


class Headers(dict):
    """Request headers with case-insensitive names."""

    def __init__(self, items=()):
        super().__init__((name.lower(), value) for name, value in dict(items).items())

    def get(self, name: str, default=None):
        return super().get(name.lower(), default)


@dataclass
class ApiRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: Headers
    body: bytes
    root: str  # the service root URL, ending in /api/data/v9.2/
    caller: Caller
    # Content-ID -> entity URL of the rows created earlier in the same change set.
    content_ids: dict[str, str] | None = None
    in_batch: bool = False

    def json(self, entity_set: str = "") -> Any:
        try:
            return json.loads(self.body or b"{}", parse_float=Decimal)
        except ValueError as exc:
            raise payload_error(entity_set, f"Invalid JSON. {exc}") from None

    @property
    def prefer(self) -> dict[str, str]:
        return parse_prefer(self.headers.get("prefer", ""))


@dataclass
class ApiResponse:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # The URL of a row this request created; never sent, used for Content-ID references.
    entity_url: str | None = None

    @classmethod
    def json(cls, status: int, data: Any, headers: dict | None = None) -> ApiResponse:
        merged = {**BASE_HEADERS, "Content-Type": ODATA_JSON, **(headers or {})}
        return cls(status, dumps(data), merged)

    @classmethod
    def empty(cls, status: int = 204, headers: dict | None = None) -> ApiResponse:
        return cls(status, b"", {**BASE_HEADERS, **(headers or {})})

    @classmethod
    def error(cls, error: DataverseError) -> ApiResponse:
        return cls.json(error.status, error.body(), error.headers)


def parse_prefer(header: str) -> dict[str, str]:
    """``return=representation, odata.maxpagesize=10`` -> {"return": "representation", …}."""
    preferences: dict[str, str] = {}
    for item in re.split(r",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", header):
        name, _, value = item.strip().partition("=")
        if name:
            preferences[name.strip().lower()] = value.strip().strip('"')
    return preferences


# Decimals are written as exact JSON numbers: json cannot emit a raw literal, so they travel
# as marked strings and the marks are removed from the text afterwards.
_DECIMAL_MARK = "\x00dec\x00"
_DECIMAL_PATTERN = re.compile(r'"\\u0000dec\\u0000([-0-9.]+)"')


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _DECIMAL_MARK + format(value, "f")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")


def dumps(data: Any) -> bytes:
    text = json.dumps(data, default=_encode, ensure_ascii=False, separators=(",", ":"))
    if _DECIMAL_MARK[1:4] in text:
        text = _DECIMAL_PATTERN.sub(r"\1", text)
    return text.encode()
