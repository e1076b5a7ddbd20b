"""The rows the engine would create for a site's customers, computed the engine's way.

Both yardsticks send exactly what the engine sends: the same columns, the same lookups
(currency and owner bound through the site's couplings), the same value conversions. Only
what happens around the request differs.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from ..dataverse.odata_values import dumps
from ..dataverse.rows import encode_row
from ..engine import merge
from ..engine.local_table import LocalTable
from ..engine.lookups import LookupResolver
from ..engine.specs import TO, build_plan
from ..engine.transfer import local_snapshot, value_for_dataverse
from ..models import IntegrationTableMapping

MAPPING = "CUSTOMER"


class CreatePayloads:
    def __init__(self, client, mapping_name: str = MAPPING):
        mapping = IntegrationTableMapping.objects.get(name=mapping_name)
        self.client = client
        self.plan = build_plan(mapping, client)
        self.specs = self.plan.specs_for(TO)
        self.local = LocalTable(self.plan)
        self.resolver = LookupResolver(self.plan, client)

    @property
    def table(self) -> str:
        return self.plan.dataverse_table

    @property
    def entity(self):
        return self.plan.entity

    def pages(self, page_size: int, limit: int | None = None) -> Iterator[list[dict]]:
        """The site's local rows a page at a time, lookups prepared for each page."""
        seen = 0
        for rows in self.local.pages(self.local.filtered(), page_size):
            if limit is not None:
                rows = rows[: max(0, limit - seen)]
            if not rows:
                return
            seen += len(rows)
            self.resolver.prepare_to_dataverse(self.specs, rows)
            yield rows

    def row(self, local_row: dict, row_id: uuid.UUID | None = None) -> dict:
        """The create row (Python values, ``Lookup`` for lookups) with its primary id."""
        values = {column: value for column, (value, _) in self.decide(local_row).items()}
        return {self.plan.primary_id: row_id or uuid.uuid4(), **values}

    def decide(self, local_row: dict) -> dict:
        """Column → (value, canonical value), as the engine decides a create."""
        decision = merge.to_dataverse(
            self.specs,
            local_snapshot(self.plan.specs, local_row),
            {},
            None,
            {},
            lambda spec: value_for_dataverse(spec, local_row, self.resolver, describe),
            insert=True,
        )
        return decision.changes

    def body(self, row: dict) -> dict:
        """The row as Web API JSON (``…@odata.bind`` for lookups), primary id included."""
        primary = self.plan.primary_id
        columns = {k: v for k, v in row.items() if k != primary}
        encoded = encode_row(self.entity, columns, self.client.entity_set_name)
        return {primary: str(row[primary]), **encoded}

    def create_multiple(self, bodies: list[dict]) -> bytes:
        """A CreateMultiple request body, encoded as the client encodes it."""
        odata_type = f"Microsoft.Dynamics.CRM.{self.entity.logical_name}"
        targets = [{"@odata.type": odata_type, **body} for body in bodies]
        return dumps({"Targets": targets}).encode("utf-8")


def describe(local_table, system_id) -> str:
    return f"{local_table} {system_id}"


def transport(client):
    """The client's own HTTP path (token, headers, retries, counters), for requests the
    yardsticks shape themselves: one POST per record, or a pre-encoded bulk body."""
    return client._transport
