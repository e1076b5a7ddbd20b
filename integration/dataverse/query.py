"""Reading rows: queries paged through ``@odata.nextLink``, and rows by id.

Queries are generators: one page (``Prefer: odata.maxpagesize``, at most 5,000 rows) is held
at a time and the next page is requested only when the caller has consumed this one, so a
full read of a large table keeps memory flat. Only the columns asked for are selected.

``get_many`` reads rows by primary id as ``id eq … or id eq …`` filters of about 500 ids
each (URLs must stay under 32 KB); when more than one such GET is needed, they travel
together in one ``$batch``, so reading back 1,000 rows just written costs one request.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any
from uuid import UUID

from . import batch
from .errors import ConnectionUnusable, error_from_body
from .metadata import EntityMetadata, MetadataCache, raise_for_response
from .odata import in_
from .rows import decode_row
from .transport import Transport, decode_json, not_web_api

URL_LIMIT = 32_768
URL_MARGIN = 1_024  # room for proxies' additions and the Prefer-less nextLink variants
GETS_PER_BATCH = 10  # at most ~5,000 rows in one $batch answer


class Reader:
    def __init__(self, transport: Transport, metadata: MetadataCache, page_size: int) -> None:
        self.transport = transport
        self._metadata = metadata
        self._page_size = page_size

    def query(
        self,
        table: str,
        select: Sequence[str] | None = None,
        filter: str | None = None,  # noqa: A002 - the OData name
        orderby: str | Sequence[str] | None = None,
        top: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        entity = self._metadata.entity(table)
        params = self._params(entity, select, filter, orderby)
        page_size = self._page_size
        if top is not None and top <= page_size:
            # $top is ignored when odata.maxpagesize is also sent, so send one or the other.
            params["$top"] = str(top)
            page_size = 0
        url = self.transport.url(entity.entity_set_name, params)
        rows = self.rows(entity, url, page_size, f"the query on '{table}'")
        for count, row in enumerate(rows, start=1):
            yield row
            if top is not None and count >= top:
                return

    def get_many(
        self, table: str, ids: Iterable[UUID | str], select: Sequence[str] | None = None
    ) -> Iterator[dict[str, Any]]:
        entity = self._metadata.entity(table)
        unique = list(dict.fromkeys(UUID(str(value)) for value in ids))
        if not unique:
            return
        size = self._ids_per_request(entity, select, unique[0])
        urls = [
            self.transport.url(
                entity.entity_set_name,
                self._params(entity, select, in_(entity.primary_id, unique[i : i + size]), None),
            )
            for i in range(0, len(unique), size)
        ]
        doing = f"rows of '{table}' by id"
        if len(urls) == 1:
            yield from self.rows(entity, urls[0], self._page_size, doing)
            return
        for start in range(0, len(urls), GETS_PER_BATCH):
            for page in self._batch_pages(urls[start : start + GETS_PER_BATCH], doing):
                for raw in page.get("value", []):
                    yield decode_row(entity, raw)

    def rows(
        self, entity: EntityMetadata, url: str, page_size: int, doing: str
    ) -> Iterator[dict[str, Any]]:
        for page in self.pages(url, page_size, doing):
            for raw in page.get("value", []):
                yield decode_row(entity, raw)

    def pages(
        self, url: str | None, page_size: int, doing: str, prefer: Sequence[str] = ()
    ) -> Iterator[dict[str, Any]]:
        """Yield each page's body, following ``@odata.nextLink`` unchanged."""
        preferences = [*prefer, *([f"odata.maxpagesize={page_size}"] if page_size else [])]
        headers = {
            "If-None-Match": "null"
        }  # defeats cached collection results (Microsoft's advice)
        if preferences:
            headers["Prefer"] = ",".join(preferences)
        while url:
            response = self.transport.request("GET", url, headers=headers)
            body = decode_json(response)
            if response.status_code != 200:
                raise_query_error(response, body, doing)
            yield checked_page(response, body)
            url = body.get("@odata.nextLink")

    def _batch_pages(self, urls: list[str], doing: str) -> list[dict[str, Any]]:
        """GET several URLs in one ``$batch``; each answers one full page (ids ≤ page size)."""
        answers = batch.get_all(self.transport, urls)
        for answer in answers:
            if answer.status != 200:
                raise_query_error(answer, answer.body, doing)
        return [answer.body for answer in answers]

    def _params(self, entity, select, filter, orderby) -> dict[str, str]:  # noqa: A002
        params: dict[str, str] = {}
        if select:
            params["$select"] = ",".join(read_name(entity, name) for name in select)
        if filter:
            params["$filter"] = str(filter)
        if orderby:
            params["$orderby"] = orderby if isinstance(orderby, str) else ",".join(orderby)
        return params

    def _ids_per_request(self, entity: EntityMetadata, select, sample: UUID) -> int:
        """How many ids fit in one GET under the URL limit (GUIDs all have one length)."""

        def url_length(count: int) -> int:
            params = self._params(entity, select, in_(entity.primary_id, [sample] * count), None)
            return len(self.transport.url(entity.entity_set_name, params))

        one, per_id = url_length(1), url_length(2) - url_length(1)
        return max(1, min(self._page_size, (URL_LIMIT - URL_MARGIN - one) // per_id + 1))


def checked_page(response, body: Any) -> dict[str, Any]:
    """A page of rows as the Web API shapes it: rows in ``value``, links as text."""
    if not isinstance(body, dict):
        raise not_web_api(response, response.headers.get("Content-Type", ""))
    rows = body.get("value", [])
    links = [body.get("@odata.nextLink"), body.get("@odata.deltaLink")]
    if (
        not isinstance(rows, list)
        or not all(isinstance(row, dict) for row in rows)
        or not all(link is None or isinstance(link, str) for link in links)
    ):
        raise not_web_api(response, response.headers.get("Content-Type", ""))
    return body


def read_name(entity: EntityMetadata, name: str) -> str:
    """Accept a lookup by its logical name (``parentcustomerid``) where the Web API wants
    ``_parentcustomerid_value``."""
    attribute = entity.attributes.get(name)
    return attribute.read_name if attribute is not None else name


def raise_query_error(response, body: Any, doing: str) -> None:
    """A refused query means the mapping asks for something the table does not have."""
    if response.status_code in (400, 404):
        code, message = error_from_body(body)
        raise ConnectionUnusable(
            f"Dataverse refused {doing}: {message or response.reason}",
            reason="bad_query",
            status=response.status_code,
            code=code,
        )
    raise_for_response(response, body, doing)
