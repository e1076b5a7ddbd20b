"""What a mapping means for one run: field specs resolved against the model and metadata.

A ``FieldSpec`` is one enabled field mapping with everything the transfer needs: the local
model field, the Dataverse attribute's type, and for lookups the tables whose couplings
resolve it. Building the specs checks the configuration once per run, so that a mapping that
cannot work stops the job with one clear message instead of failing every record.
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from synclog.models import SyncDirection

from ..models import IntegrationFieldMapping, IntegrationTableMapping
from ..virtual_fields import virtual_foreign_keys
from .errors import JobStopped

TO = SyncDirection.TO_INTEGRATION_TABLE
FROM = SyncDirection.FROM_INTEGRATION_TABLE
BOTH = SyncDirection.BIDIRECTIONAL
LOOKUP_TYPES = {"Lookup", "Owner", "Customer"}


class Kind:
    VALUE = "value"
    LOOKUP = "lookup"  # a foreign key ↔ a lookup column, through the related couplings
    COMPANY = "company"  # one of several foreign keys ↔ one multi-table lookup
    BASE_UNIT = "base_unit"  # a unit of measure → the base unit of its coupled unit group


@dataclass(frozen=True)
class RelatedTable:
    foreign_key: str  # the local model field holding the reference
    local_table: str  # the related model's label, e.g. "erp.currency"
    dataverse_table: str  # the Dataverse table its couplings point at


@dataclass(frozen=True)
class FieldSpec:
    order: int
    local_field: str
    column: str
    direction: str
    constant: str
    rule: str
    rule_parameters: dict
    rule_direction: str
    clear_value_on_failed_sync: bool
    not_null: bool
    validate: bool
    kind: str = Kind.VALUE
    attribute_type: str = ""
    precision: int | None = None
    model_field: models.Field | None = None
    related: tuple[RelatedTable, ...] = ()
    # False for a column Dataverse takes on create only (a unit group's base unit name).
    updatable: bool = True

    def carries(self, direction: str) -> bool:
        return self.direction in (direction, BOTH)

    @property
    def is_bidirectional(self) -> bool:
        return self.direction == BOTH

    @property
    def read_column(self) -> str:
        """The column name in rows read from Dataverse (lookups read as ``_x_value``)."""
        if self.attribute_type in LOOKUP_TYPES:
            return f"_{self.column}_value"
        return self.column

    @property
    def is_lookup(self) -> bool:
        return self.kind != Kind.VALUE

    def rule_applies(self, direction: str) -> bool:
        if not self.rule:
            return False
        if self.direction != BOTH:
            return self.direction == direction
        return (self.rule_direction or TO) == direction

    def __str__(self):
        return f"{self.local_field or repr(self.constant)} ↔ {self.column or repr(self.constant)}"


@dataclass
class MappingPlan:
    mapping: IntegrationTableMapping
    model: type[models.Model]
    entity: object  # integration.dataverse EntityMetadata
    specs: list[FieldSpec]
    filter_expression: object | None = None
    local_caption: str = ""
    dataverse_caption: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def local_table(self) -> str:
        return self.mapping.local_table

    @property
    def dataverse_table(self) -> str:
        return self.mapping.dataverse_table

    @property
    def primary_id(self) -> str:
        return self.entity.primary_id

    def specs_for(self, direction: str) -> list[FieldSpec]:
        if direction == TO:
            return [s for s in self.specs if s.carries(TO) and s.column]
        return [s for s in self.specs if s.carries(FROM) and s.local_field]

    def read_columns(self) -> list[str]:
        """Columns to select from Dataverse: mapped ones, the filter's, and the system ones."""
        columns = {s.read_column for s in self.specs if s.column}
        if self.filter_expression is not None:
            columns |= set(self.filter_expression.columns)
        columns |= {self.primary_id, "modifiedon", "versionnumber", "_modifiedby_value"}
        if getattr(self.entity, "primary_name", None):
            columns.add(self.entity.primary_name)
        return sorted(columns)


def local_model(mapping: IntegrationTableMapping) -> type[models.Model]:
    try:
        return apps.get_model(mapping.local_table)
    except (LookupError, ValueError):
        raise JobStopped(
            f"The table {mapping.local_table!r} of mapping {mapping.name} is not an installed "
            "model. Correct the mapping's Table."
        ) from None


def build_specs(mapping, model, entity, all_mappings) -> list[FieldSpec]:
    rows = mapping.field_mappings.filter(status=IntegrationFieldMapping.Status.ENABLED)
    specs = [build_spec(fm, model, entity, all_mappings) for fm in rows.order_by("order", "pk")]
    if not specs:
        raise JobStopped(f"There are no enabled field mappings for {mapping.name}.")
    return specs


def build_spec(fm, model, entity, all_mappings) -> FieldSpec:
    attribute = entity.attributes.get(fm.dataverse_column) if fm.dataverse_column else None
    if fm.dataverse_column and attribute is None:
        raise JobStopped(
            f"The Dataverse table {entity.logical_name} has no column {fm.dataverse_column!r} "
            f"(field mapping {fm.local_field or fm.constant_value} of "
            f"{fm.table_mapping.name}). Correct or disable the field mapping."
        )
    attribute_type = getattr(attribute, "attribute_type", "") if attribute else ""
    common = {
        "order": fm.order,
        "local_field": fm.local_field,
        "column": fm.dataverse_column,
        "direction": fm.direction,
        "constant": fm.constant_value,
        "rule": fm.transformation_rule,
        "rule_parameters": fm.transformation_parameters or {},
        "rule_direction": fm.transformation_direction,
        "clear_value_on_failed_sync": fm.clear_value_on_failed_sync,
        "not_null": fm.not_null,
        "validate": fm.validate_field,
        "attribute_type": attribute_type,
        "precision": getattr(attribute, "precision", None) if attribute else None,
        "updatable": getattr(attribute, "valid_for_update", True) if attribute else True,
    }
    if not fm.local_field:
        return FieldSpec(**common)
    label = model._meta.label_lower
    foreign_keys = virtual_foreign_keys(label, fm.local_field)
    if foreign_keys:
        related = tuple(
            related_table(model, fk, attribute, all_mappings, fm) for fk in foreign_keys
        )
        return FieldSpec(**common, kind=Kind.COMPANY, related=related)
    model_field = local_field(model, fm)
    if isinstance(model_field, models.ForeignKey) and attribute_type in LOOKUP_TYPES:
        related = related_table(model, fm.local_field, attribute, all_mappings, fm)
        kind = Kind.BASE_UNIT if related.dataverse_table not in attribute.targets else Kind.LOOKUP
        return FieldSpec(**common, kind=kind, model_field=model_field, related=(related,))
    return FieldSpec(**common, model_field=model_field)


def local_field(model, fm) -> models.Field:
    try:
        return model._meta.get_field(fm.local_field)
    except FieldDoesNotExist:
        raise JobStopped(
            f"{model._meta.verbose_name.capitalize()} has no field {fm.local_field!r} "
            f"(mapping {fm.table_mapping.name}). Correct or disable the field mapping."
        ) from None


def related_table(model, fk_name, attribute, all_mappings, fm) -> RelatedTable:
    """Find the mapping whose couplings resolve the foreign key ``fk_name``."""
    related_label = model._meta.get_field(fk_name).related_model._meta.label_lower
    targets = list(getattr(attribute, "targets", ()) or ())
    candidates = [m for m in all_mappings if m.local_table == related_label]
    for mapping in candidates:
        if mapping.dataverse_table in targets:
            return RelatedTable(fk_name, related_label, mapping.dataverse_table)
    # A unit of measure is coupled to a unit group; a "uom" lookup takes the group's base unit.
    for mapping in candidates:
        if mapping.dataverse_table == "uomschedule" and "uom" in targets:
            return RelatedTable(fk_name, related_label, "uomschedule")
    target = " or ".join(targets) or "?"
    raise JobStopped(
        f"Table {related_label} must be mapped to table {target} to transfer the value between "
        f"fields {fm.local_field} and {fm.dataverse_column} (mapping {fm.table_mapping.name})."
    )


def build_plan(mapping: IntegrationTableMapping, client) -> MappingPlan:
    from ..dataverse import odata

    model = local_model(mapping)
    check_table_filter(mapping, model)
    entity = client.entity(mapping.dataverse_table)
    all_mappings = list(IntegrationTableMapping.objects.all())
    specs = build_specs(mapping, model, entity, all_mappings)
    expression = None
    if mapping.integration_table_filter.strip():
        try:
            expression = odata.parse_filter(mapping.integration_table_filter)
        except odata.ODataFilterError as exc:
            raise JobStopped(f"The integration table filter of {mapping.name} is invalid: {exc}")
        check_filter_columns(mapping, entity)
    return MappingPlan(
        mapping=mapping,
        model=model,
        entity=entity,
        specs=specs,
        filter_expression=expression,
        local_caption=model_caption(model),
        dataverse_caption=table_caption(entity),
    )


def check_table_filter(mapping, model) -> None:
    """A table filter stored by other means than the page (which checks it) stops the job."""
    from django.core.exceptions import ValidationError

    from ..filters import check_table_filter as check

    try:
        check(model, mapping.table_filter)
    except ValidationError as exc:
        raise JobStopped(
            f"The table filter of {mapping.name} is not valid: {' '.join(exc.messages)} "
            "Correct the table filter on the mapping."
        ) from None


def check_filter_columns(mapping, entity) -> None:
    """Columns the integration table filter names must exist, or every read would fail."""
    from ..filters import integration_filter_problems

    problems = integration_filter_problems(
        mapping.integration_table_filter, entity, mapping.dataverse_table
    )
    if problems:
        raise JobStopped(
            f"The integration table filter of {mapping.name} cannot be used: "
            f"{' '.join(problems)} Correct the filter on the mapping."
        )


# Words Business Central's captions keep in lower case ("Unit of Measure").
SMALL_WORDS = {"a", "an", "and", "for", "in", "of", "on", "or", "the", "to"}


def caption(text: str) -> str:
    """``text`` as a caption: words capitalized, but the small ones after the first, and
    words already holding capitals (an acronym) left as they are."""
    words = str(text).split()
    return " ".join(
        word if (i and word in SMALL_WORDS) or not word.islower() else word.title()
        for i, word in enumerate(words)
    )


def model_caption(model) -> str:
    return caption(model._meta.verbose_name)


def table_caption(entity) -> str:
    display = getattr(entity, "display_name", "") or ""
    return display or entity.logical_name.replace("_", " ").title()
