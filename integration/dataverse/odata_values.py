"""Python values as OData literals, and back.

JSON bodies go through ``dumps``, which writes ``Decimal`` exactly (never through float).

A ``$filter`` is text, so every value put into one must be rendered as an OData literal:
strings quoted with embedded quotes doubled (``'O''Brien'``), GUIDs and UTC date-times
unquoted, booleans and null as keywords. ``literal`` is the only place where a value becomes
filter text; the filter parser uses the ``read_*`` helpers here to turn literal text back
into the same Python value, so the two directions cannot drift apart.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

GUID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
DATETIME_RE = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})T(?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?)"
    r"(?P<zone>Z|[+-]\d{2}:\d{2})"
)


def literal(value: Any) -> str:
    """Render ``value`` as an OData literal for a ``$filter``.

    >>> literal("O'Brien"), literal(None), literal(True), literal(Decimal("1.50"))
    ("'O''Brien'", 'null', 'true', '1.50')
    """
    if value is None:
        return "null"
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} has no OData literal")
        return format(value, "f")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} has no OData literal")
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot render {type(value).__name__} as an OData literal")


def format_datetime(value: datetime) -> str:
    """Render an aware datetime in UTC with ``Z``, as Dataverse writes them.

    Naive datetimes are refused: guessing their zone would silently move the value.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"datetime {value.isoformat()} has no time zone; use an aware UTC value")
    utc = value.astimezone(UTC)
    text = utc.replace(microsecond=0, tzinfo=None).isoformat()  # zero-pads years < 1000
    if utc.microsecond:
        text += f".{utc.microsecond:06d}".rstrip("0")
    return text + "Z"


def read_string(body: str) -> str:
    """Return the value of a quoted literal's body (between the quotes)."""
    return body.replace("''", "'")


def read_number(text: str) -> int | Decimal:
    """Return an integer literal as ``int`` and any other number exactly, as ``Decimal``."""
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return Decimal(text)


def read_datetime(text: str) -> datetime:
    """Return an ISO-8601 date-time literal with ``Z`` or an offset as an aware UTC datetime."""
    match = DATETIME_RE.fullmatch(text)
    if not match:
        raise ValueError(f"{text!r} is not a date-time with a time zone")
    time = match["time"]
    if "." in time:  # Python takes at most 6 fractional digits; OData allows 7.
        whole, fraction = time.split(".")
        time = f"{whole}.{fraction[:6]:0<6}"
    zone = "+00:00" if match["zone"] == "Z" else match["zone"]
    return datetime.fromisoformat(f"{match['date']}T{time}{zone}").astimezone(UTC)


def read_date(text: str) -> date:
    return date.fromisoformat(text)


def parse_wire_datetime(text: str) -> datetime | date:
    """Return a date-time (or date-only) value as Dataverse sends it in JSON."""
    if len(text) == 10:
        return date.fromisoformat(text)
    return read_datetime(text)


# What ``json.dumps`` uses for a string with its default ``ensure_ascii`` (C-accelerated).
_encode_string = json.encoder.encode_basestring_ascii
_CONSTANTS = {None: "null", True: "true", False: "false"}


def dumps(value: Any) -> str:
    """JSON text in which ``Decimal`` values are written exactly, as JSON numbers."""
    kind = type(value)
    # The types of a row's values first, each written as json.dumps writes it: a bulk body
    # holds tens of thousands of them, and json.dumps costs microseconds per call.
    if kind is str:
        return _encode_string(value)
    if kind is dict:
        items = (f"{_encode_string(str(key))}:{dumps(item)}" for key, item in value.items())
        return "{" + ",".join(items) + "}"
    if value is None or kind is bool:
        return _CONSTANTS[value]
    if kind is int:
        return int.__repr__(value)
    return _dumps_other(value)


def _dumps_other(value: Any) -> str:
    if isinstance(value, dict):
        items = (f"{json.dumps(str(key))}:{dumps(item)}" for key, item in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dumps(item) for item in value) + "]"
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} cannot be written to Dataverse")
        return format(value, "f")
    return json.dumps(value)
