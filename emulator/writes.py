"""Create, update, upsert and delete: the one write path behind every endpoint.

Single requests, ``$batch`` parts and the *Multiple actions all call ``Writer``; each call
works on a list of rows so that bulk requests cost a handful of SQL statements.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db.models.functions import Upper
from django.utils import timezone

from . import errors, rules, schema, seed, storage
from .api import Caller
from .errors import DataverseError
from .models import ROW_MODELS
from .payload import RowInput
from .schema.types import SYSTEM, Table

UNDELETABLE = {"systemuser", "businessunit"}


def now_seconds() -> dt.datetime:
    """Dataverse keeps createdon and modifiedon to the second, in UTC."""
    return timezone.now().replace(microsecond=0)


def check_etag(table: Table, row: dict, if_match: str | None) -> None:
    if if_match and if_match != "*" and if_match != f'W/"{row["versionnumber"]}"':
        raise errors.etag_mismatch()


class Writer:
    """Writes rows as one caller, at one moment, inside the caller's transaction."""

    def __init__(self, caller: Caller):
        self.caller = caller
        self.now = now_seconds()
        self.context = rules.SaveContext(seed.BASE_CURRENCY_ID, caller.business_unit_id)

    # --- create -------------------------------------------------------------------------

    def create(self, table: Table, inputs: list[RowInput]) -> list[uuid.UUID]:
        self.check_binds(inputs)
        rows = [self.new_row(table, item) for item in inputs]
        ids = [row[table.primary_id] for row in rows]
        model = ROW_MODELS[table.logical_name]
        if len(set(ids)) != len(ids) or model.objects.filter(pk__in=ids).exists():
            raise errors.duplicate_key()
        self.check_unique(table, rows)
        self.stamp_versions(rows)
        storage.insert_rows(model, rows)
        storage.unbury(table.logical_name, [item.row_id for item in inputs if item.row_id])
        if table.logical_name == "uomschedule":
            self.create_base_units(rows)
        return ids

    def new_row(self, table: Table, item: RowInput) -> dict:
        row = dict(table.defaults)
        row.update(item.values)
        self.apply_binds(row, item)
        row[table.primary_id] = item.row_id or uuid.uuid4()
        row["createdon"] = row.get("overriddencreatedon") or self.now
        row["modifiedon"] = self.now
        row["createdby"] = row["modifiedby"] = self.caller.user_id
        if table.is_user_owned and row.get("ownerid") is None:
            row["ownerid"], row["owneridtype"] = self.caller.user_id, "systemuser"
        if "organizationid" in table.columns:
            row["organizationid"] = seed.ORGANIZATION_ID
        rules.apply_state(table, row, item.values, creating=True)
        self.apply_table_rules(table, row, creating=True)
        self.check_required(table, row, table.system_required)
        return row

    def create_base_units(self, schedules: list[dict]) -> None:
        units = [RowInput(values=rules.base_unit_row(s)) for s in schedules]
        uom = schema.BY_LOGICAL_NAME["uom"]
        rows = [self.new_row(uom, unit) for unit in units]
        for row, unit in zip(rows, units, strict=True):
            row["isschedulebaseuom"] = unit.values["isschedulebaseuom"]
        self.stamp_versions(rows)
        storage.insert_rows(ROW_MODELS["uom"], rows)

    # --- update -------------------------------------------------------------------------

    def update(self, table: Table, inputs: list[RowInput], if_match: str | None = None) -> None:
        self.check_binds(inputs)
        model = ROW_MODELS[table.logical_name]
        found = model.objects.filter(pk__in=[item.row_id for item in inputs]).values()
        existing = {row[table.primary_id]: row for row in found}
        rows = []
        for item in inputs:
            current = existing.get(item.row_id)
            if current is None:
                raise errors.row_not_found(table.logical_name, item.row_id)
            check_etag(table, current, if_match)
            rows.append(self.changed_row(table, current, item))
        if table.unique_column:
            self.check_unique(table, rows)
        self.stamp_versions(rows)
        storage.update_rows(model, rows)

    def changed_row(self, table: Table, current: dict, item: RowInput) -> dict:
        row = {**current, **item.values}
        self.apply_binds(row, item)
        given = [table.columns[name] for name in (*item.values, *item.binds)]
        self.check_required(table, row, given)
        rules.apply_state(table, row, item.values, creating=False)
        self.apply_table_rules(table, row, creating=False)
        row["modifiedon"] = self.now
        row["modifiedby"] = self.caller.user_id
        return row

    def exists(self, table: Table, row_id: uuid.UUID) -> dict | None:
        model = ROW_MODELS[table.logical_name]
        return model.objects.filter(pk=row_id).values(table.primary_id, "versionnumber").first()

    # --- delete -------------------------------------------------------------------------

    def delete(self, table: Table, row_id: uuid.UUID, if_match: str | None = None) -> None:
        if table.logical_name in UNDELETABLE:
            raise DataverseError(
                400,
                "0x80040800",
                f"The 'Delete' method does not support entities of type '{table.logical_name}'.",
            )
        current = self.exists(table, row_id)
        if current is None:
            raise errors.row_not_found(table.logical_name, row_id)
        check_etag(table, current, if_match)
        if table.logical_name == "transactioncurrency" and row_id == seed.BASE_CURRENCY_ID:
            raise errors.invalid_argument("The base currency cannot be deleted.")
        self.remove(table, [row_id], set())

    def remove(self, table: Table, ids: list[uuid.UUID], removing: set) -> None:
        """Delete rows, first following every lookup that points at them: cascade to the
        rows that depend on them, clear links, or refuse (Restrict)."""
        removing.update(ids)
        for referencing, attribute in schema.referencing_lookups(table.logical_name):
            queryset = ROW_MODELS[referencing.logical_name].objects.filter(
                **{f"{attribute.logical_name}__in": ids}
            )
            if attribute.type == "Customer":
                queryset = queryset.filter(**{f"{attribute.logical_name}type": table.logical_name})
            queryset = queryset.exclude(pk__in=removing)
            self.follow(referencing, attribute, queryset, removing)
        ROW_MODELS[table.logical_name].objects.filter(pk__in=ids).delete()
        storage.bury(table.logical_name, ids, storage.allocate_versions(len(ids)), self.now)

    def follow(self, referencing: Table, attribute, queryset, removing: set) -> None:
        if attribute.on_delete == "Restrict":
            if queryset.exists():
                raise DataverseError(
                    405,
                    "0x8004f0e6",
                    "The object you tried to delete is associated with another object and "
                    "cannot be deleted.",
                )
        elif attribute.on_delete == "Cascade":
            children = list(queryset.values_list(referencing.primary_id, flat=True))
            if children:
                self.remove(referencing, children, removing)
        else:
            rows = list(queryset.values())
            for row in rows:
                row[attribute.logical_name] = None
                self.apply_table_rules(referencing, row, creating=False)
                row["modifiedon"], row["modifiedby"] = self.now, self.caller.user_id
            self.stamp_versions(rows)
            storage.update_rows(ROW_MODELS[referencing.logical_name], rows)

    # --- shared steps -------------------------------------------------------------------

    def apply_binds(self, row: dict, item: RowInput) -> None:
        for name, bound in item.binds.items():
            row[name] = bound[1] if bound else None
            if f"{name}type" in row or name in ("ownerid", "parentcustomerid"):
                row[f"{name}type"] = bound[0] if bound else None

    def check_binds(self, inputs: list[RowInput]) -> None:
        """Every bound row must exist: one query per target table for the whole request."""
        wanted: dict[str, set] = {}
        for item in inputs:
            for bound in item.binds.values():
                if bound:
                    wanted.setdefault(bound[0], set()).add(bound[1])
        for target_name, ids in wanted.items():
            model = ROW_MODELS.get(target_name)
            present = (
                set(model.objects.filter(pk__in=ids).values_list("pk", flat=True))
                if model
                else set()
            )
            missing = sorted(ids - present, key=str)
            if missing:
                raise errors.row_not_found(target_name, missing[0])

    def apply_table_rules(self, table: Table, row: dict, creating: bool) -> None:
        if table.logical_name == "product":
            rules.check_product(row, self.context)
        elif table.logical_name == "uom":
            rules.check_unit(row, creating)
        rules.derive(table, row, self.context)

    def check_required(self, table: Table, row: dict, attributes) -> None:
        for attribute in attributes:
            if attribute.required == SYSTEM and row.get(attribute.logical_name) is None:
                raise errors.required_missing(attribute.logical_name, table.logical_name)

    def check_unique(self, table: Table, rows: list[dict]) -> None:
        name = table.unique_column
        if not name:
            return
        keys = [row[name].upper() for row in rows if row.get(name)]
        ids = [row[table.primary_id] for row in rows]
        clash = len(set(keys)) != len(keys)
        if not clash and keys:
            others = ROW_MODELS[table.logical_name].objects.annotate(key=Upper(name))
            clash = others.filter(key__in=keys).exclude(pk__in=ids).exists()
        if clash:
            code, message = table.unique_error
            raise DataverseError(400, code, message)

    def stamp_versions(self, rows: list[dict]) -> None:
        if rows:
            first = storage.allocate_versions(len(rows))
            for offset, row in enumerate(rows):
                row["versionnumber"] = first + offset
