"""Writing many rows: bulk messages where the table takes them, ``$batch`` otherwise.

Rows are checked against metadata first; a row Dataverse would refuse is reported as failed
without being sent. The rest go in chunks (1,000 rows by default) as one
``CreateMultiple``/``UpdateMultiple`` request each when the table supports it (found through
``sdkmessagefilters``), else as one ``$batch`` with one change set per row and
``Prefer: odata.continue-on-error``. Chunks run in parallel threads, no more than the config
allows and the service's ``x-ms-dop-hint`` recommends.

Bulk messages are all-or-nothing on standard tables. When one still fails with a 4xx, the
chunk is resent as a ``$batch`` so that only the bad rows fail, each with Dataverse's own
code and message. Writing 1,000 rows thus costs one request (a bulk message, or a $batch on
tables without them), or two when a bulk message is refused because of a row.

Creates always carry the client-chosen primary id. If a create is retried after a timeout or
a dropped connection that hid a success, Dataverse answers DuplicateRecord (0x80040237) for
the rows the first attempt created; reading those ids back confirms they exist, and they are
reported as created. So a retry never makes a second row and never reports a false failure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from . import batch
from .config import ClientConfig
from .errors import (
    DUPLICATE_RECORD,
    ConnectionUnusable,
    DataverseError,
    RecordFailed,
    error_from_body,
    row_error,
)
from .metadata import EntityMetadata, MetadataCache
from .odata_values import dumps
from .query import Reader, read_name
from .rows import WriteResult, encode_row
from .stats import ClientStats
from .transport import Transport, decode_json
from .validation import validate_row

logger = logging.getLogger("integration.dataverse")

BULK_MESSAGE = {"create": "CreateMultiple", "update": "UpdateMultiple"}


@dataclass
class Pending:
    """A row on its way: its place in the caller's list, its id, and its JSON body."""

    index: int
    id: UUID
    body: dict[str, Any]
    etag: str | None = None  # update only if the row still has this version (If-Match)


@dataclass
class Answer:
    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return self.status < 300


Outcomes = list[tuple[int, WriteResult]]


class Writer:
    def __init__(
        self,
        transport: Transport,
        metadata: MetadataCache,
        reader: Reader,
        config: ClientConfig,
        stats: ClientStats,
    ) -> None:
        self._transport = transport
        self._metadata = metadata
        self._reader = reader
        self._config = config
        self._stats = stats

    def write(
        self,
        operation: str,
        table: str,
        rows: Sequence[Mapping[str, Any]],
        read_back: Sequence[str] = (),
        etags: Mapping[UUID, str] | None = None,
    ) -> list[WriteResult]:
        """Create or update ``rows``; return one result per row, in the order given.

        ``etags`` (updates): row id → the ``@odata.etag`` the caller read. Such a row is
        written only if nobody changed it since; otherwise its result fails with 412
        ConcurrencyVersionMismatch and the caller reads it again.
        """
        entity = self._metadata.entity(table)
        etags = etags or {}
        results: list[WriteResult | None] = [None] * len(rows)
        pending: list[Pending] = []
        for index, row in enumerate(rows):
            row_id = _row_id(entity, row)
            if problem := validate_row(entity, row, operation):
                self._stats.add("rows_refused_before_sending")
                results[index] = WriteResult(row_id, False, problem)
                continue
            columns = {k: v for k, v in row.items() if k != entity.primary_id}
            body = encode_row(entity, columns, self._metadata.entity_set_name)
            if operation == "create":
                body = {entity.primary_id: str(row_id), **body}
            pending.append(Pending(index, row_id, body, etags.get(row_id)))
        self._run(operation, entity, pending, results)
        if read_back:
            self._read_back(entity, results, read_back)
        return results  # type: ignore[return-value]

    def delete(self, table: str, ids: Iterable[UUID | str]) -> list[WriteResult]:
        entity = self._metadata.entity(table)
        pending = [Pending(i, UUID(str(row_id)), {}) for i, row_id in enumerate(ids)]
        results: list[WriteResult | None] = [None] * len(pending)
        self._run("delete", entity, pending, results)
        return results  # type: ignore[return-value]

    # -- chunks, in parallel ---------------------------------------------------------

    def _run(
        self,
        operation: str,
        entity: EntityMetadata,
        pending: list[Pending],
        results: list[WriteResult | None],
    ) -> None:
        size = self._config.write_chunk_size
        chunks = [pending[start : start + size] for start in range(0, len(pending), size)]
        workers = min(self._config.max_parallel_requests, self._transport.dop_hint or 64)
        try:
            for outcomes in _in_parallel(
                lambda chunk: self._write_chunk(operation, entity, chunk), chunks, workers
            ):
                for index, result in outcomes:
                    results[index] = result
        except DataverseError as failure:
            # Tell the caller what did get written, so those rows can still be coupled.
            failure.results = [result for result in results if result is not None]
            raise

    def _write_chunk(
        self, operation: str, entity: EntityMetadata, chunk: list[Pending]
    ) -> Outcomes:
        done: Outcomes = []
        conditional = [p for p in chunk if p.etag]
        if conditional:
            # The Web API's bulk messages carry no If-Match per row: these go as $batch.
            plain = [p for p in chunk if not p.etag]
            rest = self._write_chunk(operation, entity, plain) if plain else []
            return self._batch(operation, entity, conditional) + rest
        message = BULK_MESSAGE.get(operation)
        if message and entity.supports(message):
            answer = self._bulk(message, entity, chunk)
            if not answer.ok and operation == "create" and _is_duplicate(answer):
                done, chunk = self._split_existing(entity, chunk)  # an earlier attempt's rows
                answer = self._bulk(message, entity, chunk) if chunk else Answer(204, {})
            if answer.ok:
                return done + [(p.index, WriteResult(p.id, True)) for p in chunk]
            if len(chunk) == 1:
                return done + self._outcomes(operation, entity, [(chunk[0], answer)])
            logger.info(
                "%s on %s refused (%s); resending the chunk as $batch to find the rows",
                message,
                entity.logical_name,
                answer.status,
            )
            self._stats.add("batch_fallbacks")
        return done + self._batch(operation, entity, chunk)

    # -- one request per chunk ----------------------------------------------------------

    def _bulk(self, message: str, entity: EntityMetadata, chunk: list[Pending]) -> Answer:
        odata_type = f"Microsoft.Dynamics.CRM.{entity.logical_name}"
        targets = [
            {"@odata.type": odata_type, entity.primary_id: str(p.id), **p.body} for p in chunk
        ]
        url = self._transport.url(f"{entity.entity_set_name}/Microsoft.Dynamics.CRM.{message}")
        self._stats.add("bulk_requests")
        response = self._transport.request(
            "POST",
            url,
            headers={"Content-Type": "application/json; charset=utf-8"},
            data=dumps({"Targets": targets}).encode("utf-8"),
        )
        answer = Answer(response.status_code, decode_json(response))
        _raise_if_unusable(answer)
        return answer

    def _batch(self, operation: str, entity: EntityMetadata, chunk: list[Pending]) -> Outcomes:
        operations = [self._operation(operation, entity, p) for p in chunk]
        body, content_type = batch.encode(operations)
        self._stats.add("batch_requests")
        response = self._transport.request(
            "POST",
            self._transport.url("$batch"),
            data=body,
            headers={"Content-Type": content_type, "Prefer": "odata.continue-on-error"},
        )
        if response.status_code != 200:
            answer = Answer(response.status_code, decode_json(response))
            _raise_if_unusable(answer)
            return self._outcomes(operation, entity, [(p, answer) for p in chunk])
        answers = batch.decode_answer(response)
        missing = Answer(0, {"error": {"message": "Dataverse did not answer for this row."}})
        pairs = [(p, Answer(a.status, a.body)) for p, a in zip(chunk, answers, strict=False)]
        pairs += [(p, missing) for p in chunk[len(answers) :]]
        return self._outcomes(operation, entity, pairs)

    def _operation(self, operation: str, entity: EntityMetadata, row: Pending) -> batch.Operation:
        collection = self._transport.url(entity.entity_set_name)
        if operation == "create":
            return batch.Operation("POST", collection, row.body)
        if operation == "update":  # If-Match: * keeps an update from creating a missing row
            headers = {"If-Match": row.etag or "*"}
            return batch.Operation("PATCH", f"{collection}({row.id})", row.body, headers)
        return batch.Operation("DELETE", f"{collection}({row.id})")

    # -- answers to results -------------------------------------------------------------

    def _outcomes(
        self, operation: str, entity: EntityMetadata, pairs: list[tuple[Pending, Answer]]
    ) -> Outcomes:
        outcomes: Outcomes = []
        duplicates: list[tuple[Pending, DataverseError]] = []
        for row, answer in pairs:
            if answer.ok or (operation == "delete" and answer.status == 404):
                outcomes.append((row.index, WriteResult(row.id, True)))  # deleted is deleted
                continue
            _raise_if_unusable(answer)
            error = _row_failure(answer)
            if operation == "create" and _is_duplicate(answer):
                duplicates.append((row, error))
            else:
                outcomes.append((row.index, WriteResult(row.id, False, error)))
        if duplicates:
            existing = self._existing_ids(entity, [row for row, _ in duplicates])
            for row, error in duplicates:
                ok = row.id in existing
                outcomes.append((row.index, WriteResult(row.id, ok, None if ok else error)))
        return outcomes

    def _split_existing(
        self, entity: EntityMetadata, chunk: list[Pending]
    ) -> tuple[Outcomes, list[Pending]]:
        existing = self._existing_ids(entity, chunk)
        created = [(p.index, WriteResult(p.id, True)) for p in chunk if p.id in existing]
        return created, [p for p in chunk if p.id not in existing]

    def _existing_ids(self, entity: EntityMetadata, rows: list[Pending]) -> set[UUID]:
        found = self._reader.get_many(
            entity.logical_name, [p.id for p in rows], [entity.primary_id]
        )
        return {row[entity.primary_id] for row in found}

    def _read_back(
        self, entity: EntityMetadata, results: list[WriteResult | None], columns: Sequence[str]
    ) -> None:
        written = {result.id: result for result in results if result is not None and result.ok}
        names = {column: read_name(entity, column) for column in columns}
        for row in self._reader.get_many(entity.logical_name, written, list(columns)):
            result = written.get(row[entity.primary_id])
            if result is not None:
                result.values = {column: row.get(name) for column, name in names.items()}


def _in_parallel(work: Callable[[Any], Outcomes], chunks: list, workers: int):
    """Yield ``work(chunk)`` for every chunk, running at most ``workers`` at once.

    The first error stops chunks that have not started; chunks already in flight finish
    and their outcomes are still yielded before the error is raised.
    """
    if workers <= 1 or len(chunks) <= 1:
        for chunk in chunks:
            yield work(chunk)
        return
    failure: DataverseError | None = None
    with ThreadPoolExecutor(min(workers, len(chunks)), "dataverse-write") as pool:
        futures = [pool.submit(work, chunk) for chunk in chunks]
        for future in as_completed(futures):
            if future.cancelled():
                continue
            try:
                yield future.result()
            except DataverseError as exc:
                failure = failure or exc
                for other in futures:
                    other.cancel()
    if failure is not None:
        raise failure


def _row_id(entity: EntityMetadata, row: Mapping[str, Any]) -> UUID:
    value = row.get(entity.primary_id)
    if value is None:
        raise ValueError(
            f"every {entity.logical_name} row written must carry its {entity.primary_id}: a "
            "client-chosen id is what makes a retried create safe"
        )
    return UUID(str(value))


def _row_failure(answer: Answer) -> DataverseError:
    code, message = error_from_body(answer.body)
    if answer.status == 0:
        return RecordFailed(message, status=None, code=code)
    return row_error(answer.status, code, message)


def _raise_if_unusable(answer: Answer) -> None:
    if answer.status == 401:
        raise ConnectionUnusable(
            "Dataverse refused the access token twice; the application user may be missing or "
            "disabled in this environment.",
            reason="token_rejected",
            status=401,
        )
    if answer.status >= 400:
        error = _row_failure(answer)
        if isinstance(error, ConnectionUnusable):
            raise error


def _is_duplicate(answer: Answer) -> bool:
    """A create refused because a row with this primary id already exists."""
    code, _ = error_from_body(answer.body)
    return code.lower() == DUPLICATE_RECORD or (answer.status == 412 and not code)
