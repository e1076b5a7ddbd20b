"""Resource paths -> handlers. Every Web API request, alone or inside ``$batch``, goes through
``dispatch``, which also turns errors into Dataverse error answers."""

from __future__ import annotations

import logging
import re
import uuid

from django.db import IntegrityError

from . import bulk, catalog, collections, errors, metadata, records, schema, seed
from .api import ApiRequest, ApiResponse
from .errors import DataverseError
from .odata.options import parse_options

SEGMENT = re.compile(r"^(?P<name>[^(]*)(?:\((?P<key>.*)\))?$")
logger = logging.getLogger(__name__)


def split_path(path: str) -> list[tuple[str, str | None]]:
    """``accounts(<id>)/name`` -> [("accounts", "<id>"), ("name", None)]."""
    parts, depth, quoted, current = [], 0, False, ""
    for char in path:
        if char == "'":
            quoted = not quoted
        elif not quoted and char in "()":
            depth += 1 if char == "(" else -1
        if char == "/" and depth == 0 and not quoted:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    segments = []
    for part in parts:
        match = SEGMENT.match(part)
        segments.append((match["name"], match["key"]))
    return segments


def dispatch(request: ApiRequest) -> ApiResponse:
    try:
        return route(request)
    except DataverseError as error:
        return ApiResponse.error(error)
    except IntegrityError:
        logger.info("integrity error answered as a duplicate key", exc_info=True)
        return ApiResponse.error(errors.duplicate_key())


def route(request: ApiRequest) -> ApiResponse:
    path = resolve_content_id(request)
    if path in ("", "/"):
        return catalog.service_document(request)
    segments = split_path(path)
    name, key = segments[0]
    if name == "$metadata":
        return catalog.csdl(request)
    if name == "$batch":
        from . import batch

        return batch.handle(request)
    if name == "WhoAmI" and len(segments) == 1 and key in (None, ""):
        return whoami(request)
    if name == "EntityDefinitions":
        return metadata.serve(request, segments)
    if name == "sdkmessagefilters" and len(segments) == 1 and key is None:
        return catalog.sdk_message_filters(request)
    table = schema.BY_ENTITY_SET.get(name)
    if table is None:
        raise errors.resource_not_found(name)
    if key is None:
        return collection(request, table, segments)
    return record(request, table, parse_key(table, key), segments)


def resolve_content_id(request: ApiRequest) -> str:
    """Inside a change set, ``$1`` stands for the URL of the row created by part 1."""
    path = request.path
    if path.startswith("$") and request.content_ids is not None and not path.startswith("$batch"):
        reference, _, rest = path[1:].partition("/")
        if reference not in request.content_ids:
            raise DataverseError(
                400,
                "0x0",
                f"Content-ID Reference: '${reference}' does not exist in the batch context.",
            )
        path = request.content_ids[reference][len(request.root) :] + (f"/{rest}" if rest else "")
        request.path = path
    return path


def parse_key(table: schema.Table, key: str) -> uuid.UUID:
    name, _, value = key.rpartition("=")
    if name and (name != table.primary_id or table.logical_name == "systemuser"):
        raise errors.query_error(
            f"The key in the request URI is not valid for resource '{table.type_name()}'. Ensure "
            "that the names and number of key properties match the declared or alternate key "
            f"properties for the resource '{table.type_name()}'."
        )
    try:
        return uuid.UUID(value.strip("'"))
    except ValueError:
        raise errors.query_error(
            f"Bad Request - Error in query syntax. '{key}' is not a valid key."
        ) from None


def collection(request: ApiRequest, table, segments) -> ApiResponse:
    method = request.method
    if len(segments) == 1:
        if method == "GET":
            return collections.get_collection(request, table, parse_options(request.query))
        if method == "POST":
            return records.create(request, table, parse_options(request.query))
        raise errors.method_not_allowed(method)
    name = segments[1][0]
    if name == "$count" and len(segments) == 2 and method == "GET":
        return collections.get_count(request, table, parse_options(request.query))
    if name.startswith(bulk.NAMESPACE) and len(segments) == 2:
        if method != "POST":
            raise errors.no_http_resource(request.root + request.path)
        return bulk.run(request, table, name[len(bulk.NAMESPACE) :])
    raise errors.resource_not_found(name)


def record(request: ApiRequest, table, row_id: uuid.UUID, segments) -> ApiResponse:
    method = request.method
    if len(segments) == 1:
        options = parse_options(request.query)
        if method == "GET":
            return records.retrieve(request, table, row_id, options)
        if method == "PATCH":
            return records.upsert(request, table, row_id, options)
        if method == "DELETE":
            return records.delete(request, table, row_id)
        raise errors.method_not_allowed(method)
    name = segments[1][0]
    if len(segments) == 3 and segments[2][0] == "$ref" and name in table.navigation_properties:
        if method not in ("PUT", "DELETE"):
            raise errors.method_not_allowed(method)
        return records.put_ref(request, table, row_id, name, clear=method == "DELETE")
    if len(segments) > 2:
        raise errors.resource_not_found(segments[2][0])
    if name in table.navigation_properties and method == "GET":
        return records.get_related(request, table, row_id, name, parse_options(request.query))
    if name in table.columns or name in table.by_lookup_property:
        if method == "GET":
            return records.get_property(request, table, row_id, name)
        if method in ("PUT", "DELETE"):
            return records.put_property(request, table, row_id, name, clear=method == "DELETE")
        raise errors.method_not_allowed(method)
    raise errors.resource_not_found(name)


def whoami(request: ApiRequest) -> ApiResponse:
    if request.method != "GET":
        raise errors.no_http_resource(request.root + request.path)
    body = {
        "@odata.context": f"{request.root}$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse",
        "BusinessUnitId": request.caller.business_unit_id,
        "UserId": request.caller.user_id,
        "OrganizationId": seed.ORGANIZATION_ID,
    }
    return ApiResponse.json(200, body)
