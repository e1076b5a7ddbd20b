"""Low-level writes: versions from the global counter and many rows per SQL statement.

Rows are written with ``executemany`` of one prepared statement, which is several times
faster than building model instances, so 1,000 rows cost one short request.
"""

from __future__ import annotations

import datetime as dt
import uuid
from functools import cache

from django.db import connections
from django.db.models import F

from .models import Counter, Tombstone

DB = "dataverse"
VERSION = "rowversion"


def allocate_versions(count: int) -> int:
    """Reserve ``count`` consecutive versions and return the first. Must run in the writing
    transaction: the counter row stays locked until commit, so versions commit in order."""
    updated = Counter.objects.using(DB).filter(name=VERSION).update(value=F("value") + count)
    if not updated:
        Counter.objects.using(DB).create(name=VERSION, value=count)
    last = Counter.objects.using(DB).values_list("value", flat=True).get(name=VERSION)
    return last - count + 1


def current_version() -> int:
    """The last committed version: everything at or below it is visible to readers."""
    value = Counter.objects.using(DB).filter(name=VERSION).values_list("value", flat=True).first()
    return value or 0


@cache
def _fields(model) -> list:
    return [field for field in model._meta.concrete_fields]


# Every database driver takes these as they are.
NATIVE = frozenset({type(None), str, int, float, bool})


def _prepared(model, row: dict, fields: list, connection) -> list:
    """Database values of a row. Most columns are null and most others are strings or
    numbers, which need no conversion; only GUIDs, dates and decimals go through Django."""
    get = row.get
    return [
        value
        if type(value := get(field.attname)) in NATIVE
        else field.get_db_prep_value(value, connection, prepared=True)
        for field in fields
    ]


def insert_rows(model, rows: list[dict]) -> None:
    if not rows:
        return
    connection = connections[DB]
    quote = connection.ops.quote_name
    fields = _fields(model)
    columns = ", ".join(quote(field.column) for field in fields)
    marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
    prefix = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "
    values = [_prepared(model, row, fields, connection) for row in rows]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY is PostgreSQL's bulk path: one round trip instead of one per row.
            copy_sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
            with cursor.cursor.copy(copy_sql) as copy:
                for row in values:
                    copy.write_row(row)
        else:
            cursor.executemany(prefix + marks, values)


def update_rows(model, rows: list[dict]) -> None:
    """Write every column of each row (rows are full rows merged with their changes)."""
    if not rows:
        return
    connection = connections[DB]
    quote = connection.ops.quote_name
    key = model._meta.pk
    fields = [field for field in _fields(model) if field is not key]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(key.column)} = %s"
    params = [
        _prepared(model, row, fields, connection)
        + [key.get_db_prep_save(row[key.attname], connection)]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def bury(table: str, row_ids: list[uuid.UUID], first_version: int, now: dt.datetime) -> None:
    """Leave tombstones for deleted rows so that change tracking reports them."""
    Tombstone.objects.using(DB).bulk_create(
        Tombstone(table=table, row_id=row_id, versionnumber=first_version + n, deleted_on=now)
        for n, row_id in enumerate(row_ids)
    )


def unbury(table: str, row_ids: list[uuid.UUID]) -> None:
    """A row created again with the id of a deleted one is no longer deleted."""
    if row_ids:
        Tombstone.objects.using(DB).filter(table=table, row_id__in=row_ids).delete()
