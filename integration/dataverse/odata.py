"""OData ``$filter`` text: literals, builders and a parser.

Nothing outside this module should paste a value into filter text. The builders take a column
name (checked to be a plain identifier) and Python values, and render them through
``literal``; combining builders goes through the parser, so a clause that is not a valid
filter is refused before it is ever sent.

    >>> and_(eq("customertypecode", 3), eq("name", "O'Brien & Sons"))
    "customertypecode eq 3 and name eq 'O''Brien & Sons'"

``parse_filter`` reads filter text an administrator typed (or a stored mapping filter) into a
``FilterExpression`` with ``columns`` and ``matches(row)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .errors import ODataFilterError
from .odata_filter import (
    COMPARISON_OPERATORS,
    Column,
    Comparison,
    FilterExpression,
    Junction,
    Not,
    StringFunction,
)
from .odata_parser import COLUMN_RE, KEYWORDS, parse_filter
from .odata_values import format_datetime, literal

__all__ = [
    "FilterExpression",
    "ODataFilterError",
    "and_",
    "comparison",
    "contains",
    "endswith",
    "eq",
    "escape_like",
    "format_datetime",
    "ge",
    "gt",
    "in_",
    "le",
    "literal",
    "lt",
    "ne",
    "not_",
    "or_",
    "parse_filter",
    "startswith",
]


def comparison(column: str, operator: str, value: Any) -> str:
    """Return ``column <operator> <literal(value)>``."""
    if operator not in COMPARISON_OPERATORS:
        raise ValueError(f"unknown comparison operator {operator!r}")
    return str(Comparison(_column(column), operator, value))


def eq(column: str, value: Any) -> str:
    return comparison(column, "eq", value)


def ne(column: str, value: Any) -> str:
    return comparison(column, "ne", value)


def gt(column: str, value: Any) -> str:
    return comparison(column, "gt", value)


def ge(column: str, value: Any) -> str:
    return comparison(column, "ge", value)


def lt(column: str, value: Any) -> str:
    return comparison(column, "lt", value)


def le(column: str, value: Any) -> str:
    return comparison(column, "le", value)


def contains(column: str, text: str) -> str:
    """Return ``contains(column,'text')`` matching ``text`` literally (wildcards escaped)."""
    return str(StringFunction("contains", _column(column), escape_like(text)))


def startswith(column: str, text: str) -> str:
    return str(StringFunction("startswith", _column(column), escape_like(text)))


def endswith(column: str, text: str) -> str:
    return str(StringFunction("endswith", _column(column), escape_like(text)))


def escape_like(text: str) -> str:
    """Escape Dataverse's LIKE wildcards (``%``, ``_``, ``[``) so ``text`` matches as written."""
    return "".join(f"[{char}]" if char in "%_[" else char for char in text)


def in_(column: str, values: Iterable[Any]) -> str:
    """Return a filter matching rows whose ``column`` equals any of ``values``.

    Written as ``column eq a or column eq b …``: every Dataverse version and the emulator
    accept it, and GUID values stay unquoted and typed. Callers keep the value count such that
    the URL stays under Dataverse's 32 KB limit (``get_many`` sizes its chunks for that).
    """
    clauses = [Comparison(_column(column), "eq", value) for value in values]
    if not clauses:
        raise ValueError("in_ needs at least one value")
    return str(clauses[0] if len(clauses) == 1 else Junction("or", tuple(clauses)))


def and_(*clauses: str) -> str:
    """Return the clauses joined with ``and`` (empty clauses are left out)."""
    return _join("and", clauses)


def or_(*clauses: str) -> str:
    """Return the clauses joined with ``or`` (empty clauses are left out)."""
    return _join("or", clauses)


def not_(clause: str) -> str:
    return str(Not(parse_filter(clause).root))


def _join(operator: str, clauses: Iterable[str]) -> str:
    nodes: list[Any] = []
    for clause in clauses:
        node = parse_filter(clause).root if clause else None
        same = isinstance(node, Junction) and node.operator == operator
        nodes.extend(node.operands if same else [node] if node else [])
    if not nodes:
        return ""
    return str(nodes[0] if len(nodes) == 1 else Junction(operator, tuple(nodes)))


def _column(name: str) -> Column:
    if not isinstance(name, str) or not COLUMN_RE.fullmatch(name) or name in KEYWORDS:
        raise ValueError(f"{name!r} is not a column name")
    return Column(name)
