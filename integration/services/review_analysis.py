"""The Full Synchronization Review's recommendation and preview for one mapping.

Recommendation (BC_SYNC_REFERENCE §3.1, from the data on both sides, within the mapping's
filters): both sides empty → No Records To Synchronize Now; one side has data → Full
Synchronization; both → Couple Records, because a full synchronization would duplicate the
data. Dataverse's base currency and default unit group come with every environment, so
CURRENCY and UNIT OF MEASURE count only the others.

The preview reads both sides once (only ids, the mapped columns and the match fields) and
says what the line's run would do: how many records it would create on each side, update,
couple, and how many look like duplicates of an uncoupled record on the other side (they
match on the match fields).
"""

import uuid
from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from ..dataverse import odata
from ..engine.local_table import LocalTable
from ..engine.lookups import LookupResolver, local_currency_code
from ..engine.merge import changed
from ..engine.specs import FROM, TO, build_plan
from ..engine.transfer import dataverse_snapshot, local_snapshot
from ..models import Coupling, FullSyncReviewLine
from .match_criteria import can_create_new, local_match_value, match_groups
from .match_lookup import RowIndex
from .matching import uncoupled_records
from .records import allows

Recommendation = FullSyncReviewLine.Recommendation
DEFAULT_UNIT_GROUP = "Default Unit"
PAGE = 1000
FAILURE = Coupling.Result.FAILURE


@dataclass
class LineAnalysis:
    recommendation: str
    local_records: int
    has_dataverse_records: bool
    dataverse_records: int | None = None
    to_create_in_dataverse: int | None = None
    to_create_locally: int | None = None
    to_update: int | None = None
    to_couple: int | None = None
    duplicates: int | None = None


def recommend(local: bool, remote: bool) -> str:
    if local and remote:
        return Recommendation.COUPLE_RECORDS
    if local or remote:
        return Recommendation.FULL_SYNCHRONIZATION
    return Recommendation.NO_RECORDS


def analysis_filter(mapping) -> str | None:
    """The integration table filter, less what every Dataverse environment comes with."""
    extra = ""
    if mapping.dataverse_table == "transactioncurrency":
        extra = odata.ne("isocurrencycode", local_currency_code())
    elif mapping.dataverse_table == "uomschedule":
        extra = odata.ne("name", DEFAULT_UNIT_GROUP)
    return odata.and_(mapping.integration_table_filter, extra) or None


def mapping_analyze(*, mapping, client, preview: bool) -> LineAnalysis:
    plan = build_plan(mapping, client)
    local = LocalTable(plan).filtered().count()
    if not preview:
        first = client.query(
            mapping.dataverse_table,
            select=[plan.primary_id],
            filter=analysis_filter(mapping),
            top=1,
        )
        remote = next(iter(first), None) is not None
        return LineAnalysis(recommend(local > 0, remote), local, remote)
    return Preview(plan, client).compute(local)


class Preview:
    def __init__(self, plan, client):
        self.plan, self.client = plan, client
        self.mapping = plan.mapping
        self.groups = match_groups(plan)
        self.indexes = [RowIndex(group) for group in self.groups]
        self.dataverse_total = self.dataverse_uncoupled = self.dataverse_updates = 0

    def compute(self, local_total: int) -> LineAnalysis:
        self.scan_dataverse()
        uncoupled, couple, look_alikes, remote_alikes = self.simulate_matching()
        recommendation = recommend(local_total > 0, self.dataverse_total > 0)
        result = LineAnalysis(
            recommendation, local_total, self.dataverse_total > 0, self.dataverse_total, 0, 0, 0, 0
        )
        result.duplicates = 0
        to, back = allows(self.mapping, TO), allows(self.mapping, FROM)
        if recommendation == Recommendation.FULL_SYNCHRONIZATION:
            result.to_create_in_dataverse = uncoupled if to else 0
            result.to_create_locally = self.dataverse_uncoupled if back else 0
            result.to_update = (self.local_updates() if to else 0) + (
                self.dataverse_updates if back else 0
            )
        elif recommendation == Recommendation.COUPLE_RECORDS:
            result.to_couple = couple
            create = self.mapping.create_new_in_case_of_no_match and can_create_new(self.mapping)
            result.to_create_in_dataverse = uncoupled - couple if create else 0
            result.to_update = couple if self.mapping.synch_after_bulk_coupling else 0
        if recommendation != Recommendation.NO_RECORDS:
            # Uncoupled records with an uncoupled look-alike on the other side: a full
            # synchronization would give each of them a second copy there.
            result.duplicates = look_alikes if to else remote_alikes
        return result

    # Dataverse -----------------------------------------------------------------------

    def scan_dataverse(self) -> None:
        columns = set(self.plan.read_columns())
        columns |= {f.column for group in self.groups for f in group}
        rows = self.client.query(
            self.plan.dataverse_table,
            select=sorted(columns),
            filter=analysis_filter(self.mapping),
        )
        page = []
        for row in rows:
            page.append(row)
            if len(page) >= PAGE:
                self.dataverse_page(page)
                page = []
        self.dataverse_page(page)

    def dataverse_page(self, rows) -> None:
        if not rows:
            return
        self.dataverse_total += len(rows)
        ids = [uuid.UUID(str(r[self.plan.primary_id])) for r in rows]
        couplings = {c.dataverse_id: c for c in self.couplings().filter(dataverse_id__in=ids)}
        from_columns = {s.column for s in self.plan.specs_for(FROM) if s.column}
        column_specs = [s for s in self.plan.specs if s.column]
        for row_id, row in zip(ids, rows, strict=True):
            coupling = couplings.get(row_id)
            if coupling is None:
                self.dataverse_uncoupled += 1
                for index in self.indexes:
                    index.add({**row, "_id": row_id})
                continue
            now = dataverse_snapshot(column_specs, row)
            base = coupling.dataverse_values
            if coupling.last_synch_result == FAILURE or any(
                changed(now, base, c) for c in from_columns
            ):
                self.dataverse_updates += 1

    def couplings(self):
        return Coupling.objects.filter(
            local_table=self.plan.local_table, dataverse_table=self.plan.dataverse_table
        )

    # The local side ------------------------------------------------------------------

    def simulate_matching(self):
        """Match the uncoupled local records the way the coupling job would."""
        table = LocalTable(self.plan)
        resolver = LookupResolver(self.plan, self.client)
        specs = [f.spec for group in self.groups for f in group]
        uncoupled = couple = look_alikes = 0
        claimed, remote_alikes = set(), set()
        for rows in table.pages(uncoupled_records(self.plan, None), PAGE):
            resolver.prepare_to_dataverse(specs, rows)
            for row in rows:
                uncoupled += 1
                found, chosen = self.candidates(row, resolver, claimed)
                remote_alikes |= found
                look_alikes += bool(found)
                if chosen is not None:
                    couple += 1
                    claimed.add(chosen)
        return uncoupled, couple, look_alikes, len(remote_alikes)

    def candidates(self, row, resolver, claimed):
        """(every look-alike row, the unique match or None) for one local record."""
        found, chosen = set(), None
        for group, index in zip(self.groups, self.indexes, strict=True):
            key = [(f, v) for f in group if (v := local_match_value(f, row, resolver))]
            if not key:
                continue
            matches = index.candidates(key) - claimed
            found |= matches
            if chosen is None and len(matches) == 1:
                chosen = next(iter(matches))
        return found, chosen

    def local_updates(self) -> int:
        """Coupled records in the table filter whose mapped values changed since last sync."""
        coupled = self.couplings().filter(local_id=OuterRef("system_id"))
        table = LocalTable(self.plan)
        records = table.modified_since(None).filter(Exists(coupled))
        fields = {s.local_field for s in self.plan.specs_for(TO) if s.local_field}
        count = 0
        for rows in table.pages(records, PAGE):
            couplings = {
                c.local_id: c
                for c in self.couplings().filter(local_id__in=[r["system_id"] for r in rows])
            }
            for row in rows:
                coupling = couplings[row["system_id"]]
                now = local_snapshot(self.plan.specs, row)
                if coupling.last_synch_dataverse_result == FAILURE or any(
                    changed(now, coupling.local_values, f) for f in fields
                ):
                    count += 1
        return count
