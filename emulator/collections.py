"""GET on an entity set: a page of rows, ``$count``, and the collection's ``/$count``."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from . import changes, paging
from .api import ApiRequest, ApiResponse
from .errors import query_error
from .odata.options import QueryOptions
from .query import MAX_PAGE_SIZE, TableQuery, expansions
from .schema.types import Table
from .serialize import Annotations, Serializer

TOTAL = "Microsoft.Dynamics.CRM.totalrecordcount"
TOTAL_EXCEEDED = "Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"


def context_url(request: ApiRequest, table: Table, select: list[str] | None, suffix="") -> str:
    selected = f"({','.join(select)})" if select else ""
    return f"{request.root}$metadata#{table.entity_set_name}{selected}{suffix}"


def page_size(request: ApiRequest) -> tuple[int | None, dict]:
    """The page size asked for with ``Prefer: odata.maxpagesize`` (at most 5,000)."""
    text = request.prefer.get("odata.maxpagesize")
    if text is None:
        return None, {}
    try:
        size = int(text)
    except ValueError:
        raise query_error(f"The value '{text}' of odata.maxpagesize is not valid.") from None
    size = max(1, min(size, MAX_PAGE_SIZE))
    return size, {"odata.maxpagesize": str(size)}


def next_link(request: ApiRequest, token: str) -> str:
    query = {k: v for k, v in request.query.items() if k != "$skiptoken"}
    query["$skiptoken"] = token
    return f"{request.root}{request.path}?{urlencode(query, quote_via=quote, safe='$,()')}"


def applied(preferences: dict) -> dict:
    if not preferences:
        return {}
    text = ",".join(k if v is None else f"{k}={v}" for k, v in preferences.items())
    return {"Preference-Applied": text}


def get_collection(request: ApiRequest, table: Table, options: QueryOptions) -> ApiResponse:
    tracking = "odata.track-changes" in request.prefer or paging.is_tracking(options.skiptoken)
    if tracking or options.deltatoken:
        return changes.get_changes(request, table, options)
    size, preferences = page_size(request)
    query = TableQuery(table, options)
    # $top is ignored when a page size is asked for (Q-PAGE).
    limit = None if size else options.top
    page = query.page(size or MAX_PAGE_SIZE, options.skiptoken, limit)
    annotations = Annotations(request.prefer.get("odata.include-annotations"))
    if annotations:
        preferences["odata.include-annotations"] = (
            f'"{request.prefer["odata.include-annotations"]}"'
        )
    expanded = expansions(table, page.rows, options.expand)
    body: dict = {"@odata.context": context_url(request, table, options.select)}
    if options.count or annotations.wants(TOTAL):
        add_counts(body, query, options, annotations)
    body["value"] = Serializer(table, query.columns, annotations, expanded).rows(page.rows)
    if page.next_token:
        body["@odata.nextLink"] = next_link(request, page.next_token)
    return ApiResponse.json(200, body, applied(preferences))


def add_counts(body: dict, query: TableQuery, options: QueryOptions, annotations) -> None:
    capped, total = query.count()
    if annotations.wants(TOTAL):
        # Past 5,000 rows Dataverse says 5,000 and "exceeded", never the true total (Q-CNT).
        body[f"@{TOTAL}"] = capped if options.count else -1
        body[f"@{TOTAL_EXCEEDED}"] = total > capped
    if options.count:
        body["@odata.count"] = capped


def get_count(request: ApiRequest, table: Table, options: QueryOptions) -> ApiResponse:
    """``GET /accounts/$count``: the bare number as text (capped at 5,000)."""
    if options.deltatoken:
        count = changes.count_changes(table, options.deltatoken)
    else:
        count, _ = TableQuery(table, options).count()
    headers = {"OData-Version": "4.0", "Content-Type": "text/plain"}
    return ApiResponse(200, ("\ufeff" + str(count)).encode(), headers)
