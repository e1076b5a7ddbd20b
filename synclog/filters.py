"""The filters of the Integration Synchronization Jobs and Errors pages (django-filter).

Each FilterSet declares its fields explicitly. Other pages link here with query strings, for
example a mapping's Synchronization Log (``?table_mapping_name=CUSTOMER&job_type=
synchronization``) or a record's (``?record=<system id>&jobs=<job id>,<job id>``).
"""

import django_filters
from django import forms
from django.db.models import Q

from . import selectors
from .models import SyncDirection, SyncJob, SyncJobError

PERIODS = [
    ("24h", "Last 24 hours"),
    ("48h", "Last 48 hours"),
    ("7d", "Last 7 days"),
    ("30d", "Last 30 days"),
]


class DateInput(forms.DateInput):
    input_type = "date"


class DateRangeWidget(django_filters.widgets.DateRangeWidget):
    """Two browser date pickers, sent as ``<name>_after`` and ``<name>_before``."""

    def __init__(self, attrs=None):
        # Skip RangeWidget.__init__, which insists on text inputs.
        django_filters.widgets.SuffixedMultiWidget.__init__(self, (DateInput, DateInput), attrs)


class UUIDInFilter(django_filters.BaseInFilter, django_filters.UUIDFilter):
    """Comma-separated UUIDs."""


def text_input(datalist: str) -> forms.TextInput:
    # A datalist suggests the names found in the log but accepts any name, so a link for a
    # mapping that has no jobs yet shows an empty list instead of a form error.
    return forms.TextInput(attrs={"list": datalist, "autocomplete": "off"})


def filter_since(queryset, field: str, period: str):
    if not period:
        return queryset
    return queryset.filter(**{f"{field}__gte": selectors.since(period)})


class SyncJobFilter(django_filters.FilterSet):
    table_mapping_name = django_filters.CharFilter(
        label="Mapping", widget=text_input("synclog-mapping-names")
    )
    direction = django_filters.ChoiceFilter(
        label="Direction",
        choices=[
            (SyncDirection.TO_INTEGRATION_TABLE.value, "To Dataverse"),
            (SyncDirection.FROM_INTEGRATION_TABLE.value, "From Dataverse"),
        ],
        empty_label="All",
    )
    job_type = django_filters.ChoiceFilter(
        label="Type", choices=SyncJob.JobType.choices, empty_label="All"
    )
    status = django_filters.ChoiceFilter(
        label="Status", choices=SyncJob.Status.choices, empty_label="All"
    )
    period = django_filters.ChoiceFilter(
        label="Started", choices=PERIODS, empty_label="Any time", method="filter_period"
    )
    started = django_filters.DateFromToRangeFilter(
        label="Started between", field_name="started_at", widget=DateRangeWidget
    )
    failed_only = django_filters.BooleanFilter(
        label="Failed only", widget=forms.CheckboxInput, method="filter_failed_only"
    )
    record = django_filters.UUIDFilter(
        label="Record (local or Dataverse id)", method="filter_by_record"
    )
    jobs = UUIDInFilter(label="Job ids", method="filter_by_record", widget=forms.HiddenInput)
    # The jobs of one request, e.g. a schedule's last run (both directions of a mapping).
    run = django_filters.UUIDFilter(label="Run", field_name="run_id", widget=forms.HiddenInput)

    class Meta:
        model = SyncJob
        fields = [
            "table_mapping_name",
            "direction",
            "job_type",
            "status",
            "period",
            "started",
            "failed_only",
            "record",
            "jobs",
            "run",
        ]

    def filter_period(self, queryset, name, value):
        return filter_since(queryset, "started_at", value)

    def filter_failed_only(self, queryset, name, value):
        return queryset.filter(selectors.HAS_FAILURES) if value else queryset

    def filter_by_record(self, queryset, name, value):
        # ``record`` and ``jobs`` widen each other (a record's jobs are the union of both),
        # so they are applied together in filter_queryset rather than one after the other.
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        return selectors.jobs_touching(
            queryset, record_id=data.get("record"), job_ids=data.get("jobs") or ()
        )


class SyncJobErrorFilter(django_filters.FilterSet):
    job = django_filters.UUIDFilter(label="Job id", field_name="job_id")
    table_mapping_name = django_filters.CharFilter(
        label="Mapping",
        field_name="job__table_mapping_name",
        widget=text_input("synclog-mapping-names"),
    )
    table = django_filters.CharFilter(
        label="Table", method="filter_table", widget=text_input("synclog-table-names")
    )
    period = django_filters.ChoiceFilter(
        label="Date", choices=PERIODS, empty_label="Any time", method="filter_period"
    )
    created = django_filters.DateFromToRangeFilter(
        label="Between", field_name="created_at", widget=DateRangeWidget
    )
    record = django_filters.UUIDFilter(
        label="Record (local or Dataverse id)", method="filter_record"
    )

    class Meta:
        model = SyncJobError
        fields = ["job", "table_mapping_name", "table", "period", "created", "record"]

    def filter_table(self, queryset, name, value):
        return queryset.filter(Q(local_table=value) | Q(dataverse_table=value))

    def filter_period(self, queryset, name, value):
        return filter_since(queryset, "created_at", value)

    def filter_record(self, queryset, name, value):
        return queryset.filter(Q(local_id=value) | Q(dataverse_id=value))
