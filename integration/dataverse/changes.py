"""Change tracking: what changed in a table since the last delta link.

The first read (no delta link) sends ``Prefer: odata.track-changes`` and returns every row;
later reads GET the delta link Dataverse returned last time and get only rows created or
changed since, followed by ``Deleted(id)`` for rows deleted since. The new delta link is on
the last page, so ``ChangeFeed.delta_link`` is set only once the feed was read to the end:
a run that stops half-way keeps its old link and reads the same changes again next time.

Dataverse refuses ``$filter`` with change tracking, so filtering is the caller's job
(``odata.parse_filter(text).matches(row)``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any
from uuid import UUID

from .errors import DeltaLinkExpired, error_from_body
from .metadata import EntityMetadata
from .query import Reader, checked_page, raise_query_error, read_name
from .rows import Deleted, decode_row
from .transport import decode_json


class ChangeFeed:
    """Iterate once: rows (dicts) that are new or changed, and ``Deleted`` rows."""

    def __init__(
        self,
        reader: Reader,
        entity: EntityMetadata,
        select: Sequence[str] | None,
        delta_link: str | None,
        page_size: int,
    ) -> None:
        self._reader = reader
        self._entity = entity
        self._select = list(select or [])
        self._start_link = delta_link
        self._page_size = page_size
        self._started = False
        self.delta_link: str | None = None  # set when the feed has been read to the end

    def __iter__(self) -> Iterator[dict[str, Any] | Deleted]:
        if self._started:
            raise RuntimeError("a change feed can be read only once")
        self._started = True
        for page in self._pages():
            for raw in page.get("value", []):
                yield _change(self._entity, raw)
            if "@odata.deltaLink" in page:
                self.delta_link = page["@odata.deltaLink"]

    def _pages(self) -> Iterator[dict[str, Any]]:
        if self._start_link is None:
            params = {}
            if self._select:
                params["$select"] = ",".join(read_name(self._entity, c) for c in self._select)
            url = self._reader.transport.url(self._entity.entity_set_name, params)
            doing = f"the change tracking read of '{self._entity.logical_name}'"
            return self._reader.pages(url, self._page_size, doing, ["odata.track-changes"])
        return self._delta_pages(self._start_link)

    def _delta_pages(self, link: str) -> Iterator[dict[str, Any]]:
        transport = self._reader.transport
        headers = {"Prefer": f"odata.track-changes,odata.maxpagesize={self._page_size}"}
        url: str | None = link
        while url:
            response = transport.request("GET", url, headers=headers)
            body = decode_json(response)
            if response.status_code in (400, 404, 410) and url == link:
                code, message = error_from_body(body)
                raise DeltaLinkExpired(
                    f"Dataverse no longer accepts the delta link of "
                    f"'{self._entity.logical_name}' ({message or response.reason}); "
                    "read the table in full.",
                    status=response.status_code,
                    code=code,
                )
            if response.status_code != 200:
                raise_query_error(response, body, "the change tracking read")
            yield checked_page(response, body)
            url = body.get("@odata.nextLink")


def has_changes(transport, link: str) -> bool:
    """Whether anything changed since ``link``: one request for one row, nothing decoded.

    The answer is for the whole table (Dataverse refuses ``$filter`` with change tracking),
    so a change outside the caller's filter also counts; the stored link is not advanced.
    """
    headers = {"Prefer": "odata.track-changes,odata.maxpagesize=1"}
    response = transport.request("GET", link, headers=headers)
    body = decode_json(response)
    if response.status_code in (400, 404, 410):
        code, message = error_from_body(body)
        raise DeltaLinkExpired(
            f"Dataverse no longer accepts the delta link ({message or response.reason}).",
            status=response.status_code,
            code=code,
        )
    if response.status_code != 200:
        raise_query_error(response, body, "the change tracking check")
    return bool(body.get("value"))


def _change(entity: EntityMetadata, raw: dict[str, Any]) -> dict[str, Any] | Deleted:
    context = str(raw.get("@odata.context", ""))
    if context.endswith("$deletedEntity") or (raw.get("reason") == "deleted" and "id" in raw):
        return Deleted(UUID(str(raw["id"])))
    return decode_row(entity, raw)
