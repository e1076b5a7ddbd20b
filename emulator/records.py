"""One record: create (POST), read, update and upsert (PATCH), delete, single properties and
``$ref`` links, with ETags and the conditional headers."""

from __future__ import annotations

import uuid

from django.db import transaction

from . import errors, schema
from .api import ApiRequest, ApiResponse
from .collections import applied, context_url
from .models import ROW_MODELS
from .odata.options import QueryOptions
from .payload import parse_row
from .query import expand_fields, expansions, fetch_fields, select_columns
from .schema.types import Table
from .serialize import Annotations, Serializer, etag
from .sql import readable_property
from .writes import Writer

DB = "dataverse"


def entity_url(request: ApiRequest, table: Table, row_id: uuid.UUID) -> str:
    return f"{request.root}{table.entity_set_name}({row_id})"


def representation(request, table, row_id, options: QueryOptions, status: int) -> ApiResponse:
    """The row as it is now, for ``Prefer: return=representation`` (201 or 200)."""
    columns = select_columns(table, options.select)
    model = ROW_MODELS[table.logical_name]
    row = model.objects.filter(pk=row_id).values(*fetch_fields(table, columns)).get()
    body = {"@odata.context": context_url(request, table, options.select, "/$entity")}
    body.update(Serializer(table, columns).rows([row])[0])
    headers = applied({"return": "representation"})
    headers["ETag"] = body["@odata.etag"]
    return ApiResponse.json(status, body, headers)


def created(request: ApiRequest, table: Table, row_id, options: QueryOptions) -> ApiResponse:
    url = entity_url(request, table, row_id)
    if request.prefer.get("return") == "representation":
        response = representation(request, table, row_id, options, 201)
    else:
        headers = {"OData-EntityId": url}
        if request.in_batch:
            headers["Location"] = url  # parts of a $batch also carry Location (BATCH)
        response = ApiResponse.empty(204, headers)
    response.entity_url = url
    return response


def create(request: ApiRequest, table: Table, options: QueryOptions) -> ApiResponse:
    [response] = create_each(table, [(request, options)])
    return response


def create_each(table: Table, requests: list[tuple[ApiRequest, QueryOptions]]) -> list[ApiResponse]:
    """Create requests of one table written together, each answered as if it ran alone.

    All rows or none: ``$batch`` runs consecutive creates this way and falls back to one at a
    time when any of them fails, so one writer call serves many parts.
    """
    items = [
        parse_row(table, r.json(table.entity_set_name), creating=True, content_ids=r.content_ids)
        for r, _ in requests
    ]
    with transaction.atomic(using=DB):
        row_ids = Writer(requests[0][0].caller).create(table, items)
    return [
        created(request, table, row_id, options)
        for (request, options), row_id in zip(requests, row_ids, strict=True)
    ]


def retrieve(request: ApiRequest, table: Table, row_id, options: QueryOptions) -> ApiResponse:
    columns = select_columns(table, options.select)
    model = ROW_MODELS[table.logical_name]
    fields = fetch_fields(table, columns) + expand_fields(table, options.expand)
    row = model.objects.filter(pk=row_id).values(*dict.fromkeys(fields)).first()
    if row is None:
        raise errors.row_not_found(table.logical_name, row_id)
    annotations = Annotations(request.prefer.get("odata.include-annotations"))
    tag = etag(row["versionnumber"])
    # Never 304 with $expand or annotations: the related rows may have changed (COND).
    if request.headers.get("if-none-match") == tag and not options.expand and not annotations:
        return ApiResponse.empty(304, {"ETag": tag})
    expanded = expansions(table, [row], options.expand)
    suffix = "/$entity"
    body = {"@odata.context": context_url(request, table, options.select, suffix)}
    body.update(Serializer(table, columns, annotations, expanded).rows([row])[0])
    headers = {"ETag": tag}
    if annotations:
        preference = request.prefer["odata.include-annotations"]
        headers.update(applied({"odata.include-annotations": f'"{preference}"'}))
    return ApiResponse.json(200, body, headers)


def upsert(request: ApiRequest, table: Table, row_id, options: QueryOptions) -> ApiResponse:
    """PATCH: update the row, or create it with this id (unless If-Match / If-None-Match)."""
    body = request.json(table.entity_set_name)
    if_match = request.headers.get("if-match")
    if_none_match = request.headers.get("if-none-match")
    with transaction.atomic(using=DB):
        writer = Writer(request.caller)
        exists = writer.exists(table, row_id) is not None
        if exists and if_none_match == "*":
            raise errors.DataverseError(
                412, "", "A record with matching key values already exists."
            )
        if not exists and if_match:
            raise errors.row_not_found(table.logical_name, row_id)
        item = parse_row(table, body, creating=not exists, content_ids=request.content_ids)
        item.row_id = row_id
        if exists:
            writer.update(table, [item], if_match)
        else:
            writer.create(table, [item])
    if not exists:
        return created(request, table, row_id, options)
    return updated(request, table, row_id, options)


def updated(request: ApiRequest, table: Table, row_id, options: QueryOptions) -> ApiResponse:
    if request.prefer.get("return") == "representation":
        return representation(request, table, row_id, options, 200)
    return ApiResponse.empty(204, {"OData-EntityId": entity_url(request, table, row_id)})


def update_each(
    table: Table,
    requests: list[tuple[ApiRequest, QueryOptions]],
    row_ids: list[uuid.UUID],
    if_match: str | None,
) -> list[ApiResponse]:
    """PATCHes of distinct existing rows written together, each answered as if it ran alone
    (the ``$batch`` fast path, as ``create_each``); raises if a row does not exist."""
    items = []
    for (request, _), row_id in zip(requests, row_ids, strict=True):
        body = request.json(table.entity_set_name)
        items.append(parse_row(table, body, creating=False, content_ids=request.content_ids))
        items[-1].row_id = row_id
    with transaction.atomic(using=DB):
        Writer(requests[0][0].caller).update(table, items, if_match)
    return [
        updated(request, table, row_id, options)
        for (request, options), row_id in zip(requests, row_ids, strict=True)
    ]


def delete(request: ApiRequest, table: Table, row_id) -> ApiResponse:
    with transaction.atomic(using=DB):
        Writer(request.caller).delete(table, row_id, request.headers.get("if-match"))
    return ApiResponse.empty(204)


def get_property(request: ApiRequest, table: Table, row_id, name: str) -> ApiResponse:
    """``GET /accounts(<id>)/name`` -> {"value": …}; 204 when the value is null."""
    attribute = readable_property(table, name)
    model = ROW_MODELS[table.logical_name]
    row = model.objects.filter(pk=row_id).values(attribute.logical_name, "versionnumber").first()
    if row is None:
        raise errors.row_not_found(table.logical_name, row_id)
    value = row[attribute.logical_name]
    if value is None:
        return ApiResponse.empty(204)
    body = {
        "@odata.context": f"{request.root}$metadata#{table.entity_set_name}({row_id})/{name}",
        "value": value,
    }
    return ApiResponse.json(200, body, {"ETag": etag(row["versionnumber"])})


def put_property(request: ApiRequest, table: Table, row_id, name: str, clear=False) -> ApiResponse:
    """``PUT /accounts(<id>)/name {"value": …}`` and ``DELETE /accounts(<id>)/name``."""
    value = None if clear else request.json(table.entity_set_name).get("value")
    item = parse_row(table, {name: value}, creating=False)
    item.row_id = row_id
    with transaction.atomic(using=DB):
        Writer(request.caller).update(table, [item])
    return ApiResponse.empty(204)


def put_ref(request: ApiRequest, table: Table, row_id, navigation: str, clear=False) -> ApiResponse:
    """``PUT …/primarycontactid/$ref {"@odata.id": …}`` sets a lookup, DELETE clears it."""
    value = None if clear else request.json(table.entity_set_name).get("@odata.id")
    item = parse_row(
        table, {f"{navigation}@odata.bind": value}, creating=False, content_ids=request.content_ids
    )
    item.row_id = row_id
    with transaction.atomic(using=DB):
        Writer(request.caller).update(table, [item])
    return ApiResponse.empty(204)


def get_related(request: ApiRequest, table: Table, row_id, navigation: str, options) -> ApiResponse:
    """``GET /accounts(<id>)/primarycontactid``: the row a lookup points at."""
    found = table.navigation_properties.get(navigation)
    if found is None:
        raise errors.resource_not_found(navigation)
    attribute, target_name = found
    source = ROW_MODELS[table.logical_name].objects.filter(pk=row_id).values(attribute.logical_name)
    row = source.first()
    if row is None:
        raise errors.row_not_found(table.logical_name, row_id)
    target = schema.BY_LOGICAL_NAME.get(target_name)
    if row[attribute.logical_name] is None or target is None:
        return ApiResponse.empty(204)
    return retrieve(request, target, row[attribute.logical_name], options)
