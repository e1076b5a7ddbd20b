"""CreateMultiple, UpdateMultiple and UpsertMultiple: many rows of one table, all or nothing."""

from __future__ import annotations

import uuid

from django.db import transaction

from . import errors
from .api import ApiRequest, ApiResponse
from .errors import DataverseError
from .models import ROW_MODELS
from .payload import parse_row
from .schema.types import Table
from .writes import Writer

ACTIONS = ("CreateMultiple", "UpdateMultiple", "UpsertMultiple")
NAMESPACE = "Microsoft.Dynamics.CRM."


def not_supported(action: str, table: Table) -> DataverseError:
    return DataverseError(
        400,
        "0x80040800",
        f"The '{action}' method does not support entities of type '{table.logical_name}'. "
        "MessageProcessorCache returned MessageProcessor.Empty.",
    )


def targets(request: ApiRequest, table: Table) -> list[dict]:
    body = request.json(table.entity_set_name)
    items = body.get("Targets") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise errors.payload_error(table.entity_set_name, "The parameter 'Targets' is missing.")
    expected = NAMESPACE + table.logical_name
    for item in items:
        given = item.get("@odata.type", "") if isinstance(item, dict) else ""
        if given.lstrip("#") != expected:
            raise errors.payload_error(
                table.entity_set_name,
                'Every item of Targets needs "@odata.type": '
                f"\"{expected}\"; found '{given or 'none'}'.",
            )
    return items


def key_of(table: Table, item: dict) -> uuid.UUID | None:
    value = item.get(table.primary_id)
    if value is None and isinstance(item.get("@odata.id"), str):
        value = item["@odata.id"].rsplit("(", 1)[-1].rstrip(")").split("=")[-1].strip("'")
    if value is None:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise errors.payload_error(
            table.entity_set_name, f"'{value}' is not a valid key."
        ) from None


def run(request: ApiRequest, table: Table, action: str) -> ApiResponse:
    if action not in ACTIONS:
        raise errors.resource_not_found(NAMESPACE + action)
    if not table.supports_multiple:
        raise not_supported(action, table)
    items = targets(request, table)
    with transaction.atomic(using="dataverse"):
        writer = Writer(request.caller)
        if action == "CreateMultiple":
            rows = [parse_row(table, item, creating=True) for item in items]
            ids = writer.create(table, rows)
            context = f"{request.root}$metadata#Microsoft.Dynamics.CRM.CreateMultipleResponse"
            return ApiResponse.json(200, {"@odata.context": context, "Ids": ids})
        if action == "UpdateMultiple":
            update_all(writer, table, items)
        else:
            upsert_all(writer, table, items)
    return ApiResponse.empty(204)


def update_all(writer: Writer, table: Table, items: list[dict]) -> None:
    rows = []
    for item in items:
        key = key_of(table, item)
        if key is None:
            raise errors.invalid_argument(
                f"Entity Id must be specified for Update ({table.primary_id})."
            )
        row = parse_row(table, item, creating=False)
        row.row_id = key
        rows.append(row)
    writer.update(table, rows)


def upsert_all(writer: Writer, table: Table, items: list[dict]) -> None:
    """Rows whose key exists are updated, the others created (with their key if given)."""
    keys = [key_of(table, item) for item in items]
    model = ROW_MODELS[table.logical_name]
    present = set(model.objects.filter(pk__in=[k for k in keys if k]).values_list("pk", flat=True))
    creates, updates = [], []
    for key, item in zip(keys, items, strict=True):
        existing = key is not None and key in present
        row = parse_row(table, item, creating=not existing)
        row.row_id = key
        (updates if existing else creates).append(row)
    if updates:
        writer.update(table, updates)
    if creates:
        writer.create(table, creates)
