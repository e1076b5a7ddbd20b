"""Running a collection query: columns, filter, order, keyset paging and ``$expand``."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Q, Value
from django.db.models.functions import Upper
from django.db.models.lookups import Exact, GreaterThan, IsNull, LessThan

from . import paging, schema
from .errors import query_error
from .models import ROW_MODELS
from .odata.options import Expand, QueryOptions
from .schema.types import STRING_TYPES, Attribute, Table
from .sql import SqlFilter, column, readable_property

MAX_PAGE_SIZE = 5000
MAX_COUNT = 5000
ADDRESS_PARTS = ("line1", "line2", "line3", "city", "stateorprovince", "postalcode", "country")


def select_columns(table: Table, names: list[str] | None) -> list[Attribute]:
    """The attributes a response shows: all readable ones, or the $select list plus what
    Dataverse adds (the key, the currency of money columns, the composite of address parts)."""
    if names is None:
        return [a for a in table.attributes if a.valid_for_read]
    chosen: dict[str, Attribute] = {}
    for name in names:
        attribute = readable_property(table, name)
        chosen[attribute.logical_name] = attribute
        if attribute.type == "Money" and "transactioncurrencyid" in table.columns:
            chosen.setdefault("transactioncurrencyid", table.columns["transactioncurrencyid"])
        prefix, _, part = attribute.logical_name.partition("_")
        composite = f"{prefix}_composite"
        if part in ADDRESS_PARTS and composite in table.columns:
            chosen.setdefault(composite, table.columns[composite])
    chosen.setdefault(table.primary_id, table.columns[table.primary_id])
    return list(chosen.values())


def fetch_fields(table: Table, attributes: list[Attribute]) -> list[str]:
    """Database columns to read: the shown ones, the version for the ETag and lookup types."""
    fields = {a.logical_name for a in attributes} | {"versionnumber", table.primary_id}
    for attribute in attributes:
        if attribute.type in ("Customer", "Owner"):
            fields.add(f"{attribute.logical_name}type")
    return sorted(fields)


def expand_fields(table: Table, expands: list[Expand]) -> list[str]:
    """Lookup columns an $expand follows, read even when not selected."""
    fields = []
    for expand in expands:
        navigation = table.navigation_properties.get(expand.name)
        if navigation is not None:
            name = navigation[0].logical_name
            fields.append(name)
            if navigation[0].type in ("Customer", "Owner"):
                fields.append(f"{name}type")
    return fields


def order_columns(table: Table, orderby: list[tuple[str, bool]]) -> list[tuple[Attribute, bool]]:
    order = [(readable_property(table, name), descending) for name, descending in orderby]
    key = table.columns[table.primary_id]
    if not any(attribute is key for attribute, _ in order):
        order.append((key, False))  # a unique tie-breaker makes keyset paging exact
    return order


def order_expressions(order: list[tuple[Attribute, bool]]) -> list:
    """SQL Server's null placement: first when ascending, last when descending."""
    expressions = []
    for attribute, descending in order:
        expression = column(attribute)
        if attribute.is_primary_id:
            expressions.append(expression.desc() if descending else expression.asc())
        elif descending:
            expressions.append(expression.desc(nulls_last=True))
        else:
            expressions.append(expression.asc(nulls_first=True))
    return expressions


def after_row(order: list[tuple[Attribute, bool]], values: list) -> Q:
    """Rows that sort after the one whose sort values are ``values``."""
    result: Q | None = None
    same_so_far = Q()
    for (attribute, descending), value in zip(order, values, strict=True):
        name = attribute.logical_name
        expression = column(attribute)
        compared = (
            Upper(Value(value)) if value is not None and attribute.type in STRING_TYPES else value
        )
        if value is None:
            beyond = Q(pk__in=[]) if descending else Q(IsNull(F(name), False))
            same = Q(IsNull(F(name), True))
        elif descending:
            beyond = Q(LessThan(expression, compared))
            if not attribute.is_primary_id:
                beyond |= Q(IsNull(F(name), True))
            same = Q(Exact(expression, compared))
        else:
            beyond = Q(GreaterThan(expression, compared))
            same = Q(Exact(expression, compared))
        step = same_so_far & beyond
        result = step if result is None else result | step
        same_so_far &= same
    return result


@dataclass
class Page:
    rows: list[dict]
    next_token: str | None
    count: int | None = None
    total: int | None = None


class TableQuery:
    """One table, one set of query options: builds the queryset and reads pages from it."""

    def __init__(self, table: Table, options: QueryOptions):
        self.table = table
        self.options = options
        self.model = ROW_MODELS[table.logical_name]
        self.columns = select_columns(table, options.select)
        self.order = order_columns(table, options.orderby)
        self.condition = SqlFilter(table).q(options.filter) if options.filter else None

    def queryset(self):
        queryset = self.model.objects.all()
        if self.condition is not None:
            queryset = queryset.filter(self.condition)
        return queryset

    def page(self, page_size: int, token: str | None, limit: int | None = None) -> Page:
        """Read one page of at most ``page_size`` rows; ``limit`` is what $top still allows."""
        queryset = self.queryset()
        page_number, remaining = 1, limit
        if token:
            page_number, values, extra = paging.read_token(token)
            queryset = queryset.filter(after_row(self.order, self.token_values(values)))
            remaining = int(extra["remaining"]) if "remaining" in extra else limit
        size = page_size if remaining is None else min(page_size, remaining)
        fields = fetch_fields(self.table, self.columns) + [a.logical_name for a, _ in self.order]
        fields += expand_fields(self.table, self.options.expand)
        ordered = queryset.order_by(*order_expressions(self.order))
        rows = list(ordered.values(*dict.fromkeys(fields))[: size + 1])
        next_token = None
        left = None if remaining is None else remaining - min(size, len(rows))
        if len(rows) > size and (left is None or left > 0):
            rows = rows[:size]
            next_token = self.token_after(rows[-1], page_number, left)
        return Page(rows[:size], next_token)

    def token_values(self, values: dict[str, str | None]) -> list:
        decoded = []
        for attribute, _ in self.order:
            if attribute.logical_name not in values:
                raise query_error("The $skiptoken value is not valid.")
            text = values[attribute.logical_name]
            decoded.append(None if text is None else paging.decode_value(attribute.type, text))
        return decoded

    def token_after(self, row: dict, page_number: int, remaining: int | None) -> str:
        values = [(a.logical_name, row[a.logical_name]) for a, _ in self.order]
        extra = {} if remaining is None else {"remaining": str(remaining)}
        return paging.make_token(page_number, values, extra)

    def count(self) -> tuple[int, int]:
        """(@odata.count capped at 5,000, the true total)."""
        total = self.queryset().count()
        return min(total, MAX_COUNT), total


def expansions(table: Table, rows: list[dict], expands: list[Expand]) -> dict[str, dict]:
    """For each expanded single-valued navigation property: {row id: related row or None}."""
    from .serialize import Serializer

    result: dict[str, dict] = {}
    for expand in expands:
        navigation = table.navigation_properties.get(expand.name)
        if navigation is None:
            raise query_error(
                f"Could not find a property named '{expand.name}' on type '{table.type_name()}'."
            )
        attribute, target_name = navigation
        target = schema.BY_LOGICAL_NAME.get(target_name)
        related: dict = {}
        ids = {row[attribute.logical_name] for row in rows if row.get(attribute.logical_name)}
        if target is not None and ids:
            columns = select_columns(target, expand.options.select)
            found = ROW_MODELS[target_name].objects.filter(pk__in=ids)
            serializer = Serializer(target, columns)
            for found_row in found.values(*fetch_fields(target, columns)):
                related[found_row[target.primary_id]] = serializer.row(found_row)
        result[expand.name] = {"attribute": attribute, "target": target_name, "rows": related}
    return result
