"""``DataverseClient``: the one object the rest of Tandem uses to talk to Dataverse.

One client per run. It holds the access token, the metadata cache, the HTTP connection pool
and the counters of what it did (``stats``). It is safe to use from several threads; its own
bulk writes already run chunks in parallel.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any
from uuid import UUID

from .changes import ChangeFeed, has_changes
from .config import ClientConfig
from .connection_test import ConnectionTestReport, run_connection_test
from .errors import ConnectionUnusable
from .metadata import EntityMetadata, MetadataCache, raise_for_response
from .query import Reader
from .rows import WriteResult
from .stats import ClientStats
from .transport import Transport, decode_json
from .writes import Writer


class DataverseClient:
    def __init__(self, config: ClientConfig) -> None:
        self.config = config
        self.stats = ClientStats()
        self._transport = Transport(config, self.stats)
        self._metadata = MetadataCache(self._transport, bulk_enabled=config.use_bulk_messages)
        self._reader = Reader(self._transport, self._metadata, config.page_size)
        self._writer = Writer(self._transport, self._metadata, self._reader, config, self.stats)

    def __repr__(self) -> str:
        return (
            f"DataverseClient({self.config.environment_url!r}, client_id={self.config.client_id!r})"
        )

    def __enter__(self) -> DataverseClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._transport.session.close()

    # -- reads ------------------------------------------------------------------------

    def authenticate(self) -> None:
        """Get an access token now (the first request would otherwise get it)."""
        self._transport.tokens.token()

    def whoami(self) -> dict[str, Any]:
        """Return ``UserId``, ``BusinessUnitId`` and ``OrganizationId`` of the application user."""
        url = self._transport.url("WhoAmI")
        response = self._transport.request("GET", url)
        body = decode_json(response)
        if response.status_code == 404 or (response.ok and "UserId" not in body):
            raise ConnectionUnusable(
                f"No Dataverse Web API answers at {url}.", reason="bad_url", status=404
            )
        if response.status_code != 200:
            raise_for_response(response, body, "WhoAmI")
        return {key: value for key, value in body.items() if not key.startswith("@")}

    def entity(self, table: str) -> EntityMetadata:
        """Return the metadata of ``table`` (entity set, primary id and name, columns)."""
        return self._metadata.entity(table)

    def entity_set_name(self, table: str) -> str:
        """Return the entity set of ``table`` without reading all its columns."""
        return self._metadata.entity_set_name(table)

    def query(
        self,
        table: str,
        select: Sequence[str] | None = None,
        filter: str | None = None,  # noqa: A002 - the OData name
        orderby: str | Sequence[str] | None = None,
        top: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yield the rows of ``table`` matching ``filter``, page by page."""
        return self._reader.query(table, select, filter, orderby, top)

    def get_many(
        self, table: str, ids: Iterable[UUID | str], select: Sequence[str] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Yield the rows among ``ids`` that exist (in no particular order)."""
        return self._reader.get_many(table, ids, select)

    def changes(
        self, table: str, select: Sequence[str] | None = None, delta_link: str | None = None
    ) -> ChangeFeed:
        """Return the rows changed since ``delta_link`` (all rows when None), and deletions."""
        entity = self._metadata.entity(table)
        return ChangeFeed(self._reader, entity, select, delta_link, self.config.page_size)

    def has_changes(self, delta_link: str) -> bool:
        """Whether any row was created, changed or deleted since ``delta_link`` (one request).

        Raises ``DeltaLinkExpired`` when Dataverse no longer accepts the link.
        """
        return has_changes(self._transport, delta_link)

    # -- writes -----------------------------------------------------------------------

    def create_many(
        self, table: str, rows: Sequence[Mapping[str, Any]], read_back: Sequence[str] = ()
    ) -> list[WriteResult]:
        """Create ``rows`` (each with its primary id); one result per row, in order."""
        return self._writer.write("create", table, rows, read_back)

    def update_many(
        self,
        table: str,
        rows: Sequence[Mapping[str, Any]],
        read_back: Sequence[str] = (),
        etags: Mapping[UUID, str] | None = None,
    ) -> list[WriteResult]:
        """Update ``rows`` (primary id plus the changed columns); one result per row.

        With ``etags`` (row id → ETag read), a row changed since it was read is not written:
        its result fails with 412 ConcurrencyVersionMismatch (optimistic concurrency).
        """
        return self._writer.write("update", table, rows, read_back, etags)

    def delete_many(self, table: str, ids: Iterable[UUID | str]) -> list[WriteResult]:
        """Delete the rows ``ids``; a row that is already gone counts as deleted."""
        return self._writer.delete(table, ids)

    # -- set-up -----------------------------------------------------------------------

    def test_connection(self, tables: Sequence[str] = ()) -> ConnectionTestReport:
        """Check the connection and ``tables``; return a report an administrator can act on."""
        return run_connection_test(self.config, tables)
