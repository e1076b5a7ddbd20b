"""Field transfer: one value from one side to the other, through rules, types and lookups.

``value_for_dataverse`` and ``value_for_local`` turn a field mapping and a source row into
the value to write and its canonical form; they raise ``RecordError`` with a message a person
can act on when the value cannot be written (too long, not a number, a reference that is not
coupled). Snapshots give each side's mapped values in canonical form for change detection.
"""

import uuid
from decimal import ROUND_HALF_UP, Decimal

from django.db import models

from ..dataverse import Lookup
from .errors import RecordError
from .lookups import CURRENCY_TABLE, LookupResolver, as_uuid
from .specs import FROM, TO, FieldSpec, Kind
from .values import canonical, to_bool, to_decimal, to_int

SKIP = object()  # leave the destination as it is (Not Null, Clear Value on Failed Sync)
TEXT_TYPES = {"String", "Memo", "EntityName"}
INTEGER_TYPES = {"Integer", "BigInt", "Picklist", "State", "Status"}
NUMBER_TYPES = {"Decimal", "Money", "Double"}


# Snapshots -------------------------------------------------------------------------------


def local_canonical(spec: FieldSpec, row: dict):
    if spec.kind == Kind.VALUE:
        return canonical(row.get(spec.local_field))
    if spec.kind == Kind.COMPANY:
        for related in spec.related:
            sid = row.get(f"{related.foreign_key}__system_id")
            if sid is not None:
                return f"{related.foreign_key}:{sid}"
        return None
    return canonical(row.get(f"{spec.related[0].foreign_key}__system_id"))


def local_snapshot(specs: list[FieldSpec], row: dict) -> dict:
    return {s.local_field: local_canonical(s, row) for s in specs if s.local_field}


def dataverse_snapshot(specs: list[FieldSpec], row: dict) -> dict:
    return {s.column: canonical(row.get(s.read_column)) for s in specs if s.column}


# Local → Dataverse -----------------------------------------------------------------------


def value_for_dataverse(spec: FieldSpec, row: dict, resolver: LookupResolver, describe):
    """Return (value, canonical) to write to ``spec.column``, or SKIP."""
    if not spec.local_field:
        value = convert_for_dataverse(spec, spec.constant)
    elif spec.kind == Kind.VALUE:
        raw = row.get(spec.local_field)
        if spec.rule_applies(TO):
            raw = apply_rule(spec, raw)
        value = convert_for_dataverse(spec, raw)
    else:
        value = lookup_for_dataverse(spec, row, resolver, describe)
    if value is None and spec.not_null:
        return SKIP
    if value is SKIP:
        return SKIP
    return value, canonical(value.id if isinstance(value, Lookup) else value)


def convert_for_dataverse(spec: FieldSpec, raw):
    kind = spec.attribute_type
    try:
        if kind in TEXT_TYPES:
            return None if raw is None or raw == "" else str(raw)
        if kind in INTEGER_TYPES:
            return int(raw) if isinstance(raw, bool) else to_int(raw)
        if kind in NUMBER_TYPES:
            return rounded(to_decimal(raw), spec.precision)
        if kind == "Boolean":
            return to_bool(raw)
        if kind == "Uniqueidentifier":
            return as_uuid(raw) if raw else None
    except ValueError as exc:
        raise RecordError(
            f"The value {raw!r} cannot be written to the Dataverse column {spec.column} "
            f"({kind}): {exc}."
        ) from None
    return raw


def rounded(number: Decimal | None, places: int | None) -> Decimal | None:
    """``number`` to ``places`` decimals; ValueError when that takes more digits than exist."""
    if number is None or places is None:
        return number
    try:
        return number.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    except ArithmeticError:
        raise ValueError("it has more digits than a number column can hold") from None


def lookup_for_dataverse(spec, row, resolver, describe):
    related, sid = referenced(spec, row)
    if sid is None:
        if related.dataverse_table == CURRENCY_TABLE:
            return local_currency(resolver)
        return None
    dataverse_id = resolver.dataverse_id(related, sid)
    if dataverse_id is None:
        if spec.clear_value_on_failed_sync:
            return None
        raise RecordError(
            f"{describe(related.local_table, sid)} must be coupled to a Dataverse "
            f"{related.dataverse_table} row before {spec.local_field} can be "
            f"synchronized to {spec.column}."
        )
    if spec.kind == Kind.BASE_UNIT:
        base_unit = resolver.base_unit(dataverse_id)
        if base_unit is None:
            raise RecordError(
                f"The Dataverse unit group {dataverse_id} coupled to "
                f"{describe(related.local_table, sid)} has no base unit."
            )
        return Lookup("uom", base_unit)
    return Lookup(related.dataverse_table, dataverse_id)


def referenced(spec, row):
    """The related table and system id a lookup field points at (the first one set)."""
    for related in spec.related:
        sid = row.get(f"{related.foreign_key}__system_id")
        if sid is not None:
            return related, sid
    return spec.related[0], None


def local_currency(resolver):
    lcy = resolver.lcy_currency_id()
    if lcy is None:
        from .lookups import local_currency_code

        raise RecordError(
            f"The local currency {local_currency_code()} has no transaction "
            "currency in Dataverse. Add it to Dataverse as the base currency."
        )
    return Lookup(CURRENCY_TABLE, lcy)


def apply_rule(spec: FieldSpec, value):
    from ..transformations import apply_rule as apply

    try:
        return apply(spec.rule, spec.rule_parameters, value)
    except (ValueError, TypeError) as exc:
        raise RecordError(
            f"The transformation rule {spec.rule} of {spec} failed on {value!r}: {exc}"
        ) from None


# Dataverse → local -----------------------------------------------------------------------


def value_for_local(spec: FieldSpec, row: dict, resolver: LookupResolver, model):
    """Return (assignments {attname: value}, canonical) for the local record, or SKIP."""
    if not spec.column:
        value = convert_for_local(spec, spec.constant, model)
        return {spec.model_field.attname: value}, canonical(value)
    raw = row.get(spec.read_column)
    if spec.kind == Kind.VALUE:
        if spec.rule_applies(FROM):
            raw = apply_rule(spec, raw)
        value = convert_for_local(spec, raw, model)
        return {spec.model_field.attname: value}, canonical(value)
    if spec.kind == Kind.BASE_UNIT:
        return SKIP
    return lookup_for_local(spec, raw, resolver)


def lookup_for_local(spec, raw, resolver):
    empty = {f"{r.foreign_key}_id": None for r in spec.related}
    if not raw:
        return empty, None
    if (
        spec.related[0].dataverse_table == CURRENCY_TABLE
        and as_uuid(raw) == resolver.lcy_currency_id()
    ):
        return empty, None
    for related in spec.related:
        reference = resolver.local_reference(related, raw)
        if reference is not None:
            sid, pk = reference
            assignments = {**empty, f"{related.foreign_key}_id": pk}
            value = f"{related.foreign_key}:{sid}" if spec.kind == Kind.COMPANY else str(sid)
            return assignments, value
    if spec.clear_value_on_failed_sync:
        return SKIP
    tables = " or ".join(sorted({verbose_name(r.local_table) for r in spec.related}))
    raise RecordError(
        f"The Dataverse {spec.related[0].dataverse_table} row {raw} in "
        f"{spec.column} must be coupled to a {tables} record before it can be "
        f"synchronized to {spec.local_field}."
    )


def verbose_name(label: str) -> str:
    from django.apps import apps

    return str(apps.get_model(label)._meta.verbose_name)


def convert_for_local(spec: FieldSpec, raw, model):
    field = spec.model_field
    caption = f"{model._meta.verbose_name.capitalize()}.{field.verbose_name}"
    try:
        value = python_value(field, raw)
    except (ValueError, TypeError) as exc:
        raise RecordError(
            f"The value {raw!r} of {spec.column or 'the constant'} cannot be "
            f"written to {caption}: {exc}."
        ) from None
    if isinstance(value, str) and "\x00" in value:
        # PostgreSQL cannot store NUL in text; refuse it the same way on every database.
        raise RecordError(
            f"The value of {spec.column} contains a NUL character, which {caption} cannot hold."
        )
    max_length = getattr(field, "max_length", None)
    if isinstance(value, str) and max_length and len(value) > max_length:
        raise RecordError(
            f"The value of {spec.column} is {len(value)} characters long; "
            f"{caption} takes at most {max_length}."
        )
    if spec.validate and field.choices and value not in {c[0] for c in field.flatchoices}:
        raise RecordError(f"{value!r} from {spec.column} is not a valid value for {caption}.")
    return value


def python_value(field: models.Field, raw):
    if isinstance(field, models.BooleanField):
        return to_bool(raw)
    if isinstance(field, models.DecimalField):
        number = rounded(to_decimal(raw) or Decimal(0), field.decimal_places)
        if len(number.as_tuple().digits) > field.max_digits:
            raise ValueError(f"it has more than {field.max_digits} digits")
        return number
    if isinstance(field, models.IntegerField):
        return to_int(raw) or 0
    if isinstance(field, models.UUIDField):
        return uuid.UUID(str(raw)) if raw else None
    if isinstance(field, models.CharField | models.TextField):
        return "" if raw is None else str(raw)
    return raw
