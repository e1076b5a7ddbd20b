"""EntityDefinitions and their Attributes, with $select, $filter, $expand and type casts."""

from __future__ import annotations

import re

from . import errors, schema
from .api import ApiRequest, ApiResponse
from .errors import query_error
from .metadata_build import (
    BASE_ATTRIBUTE_PROPERTIES,
    CLASS_OF,
    ENTITY_PROPERTIES,
    OPTION_SET_CLASSES,
    attributes,
    class_properties,
    entity,
    option_set,
)
from .odata.evaluate import evaluate
from .odata.options import QueryOptions, parse_options

CAST = re.compile(r"^Microsoft\.Dynamics\.CRM\.(\w+AttributeMetadata)$")
KEY = re.compile(r"^(?:LogicalName=)?'(?P<name>[^']+)'$|^(?P<id>[0-9a-fA-F-]{36})$")
ENTITY_TYPE = "Microsoft.Dynamics.CRM.EntityMetadata"


def find_by_key(items, key: str, segment: str) -> dict:
    match = KEY.match(key)
    if match:
        for item in items:
            if match["name"] and item["LogicalName"] == match["name"]:
                return item
            if match["id"] and item["MetadataId"] == match["id"].lower():
                return item
    raise errors.DataverseError(404, "0x80040217", f"Could not find {segment} with key {key}.")


def pick(item: dict, select: list[str] | None, known: set[str], type_name: str) -> dict:
    """Apply $select: the key and the @odata.type always stay, unknown names fail."""
    if select is None:
        return dict(item)
    for name in select:
        if name not in known:
            raise errors.unknown_property(name, type_name)
    keep = {"@odata.type", "MetadataId", *select}
    return {key: value for key, value in item.items() if key in keep}


def keep(items, options: QueryOptions, known: set[str], type_name: str) -> list[dict]:
    if options.filter is None:
        return list(items)
    return [item for item in items if evaluate(options.filter, item, known, type_name)]


def serve(request: ApiRequest, segments: list[tuple[str, str | None]]) -> ApiResponse:
    """``segments``: (name, key) pairs after ``EntityDefinitions``."""
    if request.method != "GET":
        raise errors.method_not_allowed(request.method)
    options = parse_options(request.query)
    tables = [entity(t.logical_name) for t in schema.TABLES]
    _, key = segments[0]
    if key is None and len(segments) == 1:
        return entity_collection(request, tables, options)
    if key is None:
        raise errors.resource_not_found(segments[1][0])
    table = find_by_key(tables, key, "EntityDefinitions")
    if len(segments) == 1:
        body = {"@odata.context": context(request, "EntityDefinitions", options, "/$entity")}
        body.update(entity_body(table, options))
        return ApiResponse.json(200, body)
    if segments[1][0] != "Attributes":
        raise errors.resource_not_found(segments[1][0])
    return attribute_resource(request, table, segments[1:], options)


def context(request: ApiRequest, base: str, options: QueryOptions, suffix: str = "") -> str:
    selected = f"({','.join(options.select)})" if options.select else ""
    return f"{request.root}$metadata#{base}{selected}{suffix}"


def entity_collection(request, tables, options: QueryOptions) -> ApiResponse:
    found = keep(tables, options, set(ENTITY_PROPERTIES), ENTITY_TYPE)
    body = {
        "@odata.context": context(request, "EntityDefinitions", options),
        "value": [entity_body(item, options) for item in found],
    }
    return ApiResponse.json(200, body)


def entity_body(item: dict, options: QueryOptions) -> dict:
    body = pick(item, options.select, set(ENTITY_PROPERTIES), ENTITY_TYPE)
    for expand in options.expand:
        if expand.name != "Attributes":
            raise errors.unknown_property(expand.name, ENTITY_TYPE)
        found = keep(
            attributes(item["LogicalName"]),
            expand.options,
            set(BASE_ATTRIBUTE_PROPERTIES),
            "Microsoft.Dynamics.CRM.AttributeMetadata",
        )
        body["Attributes"] = [
            attribute_body(item["LogicalName"], a, expand.options, None) for a in found
        ]
    return body


def attribute_resource(request, table: dict, segments, options: QueryOptions) -> ApiResponse:
    """``…/Attributes``, ``…/Attributes(LogicalName='x')``, each optionally type-cast."""
    _, key = segments[0]
    cast = None
    if len(segments) > 1:
        match = CAST.match(segments[1][0])
        if match is None or match[1] not in set(CLASS_OF.values()) or len(segments) > 2:
            raise errors.resource_not_found(segments[1][0])
        cast = match[1]
    items = attributes(table["LogicalName"])
    if cast:
        items = [a for a in items if a["@odata.type"].endswith("." + cast)]
    known = class_properties(cast) if cast else set(BASE_ATTRIBUTE_PROPERTIES)
    type_name = f"Microsoft.Dynamics.CRM.{cast or 'AttributeMetadata'}"
    base = f"EntityDefinitions({table['MetadataId']})/Attributes" + (
        f"/{type_name}" if cast else ""
    )
    if key is not None:
        item = find_by_key(items, key, "Attributes")
        body = {"@odata.context": context(request, base, options, "/$entity")}
        body.update(attribute_body(table["LogicalName"], item, options, cast))
        return ApiResponse.json(200, body)
    found = keep(items, options, known, type_name)
    body = {
        "@odata.context": context(request, base, options),
        "value": [attribute_body(table["LogicalName"], a, options, cast) for a in found],
    }
    return ApiResponse.json(200, body)


def attribute_body(logical_name: str, item: dict, options: QueryOptions, cast: str | None) -> dict:
    class_name = item["@odata.type"].rsplit(".", 1)[-1]
    known = class_properties(cast) if cast else set(BASE_ATTRIBUTE_PROPERTIES)
    type_name = f"Microsoft.Dynamics.CRM.{cast or 'AttributeMetadata'}"
    body = pick(item, options.select, known, type_name)
    if cast:
        body.pop("@odata.type", None)  # the declared type already says it
    for expand in options.expand:
        if (
            expand.name not in ("OptionSet", "GlobalOptionSet")
            or class_name not in OPTION_SET_CLASSES
        ):
            raise errors.unknown_property(expand.name, type_name)
        if cast is None:
            raise query_error(
                f"Could not find a property named '{expand.name}' on type "
                "'Microsoft.Dynamics.CRM.AttributeMetadata'."
            )
        table = schema.BY_LOGICAL_NAME[logical_name]
        options_set = option_set(table, table.columns[item["LogicalName"]])
        if expand.options.select:
            options_set = {
                k: v
                for k, v in options_set.items()
                if k in expand.options.select or k == "MetadataId"
            }
        body[expand.name] = options_set if expand.name == "OptionSet" else None
    return body
