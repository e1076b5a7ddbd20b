"""Rows -> Web API JSON: ETags, ``_x_value`` lookups, annotations and formatted values."""

from __future__ import annotations

import datetime as dt
import fnmatch
from decimal import Decimal

from . import schema
from .models import ROW_MODELS
from .schema.types import CHOICE_TYPES, Attribute, Table

FORMATTED = "OData.Community.Display.V1.FormattedValue"
LOOKUP_NAME = "Microsoft.Dynamics.CRM.lookuplogicalname"
NAVIGATION = "Microsoft.Dynamics.CRM.associatednavigationproperty"
# Types whose values have a display form (labels, currency, dates, grouped numbers).
FORMATTABLE = CHOICE_TYPES | {
    "Boolean",
    "Money",
    "Decimal",
    "Double",
    "Integer",
    "BigInt",
    "DateTime",
}


def etag(version: int) -> str:
    return f'W/"{version}"'


class Annotations:
    """The annotations asked for with ``Prefer: odata.include-annotations="…"``."""

    def __init__(self, preference: str | None):
        self.patterns = [p.strip() for p in (preference or "").split(",") if p.strip()]

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def wants(self, name: str) -> bool:
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in self.patterns)


class Serializer:
    """Writes rows of one table with a fixed column list (and optional expansions)."""

    def __init__(self, table: Table, columns: list[Attribute], annotations=None, expanded=None):
        self.table = table
        self.columns = columns
        self.annotations = annotations or Annotations(None)
        self.expanded = expanded or {}
        self.formatted = self.annotations.wants(FORMATTED)
        self.names: dict[str, dict] = {}
        self.currency_symbols: dict = {}

    def prepare(self, rows: list[dict]) -> None:
        """Load what formatted values need (names of looked-up rows) in one query per table."""
        if not self.formatted:
            return
        wanted: dict[str, set] = {}
        for attribute in self.columns:
            if attribute.is_lookup:
                for row in rows:
                    if row.get(attribute.logical_name):
                        wanted.setdefault(lookup_target(attribute, row), set()).add(
                            row[attribute.logical_name]
                        )
        for target_name, ids in wanted.items():
            target = schema.BY_LOGICAL_NAME.get(target_name)
            if target is not None:
                found = ROW_MODELS[target_name].objects.filter(pk__in=ids)
                self.names[target_name] = dict(
                    found.values_list(target.primary_id, target.primary_name)
                )
        symbols = ROW_MODELS["transactioncurrency"].objects.values_list(
            "transactioncurrencyid", "currencysymbol"
        )
        self.currency_symbols = dict(symbols)

    def rows(self, rows: list[dict]) -> list[dict]:
        self.prepare(rows)
        return [self.row(row) for row in rows]

    def row(self, row: dict) -> dict:
        out: dict = {"@odata.etag": etag(row["versionnumber"])}
        for attribute in self.columns:
            value = row.get(attribute.logical_name)
            if attribute.is_lookup:
                self.write_lookup(out, attribute, row, value)
                continue
            if self.formatted and value is not None and attribute.type in FORMATTABLE:
                out[f"{attribute.logical_name}@{FORMATTED}"] = self.format(attribute, value, row)
            out[attribute.logical_name] = value
        for name, expansion in self.expanded.items():
            out[name] = self.expansion(expansion, row)
        return out

    def write_lookup(self, out: dict, attribute: Attribute, row: dict, value) -> None:
        key = attribute.lookup_property
        if value is not None and self.annotations:
            target = lookup_target(attribute, row)
            if self.formatted:
                out[f"{key}@{FORMATTED}"] = self.names.get(target, {}).get(value, "")
            if self.annotations.wants(NAVIGATION):
                out[f"{key}@{NAVIGATION}"] = navigation_name(attribute, target)
            if self.annotations.wants(LOOKUP_NAME):
                out[f"{key}@{LOOKUP_NAME}"] = target
        out[key] = value

    def expansion(self, expansion: dict, row: dict):
        attribute = expansion["attribute"]
        value = row.get(attribute.logical_name)
        if value is None or lookup_target(attribute, row) != expansion["target"]:
            return None
        return expansion["rows"].get(value)

    def format(self, attribute: Attribute, value, row: dict) -> str:
        kind = attribute.type
        if kind in CHOICE_TYPES or kind == "Boolean":
            option = attribute.option(int(value))
            return option.label if option else str(value)
        if kind == "Money":
            symbol = self.currency_symbols.get(row.get("transactioncurrencyid"), "")
            return f"{symbol}{Decimal(value):,.2f}"
        if kind in ("Decimal", "Double"):
            return f"{value:,.{attribute.precision or 2}f}"
        if kind in ("Integer", "BigInt"):
            return f"{value:,}"
        if isinstance(value, dt.datetime):
            return (
                f"{value.month}/{value.day}/{value.year} {value.strftime('%I:%M %p').lstrip('0')}"
            )
        if isinstance(value, dt.date):
            return f"{value.month}/{value.day}/{value.year}"
        return str(value)


def lookup_target(attribute: Attribute, row: dict) -> str:
    """The table a lookup value points at (Customer and Owner lookups keep it in a column)."""
    if attribute.type in ("Customer", "Owner"):
        return row.get(f"{attribute.logical_name}type") or attribute.targets[0]
    return attribute.targets[0]


def navigation_name(attribute: Attribute, target: str) -> str:
    if attribute.type == "Customer":
        return f"{attribute.logical_name}_{target}"
    return attribute.logical_name
