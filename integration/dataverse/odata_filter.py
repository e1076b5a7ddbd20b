"""A parsed ``$filter``: a small tree that renders back to text and evaluates on rows.

Dataverse turns a ``$filter`` into SQL, so ``FilterExpression.matches`` evaluates the tree the
same way: string comparisons ignore case; ``contains``/``startswith``/``endswith`` are SQL
LIKE patterns (``%``, ``_`` and ``[…]`` are wildcards); a comparison with a null column is
*unknown* rather than false, so ``not`` of it is unknown too and the row does not match
(three-valued logic). Only ``eq null`` / ``ne null`` test for null.

The engine needs this because Dataverse refuses ``$filter`` together with change tracking:
it reads changes unfiltered and applies the mapping's filter with ``matches``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from .odata_values import literal, parse_wire_datetime

Truth = bool | None  # None is SQL's UNKNOWN
COMPARISON_OPERATORS = ("eq", "ne", "gt", "ge", "lt", "le")
STRING_FUNCTIONS = ("contains", "startswith", "endswith")
IN_FUNCTION = "Microsoft.Dynamics.CRM.In"
NOT_IN_FUNCTION = "Microsoft.Dynamics.CRM.NotIn"


@dataclass(frozen=True)
class Column:
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Comparison:
    column: Column
    operator: str
    value: Any  # a Python literal value or a Column (column-to-column comparison)

    def __str__(self) -> str:
        right = str(self.value) if isinstance(self.value, Column) else literal(self.value)
        return f"{self.column} {self.operator} {right}"

    def columns(self) -> set[str]:
        extra = {self.value.name} if isinstance(self.value, Column) else set()
        return {self.column.name} | extra

    def evaluate(self, row: Mapping[str, Any]) -> Truth:
        left = _column_value(row, self.column)
        right = _column_value(row, self.value) if isinstance(self.value, Column) else self.value
        if right is None and not isinstance(self.value, Column):
            if self.operator in ("eq", "ne"):
                return (left is None) == (self.operator == "eq")
            return None
        if left is None or right is None:
            return None
        return _compare(left, self.operator, right)


@dataclass(frozen=True)
class StringFunction:
    function: str  # contains, startswith or endswith
    column: Column
    text: str

    def __str__(self) -> str:
        return f"{self.function}({self.column},{literal(self.text)})"

    def columns(self) -> set[str]:
        return {self.column.name}

    def evaluate(self, row: Mapping[str, Any]) -> Truth:
        value = _column_value(row, self.column)
        if value is None:
            return None
        pattern = _like_to_regex(self.text)
        if self.function == "contains":
            return re.search(pattern, str(value), re.IGNORECASE | re.DOTALL) is not None
        if self.function == "startswith":
            return re.match(pattern, str(value), re.IGNORECASE | re.DOTALL) is not None
        return re.search(f"(?:{pattern})\\Z", str(value), re.IGNORECASE | re.DOTALL) is not None


@dataclass(frozen=True)
class InValues:
    """``Microsoft.Dynamics.CRM.In`` (or ``NotIn``); Dataverse converts its string values to
    the column's type."""

    column: Column
    values: tuple[str, ...]
    negated: bool = False

    def __str__(self) -> str:
        function = NOT_IN_FUNCTION if self.negated else IN_FUNCTION
        values = ",".join(literal(value) for value in self.values)
        return f"{function}(PropertyName={literal(self.column.name)},PropertyValues=[{values}])"

    def columns(self) -> set[str]:
        return {self.column.name}

    def evaluate(self, row: Mapping[str, Any]) -> Truth:
        value = _column_value(row, self.column)
        if value is None:
            return None  # SQL: NULL IN (…) and NULL NOT IN (…) are both unknown
        found = any(_compare(value, "eq", _text_as(text, value)) for text in self.values)
        return found != self.negated


@dataclass(frozen=True)
class Not:
    operand: Node

    def __str__(self) -> str:
        if isinstance(self.operand, (StringFunction, InValues)):
            return f"not {self.operand}"
        return f"not ({self.operand})"

    def columns(self) -> set[str]:
        return self.operand.columns()

    def evaluate(self, row: Mapping[str, Any]) -> Truth:
        truth = self.operand.evaluate(row)
        return None if truth is None else not truth


@dataclass(frozen=True)
class Junction:
    """``a and b and …`` or ``a or b or …`` with SQL's three-valued logic."""

    operator: str  # "and" or "or"
    operands: tuple[Node, ...]

    def __str__(self) -> str:
        return f" {self.operator} ".join(self._render(operand) for operand in self.operands)

    def _render(self, operand: Node) -> str:
        # Parenthesise nested junctions so the text never depends on operator precedence.
        return f"({operand})" if isinstance(operand, Junction) else str(operand)

    def columns(self) -> set[str]:
        return set().union(*(operand.columns() for operand in self.operands))

    def evaluate(self, row: Mapping[str, Any]) -> Truth:
        deciding = self.operator == "or"  # "or" is decided by a true operand, "and" by a false
        unknown = False
        for operand in self.operands:
            truth = operand.evaluate(row)
            if truth is deciding:
                return deciding
            unknown = unknown or truth is None
        return None if unknown else not deciding


Node = Comparison | StringFunction | InValues | Not | Junction


@dataclass(frozen=True)
class FilterExpression:
    """A parsed ``$filter``; ``str()`` gives its canonical text."""

    root: Node

    def __str__(self) -> str:
        return str(self.root)

    @property
    def columns(self) -> set[str]:
        """The names of the columns the filter reads."""
        return self.root.columns()

    def matches(self, row: Mapping[str, Any]) -> bool:
        """Return whether Dataverse would return ``row`` for this filter."""
        return self.root.evaluate(row) is True


def _column_value(row: Mapping[str, Any], column: Column) -> Any:
    try:
        return row[column.name]
    except KeyError:
        raise KeyError(f"the row has no column {column.name!r}; include it in $select") from None


def _compare(left: Any, operator: str, right: Any) -> Truth:
    pair = _comparable(left, right)
    if pair is None:
        return None  # Dataverse would reject mismatched types; such a row never matches
    a, b = pair
    return {
        "eq": a == b,
        "ne": a != b,
        "gt": a > b,
        "ge": a >= b,
        "lt": a < b,
        "le": a <= b,
    }[operator]


def _comparable(left: Any, right: Any) -> tuple[Any, Any] | None:
    """Bring a row value and a literal to one comparable type, or None if they have none."""
    if isinstance(left, bool) or isinstance(right, bool):
        return (left, right) if isinstance(left, bool) and isinstance(right, bool) else None
    if isinstance(right, datetime | date) and isinstance(left, str):
        left = _wire_datetime(left)
    if isinstance(left, datetime) and isinstance(right, datetime):
        return left, right
    if isinstance(left, date) and isinstance(right, date):
        return _as_date(left), _as_date(right)
    if isinstance(left, UUID | str) and isinstance(right, UUID | str):
        return str(left).casefold(), str(right).casefold()
    numbers = _as_decimal(left), _as_decimal(right)
    if None not in numbers:
        return numbers
    return None


def _as_date(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _as_decimal(value: Any) -> Decimal | None:
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return Decimal(str(value))
    return None


def _wire_datetime(text: str) -> Any:
    try:
        return parse_wire_datetime(text)
    except ValueError:
        return text


def _text_as(text: str, like: Any) -> Any:
    """Convert an ``In`` value (always a string) to the type of the row's value."""
    try:
        if isinstance(like, bool):
            return {"true": True, "false": False, "1": True, "0": False}.get(text.lower(), text)
        if isinstance(like, int | float | Decimal):
            return Decimal(text)
        if isinstance(like, datetime | date):
            return parse_wire_datetime(text)
    except (ValueError, InvalidOperation):
        return text
    return text


def _like_to_regex(pattern: str) -> str:
    """Translate a SQL LIKE pattern (``%``, ``_``, ``[abc]``, ``[^abc]``) to a regex."""
    parts: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        close = pattern.find("]", i + 2) if char == "[" else -1
        if char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        elif close != -1:
            body = pattern[i + 1 : close]
            negate = body.startswith("^") and len(body) > 1
            body = body[1:] if negate else body
            parts.append("[" + ("^" if negate else "") + _class_body(body) + "]")
            i = close
        else:
            parts.append(re.escape(char))
        i += 1
    return "".join(parts)


def _class_body(body: str) -> str:
    # Keep ranges such as a-z; escape everything else that regex classes treat specially.
    return "".join(char if char == "-" else re.escape(char) for char in body)
