"""Evaluate a ``$filter`` tree on plain dicts: used for metadata and other small, fixed sets."""

from __future__ import annotations

import uuid

from ..errors import query_error
from . import like
from .filter import Call, Compare, Literal, Logical, Not, Property

COMPARE = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
}


def value_of(node, item: dict, known: set[str], type_name: str):
    if isinstance(node, Literal):
        return normal(node.value)
    if isinstance(node, Property):
        if node.path[0] not in known:
            raise query_error(
                f"Could not find a property named '{node.path[0]}' on type '{type_name}'."
            )
        value = item.get(node.path[0])
        for part in node.path[1:]:
            value = value.get(part) if isinstance(value, dict) else None
        return normal(value)
    return evaluate(node, item, known, type_name)


def normal(value):
    """Strings compare case-insensitively; GUIDs as their text."""
    if isinstance(value, uuid.UUID):
        value = str(value)
    return value.lower() if isinstance(value, str) else value


def evaluate(node, item: dict, known: set[str], type_name: str) -> bool:
    if isinstance(node, Logical):
        results = (evaluate(child, item, known, type_name) for child in node.items)
        return all(results) if node.op == "and" else any(results)
    if isinstance(node, Not):
        return not evaluate(node.item, item, known, type_name)
    if isinstance(node, Compare):
        left = value_of(node.left, item, known, type_name)
        right = value_of(node.right, item, known, type_name)
        if left is None or right is None:
            return COMPARE[node.op](left, right) if node.op in ("eq", "ne") else False
        try:
            return COMPARE[node.op](left, right)
        except TypeError:
            raise query_error("A binary operator with incompatible types was detected.") from None
    if isinstance(node, Call) and node.name in ("contains", "startswith", "endswith"):
        text = value_of(node.args[0], item, known, type_name)
        part = value_of(node.args[1], item, known, type_name)
        if not isinstance(text, str) or not isinstance(part, str):
            return False
        return like.matches(text, part, node.name)
    if isinstance(node, Literal) and isinstance(node.value, bool):
        return node.value
    raise query_error("The $filter expression is not supported on this resource.")
