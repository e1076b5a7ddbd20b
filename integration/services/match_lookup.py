"""Finding the Dataverse rows that match a page of local records, in few requests.

For one priority group, every record of the page becomes one condition (``name eq 'Adatum'``,
or ``lastname eq 'Hill' and emailaddress1 eq 'a@b.c'`` for a group of two) and the conditions
are OR-ed into one ``$filter`` — split into several only when the URL would grow past what
Dataverse accepts. Values go through ``odata`` builders, so a name with a quote in it is
escaped like any other value. The answer is sorted out here: Dataverse compares text without
regard to case, and case-sensitive fields are then held to the exact text.
"""

import uuid
from collections import defaultdict
from urllib.parse import quote

from ..dataverse import odata
from ..engine.lookups import LookupResolver
from ..engine.values import canonical
from ..models import Coupling
from .match_criteria import local_match_value

FILTER_BUDGET = 20_000  # characters of URL-encoded $filter per request (Dataverse: 32 KB URLs)


class GroupLookup:
    def __init__(self, plan, client):
        self.plan = plan
        self.client = client
        self.resolver = LookupResolver(plan, client)
        self.claimed: set[uuid.UUID] = set()  # rows coupled earlier in this run

    def match(self, rows: list[dict], groups) -> list[tuple[uuid.UUID, uuid.UUID]]:
        """Return (local id, Dataverse id) for each record with one unique uncoupled match."""
        self.resolver.prepare_to_dataverse([f.spec for group in groups for f in group], rows)
        pending = {row["system_id"]: row for row in rows}
        pairs = []
        for group in groups:
            keys = self.keys(group, pending)
            if not keys:
                continue
            index = RowIndex(group, self.uncoupled(self.read(group, keys)))
            for local_id, key in keys.items():
                candidates = index.candidates(key)
                if len(candidates) == 1:
                    row_id = candidates.pop()
                    pairs.append((local_id, row_id))
                    self.claimed.add(row_id)
                    index.discard(row_id)
                    del pending[local_id]
        return pairs

    def keys(self, group, pending) -> dict:
        """Per record, its non-blank (field, (value, canonical)) pairs of this group."""
        keys = {}
        for local_id, row in pending.items():
            key = [(f, v) for f in group if (v := local_match_value(f, row, self.resolver))]
            if key:
                keys[local_id] = key
        return keys

    def read(self, group, keys) -> list[dict]:
        clauses = list(dict.fromkeys(condition(key) for key in keys.values()))
        select = [self.plan.primary_id, *dict.fromkeys(f.column for f in group)]
        rows = []
        for chunk in chunks_within_budget(clauses):
            text = odata.and_(self.plan.mapping.integration_table_filter, odata.or_(*chunk))
            rows += self.client.query(self.plan.dataverse_table, select=select, filter=text)
        return rows

    def uncoupled(self, rows) -> list[dict]:
        primary = self.plan.primary_id
        ids = {uuid.UUID(str(r[primary])) for r in rows}
        coupled = set(
            Coupling.objects.filter(
                local_table=self.plan.local_table,
                dataverse_table=self.plan.dataverse_table,
                dataverse_id__in=list(ids),
            ).values_list("dataverse_id", flat=True)
        )
        taken = coupled | self.claimed
        unique = {}
        for row in rows:
            row_id = uuid.UUID(str(row[primary]))
            if row_id not in taken:
                unique[row_id] = row
        return [{**row, "_id": row_id} for row_id, row in unique.items()]


def condition(key) -> str:
    return odata.and_(*(odata.eq(field.column, value) for field, (value, _) in key))


def chunks_within_budget(clauses: list[str]):
    chunk, size = [], 0
    for clause in clauses:
        cost = len(quote(clause)) + len(quote(" or "))
        if chunk and size + cost > FILTER_BUDGET:
            yield chunk
            chunk, size = [], 0
        chunk.append(clause)
        size += cost
    if chunk:
        yield chunk


class RowIndex:
    """Rows by each field's comparable value: a record's candidates in a few set lookups."""

    def __init__(self, group, rows: list[dict] = ()):
        self.group = group
        # Keyed by the field object's identity: a field is one criterion of this group.
        self.by_field = {id(f): defaultdict(set) for f in group}
        for row in rows:
            self.add(row)

    def add(self, row: dict) -> None:
        """Index ``row`` (its id under ``_id``, its values under the fields' columns)."""
        for f in self.group:
            self.by_field[id(f)][f.normal(canonical(row.get(f.column)))].add(row["_id"])

    def candidates(self, key) -> set:
        found = None
        for field, (_, canon) in key:
            ids = self.by_field[id(field)].get(field.normal(canon), set())
            found = set(ids) if found is None else found & ids
            if not found:
                return set()
        return found or set()

    def discard(self, row_id) -> None:
        for values in self.by_field.values():
            for ids in values.values():
                ids.discard(row_id)
