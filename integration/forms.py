"""Forms of the setup pages: the connection, table mappings (with their filter) and field mappings.

The forms only translate between the page and the models; every rule lives in
``integration.validation`` / ``integration.field_rules`` and is reached through
``integration.setup_services``. A table mapping and its field mappings are checked together by
the field mappings' formset, which puts each message next to the setting it is about.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet

from . import filters, setup_services, transformations
from .models import ConnectionSetup, IntegrationFieldMapping, IntegrationTableMapping
from .validation import (
    Problems,
    as_code,
    check_local_table,
    dependency_filter_as_codes,
    synchronizable_models,
)
from .virtual_fields import VIRTUAL_FIELDS

TABLE_FILTER_PREFIX = "table_filter__"
REMOVE_COUPLING = IntegrationTableMapping.DeletionConflictResolution.REMOVE_COUPLING
RECREATE_WARNING = (
    "Resolve Deletion Conflicts is 'Delete coupling': with Synch. Only Coupled Records cleared, "
    "a later scheduled synchronization may recreate the coupling and the deleted record. "
    "Tick 'Clear it anyway' to save."
)
PARAMETER_HELP = (
    "Substring: start, length · Replace: find, replace with · Regular expression replace: "
    "pattern, replacement · Prefix / Suffix: text · Round: decimal places"
)


def _https_by_default(db_field, **kwargs):
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")  # a URL typed without a scheme
    return db_field.formfield(**kwargs)


class ConnectionSetupForm(forms.ModelForm):
    """The client secret is write-only: never rendered, blank keeps the stored one."""

    client_secret = forms.CharField(
        label="Client secret",
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Write-only: it is stored encrypted and never shown. Leave blank to keep the "
        "stored secret.",
    )

    class Meta:
        model = ConnectionSetup
        fields = ["environment_url", "tenant", "client_id", "authority_url", "is_enabled"]
        formfield_callback = _https_by_default

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("client_secret"):
            return cleaned
        if cleaned.get("is_enabled") and not self.instance.has_client_secret:
            self.add_error("client_secret", "Enter the client secret: none is stored.")
        elif "authority_url" in self.changed_data and self.instance.has_client_secret:
            # The secret is posted to the token authority. Someone who may edit this page but
            # was never told the secret must not redirect the stored one to a server of theirs.
            self.add_error(
                "client_secret",
                "Enter the client secret again: the stored one is only sent to the token "
                "authority it was entered for.",
            )
        return cleaned

    def save(self, commit=True):
        if self.cleaned_data.get("client_secret"):
            self.instance.client_secret = self.cleaned_data["client_secret"]
        return super().save(commit)


# ---- table mappings --------------------------------------------------------------------


def _selected(choices, value) -> list:
    """``choices`` plus ``value`` when it is not among them, so a select never loses a value."""
    if value and value not in {v for v, _ in choices}:
        return [*choices, (value, f"{value} (not available)")]
    return choices


class IntegrationTableMappingForm(forms.ModelForm):
    filter_model = None  # the model whose table filter fields this form class carries
    rows_from_formset = True  # False when the page has no field mappings formset
    schema: setup_services.DataverseSchema | None = None

    local_table = forms.CharField(label="Table", widget=forms.Select)
    confirm_clear_synch_only_coupled = forms.BooleanField(
        label="Clear it anyway",
        required=False,
        help_text="Confirms clearing Synch. Only Coupled Records while deletion conflicts "
        "delete the coupling.",
    )

    class Meta:
        model = IntegrationTableMapping
        fields = [
            "name",
            "local_table",
            "dataverse_table",
            "direction",
            "integration_table_filter",
            "synch_only_coupled_records",
            "dependency_filter",
            "update_conflict_resolution",
            "deletion_conflict_resolution",
            "local_modified_on_filter",
            "dataverse_modified_on_filter",
            "synch_after_bulk_coupling",
            "create_new_in_case_of_no_match",
            "disable_event_job_resch",
        ]
        widgets = {"integration_table_filter": forms.Textarea(attrs={"rows": 2, "cols": 80})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance._setup_form = self  # the field mappings' formset reports here
        self.schema = self.schema or setup_services.DataverseSchema()
        self.table_filter_reset = False
        self.notes: list[str] = []
        choices = [("", "---------")] + [
            (label, f"{label} ({model._meta.verbose_name})")
            for label, model in synchronizable_models()
        ]
        self.fields["local_table"].widget.choices = _selected(choices, self.instance.local_table)
        self._set_filter_initial()

    # -- the table filter, as the data of the table's FilterSet

    def filter_fields(self) -> dict[str, forms.Field]:
        return {
            name[len(TABLE_FILTER_PREFIX) :]: field
            for name, field in self.fields.items()
            if name.startswith(TABLE_FILTER_PREFIX)
        }

    def _set_filter_initial(self) -> None:
        data = self.instance.table_filter or {}
        for name, field in self.filter_fields().items():
            suffixes = getattr(field.widget, "suffixes", None)
            if suffixes:
                value = [data.get(f"{name}_{s}") for s in suffixes]
            else:
                value = data.get(name)
            self.initial[TABLE_FILTER_PREFIX + name] = value

    def _posted_filter(self) -> dict:
        data = {}
        for name, field in self.filter_fields().items():
            html_name = self.add_prefix(TABLE_FILTER_PREFIX + name)
            raw = field.widget.value_from_datadict(self.data, self.files, html_name)
            suffixes = getattr(field.widget, "suffixes", None)
            if suffixes:
                data.update({f"{name}_{s}": v for s, v in zip(suffixes, raw, strict=True)})
            elif isinstance(raw, bool):
                data[name] = "true" if raw else "false"
            else:
                data[name] = raw
        return {k: v for k, v in data.items() if v not in (None, "", [])}

    def clean_name(self):
        return as_code(self.cleaned_data["name"])

    def clean_dependency_filter(self):
        return dependency_filter_as_codes(self.cleaned_data["dependency_filter"])

    def clean_local_table(self):
        label = self.cleaned_data["local_table"]
        check_local_table(label)
        return label

    def clean(self):
        cleaned = super().clean()
        table = cleaned.get("local_table")
        if self.instance.pk and table and table != self.instance.local_table:
            self.table_filter_reset = bool(self.instance.table_filter)
            self.instance.table_filter = {}
        elif self.filter_model is not None:
            self.instance.table_filter = self._posted_filter()
        self._check_recreate_warning(cleaned)
        return cleaned

    def _check_recreate_warning(self, cleaned) -> None:
        """Business Central asks before Synch. Only Coupled Records is cleared in this case."""
        coupled = cleaned.get("synch_only_coupled_records")
        deletion = cleaned.get("deletion_conflict_resolution")
        if coupled is not False or deletion != REMOVE_COUPLING:
            return
        before = (
            self.instance.synch_only_coupled_records,
            self.instance.deletion_conflict_resolution,
        )
        if self.instance.pk and before == (False, REMOVE_COUPLING):
            return  # nothing new: it was confirmed when it was set
        if not cleaned.get("confirm_clear_synch_only_coupled"):
            self.add_error("synch_only_coupled_records", RECREATE_WARNING)

    def _post_clean(self):
        super()._post_clean()
        if not self.rows_from_formset:
            self.report(
                setup_services.table_mapping_check(
                    self.instance, setup_services.saved_rows(self.instance), schema=self.schema
                )
            )

    def report(self, problems: Problems) -> None:
        """Put the mapping's problems next to its settings."""
        for setting, messages in problems.mapping.items():
            field = setting if setting in self.fields else None
            if field and field in self.errors:
                continue  # the form already says what is wrong with it
            for message in messages:
                self.add_error(field, message if field else _prefixed(setting, message))
        self.notes = list(problems.notes)


def _prefixed(setting: str, message: str) -> str:
    caption = {"table_filter": "Table filter"}.get(setting)
    return f"{caption}: {message}" if caption else message


def table_mapping_form_for(model, *, rows_from_formset: bool = True):
    """The mapping form class with ``model``'s table filter fields (None: no filter fields)."""
    attrs = {
        "filter_model": model,
        "rows_from_formset": rows_from_formset,
        "schema": setup_services.DataverseSchema(),
    }
    if model is not None:
        filter_form = filters.filterset_for(model)().form
        for name, field in filter_form.fields.items():
            field.required = False
            attrs[TABLE_FILTER_PREFIX + name] = field
    return type("IntegrationTableMappingForm", (IntegrationTableMappingForm,), attrs)


def table_filter_field_names(model) -> list[str]:
    if model is None:
        return []
    return [TABLE_FILTER_PREFIX + name for name in filters.filterset_for(model).base_filters]


# ---- field mappings --------------------------------------------------------------------

# Where a row problem about a model setting shows on the form.
ROW_FIELD_ALIASES = {"transformation_parameters": "parameter_1"}


def local_field_choices(model) -> list[tuple[str, str]]:
    label = model._meta.label_lower
    choices = [("", "---------")]
    for field in filters.filterable_fields(model):
        choices.append((field.name, f"{field.name} ({field.verbose_name})"))
    for name, description in VIRTUAL_FIELDS.get(label, {}).items():
        choices.append((name, f"{name} ({description.split(':')[0].lower()})"))
    return choices


class IntegrationFieldMappingForm(forms.ModelForm):
    """One field mapping; the rule's parameters are two plain inputs, not JSON."""

    local_model = None  # the table mapping's model, for the local field choices

    parameter_1 = forms.CharField(label="Parameter 1", required=False, help_text=PARAMETER_HELP)
    parameter_2 = forms.CharField(label="Parameter 2", required=False)

    class Meta:
        model = IntegrationFieldMapping
        fields = [
            "table_mapping",
            "order",
            "local_field",
            "dataverse_column",
            "direction",
            "constant_value",
            "transformation_rule",
            "transformation_direction",
            "validate_field",
            "validate_integration_table_field",
            "clear_value_on_failed_sync",
            "not_null",
            "status",
            "use_for_match_based_coupling",
            "case_sensitive_matching",
            "match_priority",
        ]
        widgets = {
            "order": forms.NumberInput(attrs={"style": "width: 4em"}),
            "match_priority": forms.NumberInput(attrs={"style": "width: 4em"}),
            "constant_value": forms.TextInput(attrs={"size": 8}),
            "dataverse_column": forms.TextInput(attrs={"size": 18}),
            "parameter_1": forms.TextInput(attrs={"size": 8}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("parameter_1", "parameter_2"):
            self.fields[name].widget.attrs.setdefault("size", 8)
        if self.local_model is not None:
            choices = _selected(local_field_choices(self.local_model), self.instance.local_field)
            self.fields["local_field"].widget = forms.Select(choices=choices)
        keys = [p.key for p in transformations.parameters_for(self.instance.transformation_rule)]
        stored = self.instance.transformation_parameters or {}
        for name, key in zip(("parameter_1", "parameter_2"), keys, strict=False):
            value = stored.get(key)
            self.initial[name] = "" if value is None else value

    def clean(self):
        cleaned = super().clean()
        rule = cleaned.get("transformation_rule") or ""
        keys = [p.key for p in transformations.parameters_for(rule)]
        values = [cleaned.get("parameter_1") or "", cleaned.get("parameter_2") or ""]
        for index, value in enumerate(values):
            if value and index >= len(keys):
                caption = (
                    IntegrationFieldMapping.TransformationRule(rule).label if rule else "No rule"
                )
                taken = f"takes {len(keys)} parameter(s)" if keys else "takes no parameters"
                self.add_error(f"parameter_{index + 1}", f"{caption} {taken}.")
        self.instance.transformation_parameters = {
            key: value for key, value in zip(keys, values, strict=False) if value != ""
        }
        return cleaned

    def report_row(self, problems: dict[str, list[str]]) -> None:
        for setting, messages in problems.items():
            field = ROW_FIELD_ALIASES.get(setting, setting)
            field = field if field in self.fields else None
            for message in messages:
                self.add_error(field, message)


def field_mapping_form_for(model, base=IntegrationFieldMappingForm):
    return type(base.__name__, (base,), {"local_model": model})


class FieldMappingFormSet(BaseInlineFormSet):
    """Checks the table mapping and all its field mappings together, as they would be saved."""

    def rows(self) -> list[tuple[forms.Form, IntegrationFieldMapping]]:
        found = []
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                continue
            if form.instance.pk is None and not form.has_changed():
                continue  # an empty extra row
            found.append((form, form.instance))
        return found

    def clean(self):
        super().clean()
        parent = getattr(self.instance, "_setup_form", None)
        schema = parent.schema if parent is not None else None
        rows = self.rows()
        problems = setup_services.table_mapping_check(
            self.instance, [row for _, row in rows], schema=schema
        )
        for index, (form, _) in enumerate(rows):
            if problems.rows.get(index):
                form.report_row(problems.rows[index])
        if parent is not None:
            parent.report(problems)
        if not problems.ok:
            raise ValidationError(
                "The mapping was not saved: correct the settings marked on this page.",
                code="invalid_mapping",
            )


class StandaloneFieldMappingForm(IntegrationFieldMappingForm):
    """A field mapping edited on its own page: checked with its table mapping's other rows."""

    class Meta(IntegrationFieldMappingForm.Meta):
        pass

    def _post_clean(self):
        super()._post_clean()
        mapping = (
            getattr(self.instance, "table_mapping", None)
            if self.instance.table_mapping_id
            else None
        )
        if mapping is None:
            return
        rows = [r for r in setup_services.saved_rows(mapping) if r.pk != self.instance.pk]
        rows.append(self.instance)
        rows.sort(key=lambda r: (r.order, r.pk or 0))
        problems = setup_services.table_mapping_check(mapping, rows)
        self.report_row(problems.rows.get(rows.index(self.instance), {}))
        for message in problems.mapping.get("direction", []):
            self.add_error(None, f"{mapping.name}: {message}")
