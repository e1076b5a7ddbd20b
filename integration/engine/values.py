"""Canonical values: one comparable, JSON-storable form for every value on either side.

Change detection compares a side's current values with the values a coupling stored at the
last synchronization, and a transfer compares the value it would write with what the
destination holds. Both only work if equal values look equal: ``Decimal("5000.00000")`` on
the ERP side and ``5000.0`` from Dataverse's JSON are the same credit limit, an empty text
field and a Dataverse ``null`` are the same blank, and a GUID is a GUID whatever its case.
"""

import datetime
import uuid
from decimal import Decimal, InvalidOperation

Canonical = str | int | bool | None


def canonical(value) -> Canonical:
    """Return the canonical form of ``value``. Blank text and ``None`` are both ``None``."""
    if type(value) is str:  # most values are text: the shortest way for them first
        return None if value == "" else value.lower() if is_guid(value) else value
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        return decimal_text(Decimal(str(value)))
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).replace(microsecond=0).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    return text.lower() if is_guid(text) else text


def decimal_text(number: Decimal) -> str:
    """``Decimal('10.500')`` → ``'10.5'``; never exponent notation."""
    if number == 0:
        return "0"
    return format(number.normalize(), "f")


def is_guid(text: str) -> bool:
    if len(text) != 36:
        return False
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def to_decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not number.is_finite():  # NaN and Infinity parse, but no column can hold them
        raise ValueError(f"{value!r} is not a finite number")
    return number


def to_int(value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return int(value)
    number = to_decimal(value)
    if number.adjusted() > 18:  # past any whole-number column (BigInt ends near 9.2e18)
        raise ValueError(f"{value!r} is too large for a whole-number column")
    if number != number.to_integral_value():
        raise ValueError(f"{value!r} is not a whole number")
    return int(number)


def to_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | Decimal | float):
        return value != 0
    text = str(value or "").strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"", "0", "false", "no", "off"}:
        return False
    raise ValueError(f"{value!r} is not a yes/no value")
