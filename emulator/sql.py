"""``$filter`` trees -> SQL conditions on a table's model, with Dataverse's comparison rules.

Strings compare case-insensitively (Dataverse runs on a case-insensitive collation); conditions
are lookup expressions rather than field lookups so that ``not`` and ``ne`` keep SQL's
three-valued logic (a null column matches neither ``eq`` nor ``ne``), as SQL Server does.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

from django.db.models import F, Lookup, Q, Subquery, Value
from django.db.models.functions import Upper
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    In,
    IRegex,
    IsNull,
    LessThan,
    LessThanOrEqual,
)

from . import schema
from .errors import DataverseError, query_error, unknown_property
from .models import ROW_MODELS
from .odata import like
from .odata.filter import Call, Compare, Literal, Logical, Not, Property, parse_filter
from .schema.types import CHOICE_TYPES, LOOKUP_TYPES, STRING_TYPES, Attribute, Table

OPERATORS = {
    "eq": Exact,
    "gt": GreaterThan,
    "ge": GreaterThanOrEqual,
    "lt": LessThan,
    "le": LessThanOrEqual,
}
OPERATOR_KIND = {
    "eq": "Equal",
    "ne": "NotEqual",
    "gt": "GreaterThan",
    "ge": "GreaterThanOrEqual",
    "lt": "LessThan",
    "le": "LessThanOrEqual",
}
BOOLEAN_TEXT = {"true": True, "false": False, "1": True, "0": False}
FLIPPED = {"eq": "eq", "ne": "ne", "gt": "lt", "ge": "le", "lt": "gt", "le": "ge"}
STRING_CALLS = ("contains", "startswith", "endswith")
EDM_TYPES = {
    "String": "Edm.String",
    "Memo": "Edm.String",
    "EntityName": "Edm.String",
    "Integer": "Edm.Int32",
    "Picklist": "Edm.Int32",
    "State": "Edm.Int32",
    "Status": "Edm.Int32",
    "BigInt": "Edm.Int64",
    "Decimal": "Edm.Decimal",
    "Money": "Edm.Decimal",
    "Double": "Edm.Double",
    "Boolean": "Edm.Boolean",
    "DateTime": "Edm.DateTimeOffset",
    "Uniqueidentifier": "Edm.Guid",
    "Lookup": "Edm.Guid",
    "Owner": "Edm.Guid",
    "Customer": "Edm.Guid",
}
LITERAL_EDM = {
    "string": "Edm.String",
    "enum": "Edm.String",
    "integer": "Edm.Int32",
    "decimal": "Edm.Decimal",
    "boolean": "Edm.Boolean",
    "guid": "Edm.Guid",
    "datetime": "Edm.DateTimeOffset",
    "date": "Edm.Date",
}


def edm_type(attribute: Attribute) -> str:
    if attribute.type == "DateTime" and attribute.date_behavior == "DateOnly":
        return "Edm.Date"
    return EDM_TYPES[attribute.type]


def readable_property(table: Table, name: str) -> Attribute:
    """The column a $select, $filter or $orderby name refers to (``_x_value`` for lookups)."""
    attribute = table.by_lookup_property.get(name) or table.columns.get(name)
    if attribute is None or not attribute.valid_for_read:
        raise unknown_property(name, table.type_name())
    if attribute.is_lookup and name == attribute.logical_name:
        # A lookup's own name is its navigation property: it has no value to read or compare.
        raise query_error(
            f"The navigation property '{name}' cannot be used here; use the lookup property "
            f"'{attribute.lookup_property}' for its value."
        )
    return attribute


def column(attribute: Attribute):
    """The SQL expression for a column; strings are upper-cased for case-insensitivity."""
    if attribute.type in STRING_TYPES:
        return Upper(F(attribute.logical_name))
    return F(attribute.logical_name)


def incompatible(left: str, right: str, op: str):
    return query_error(
        "A binary operator with incompatible types was detected. Found operand types "
        f"'{left}' and '{right}' for operator kind '{OPERATOR_KIND.get(op, op)}'."
    )


def coerce_literal(attribute: Attribute, literal: Literal, op: str):
    """Convert a literal to the column's type, or fail the way OData's type checker does."""
    kind, value, kind_type = literal.kind, literal.value, attribute.type
    if kind == "null":
        return None
    ok = False
    if kind_type in STRING_TYPES:
        ok, value = kind in ("string", "enum"), str(value).upper()
    elif kind_type in ("Integer", "BigInt") or kind_type in CHOICE_TYPES:
        ok = kind == "integer"
    elif kind_type in ("Decimal", "Money", "Double"):
        ok = kind in ("integer", "decimal")
        value = float(value) if ok and kind_type == "Double" else value
    elif kind_type == "Boolean":
        ok = kind == "boolean"
    elif kind_type == "DateTime":
        ok, value = kind in ("datetime", "date"), date_value(attribute, value)
    elif kind_type == "Uniqueidentifier" or kind_type in LOOKUP_TYPES:
        ok, value = guid_value(kind, value)
    if not ok:
        raise incompatible(edm_type(attribute), LITERAL_EDM.get(kind, kind), op)
    return value


def date_value(attribute: Attribute, value):
    if attribute.date_behavior == "DateOnly":
        return value.date() if isinstance(value, dt.datetime) else value
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    return value


def guid_value(kind: str, value) -> tuple[bool, object]:
    if kind == "guid":
        return True, value
    if kind == "string":  # '<guid>' in quotes is accepted for lookups (Q-FLT example)
        try:
            return True, uuid.UUID(value)
        except ValueError:
            return False, value
    return False, value


def in_value(attribute: Attribute, value: Literal) -> Literal:
    """In / NotIn take their values as strings (``Collection(Edm.String)``); Dataverse converts
    each one to the column's type, so ``'1'`` is the number 1 for an integer or choice."""
    if value.kind != "string" or attribute.type in STRING_TYPES:
        return value
    if attribute.type == "Boolean" and value.value.strip().lower() in BOOLEAN_TEXT:
        return Literal(BOOLEAN_TEXT[value.value.strip().lower()], "boolean")
    try:
        converted = parse_filter(value.value.strip())
    except DataverseError:
        converted = None
    if not isinstance(converted, Literal) or converted.kind in ("string", "enum", "null"):
        raise query_error(
            f"The value '{value.value}' of PropertyValues cannot be converted to the type "
            f"'{edm_type(attribute)}' of the property '{attribute.logical_name}'."
        )
    return converted


class SqlFilter:
    """Translate a $filter tree for one table into a Q object."""

    def __init__(self, table: Table):
        self.table = table

    def q(self, node) -> Q:
        if isinstance(node, Logical):
            combined = self.q(node.items[0])
            for item in node.items[1:]:
                combined = combined & self.q(item) if node.op == "and" else combined | self.q(item)
            return combined
        if isinstance(node, Not):
            return ~self.q(node.item)
        if isinstance(node, Compare):
            return self.compare(node)
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, Literal) and node.kind == "boolean":
            return Q(pk__isnull=not node.value)
        raise query_error("The $filter expression must evaluate to a single boolean value.")

    def compare(self, node: Compare) -> Q:
        left, right, op = node.left, node.right, node.op
        if isinstance(left, Literal) and isinstance(right, Property):
            left, right, op = right, left, FLIPPED[op]
        if not isinstance(left, Property):
            raise query_error("A comparison needs a property on one side.")
        if len(left.path) > 1:
            return self.navigation(left, lambda inner: Compare(op, inner, right))
        attribute = readable_property(self.table, left.path[0])
        if isinstance(right, Property):
            other = readable_property(self.table, right.path[0])
            if edm_type(other) != edm_type(attribute):
                raise incompatible(edm_type(attribute), edm_type(other), op)
            return condition(op, column(attribute), column(other))
        if not isinstance(right, Literal):
            raise query_error("Comparisons are between a property and a literal or property.")
        value = coerce_literal(attribute, right, op)
        if value is None:
            if op not in ("eq", "ne"):
                return Q(pk__isnull=True)  # ordering against null matches nothing
            return Q(IsNull(F(attribute.logical_name), op == "eq"))
        if attribute.type in STRING_TYPES:
            if op in ("eq", "ne") and not str(right.value).isascii():
                matched = folded_equal(attribute, str(right.value))
                return ~matched if op == "ne" else matched
            value = Upper(Value(right.value))
        return condition(op, column(attribute), value)

    def call(self, node: Call) -> Q:
        name = node.name
        if name in STRING_CALLS:
            return self.string_call(node)
        if name in ("Microsoft.Dynamics.CRM.In", "Microsoft.Dynamics.CRM.NotIn"):
            named = dict(node.named)
            attribute = readable_property(self.table, named["PropertyName"].value)
            literals = [in_value(attribute, value) for value in named["PropertyValues"]]
            values = [coerce_literal(attribute, literal, "eq") for literal in literals]
            if attribute.type in STRING_TYPES:
                texts = [str(literal.value) for literal in literals if literal.kind != "null"]
                matched = string_in(attribute, texts)
            else:
                matched = Q(In(column(attribute), values))
            return ~matched if name.endswith("NotIn") else matched
        raise query_error(f"An unknown function with name '{name}' was found.")

    def string_call(self, node: Call) -> Q:
        if len(node.args) != 2 or not isinstance(node.args[0], Property):
            raise query_error(f"The function '{node.name}' needs a property and a string.")
        target, text = node.args
        if len(target.path) > 1:
            return self.navigation(target, lambda inner: Call(node.name, (inner, text)))
        attribute = readable_property(self.table, target.path[0])
        if attribute.type not in STRING_TYPES or not isinstance(text, Literal):
            raise query_error(f"No function signature for the function with name '{node.name}'.")
        coerce_literal(attribute, text, "eq")  # type check only
        return pattern_condition(attribute, node.name, text.value or "")

    def navigation(self, path: Property, build) -> Q:
        """``primarycontactid/fullname eq 'x'``: a condition on the row a lookup points at."""
        navigation = self.table.navigation_properties.get(path.path[0])
        if navigation is None:
            raise unknown_property(path.path[0], self.table.type_name())
        attribute, target_name = navigation
        target = schema.BY_LOGICAL_NAME.get(target_name)
        if target is None:
            return Q(pk__isnull=True)
        inner = SqlFilter(target).q(build(Property(path.path[1:])))
        ids = ROW_MODELS[target_name].objects.filter(inner).values(target.primary_id)
        return Q(In(F(attribute.logical_name), Subquery(ids)))


class Like(Lookup):
    """``lhs LIKE rhs`` with backslash as escape character, spelled the same on both
    databases (Django's own lookups escape the wildcards this pattern must keep)."""

    lookup_name = "dataverse_like"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} LIKE {rhs} ESCAPE '\\'", [*lhs_params, *rhs_params]


def pattern_condition(attribute: Attribute, function: str, pattern: str) -> Q:
    """contains / startswith / endswith with Dataverse's LIKE wildcards (see odata.like)."""
    pieces = like.parse(pattern)
    if pieces is None:
        return Q(pk__in=[])
    simple = like.like_pattern(pieces, function)
    if simple is not None:
        return Q(Like(column(attribute), Value(simple)))
    expression = like.regex(pieces, function)
    if expression is None:
        return Q(pk__in=[])
    # Case-insensitive regular expressions fold every letter's case, not only ASCII's.
    return Q(IRegex(F(attribute.logical_name), Value(expression)))


def folded_equal(attribute: Attribute, text: str) -> Q:
    """Equality with text that has letters beyond ASCII, whose case SQLite's UPPER leaves
    alone: an anchored case-insensitive regular expression folds every letter, on both
    databases (see odata.like)."""
    return Q(IRegex(F(attribute.logical_name), Value(rf"\A{re.escape(text)}\Z")))


def string_in(attribute: Attribute, texts: list[str]) -> Q:
    """In on a string column: a plain IN of upper-cased ASCII values, the rest one by one."""
    plain = [text.upper() for text in texts if text.isascii()]
    matched = Q(In(column(attribute), plain)) if plain else None
    for text in texts:
        if not text.isascii():
            one = folded_equal(attribute, text)
            matched = one if matched is None else matched | one
    return matched if matched is not None else Q(pk__in=[])


def condition(op: str, lhs, rhs) -> Q:
    if op == "ne":
        return ~Q(Exact(lhs, rhs))
    return Q(OPERATORS[op](lhs, rhs))
