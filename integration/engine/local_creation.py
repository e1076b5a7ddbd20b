"""Local records created from Dataverse rows, exactly once, in bulk.

A new row gets a pending coupling (the local record's system id chosen) committed first; the
records are then inserted in one statement and their couplings confirmed. A crash in between
leaves the pending coupling, which the next run confirms (the record exists) or completes.
"""

import uuid

from django.db import IntegrityError, models, transaction

from ..models import Coupling
from . import merge
from .errors import RecordError
from .lookups import as_uuid
from .transfer import dataverse_snapshot, local_snapshot


class LocalCreation:
    """What ``FromDataverse`` does with rows that have no local record yet."""

    def insert(self, items) -> None:
        if not items:
            return
        ready = []
        for row, coupling in items:
            coupling = coupling or self.page.add(
                self.store.new(
                    local_id=uuid.uuid4(),
                    dataverse_id=as_uuid(row[self.plan.primary_id]),
                    status=Coupling.Status.PENDING_LOCAL_CREATE,
                )
            )
            try:
                ready.append((row, coupling, *self.build(row, coupling.local_id)))
            except RecordError as exc:
                self.fail(row, coupling, exc)
        self.page.save()
        created = self.save_new([instance for _, _, instance, *_ in ready])
        local_rows = self.local.rows_by_system_id(created)
        for row, coupling, instance, unresolved, dv_now in ready:
            if instance.system_id not in created:
                self.fail(row, coupling, RecordError(self.rejected.get(instance.system_id, "")))
                continue
            coupling.status = Coupling.Status.COUPLED
            coupling.local_values = local_snapshot(self.plan.specs, local_rows[instance.system_id])
            self.in_step(
                row,
                coupling,
                dv_now,
                counted=False,
                local_modified=local_rows[instance.system_id]["modified_at"],
                unresolved=unresolved,
            )
            self.log.count("inserted")

    def build(self, row, system_id) -> tuple:
        """The new local record for ``row``, the columns it could not resolve yet, and the
        row's snapshot."""
        instance = self.local.new_instance(system_id)
        dv_now = dataverse_snapshot(self.column_specs, row)
        decision = merge.to_local(
            self.specs,
            dv_now,
            {},
            {},
            {},
            self.converter(row),
            insert=True,
        )
        for assignments, _ in decision.changes.values():
            for attname, value in assignments.items():
                setattr(instance, attname, value)
        self.check_required(instance, row)
        return instance, decision.unresolved, dv_now

    def check_required(self, instance, row) -> None:
        for field in instance._meta.concrete_fields:
            if (
                isinstance(field, models.ForeignKey)
                and not field.null
                and getattr(instance, field.attname) is None
            ):
                raise RecordError(self.required_missing(field, row))

    def required_missing(self, field, row) -> str:
        """Why a new record lacks a reference it must have, and what to do about it."""
        needs = f"A new {self.plan.local_caption} needs a {field.verbose_name}"
        if any(s.local_field == field.name for s in self.specs):
            name = row.get(self.plan.entity.primary_name, "")
            return (
                f"{needs}, and the Dataverse {self.plan.dataverse_table} row {name!s} gives "
                "none that is coupled. Couple it first."
            )
        # Only a field mapping toward Dataverse names the field (RESOURCE-PRODUCT's unit):
        # no coupling can help, the field mapping's direction has to change.
        return (
            f"{needs}, and no field mapping of {self.mapping.name} brings one from Dataverse. "
            f"Set the direction of the field mapping of {field.name} to Bidirectional, or "
            f"create the {self.plan.local_caption.lower()} in the ERP and couple it."
        )

    def save_new(self, instances) -> set[uuid.UUID]:
        """Insert in bulk; if the database refuses the batch, insert one by one to find why."""
        self.rejected: dict[uuid.UUID, str] = {}
        if not instances:
            return set()
        try:
            with transaction.atomic():
                self.local.insert(instances)
            return {i.system_id for i in instances}
        except IntegrityError:
            pass
        created = set()
        for instance in instances:
            instance.pk = None
            try:
                with transaction.atomic():
                    self.local.insert([instance])
                created.add(instance.system_id)
            except IntegrityError as exc:
                self.rejected[instance.system_id] = (
                    f"The {self.plan.local_caption} could not be created: {exc}"
                )
        return created
