"""Parts of a ``$batch`` that are written together: creates, and updates of existing rows.

A part that creates or updates one row (alone, or as the only part of a change set) costs a
transaction and a dozen ORM queries when it runs by itself, about 8 ms. Tables without
CreateMultiple / UpdateMultiple are written with such batches, so consecutive parts of one
kind on one table go through one writer call instead, and each is answered exactly as it
would be alone. Only parts whose joint write cannot differ from running them in order are
grouped; when a joint write fails, ``batch.Runner`` retries smaller groups, down to single
parts run the ordinary way.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from . import records, schema
from .api import ApiRequest, ApiResponse, Headers
from .errors import DataverseError
from .multipart import boundary_of, split_multipart, sub_request
from .odata.options import parse_options
from .schema.types import Table


@dataclass
class Write:
    """A top-level part that creates (POST to an entity set) or updates (PATCH of a row) one
    row."""

    headers: Headers  # the top-level part's MIME headers, to run it the ordinary way
    content: bytes
    table: Table
    sub: ApiRequest
    content_id: str | None
    in_change_set: bool
    row_id: uuid.UUID | None = None  # the row a PATCH updates; None for a create

    @property
    def kind(self) -> tuple:
        """Parts of the same kind may be written together."""
        return (self.table.logical_name, self.row_id is None, self.sub.headers.get("if-match"))

    def result(self, response: ApiResponse):
        if self.in_change_set:
            return ("changeset", [(self.content_id, response)])
        return ("single", [(None, response)])


class Group:
    """Consecutive parts waiting to be written together."""

    def __init__(self):
        self.writes: list[Write] = []
        self.rows: set[uuid.UUID] = set()  # the rows the updates change

    def takes(self, write: Write | None) -> bool:
        """The same kind, and not a second update of a row (it must see the first's result)."""
        if write is None or write.kind != self.writes[0].kind:
            return False
        return write.row_id not in self.rows

    def add(self, write: Write) -> None:
        self.writes.append(write)
        if write.row_id is not None:
            self.rows.add(write.row_id)


def write_of(outer: ApiRequest, headers: Headers, content: bytes) -> Write | None:
    """The part as a Write, or None when it must run the ordinary way."""
    content_type = headers.get("content-type", "")
    inner_headers, request_content, content_ids = headers, content, None
    if content_type.startswith("multipart/mixed"):
        try:
            inner = split_multipart(content, boundary_of(content_type))
        except DataverseError:
            return None
        if len(inner) != 1:
            return None  # parts may refer to each other ($1)
        [(inner_headers, request_content)], content_ids = inner, {}
    try:
        sub = sub_request(outer, request_content, content_ids)
        target = target_of(sub)
    except DataverseError:
        return None  # the ordinary run answers the malformed part
    if target is None:
        return None
    content_id = inner_headers.get("content-id") or sub.headers.get("content-id")
    table, row_id = target
    return Write(headers, content, table, sub, content_id, content_ids is not None, row_id)


def target_of(sub: ApiRequest) -> tuple[Table, uuid.UUID | None] | None:
    """(table, row id or None) of a create or of an update that can be grouped."""
    from .routing import parse_key, split_path

    segments = split_path(sub.path)
    name, key = segments[0]
    table = schema.BY_ENTITY_SET.get(name)
    if table is None or len(segments) > 1:
        return None
    if sub.method == "POST" and key is None:
        return table, None
    if sub.method != "PATCH" or key is None or not groupable_update(sub, table):
        return None
    return table, parse_key(table, key)


def groupable_update(sub: ApiRequest, table: Table) -> bool:
    """An update of an existing row whose joint write cannot differ from running in order:
    no If-None-Match, no ETag to compare, and no unique column (rows swapping values would
    pass together and fail in order)."""
    if_match = sub.headers.get("if-match")
    no_condition = sub.headers.get("if-none-match") is None and if_match in (None, "*")
    return no_condition and not table.unique_column


def write_together(writes: list[Write]) -> list:
    """The answers of the parts, all written in one transaction; raises if any fails."""
    first = writes[0]
    requests = [(w.sub, parse_options(w.sub.query)) for w in writes]
    if first.row_id is None:
        responses = records.create_each(first.table, requests)
    else:
        row_ids = [w.row_id for w in writes]
        if_match = first.sub.headers.get("if-match")  # the same for all: part of the kind
        responses = records.update_each(first.table, requests, row_ids, if_match)
    return [w.result(r) for w, r in zip(writes, responses, strict=True)]
