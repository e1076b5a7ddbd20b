"""Local table filters: which records of a mapping's table take part in synchronization.

A mapping stores its filter as the data of a django-filter FilterSet built for its table
(Business Central's Table Filter), for example ``{"blocked": [""]}`` for "Blocked is blank".
``filterset_for`` declares every filter explicitly from the model's fields, so the stored data
can only name real fields, and ``check_table_filter`` refuses anything the form would refuse.

django-filter skips empty values, so conditions on blank values are filters of their own:
a choice field lists its blank choice ("Not blocked"), and a reference is "is set" / "is blank".
"""

from functools import cache

import django_filters
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.text import capfirst

from .virtual_fields import VIRTUAL_FOREIGN_KEYS

PRESENCE_CHOICES = [("set", "is set"), ("blank", "is blank")]
BLANK_CHOICE_LABEL = "(blank)"


class PresenceFilter(django_filters.ChoiceFilter):
    """ "is set" / "is blank" over one or more references (set = any of them is set)."""

    def __init__(self, *args, field_names: list[str], **kwargs):
        kwargs.setdefault("choices", PRESENCE_CHOICES)
        super().__init__(*args, **kwargs)
        self.field_names = field_names

    def filter(self, qs, value):
        if value in ("", None):
            return qs
        any_set = Q()
        for name in self.field_names:
            any_set |= Q(**{f"{name}__isnull": False})
        return qs.filter(any_set) if value == "set" else qs.exclude(any_set)


def _label(field: models.Field) -> str:
    return capfirst(field.verbose_name)


def _choice_filter(field: models.Field):
    choices = list(field.get_choices(include_blank=False))
    if field.blank and "" not in {value for value, _ in choices}:
        choices.insert(0, ("", BLANK_CHOICE_LABEL))
    return django_filters.MultipleChoiceFilter(
        field_name=field.name,
        choices=choices,
        label=f"{_label(field)} is one of",
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
    )


def _filter_for_field(field: models.Field):
    """Return the filter offered for ``field``, or None when the field is not filterable."""
    if field.choices:
        return _choice_filter(field)
    label = _label(field)
    if isinstance(field, models.BooleanField):
        return django_filters.BooleanFilter(field_name=field.name, label=label)
    if isinstance(field, models.ForeignKey):
        return PresenceFilter(field_names=[field.name], label=label)
    if isinstance(field, models.CharField | models.TextField):
        return django_filters.CharFilter(
            field_name=field.name, lookup_expr="icontains", label=f"{label} contains"
        )
    if isinstance(field, models.DateField):  # DateTimeField too
        return django_filters.DateFromToRangeFilter(field_name=field.name, label=label)
    if isinstance(field, models.DecimalField | models.IntegerField | models.FloatField):
        return django_filters.RangeFilter(field_name=field.name, label=f"{label} between")
    return None


def filterable_fields(model) -> list[models.Field]:
    """The model's own editable columns: no primary key, system id or modification time."""
    return [
        f
        for f in model._meta.concrete_fields
        if f.editable and not f.primary_key and not getattr(f, "auto_now", False)
    ]


@cache
def filterset_for(model) -> type[django_filters.FilterSet]:
    """A FilterSet class for ``model`` with one explicit filter per filterable field."""
    declared = {}
    for field in filterable_fields(model):
        filter_ = _filter_for_field(field)
        if filter_ is not None:
            declared[field.name] = filter_
    # A virtual field (a contact's company) is set when any of its foreign keys is set.
    for name, foreign_keys in VIRTUAL_FOREIGN_KEYS.get(model_label(model), {}).items():
        declared[name] = PresenceFilter(field_names=list(foreign_keys), label=capfirst(name))
    meta = type("Meta", (), {"model": model, "fields": []})
    return type(
        f"{model.__name__}TableFilter", (django_filters.FilterSet,), {**declared, "Meta": meta}
    )


def model_label(model) -> str:
    return model._meta.label_lower


def data_keys(filterset_class) -> dict[str, str]:
    """Map every key the stored data may hold to its filter's name (ranges have two keys)."""
    keys = {}
    for name, field in filterset_class().form.fields.items():
        for suffix in getattr(field.widget, "suffixes", None) or [None]:
            keys[f"{name}_{suffix}" if suffix else name] = name
    return keys


def _is_empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _bound_filterset(model, data, queryset):
    if data is None or data == "":
        data = {}
    if not isinstance(data, dict):
        raise ValidationError("The table filter must be a set of field conditions.")
    filterset_class = filterset_for(model)
    unknown = sorted(set(data) - set(data_keys(filterset_class)))
    if unknown:
        raise ValidationError(
            f"The table filter names {', '.join(unknown)}, which {model._meta.verbose_name} "
            "records cannot be filtered on.",
            code="unknown_filter",
        )
    cleaned = {key: value for key, value in data.items() if not _is_empty(value)}
    filterset = filterset_class(data=cleaned, queryset=queryset)
    if not filterset.is_valid():
        raise ValidationError(_error_messages(filterset), code="invalid_filter")
    return filterset, cleaned


def _error_messages(filterset) -> list[str]:
    form = filterset.form
    messages = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else "Table filter"
        messages.extend(f"{label}: {error}" for error in errors)
    return messages


def check_table_filter(model, data) -> dict:
    """Return ``data`` without empty values; raise ValidationError when it is not valid."""
    _, cleaned = _bound_filterset(model, data, model._default_manager.none())
    return cleaned


def apply_table_filter(mapping, queryset):
    """Return ``queryset`` narrowed by ``mapping.table_filter``.

    Raises ``ValidationError`` when the stored filter is not valid for the queryset's model.
    """
    filterset, cleaned = _bound_filterset(queryset.model, mapping.table_filter, queryset)
    if not cleaned:
        return queryset
    return filterset.qs


def local_model(label: str):
    """The installed model named ``app_label.model``; ValidationError when there is none."""
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        raise ValidationError(f"{label or 'The table'} is not an installed model.", code="no_model")


def describe_table_filter(model, data) -> str:
    """The filter in words, as on the mapping list: "Blocked is one of: Not blocked"."""
    if not data:
        return ""
    filterset_class = filterset_for(model)
    keys = data_keys(filterset_class)
    parts = []
    for key, value in data.items():
        filter_ = filterset_class.base_filters.get(keys.get(key, ""))
        if filter_ is None or _is_empty(value):
            continue
        parts.append(_describe(key, filter_, value))
    return ", ".join(parts)


def _describe(key: str, filter_, value) -> str:
    label = str(filter_.label)
    if isinstance(filter_, django_filters.ChoiceFilter | django_filters.MultipleChoiceFilter):
        names = dict((str(v), str(n)) for v, n in filter_.extra.get("choices", []))
        values = value if isinstance(value, list) else [value]
        shown = " or ".join(names.get(str(v), str(v)) or BLANK_CHOICE_LABEL for v in values)
        return f"{label}: {shown}" if label.endswith("is one of") else f"{label} {shown}"
    if isinstance(filter_, django_filters.BooleanFilter):
        shown = {"true": "Yes", "1": "Yes", "false": "No", "0": "No"}.get(str(value).lower(), value)
        return f"{label}: {shown}"
    if key.endswith(("_min", "_after")):
        return f"{label.removesuffix(' between')} ≥ {value}"
    if key.endswith(("_max", "_before")):
        return f"{label.removesuffix(' between')} ≤ {value}"
    return f"{label} “{value}”"


# ---- the Dataverse side ----------------------------------------------------------------


def integration_filter_problems(text: str, entity, table: str) -> list[str]:
    """What is wrong with an integration table filter (OData ``$filter`` text).

    The syntax is always checked; the columns only when ``entity`` (the table's metadata) is
    known. A lookup is filtered through its value column, ``_parentcustomerid_value``.
    """
    from .dataverse import odata

    text = (text or "").strip()
    if not text:
        return []
    try:
        expression = odata.parse_filter(text)
    except odata.ODataFilterError as error:
        return [f"The integration table filter is not valid: {error}"]
    if entity is None:
        return []
    unknown = sorted(c for c in expression.columns if not _known_column(c, entity))
    if not unknown:
        return []
    names = ", ".join(unknown)
    return [f"The Dataverse table {table} has no column {names}."]


def _known_column(column: str, entity) -> bool:
    attributes = entity.attributes
    if column in attributes:
        return True
    if column.startswith("_") and column.endswith("_value"):
        return column[1:-6] in attributes
    return False
