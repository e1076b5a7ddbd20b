"""References between tables, resolved through couplings a page at a time.

A customer's currency is sent to Dataverse as the transaction currency coupled to that
currency; an account's owner comes back as the salesperson coupled to that user. For each
page the resolver asks for all the references it needs at once: one coupling query per
related table (plus one query for the related records' primary keys when reading from
Dataverse), never one per record.
"""

import uuid
from collections import defaultdict

from django.apps import apps
from django.conf import settings

from ..models import Coupling
from .specs import FieldSpec, Kind, MappingPlan, RelatedTable

CURRENCY_TABLE = "transactioncurrency"


def local_currency_code() -> str:
    """The ERP's local currency (LCY); a blank currency on a record means this one."""
    try:
        setup = apps.get_model("erp", "GeneralSetup")
    except LookupError:
        return getattr(settings, "TANDEM_LCY_CODE", "USD")
    return setup.get().lcy_code


class LookupResolver:
    def __init__(self, plan: MappingPlan, client):
        self.plan = plan
        self.client = client
        self._to_dataverse: dict[tuple[str, str], dict[uuid.UUID, uuid.UUID]] = defaultdict(dict)
        self._to_local: dict[tuple[str, str], dict[uuid.UUID, tuple]] = defaultdict(dict)
        self._base_units: dict[uuid.UUID, uuid.UUID] = {}
        self._lcy: tuple[bool, uuid.UUID | None] = (False, None)

    # Local → Dataverse -----------------------------------------------------------------

    def prepare_to_dataverse(self, specs: list[FieldSpec], rows: list[dict]) -> None:
        wanted: dict[tuple[str, str], set] = defaultdict(set)
        for spec in specs:
            for related in spec.related:
                key = (related.local_table, related.dataverse_table)
                for row in rows:
                    sid = row.get(f"{related.foreign_key}__system_id")
                    if sid is not None and sid not in self._to_dataverse[key]:
                        wanted[key].add(sid)
        for (local_table, dataverse_table), sids in wanted.items():
            couplings = Coupling.objects.filter(
                local_table=local_table,
                dataverse_table=dataverse_table,
                local_id__in=list(sids),
                status=Coupling.Status.COUPLED,
            ).values_list("local_id", "dataverse_id")
            self._to_dataverse[(local_table, dataverse_table)].update(couplings)
        self._prepare_base_units(specs)

    def dataverse_id(self, related: RelatedTable, local_id) -> uuid.UUID | None:
        return self._to_dataverse[(related.local_table, related.dataverse_table)].get(local_id)

    def _prepare_base_units(self, specs) -> None:
        groups = set()
        for spec in specs:
            if spec.kind == Kind.BASE_UNIT:
                related = spec.related[0]
                groups |= set(
                    self._to_dataverse[(related.local_table, related.dataverse_table)].values()
                )
        missing = [g for g in groups - set(self._base_units)]
        for start in range(0, len(missing), 50):
            self._base_units.update(self._fetch_base_units(missing[start : start + 50]))

    def _fetch_base_units(self, group_ids) -> dict[uuid.UUID, uuid.UUID]:
        from ..dataverse import odata

        rows = self.client.query(
            "uom",
            select=["uomid", "_uomscheduleid_value"],
            filter=odata.and_(
                "isschedulebaseuom eq true", odata.in_("_uomscheduleid_value", group_ids)
            ),
        )
        return {as_uuid(r["_uomscheduleid_value"]): as_uuid(r["uomid"]) for r in rows}

    def base_unit(self, group_id: uuid.UUID) -> uuid.UUID | None:
        return self._base_units.get(group_id)

    # Dataverse → local -----------------------------------------------------------------

    def prepare_to_local(self, specs: list[FieldSpec], rows: list[dict]) -> None:
        wanted: dict[tuple[str, str], set] = defaultdict(set)
        for spec in specs:
            for related in spec.related:
                key = (related.local_table, related.dataverse_table)
                for row in rows:
                    value = row.get(spec.read_column)
                    if value and as_uuid(value) not in self._to_local[key]:
                        wanted[key].add(as_uuid(value))
        for key, ids in wanted.items():
            self._to_local[key].update(self._local_references(key, ids))

    @staticmethod
    def _local_references(key, dataverse_ids) -> dict[uuid.UUID, tuple]:
        local_table, dataverse_table = key
        pairs = dict(
            Coupling.objects.filter(
                local_table=local_table,
                dataverse_table=dataverse_table,
                dataverse_id__in=list(dataverse_ids),
                status=Coupling.Status.COUPLED,
            ).values_list("dataverse_id", "local_id")
        )
        model = apps.get_model(local_table)
        pks = dict(
            model._default_manager.filter(system_id__in=list(pairs.values())).values_list(
                "system_id", "pk"
            )
        )
        return {dv: (sid, pks[sid]) for dv, sid in pairs.items() if sid in pks}

    def local_reference(self, related: RelatedTable, dataverse_id) -> tuple | None:
        """(system id, primary key) of the local record coupled to ``dataverse_id``."""
        key = (related.local_table, related.dataverse_table)
        return self._to_local[key].get(as_uuid(dataverse_id))

    # The local currency ----------------------------------------------------------------

    def lcy_currency_id(self) -> uuid.UUID | None:
        """The Dataverse transaction currency that stands for the ERP's local currency."""
        known, value = self._lcy
        if not known:
            from ..dataverse import odata

            code = local_currency_code()
            rows = self.client.query(
                CURRENCY_TABLE,
                select=["transactioncurrencyid"],
                filter=f"isocurrencycode eq {odata.literal(code)}",
            )
            first = next(iter(rows), None)
            value = as_uuid(first["transactioncurrencyid"]) if first else None
            self._lcy = (True, value)
        return value


def as_uuid(value) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
