"""The rules for one field mapping row (Business Central's Integration Field Mapping checks).

Each rule adds its message to ``Problems`` under the setting it is about, so the page shows it
next to that setting. ``context.entity`` is the Dataverse table's metadata, or None when
Dataverse could not be reached: the rules that need it are then left out.
"""

from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models

from synclog.models import SyncDirection

from . import transformations
from .virtual_fields import virtual_field_names, virtual_foreign_keys

TO = SyncDirection.TO_INTEGRATION_TABLE
FROM = SyncDirection.FROM_INTEGRATION_TABLE
BOTH = SyncDirection.BIDIRECTIONAL
LABELS = dict(SyncDirection.choices)

LOOKUP_TYPES = {"lookup", "owner", "customer"}
GUID_TYPES = LOOKUP_TYPES | {"uniqueidentifier"}
# A unit lookup (uom) is fed from a unit of measure coupled to a unit group (uomschedule).
LOOKUP_TARGET_EQUIVALENTS = {"uom": {"uomschedule"}}


def column_type(attribute) -> str:
    kind = getattr(attribute, "attribute_type", None) or getattr(attribute, "type", "") or ""
    return str(kind).lower()


def column_targets(attribute) -> set[str]:
    return set(getattr(attribute, "targets", None) or ())


def column_writable(attribute) -> bool:
    """Whether Tandem can write the column: on create, on update or both."""
    create = getattr(attribute, "valid_for_create", True)
    update = getattr(attribute, "valid_for_update", True)
    return bool(create or update)


@dataclass
class RowContext:
    """What the field rules need to know about the table mapping a row belongs to."""

    model: object | None  # the local model, None when the table is not valid
    table_label: str
    direction: str
    dataverse_table: str
    entity: object | None  # Dataverse metadata of the table, None when unknown
    mapped_tables: dict[str, set[str]]  # local table → Dataverse tables mapped to it


def carries(direction: str, wanted: str) -> bool:
    """Whether a field mapping in ``direction`` takes part in a run in ``wanted``."""
    return direction in (wanted, BOTH)


def check_directions(direction: str, rows, problems) -> None:
    """A direction needs at least one enabled field mapping that can carry it."""
    enabled = [r for r in rows if r.is_enabled]
    needed = [TO, FROM] if direction == BOTH else [direction]
    for wanted in needed:
        if not any(carries(r.direction, wanted) for r in enabled):
            problems.add(
                "direction",
                "You must set the direction of at least one enabled integration field mapping "
                f"to '{LABELS[wanted]}' or '{LABELS[BOTH]}'.",
            )


def check_row(index: int, row, context: RowContext, problems) -> None:
    def add(setting, message):
        problems.add_row(index, setting, message)

    _check_shape(row, context, add)
    if row.local_field and context.model is not None:
        _check_local_field(row, context, add)
    # A disabled row is not synchronized: it may name a column this environment lacks.
    if row.is_enabled and row.dataverse_column and context.entity is not None:
        _check_column(row, context, add)
    if row.is_enabled:
        _check_lookup(row, context, add)
    _check_flags(row, context, add)
    _check_transformation(row, add)


def _check_shape(row, context: RowContext, add) -> None:
    local, column, constant = row.local_field, row.dataverse_column, row.constant_value
    if not local and not column:
        add("local_field", "Choose a local field, a Dataverse column, or both.")
        return
    if (context.direction, row.direction) in ((TO, FROM), (FROM, TO)):
        add(
            "direction",
            f"The direction '{LABELS[row.direction]}' runs against the table mapping's "
            f"direction '{LABELS[context.direction]}'.",
        )
    if local and column:
        if constant:
            add(
                "constant_value",
                "A constant value is used only when the local field or the Dataverse column "
                "is blank.",
            )
        return
    target, direction = (column, TO) if column else (local, FROM)
    if not constant:
        add("constant_value", f"Enter the constant value to write to {target}.")
    if row.direction != direction:
        add(
            "direction",
            f"A constant is written to {target}: set the direction to '{LABELS[direction]}'.",
        )


def _local_field(row, context: RowContext):
    try:
        return context.model._meta.get_field(row.local_field)
    except FieldDoesNotExist:
        return None


def _is_virtual(row, context: RowContext) -> bool:
    return row.local_field in virtual_field_names(context.table_label)


def _check_local_field(row, context: RowContext, add) -> None:
    if _is_virtual(row, context):
        return
    model_field = _local_field(row, context)
    name = context.model._meta.verbose_name
    if model_field is None or not getattr(model_field, "concrete", False):
        add("local_field", f"The {name} table has no field '{row.local_field}'.")
        return
    automatic = model_field.primary_key or getattr(model_field, "auto_now", False)
    if automatic or getattr(model_field, "auto_now_add", False):
        add("local_field", f"{row.local_field} is set automatically and cannot be mapped.")
    elif not model_field.editable and carries(row.direction, FROM):
        add("local_field", f"{row.local_field} cannot be written by synchronization.")


def _check_column(row, context: RowContext, add) -> None:
    attribute = context.entity.attributes.get(row.dataverse_column)
    if attribute is None:
        add(
            "dataverse_column",
            f"The Dataverse table {context.dataverse_table} has no column "
            f"'{row.dataverse_column}'.",
        )
        return
    if carries(row.direction, TO) and not column_writable(attribute):
        add(
            "dataverse_column",
            f"{row.dataverse_column} is read-only in Dataverse, so it cannot be synchronized "
            f"'{LABELS[TO]}'. Set the direction to '{LABELS[FROM]}'.",
        )


def _referenced_tables(row, context: RowContext) -> tuple[str, ...]:
    """The local tables a reference field points at; empty when it is not a reference."""
    if not row.local_field or context.model is None:
        return ()
    foreign_keys = virtual_foreign_keys(context.table_label, row.local_field)
    if foreign_keys:
        return tuple(
            context.model._meta.get_field(fk).related_model._meta.label_lower for fk in foreign_keys
        )
    model_field = _local_field(row, context)
    if isinstance(model_field, models.ForeignKey):
        return (model_field.related_model._meta.label_lower,)
    return ()


def _attribute(row, context: RowContext):
    if context.entity is None or not row.dataverse_column:
        return None
    return context.entity.attributes.get(row.dataverse_column)


def _check_lookup(row, context: RowContext, add) -> None:
    """A reference needs a mapping for the related table (and a lookup column to map to)."""
    referenced = _referenced_tables(row, context)
    if not referenced or not row.dataverse_column:
        return
    attribute = _attribute(row, context)
    if attribute is not None and column_type(attribute) not in LOOKUP_TYPES:
        add(
            "dataverse_column",
            f"{row.local_field} refers to another table; map it to a Dataverse lookup column, "
            f"not to {row.dataverse_column}.",
        )
        return
    targets = column_targets(attribute) if attribute is not None else set()
    for target in set(targets):
        targets |= LOOKUP_TARGET_EQUIVALENTS.get(target, set())
    for table in referenced:
        mapped = context.mapped_tables.get(table, set())
        if mapped and (not targets or mapped & targets):
            return
    wanted = " or ".join(referenced)
    through = f" ↔ {' or '.join(sorted(column_targets(attribute)))}" if targets else ""
    add(
        "local_field",
        f"{row.local_field} ↔ {row.dataverse_column} is a lookup: it needs an integration "
        f"table mapping for {wanted}{through}.",
    )


def _check_flags(row, context: RowContext, add) -> None:
    if row.clear_value_on_failed_sync and row.not_null:
        add("not_null", "Clear Value on Failed Sync cannot be combined with Not Null.")
    if row.not_null and not _is_guid(row, context):
        add("not_null", "Not Null applies only to lookup (GUID) columns, such as ownerid.")
    if row.use_for_match_based_coupling and not (row.local_field and row.dataverse_column):
        add(
            "use_for_match_based_coupling",
            "Match on this field needs both a local field and a Dataverse column.",
        )
    if row.match_priority is None or row.match_priority < 0:
        add("match_priority", "Match priority must be 0 or more (0 is tried first).")


def _is_guid(row, context: RowContext) -> bool:
    attribute = _attribute(row, context)
    if attribute is not None:
        return column_type(attribute) in GUID_TYPES
    if _referenced_tables(row, context):
        return True
    model_field = _local_field(row, context) if context.model is not None else None
    return isinstance(model_field, models.UUIDField)


def _check_transformation(row, add) -> None:
    rule = row.transformation_rule or ""
    try:
        row.transformation_parameters = transformations.validate_rule(
            rule, row.transformation_parameters
        )
    except ValidationError as error:
        for message in error.messages:
            add("transformation_parameters", message)
    if not rule:
        row.transformation_direction = ""
    elif row.direction != BOTH:
        # Business Central sets it from a one-way field mapping's direction.
        row.transformation_direction = row.direction
    elif not row.transformation_direction:
        add(
            "transformation_direction",
            "Choose the direction the transformation applies in: this field mapping is "
            "bidirectional.",
        )
