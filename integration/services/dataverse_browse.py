"""The Dataverse rows of a mapping, a page at a time, with their coupling (e.g. Accounts –
Dataverse with Hide Coupled Accounts, BC_SYNC_REFERENCE §3.4).

Dataverse has no ``$skip``: pages follow the primary key (``accountid gt <last id on this
page>``, or ``lt`` the first one going back), which costs the same on page 500 as on page 1.
"Hide coupled" is decided here, from the couplings, so a page may need a few reads to fill.
"""

import uuid
from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse

from ..dataverse import DataverseError, odata
from ..engine.specs import LOOKUP_TYPES
from ..filters import local_model
from ..models import Coupling, IntegrationFieldMapping
from .dataverse_rows import DataverseUnavailable, page_client
from .records import describe_record

PAGE_SIZE = 50
MAX_READS = 10  # reads to fill one page when coupled rows are hidden
SHOWN_COLUMNS = 4


@dataclass
class BrowseRow:
    id: uuid.UUID
    name: str
    values: list
    coupled_to: str = ""
    coupled_url: str = ""


@dataclass
class BrowsePage:
    rows: list[BrowseRow] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)  # the columns' display names
    name_caption: str = "Name"
    next_after: str = ""
    previous_before: str = ""
    problem: str = ""


def dataverse_rows_page(
    *, mapping, search: str = "", hide_coupled=False, after=None, before=None, client=None
) -> BrowsePage:
    try:
        client = client or page_client()
        entity = client.entity(mapping.dataverse_table)
        columns = shown_columns(mapping, entity)
        reader = Reader(mapping, client, entity, columns, search, hide_coupled)
        rows, more = reader.read(before or after, backwards=bool(before))
    except (DataverseUnavailable, DataverseError, ValueError) as exc:
        return BrowsePage(problem=f"Dataverse could not be read: {exc}")
    result = BrowsePage(
        columns=columns,
        captions=[entity.caption(c) for c in columns],
        name_caption=entity.caption(entity.primary_name) if entity.primary_name else "Name",
    )
    result.rows = [browse_row(entity, columns, row) for row in rows]
    describe_couplings(mapping, result.rows)
    if result.rows:
        forward_more = more if not before else True
        if forward_more:
            result.next_after = str(result.rows[-1].id)
        if after or (before and more):
            result.previous_before = str(result.rows[0].id)
    return result


def shown_columns(mapping, entity) -> list[str]:
    """The first few mapped value columns, besides the name."""
    names = mapping.field_mappings.filter(status=IntegrationFieldMapping.Status.ENABLED).exclude(
        dataverse_column=""
    )
    shown = []
    for column in names.order_by("order", "pk").values_list("dataverse_column", flat=True):
        attribute = entity.attributes.get(column)
        if (
            attribute is not None
            and attribute.attribute_type not in LOOKUP_TYPES
            and column != entity.primary_name
            and column not in shown
        ):
            shown.append(column)
    return shown[:SHOWN_COLUMNS]


class Reader:
    def __init__(self, mapping, client, entity, columns, search, hide_coupled):
        self.mapping, self.client, self.entity = mapping, client, entity
        self.select = [entity.primary_id, *([entity.primary_name] if entity.primary_name else [])]
        self.select += columns
        name_filter = ""
        if search.strip() and entity.primary_name:
            name_filter = odata.contains(entity.primary_name, search.strip())
        self.base = odata.and_(mapping.integration_table_filter, name_filter)
        self.hide_coupled = hide_coupled

    def read(self, cursor, *, backwards: bool) -> tuple[list[dict], bool]:
        """Up to a page of rows from ``cursor`` on, and whether there are more."""
        primary = self.entity.primary_id
        shown = []
        for _ in range(MAX_READS):
            position = (
                (odata.lt if backwards else odata.gt)(primary, uuid.UUID(cursor))
                if (cursor)
                else ""
            )
            batch = list(
                self.client.query(
                    self.mapping.dataverse_table,
                    select=self.select,
                    filter=odata.and_(self.base, position) or None,
                    orderby=f"{primary} {'desc' if backwards else 'asc'}",
                    top=PAGE_SIZE + 1,
                )
            )
            kept = self.visible(batch)
            shown += kept[: PAGE_SIZE + 1 - len(shown)]
            if len(shown) > PAGE_SIZE or len(batch) <= PAGE_SIZE:
                break
            cursor = str(batch[-1][primary])
        more = len(shown) > PAGE_SIZE
        shown = shown[:PAGE_SIZE]
        return (list(reversed(shown)) if backwards else shown), more

    def visible(self, rows) -> list[dict]:
        if not self.hide_coupled or not rows:
            return rows
        ids = [uuid.UUID(str(r[self.entity.primary_id])) for r in rows]
        coupled = set(
            Coupling.objects.filter(
                local_table=self.mapping.local_table,
                dataverse_table=self.mapping.dataverse_table,
                dataverse_id__in=ids,
            ).values_list("dataverse_id", flat=True)
        )
        return [r for r, i in zip(rows, ids, strict=True) if i not in coupled]


def browse_row(entity, columns, row) -> BrowseRow:
    return BrowseRow(
        id=uuid.UUID(str(row[entity.primary_id])),
        name=str(row.get(entity.primary_name) or "") if entity.primary_name else "",
        values=[row.get(c) for c in columns],
    )


def describe_couplings(mapping, rows: list[BrowseRow]) -> None:
    """Name the local record each row is coupled to, and link to it (two queries a page)."""
    couplings = dict(
        Coupling.objects.filter(
            local_table=mapping.local_table,
            dataverse_table=mapping.dataverse_table,
            dataverse_id__in=[r.id for r in rows],
        ).values_list("dataverse_id", "local_id")
    )
    if not couplings:
        return
    model = local_model(mapping.local_table)
    found = model._default_manager.filter(system_id__in=list(couplings.values()))
    records = {r.system_id: r for r in found}
    meta = model._meta
    for row in rows:
        local_id = couplings.get(row.id)
        if local_id is None:
            continue
        record = records.get(local_id)
        row.coupled_to = describe_record(record) if record else "a deleted record"
        if record is not None:
            try:
                url = f"admin:{meta.app_label}_{meta.model_name}_change"
                row.coupled_url = reverse(url, args=[record.pk])
            except NoReverseMatch:
                row.coupled_url = ""
