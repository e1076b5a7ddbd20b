"""The local table as the engine sees it: rows of plain values, read and written in bulk.

Reads return dicts from ``QuerySet.values()`` holding exactly what the field mappings need —
value fields by name, foreign keys as the related record's system id — so one query serves a
whole page, lookups included. Inserts go through ``bulk_sql``, updates through
``bulk_update``; since ``bulk_update`` skips ``auto_now``, the modification time is set here,
and the couplings record it so that the engine's own writes are never taken for local
changes.
"""

import uuid
from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.utils import timezone

from ..models import Coupling
from .bulk_sql import insert_rows
from .specs import Kind, MappingPlan

IDENTITY_FIELDS = ("no", "code")
UPDATE_CHUNK = 200  # records per UPDATE: keeps SQLite under its bound-parameter limit
NAME_FIELDS = ("name", "description", "surname")


class LocalTable:
    def __init__(self, plan: MappingPlan):
        self.plan = plan
        self.model = plan.model
        self.field_names = {f.name for f in self.model._meta.get_fields()}
        self.value_names = self._value_names()

    def _value_names(self) -> list[str]:
        names = ["pk", "system_id", "modified_at"]
        names += [n for n in (*IDENTITY_FIELDS, *NAME_FIELDS) if n in self.field_names]
        for spec in self.plan.specs:
            if not spec.local_field:
                continue
            if spec.kind == Kind.VALUE:
                names.append(spec.local_field)
            else:
                names += [f"{r.foreign_key}__system_id" for r in spec.related]
        return list(dict.fromkeys(names))

    # Reading -------------------------------------------------------------------------------

    def filtered(self):
        from ..filters import apply_table_filter

        return apply_table_filter(self.plan.mapping, self.model._default_manager.all())

    def modified_since(self, watermark):
        """Records in the table filter changed after ``watermark`` and not yet synchronized.

        Records whose coupling already holds their current modification time were written or
        synchronized by Tandem itself: excluding them in SQL keeps a run that follows a big
        one cheap, whatever the table size.
        """
        queryset = self.filtered()
        if watermark is not None:
            queryset = queryset.filter(modified_at__gt=watermark)
        synchronized = Q(
            status=Coupling.Status.COUPLED,
            skipped=False,
            last_synch_modified_on__gte=OuterRef("modified_at"),
        ) & ~Q(last_synch_dataverse_result=Coupling.Result.FAILURE)
        # A skipped coupling waits for Retry; it is news again only if the record changes.
        skipped_since = Q(skipped=True, failed_on__gte=OuterRef("modified_at"))
        done = Coupling.objects.filter(
            synchronized | skipped_since,
            local_table=self.plan.local_table,
            dataverse_table=self.plan.dataverse_table,
            local_id=OuterRef("system_id"),
        )
        return queryset.exclude(Exists(done))

    def pages(self, queryset, page_size: int) -> Iterator[list[dict]]:
        """Yield ``queryset`` as pages of value dicts, by primary key (memory stays flat)."""
        last_pk = None
        while True:
            page_qs = queryset.order_by("pk")
            if last_pk is not None:
                page_qs = page_qs.filter(pk__gt=last_pk)
            page = list(page_qs.values(*self.value_names)[:page_size])
            if not page:
                return
            yield page
            last_pk = page[-1]["pk"]

    def rows_by_system_id(self, system_ids, *, filtered=False) -> dict[uuid.UUID, dict]:
        base = self.filtered() if filtered else self.model._default_manager.all()
        rows = base.filter(system_id__in=list(system_ids)).values(*self.value_names)
        return {row["system_id"]: row for row in rows}

    def instances_by_system_id(self, system_ids) -> dict[uuid.UUID, object]:
        objs = self.model._default_manager.filter(system_id__in=list(system_ids))
        return {obj.system_id: obj for obj in objs}

    def existing_system_ids(self, system_ids) -> set[uuid.UUID]:
        manager = self.model._default_manager
        return set(
            manager.filter(system_id__in=list(system_ids)).values_list("system_id", flat=True)
        )

    # Writing -------------------------------------------------------------------------------

    def insert(self, instances: list) -> None:
        assign = getattr(self.model, "assign_numbers", None)
        if assign:
            assign(instances)
        # As bulk_create would write them, one prepared statement for all; the engine's
        # tables all have a unique system id, which gives each instance its primary key.
        insert_rows(self.model, instances, ("system_id",))

    def update(self, instances: list, fields: set[str], now) -> None:
        for obj in instances:
            obj.modified_at = now
        self.model._default_manager.bulk_update(
            instances, [*sorted(fields), "modified_at"], batch_size=500
        )

    def update_if_unchanged(self, updates: list[tuple], now) -> set:
        """Write ``updates`` [(pk, modified_at as read, {attname: value})] in bulk, each only
        if the record still has the modification time it was read with. Return the primary
        keys written. One UPDATE and one SELECT per chunk, whatever the number of records.
        """
        written = set()
        for start in range(0, len(updates), UPDATE_CHUNK):
            chunk = updates[start : start + UPDATE_CHUNK]
            self._update_chunk(chunk, now)
            written |= set(
                self.model._default_manager.filter(
                    pk__in=[pk for pk, _, _ in chunk], modified_at=now
                ).values_list("pk", flat=True)
            )
        return written

    def _update_chunk(self, chunk, now) -> None:
        meta = self.model._meta
        fields = sorted({attname for _, _, values in chunk for attname in values})
        assignments = {}
        for attname in fields:
            field = meta.get_field(attname)
            # A foreign key's column holds the related record's key: typed as that key, the
            # new value and the column's current one (the default) are of one type.
            column = field.target_field if field.is_relation else field
            whens = [
                When(pk=pk, then=Value(values[attname], output_field=column))
                for pk, _, values in chunk
                if attname in values
            ]
            assignments[field.attname] = Case(*whens, default=F(field.attname))
        unchanged = Q()
        for pk, modified_at, _ in chunk:
            unchanged |= Q(pk=pk, modified_at=modified_at)
        self.model._default_manager.filter(unchanged).update(**assignments, modified_at=now)

    def new_instance(self, system_id: uuid.UUID):
        return self.model(system_id=system_id)

    def row_of(self, instance, related_ids: dict | None = None) -> dict:
        """The value dict of an instance just written, as ``pages`` would have read it.

        ``related_ids`` gives the system ids of related records the caller already knows
        (foreign key name → system id), sparing a query per instance.
        """
        related_ids = related_ids or {}
        row = {
            "pk": instance.pk,
            "system_id": instance.system_id,
            "modified_at": instance.modified_at,
        }
        for name in self.value_names[3:]:
            if "__" not in name:
                row[name] = getattr(instance, name)
                continue
            fk = name.split("__")[0]
            if fk in related_ids:
                row[name] = related_ids[fk]
            elif getattr(instance, f"{fk}_id") is None:
                row[name] = None
            else:
                row[name] = getattr(instance, fk).system_id
        return row

    # Describing ----------------------------------------------------------------------------

    def describe(self, row: dict | None) -> str:
        caption = self.plan.local_caption
        if not row:
            return caption
        parts = [row.get(n) for n in IDENTITY_FIELDS if row.get(n)]
        parts += [row.get(n) for n in NAME_FIELDS if row.get(n)][:1]
        return f"{caption} {' '.join(str(p) for p in parts)}".strip()


def safe_watermark(run_start):
    """The local watermark a finished run may store: its start, less a safety margin.

    A record saved just before the run started may commit after the run read the table; the
    margin lets the next run see it. Re-reading those few records costs nothing, because
    ``modified_since`` drops the ones already in step.
    """
    margin = int(getattr(settings, "TANDEM_WATERMARK_MARGIN_SECONDS", 30))
    return run_start - timedelta(seconds=margin)


def now():
    return timezone.now()


def failed_filter(direction_result_field: str) -> Q:
    return Q(**{direction_result_field: Coupling.Result.FAILURE}, skipped=False)
