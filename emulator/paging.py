"""Opaque ``$skiptoken`` values shaped like Dataverse's paging cookies.

A token records the sort values and primary key of the last row of a page, so the next page
is a keyset seek (``WHERE (sort, id) > (…)``) that costs the same on page 1 and page 1,000,
and never an offset.
"""

from __future__ import annotations

import datetime as dt
import uuid
import xml.etree.ElementTree as ET
from decimal import Decimal
from urllib.parse import quote, unquote

from .errors import query_error


def encode_value(value) -> str:
    if isinstance(value, uuid.UUID):
        return "{" + str(value).upper() + "}"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def decode_value(kind: str, text: str):
    """Read back a value written by ``encode_value`` for a column of attribute type ``kind``."""
    if kind in ("Uniqueidentifier", "Lookup", "Owner", "Customer"):
        return uuid.UUID(text.strip("{}"))
    if kind == "DateTime":
        return dt.datetime.fromisoformat(text) if "T" in text else dt.date.fromisoformat(text)
    if kind in ("Integer", "BigInt", "Picklist", "State", "Status"):
        return int(text)
    if kind in ("Decimal", "Money"):
        return Decimal(text)
    if kind == "Double":
        return float(text)
    if kind == "Boolean":
        return text == "1"
    return text


def make_token(
    page: int,
    values: list[tuple[str, object]],
    extra: dict[str, str] | None = None,
    tracking: bool = False,
) -> str:
    """``values``: (column, value of the page's last row), in sort order, primary key last."""
    inner = ET.Element("cookie", {"page": str(page), **(extra or {})})
    for name, value in values:
        attributes = {"lastnull": "1"} if value is None else {"last": encode_value(value)}
        ET.SubElement(inner, name, attributes)
    cookie = quote(quote(ET.tostring(inner, encoding="unicode"), safe=""), safe="")
    return (
        f'<cookie pagenumber="{page + 1}" pagingcookie="{cookie}" '
        f'istracking="{"True" if tracking else "False"}" />'
    )


def read_token(token: str) -> tuple[int, dict[str, str | None], dict[str, str]]:
    """-> (page, {column: last value text or None}, extra attributes)."""
    try:
        outer = ET.fromstring(token)
        inner = ET.fromstring(unquote(unquote(outer.attrib["pagingcookie"])))
        values = {
            child.tag: None if child.get("lastnull") else child.get("last") for child in inner
        }
        extra = {k: v for k, v in inner.attrib.items() if k != "page"}
        return int(inner.attrib["page"]), values, extra
    except (ET.ParseError, KeyError, ValueError):
        raise query_error("The $skiptoken value is not valid.") from None


def is_tracking(token: str | None) -> bool:
    """Whether a $skiptoken continues a change-tracking read."""
    return bool(token) and 'istracking="True"' in token
