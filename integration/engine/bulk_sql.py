"""Many rows per statement: INSERT and UPDATE by ``executemany``, for the engine's bulk writes.

Django's ``bulk_create`` and ``bulk_update`` compile every value of every row through the
query compiler (``bulk_update`` even builds a CASE WHEN per field and per row): for a page of
1,000 couplings with twenty columns that is most of a page's time. Here one prepared
statement runs once per row, and each value goes through its field's ``get_db_prep_save`` as
it does in Django, or, for the common cases (text, numbers, booleans, UUIDs, aware
date-times, JSON objects), through exactly the steps ``get_db_prep_save`` would take for
them. What lands in the database is what Django would write.

``update_changed`` writes only the columns whose values differ from those last read or
written (kept on each object by ``remember``): a coupling confirmed after its create changes
five columns, not twenty, and its JSON baselines are not encoded and written a second time.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from operator import attrgetter

from django.db import connections, models, router
from django.utils import timezone

SAVED = "_bulk_sql_saved"  # on each object: its values as the database holds them
# Values of these types need no conversion for fields of the matching kind.
PLAIN = {
    models.CharField: str,
    models.TextField: str,
    models.BooleanField: bool,
    models.IntegerField: int,
    models.BigIntegerField: int,
}


def preparer(field: models.Field, connection) -> Callable:
    """A function turning a value of ``field`` into its database parameter: the field's
    ``get_db_prep_save``, with the common cases done the way it does them, minus its layers.
    ``None`` stays ``None`` (NULL), as it does for every field the engine writes."""
    convert = value_preparer(field, connection)
    return lambda value: None if value is None else convert(value)


def value_preparer(field: models.Field, connection) -> Callable:
    kind, prepare = type(field), field.get_db_prep_save
    if kind in PLAIN:
        plain = PLAIN[kind]
        return lambda value: value if type(value) is plain else prepare(value, connection)
    if kind is models.UUIDField:
        native = connection.features.has_native_uuid_field
        return lambda value: (
            (value if native else value.hex)
            if type(value) is uuid.UUID
            else prepare(value, connection)
        )
    if kind is models.DateTimeField:
        adapt = connection.ops.adapt_datetimefield_value
        return lambda value: (
            adapt(value)
            if type(value) is datetime and value.tzinfo is not None
            else prepare(value, connection)
        )
    if kind is models.JSONField:
        adapt, encoder = connection.ops.adapt_json_value, field.encoder
        return lambda value: (
            adapt(value, encoder) if type(value) is dict else prepare(value, connection)
        )
    return lambda value: prepare(value, connection)


def reader(field: models.Field, now: datetime) -> Callable:
    """What ``bulk_create`` takes from an object for ``field``: ``pre_save``, or the attribute
    itself where ``pre_save`` would only read it. ``auto_now`` and ``auto_now_add`` fields
    get ``now``, one time for the whole statement, set on the object as ``pre_save`` does."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):

        def stamp(obj):
            setattr(obj, field.attname, now)
            return now

        return stamp
    if type(field).pre_save is models.Field.pre_save or isinstance(field, models.DateField):
        return attrgetter(field.attname)
    return lambda obj: field.pre_save(obj, True)


def insert_rows(model, objects: list, key_fields: tuple[str, ...]) -> None:
    """INSERT ``objects`` as ``bulk_create`` would (``pre_save``, defaults), then give each
    its primary key, found through ``key_fields``, which must identify a row."""
    if not objects:
        return
    alias = router.db_for_write(model)
    connection = connections[alias]
    quote = connection.ops.quote_name
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    steps = [(reader(field, now), preparer(field, connection)) for field in fields]
    columns = ", ".join(quote(field.column) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"
    params = [[convert(read(obj)) for read, convert in steps] for obj in objects]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    assign_keys(model, objects, key_fields, alias)


def assign_keys(model, objects: list, key_fields: tuple[str, ...], alias: str) -> None:
    *fixed, varying = key_fields
    groups: dict[tuple, list] = {}
    for obj in objects:
        groups.setdefault(tuple(getattr(obj, name) for name in fixed), []).append(obj)
    for values, members in groups.items():
        found = dict(
            model._default_manager.using(alias)
            .filter(**dict(zip(fixed, values, strict=True)))
            .filter(**{f"{varying}__in": [getattr(obj, varying) for obj in members]})
            .values_list(varying, "pk")
        )
        for obj in members:
            obj.pk = found[getattr(obj, varying)]
            obj._state.adding = False
            obj._state.db = alias


def update_rows(model, objects: list, field_names: list[str]) -> None:
    """UPDATE ``field_names`` of each object by primary key, as ``bulk_update`` would (it does
    not apply ``auto_now`` either: callers set such fields themselves)."""
    if not objects:
        return
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in field_names]
    prepare = [preparer(field, connection) for field in fields]
    key = model._meta.pk
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(key.column)} = %s"
    params = [
        [
            convert(getattr(obj, field.attname))
            for field, convert in zip(fields, prepare, strict=True)
        ]
        + [key.get_db_prep_save(obj.pk, connection)]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def remember(objects: list, field_names: list[str]) -> None:
    """Note the values of ``field_names`` the database now holds for each object."""
    for obj in objects:
        obj.__dict__[SAVED] = {name: _copy(getattr(obj, name)) for name in field_names}


def forget(objects: list) -> None:
    for obj in objects:
        obj.__dict__.pop(SAVED, None)


def update_changed(model, objects: list, field_names: list[str], always=()) -> None:
    """Like ``update_rows``, but only the fields that differ from what the database holds
    (objects never remembered get every field). Rows are grouped by the set of fields they
    change, one statement per group. The caller remembers the objects once the write is
    done, and forgets them if it is rolled back."""
    groups: dict[tuple, list] = {}
    for obj in objects:
        groups.setdefault(changed_fields(obj, field_names, always), []).append(obj)
    for fields, members in groups.items():
        update_rows(model, members, list(fields))


def changed_fields(obj, field_names: list[str], always=()) -> tuple[str, ...]:
    saved = obj.__dict__.get(SAVED)
    if saved is None:
        return tuple(field_names)
    return tuple(
        name
        for name in field_names
        if name in always or not _identical(getattr(obj, name), saved[name])
    )


def _copy(value):
    # Baselines are dicts that the engine may change in place: keep a copy, not the object.
    if type(value) is dict:
        types = set(map(type, value.values()))
        if dict in types or list in types:
            return {key: _copy(item) for key, item in value.items()}
        return dict(value)
    if type(value) is list:
        return [_copy(item) for item in value]
    return value


def _identical(a, b) -> bool:
    """Equal and of the same types, keys in the same order: the same JSON once written
    (``True == 1`` and ``{"a": 1, "b": 2} == {"b": 2, "a": 1}`` are not enough)."""
    if type(a) is not type(b) or a != b:
        return False
    if type(a) is dict:
        if list(a) != list(b):
            return False
        types = list(map(type, a.values()))
        if types != list(map(type, b.values())):
            return False
        if dict in types or list in types:
            return all(_identical(a[key], b[key]) for key in a)
    elif type(a) is list:
        return all(_identical(x, y) for x, y in zip(a, b, strict=True))
    return True
