"""Change tracking: ``Prefer: odata.track-changes``, delta links and ``$deletedEntity`` rows.

A delta token is the global row version at the time it was issued. Everything committed later
has a larger version (see ``storage.allocate_versions``), so a delta request is two index
range scans, ``versionnumber > token``, whatever the size of the table.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote, urlencode

from . import paging, storage
from .api import ApiRequest, ApiResponse
from .errors import expired_version_stamp, query_error
from .models import ROW_MODELS, Tombstone
from .odata.options import QueryOptions
from .query import MAX_PAGE_SIZE, fetch_fields, select_columns
from .schema.types import Table
from .serialize import Serializer
from .state import state

NOT_WITH_TRACKING = ("$filter", "$orderby", "$expand", "$top")


def reject_options(options: QueryOptions) -> None:
    used = options.used()
    for name in NOT_WITH_TRACKING:
        if name in used:
            raise query_error(
                f'The "{name}" query parameter isn\'t supported when Change Tracking is enabled.'
            )


# Change data is kept for Organization.ExpireChangeTrackingInDays, 7 by default (CT); an older
# delta token is refused, and the client reads the table in full again.
TOKEN_LIFETIME = dt.timedelta(days=7)
STAMP = "%m/%d/%Y %H:%M:%S"


def now() -> dt.datetime:
    """The emulator's clock (moved on by the control endpoint, so expiry can be tested)."""
    return dt.datetime.fromtimestamp(state().now(), dt.UTC)


def make_delta_token(version: int) -> str:
    return f"{version}!{now():{STAMP}}"


def read_delta_token(token: str) -> int:
    text, _, stamp = token.partition("!")
    try:
        issued = dt.datetime.strptime(stamp, STAMP).replace(tzinfo=dt.UTC)
    except ValueError:
        issued = None
    if not text.isdigit() or issued is None:
        raise query_error(f"The delta token '{token}' is not valid.")
    if now() - issued > TOKEN_LIFETIME:
        raise expired_version_stamp()
    return int(text)


def link(request: ApiRequest, **extra: str) -> str:
    query = {k: v for k, v in request.query.items() if k not in ("$skiptoken", "$deltatoken")}
    query.update(extra)
    return f"{request.root}{request.path}?{urlencode(query, quote_via=quote, safe='$,()!')}"


def get_changes(request: ApiRequest, table: Table, options: QueryOptions) -> ApiResponse:
    reject_options(options)
    from .collections import applied, context_url, page_size

    size, preferences = page_size(request)
    size = size or MAX_PAGE_SIZE
    preferences = {"odata.track-changes": None, **preferences}
    columns = select_columns(table, options.select)
    state = tracking_state(options)
    if state["mode"] == "initial":
        items, token = initial_page(table, columns, state, size)
        suffix = ""
    else:
        items, token = delta_page(request, table, columns, state, size)
        suffix = "/$delta"
    body = {"@odata.context": context_url(request, table, options.select, suffix), "value": items}
    if token:
        body["@odata.nextLink"] = link(request, **{"$skiptoken": token})
    else:
        body["@odata.deltaLink"] = link(
            request, **{"$deltatoken": make_delta_token(state["snapshot"])}
        )
    return ApiResponse.json(200, body, applied(preferences))


def tracking_state(options: QueryOptions) -> dict:
    """Where this request starts: a first full read, a delta, or a later page of either."""
    if options.skiptoken:
        _, values, extra = paging.read_token(options.skiptoken)
        if "snapshot" not in extra:
            raise query_error("The $skiptoken value is not valid.")
        return {**extra, "snapshot": int(extra["snapshot"]), "last": values.get("last")}
    snapshot = storage.current_version()
    if options.deltatoken:
        since = read_delta_token(options.deltatoken)
        return {
            "mode": "delta",
            "phase": "rows",
            "since": str(since),
            "snapshot": snapshot,
            "last": None,
        }
    return {"mode": "initial", "snapshot": snapshot, "last": None}


def tracking_token(state: dict, last) -> str:
    extra = {k: str(v) for k, v in state.items() if k != "last" and v is not None}
    return paging.make_token(1, [("last", last)], extra, tracking=True)


def initial_page(table: Table, columns, state: dict, size: int):
    """Every row, in primary key order, read page by page."""
    queryset = ROW_MODELS[table.logical_name].objects.order_by("pk")
    if state["last"] is not None:
        queryset = queryset.filter(pk__gt=paging.decode_value("Uniqueidentifier", state["last"]))
    rows = list(queryset.values(*fetch_fields(table, columns))[: size + 1])
    token = None
    if len(rows) > size:
        rows = rows[:size]
        token = tracking_token(state, rows[-1][table.primary_id])
    return Serializer(table, columns).rows(rows), token


def delta_page(request: ApiRequest, table: Table, columns, state: dict, size: int):
    """Rows changed since the token, by version, then the rows deleted since then."""
    since, snapshot = int(state["since"]), state["snapshot"]
    last = int(state["last"]) if state["last"] is not None else since
    items: list = []
    if state["phase"] == "rows":
        changed = (
            ROW_MODELS[table.logical_name]
            .objects.filter(versionnumber__gt=last, versionnumber__lte=snapshot)
            .order_by("versionnumber")
        )
        rows = list(changed.values(*fetch_fields(table, columns))[: size + 1])
        if len(rows) > size:
            rows = rows[:size]
            return Serializer(table, columns).rows(rows), tracking_token(
                state, rows[-1]["versionnumber"]
            )
        items = Serializer(table, columns).rows(rows)
        state, last = {**state, "phase": "deletes"}, since
    deleted = Tombstone.objects.filter(
        table=table.logical_name, versionnumber__gt=last, versionnumber__lte=snapshot
    ).order_by("versionnumber")
    room = size - len(items)
    tombstones = list(deleted.values_list("row_id", "versionnumber")[: room + 1])
    context = f"{request.root}$metadata#{table.entity_set_name}/$deletedEntity"
    for row_id, _ in tombstones[:room]:
        items.append({"@odata.context": context, "id": str(row_id), "reason": "deleted"})
    if len(tombstones) > room:
        return items, tracking_token(state, tombstones[room - 1][1] if room else last)
    return items, None


def count_changes(table: Table, token: str) -> int:
    since = read_delta_token(token)
    changed = ROW_MODELS[table.logical_name].objects.filter(versionnumber__gt=since).count()
    deleted = Tombstone.objects.filter(table=table.logical_name, versionnumber__gt=since).count()
    return changed + deleted
