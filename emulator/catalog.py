"""What a client discovers before it reads rows: the service document, ``$metadata`` (CSDL)
and ``sdkmessagefilters`` (which tables accept CreateMultiple / UpdateMultiple / UpsertMultiple)."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from . import schema
from .api import ApiRequest, ApiResponse
from .errors import unknown_property
from .metadata_build import metadata_id
from .odata.evaluate import evaluate
from .odata.options import parse_options
from .sql import edm_type

MESSAGES = ("Create", "Update", "Delete", "Retrieve", "RetrieveMultiple")
BULK_MESSAGES = ("CreateMultiple", "UpdateMultiple", "UpsertMultiple")
FILTER_COLUMNS = (
    "sdkmessagefilterid",
    "primaryobjecttypecode",
    "secondaryobjecttypecode",
    "iscustomprocessingstepallowed",
    "isvisible",
    "sdkmessageid",
    "_sdkmessageid_value",
)


def service_document(request: ApiRequest) -> ApiResponse:
    sets = [t.entity_set_name for t in schema.TABLES] + ["EntityDefinitions", "sdkmessagefilters"]
    value = [{"name": name, "kind": "EntitySet", "url": name} for name in sets]
    return ApiResponse.json(200, {"@odata.context": f"{request.root}$metadata", "value": value})


def csdl(request: ApiRequest) -> ApiResponse:
    """A CSDL document with the served entity types, their keys, properties and lookups."""
    annotations = request.query.get("annotations") == "true"
    types = "".join(entity_type(table) for table in schema.TABLES)
    sets = "".join(entity_set(table, annotations) for table in schema.TABLES)
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">'
        '<edmx:DataServices><Schema Namespace="Microsoft.Dynamics.CRM" Alias="mscrm" '
        'xmlns="http://docs.oasis-open.org/odata/ns/edm">'
        f'{types}<EntityContainer Name="System">{sets}</EntityContainer>'
        "</Schema></edmx:DataServices></edmx:Edmx>"
    )
    headers = {"OData-Version": "4.0", "Content-Type": "application/xml"}
    return ApiResponse(200, body.encode(), headers)


def entity_type(table: schema.Table) -> str:
    properties, navigations = [], []
    for a in table.attributes:
        if not a.valid_for_read:
            continue
        if a.is_lookup:
            properties.append(f'<Property Name="{a.lookup_property}" Type="Edm.Guid"/>')
            for name, (_, target) in table.navigation_properties.items():
                if name.startswith(a.logical_name) and target in schema.BY_LOGICAL_NAME:
                    navigations.append(f'<NavigationProperty Name="{name}" Type="mscrm.{target}"/>')
        else:
            properties.append(f'<Property Name="{a.logical_name}" Type="{edm_type(a)}"/>')
    return (
        f'<EntityType Name="{table.logical_name}"><Key><PropertyRef Name="{table.primary_id}"/>'
        f"</Key>{''.join(properties)}{''.join(dict.fromkeys(navigations))}</EntityType>"
    )


def entity_set(table: schema.Table, annotations: bool) -> str:
    tracking = (
        '<Annotation Term="Org.OData.Capabilities.V1.ChangeTracking"><Record>'
        '<PropertyValue Property="Supported" Bool="true"/></Record></Annotation>'
        if annotations
        else ""
    )
    name = quoteattr(table.entity_set_name)
    return f'<EntitySet Name={name} EntityType="mscrm.{table.logical_name}">{tracking}</EntitySet>'


def message_filters() -> list[dict]:
    rows = []
    for table in schema.TABLES:
        messages = MESSAGES + (BULK_MESSAGES if table.supports_multiple else ())
        for message in messages:
            rows.append(
                {
                    "sdkmessagefilterid": metadata_id(
                        "sdkmessagefilter", message, table.logical_name
                    ),
                    "primaryobjecttypecode": table.logical_name,
                    "secondaryobjecttypecode": "none",
                    "iscustomprocessingstepallowed": True,
                    "isvisible": True,
                    "sdkmessageid": {"name": message},
                    "_sdkmessageid_value": metadata_id("sdkmessage", message),
                }
            )
    return rows


def sdk_message_filters(request: ApiRequest) -> ApiResponse:
    """``GET /sdkmessagefilters?$filter=sdkmessageid/name eq 'CreateMultiple' and
    primaryobjecttypecode eq 'account'``: a non-empty answer means the table supports it."""
    options = parse_options(request.query)
    type_name = "Microsoft.Dynamics.CRM.sdkmessagefilter"
    known = set(FILTER_COLUMNS)
    rows = message_filters()
    if options.filter is not None:
        rows = [row for row in rows if evaluate(options.filter, row, known, type_name)]
    select = options.select or [c for c in FILTER_COLUMNS if c != "sdkmessageid"]
    for name in select:
        if name not in known or name == "sdkmessageid":
            raise unknown_property(name, type_name)
    value = [
        {
            "@odata.etag": 'W/"1"',
            **{name: row[name] for name in select},
            "sdkmessagefilterid": row["sdkmessagefilterid"],
        }
        for row in rows
    ]
    selected = f"({','.join(options.select)})" if options.select else ""
    context = f"{request.root}$metadata#sdkmessagefilters{selected}"
    return ApiResponse.json(200, {"@odata.context": context, "value": value})
