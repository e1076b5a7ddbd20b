"""The criteria of match-based coupling, and what "matching" means for one field.

Criteria are stored where Business Central keeps them (BC_SYNC_REFERENCE §1.2, §3.6): on the
field mappings (Match on this Field, Case-Sensitive Matching, Match Priority) and on the table
mapping (Synch. After Match-Based Coupling, Resolve Update Conflicts, Create New in Case of
No Match). Fields with the same priority form a group that must all match; groups are tried
in ascending priority. Text is compared without regard to case unless the field says
otherwise, and a blank local value leaves its field out of the comparison.
"""

from dataclasses import dataclass
from itertools import groupby

from django.db import transaction

from ..dataverse import Lookup
from ..defaults import standard_mapping
from ..engine.errors import RecordError
from ..engine.specs import FROM, Kind
from ..engine.transfer import SKIP, TEXT_TYPES, value_for_dataverse
from ..engine.values import canonical
from ..models import IntegrationFieldMapping, IntegrationTableMapping
from ..virtual_fields import virtual_field_names

ENABLED = IntegrationFieldMapping.Status.ENABLED


@dataclass(frozen=True)
class MatchField:
    spec: object  # engine FieldSpec
    case_sensitive: bool
    priority: int

    @property
    def column(self) -> str:
        return self.spec.read_column

    @property
    def is_text(self) -> bool:
        return self.spec.attribute_type in TEXT_TYPES

    def normal(self, canon):
        """The form two values are compared in."""
        if canon is None:
            return None
        if self.is_text and not self.case_sensitive:
            return str(canon).casefold()
        return canon

    def same(self, local_canon, dataverse_value) -> bool:
        return self.normal(local_canon) == self.normal(canonical(dataverse_value))


def eligible_field_mappings(mapping: IntegrationTableMapping):
    """Field mappings that may be matched on: enabled, a field on both sides, no constant."""
    virtual = virtual_field_names(mapping.local_table)
    rows = (
        mapping.field_mappings.filter(status=ENABLED, constant_value="")
        .exclude(local_field="")
        .exclude(dataverse_column="")
        .order_by("order", "pk")
    )
    return [fm for fm in rows if fm.local_field not in virtual]


def match_groups(plan) -> list[list[MatchField]]:
    """The chosen match fields of the plan's mapping, grouped by priority (ascending)."""
    specs = {
        (s.local_field, s.column): s for s in plan.specs if s.kind in (Kind.VALUE, Kind.LOOKUP)
    }
    fields = [
        MatchField(specs[key], fm.case_sensitive_matching, fm.match_priority)
        for fm in eligible_field_mappings(plan.mapping)
        if fm.use_for_match_based_coupling
        and (key := (fm.local_field, fm.dataverse_column)) in specs
    ]
    fields.sort(key=lambda f: f.priority)
    return [list(group) for _, group in groupby(fields, key=lambda f: f.priority)]


def local_match_value(field: MatchField, row: dict, resolver):
    """(value for the filter, canonical) of a local record's field, or None when blank."""
    try:
        result = value_for_dataverse(field.spec, row, resolver, lambda table, sid: table)
    except RecordError:
        return None  # an uncoupled reference cannot be matched on
    if result is SKIP:
        return None
    value, canon = result
    if canon is None:
        return None
    return (value.id if isinstance(value, Lookup) else value), canon


def can_create_new(mapping: IntegrationTableMapping) -> bool:
    """Create New in Case of No Match: never from a From mapping, never users (salespeople)."""
    return mapping.direction != FROM and mapping.dataverse_table != "systemuser"


@transaction.atomic
def match_criteria_save(
    *,
    mapping: IntegrationTableMapping,
    fields: dict,
    synchronize_after: bool,
    create_new: bool,
    update_conflict_resolution: str | None = None,
) -> None:
    """Store the criteria: ``fields`` maps field mapping ids to (match, case, priority)."""
    for fm in eligible_field_mappings(mapping):
        match, case_sensitive, priority = fields.get(fm.pk, (False, False, 0))
        IntegrationFieldMapping.objects.filter(pk=fm.pk).update(
            use_for_match_based_coupling=bool(match),
            case_sensitive_matching=bool(case_sensitive),
            match_priority=int(priority or 0),
        )
    mapping.synch_after_bulk_coupling = synchronize_after
    mapping.create_new_in_case_of_no_match = create_new and can_create_new(mapping)
    changed = ["synch_after_bulk_coupling", "create_new_in_case_of_no_match"]
    if update_conflict_resolution is not None:
        mapping.update_conflict_resolution = update_conflict_resolution
        changed.append("update_conflict_resolution")
    mapping.save(update_fields=changed)


@transaction.atomic
def match_criteria_reset(*, mapping: IntegrationTableMapping) -> None:
    """Reset Criteria: the standard mapping's match fields (none for other mappings)."""
    default = standard_mapping(mapping.name)
    matched = (
        {(f.local_field, f.dataverse_column) for f in default.fields if f.match}
        if (default)
        else set()
    )
    for fm in eligible_field_mappings(mapping):
        IntegrationFieldMapping.objects.filter(pk=fm.pk).update(
            use_for_match_based_coupling=(fm.local_field, fm.dataverse_column) in matched,
            case_sensitive_matching=False,
            match_priority=0,
        )
    mapping.synch_after_bulk_coupling = bool(default and default.synch_after_bulk_coupling)
    mapping.create_new_in_case_of_no_match = bool(
        default and default.create_new_in_case_of_no_match
    )
    mapping.save(update_fields=["synch_after_bulk_coupling", "create_new_in_case_of_no_match"])
