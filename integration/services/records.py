"""Records chosen on a list or a card: which they are, their mapping, their couplings.

Pages and commands name records by table (``app_label.model``) and primary keys; tasks get
the same literals. ``record_selection`` turns them back into records and the mapping that
synchronizes their table, refusing what cannot be synchronized with a message a person can
act on.
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import ValidationError

from synclog.models import SyncDirection, SyncJob

from ..models import Coupling, IntegrationTableMapping
from ..ordering import job_order
from ..signals import is_synchronizable

MAX_RECORDS = 1000  # a page request names its records in the URL
NAME_FIELDS = ("no", "code", "name", "description", "surname", "email")
TO = SyncDirection.TO_INTEGRATION_TABLE
FROM = SyncDirection.FROM_INTEGRATION_TABLE
BOTH = SyncDirection.BIDIRECTIONAL


@dataclass
class RecordSelection:
    model: type
    records: list
    mapping: IntegrationTableMapping
    couplings: dict = field(default_factory=dict)  # system id → Coupling

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def pks(self) -> list[str]:
        return [str(r.pk) for r in self.records]

    @property
    def noun(self) -> str:
        """The table's name for one record ("customer")."""
        return str(self.model._meta.verbose_name)

    @property
    def caption(self) -> str:
        meta = self.model._meta
        return str(meta.verbose_name if len(self.records) == 1 else meta.verbose_name_plural)

    def coupling(self, record) -> Coupling | None:
        return self.couplings.get(record.system_id)

    def is_coupled(self, record) -> bool:
        coupling = self.coupling(record)
        return coupling is not None and coupling.status == Coupling.Status.COUPLED


def model_for_label(label: str):
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        raise ValidationError(f"{label or 'The table'} is not an installed table.") from None
    if not is_synchronizable(model):
        raise ValidationError(f"{model._meta.verbose_name_plural} cannot be synchronized.")
    return model


def mapping_for_model(model) -> IntegrationTableMapping | None:
    """The mapping that synchronizes ``model`` (the first in job order if there are several)."""
    label = model._meta.label_lower
    mappings = job_order(list(IntegrationTableMapping.objects.filter(local_table=label)))
    return mappings[0] if mappings else None


def record_selection(*, label: str, pks) -> RecordSelection:
    model = model_for_label(label)
    pks = [str(pk).strip() for pk in pks if str(pk).strip()]
    if not pks:
        raise ValidationError("Select one or more records.")
    if len(pks) > MAX_RECORDS:
        raise ValidationError(f"Select at most {MAX_RECORDS:,} records at a time.")
    try:
        records = list(model._default_manager.filter(pk__in=pks).order_by("pk"))
    except (ValueError, ValidationError):
        raise ValidationError("The selection names records that do not exist.") from None
    if not records:
        raise ValidationError(f"The selected {model._meta.verbose_name_plural} do not exist.")
    mapping = mapping_for_model(model)
    if mapping is None:
        raise ValidationError(
            f"There is no integration table mapping for {model._meta.verbose_name_plural}. "
            "Set one up on the Integration Table Mappings page."
        )
    selection = RecordSelection(model, records, mapping)
    selection.couplings = couplings_of(mapping, [r.system_id for r in records])
    return selection


def couplings_of(mapping, system_ids) -> dict:
    rows = Coupling.objects.filter(
        local_table=mapping.local_table,
        dataverse_table=mapping.dataverse_table,
        local_id__in=list(system_ids),
    )
    return {c.local_id: c for c in rows}


def describe_record(record) -> str:
    """ "Customer C00001 Adatum Corporation", as the log describes local records."""
    caption = str(record._meta.verbose_name).capitalize()
    parts = [str(getattr(record, n)) for n in NAME_FIELDS if getattr(record, n, "")][:2]
    return f"{caption} {' '.join(parts) if parts else record.pk}"


def in_table_filter(mapping, records) -> set:
    """System ids of ``records`` that the mapping's table filter lets through."""
    from ..filters import apply_table_filter

    model = type(records[0])
    queryset = apply_table_filter(mapping, model._default_manager.all())
    ids = [r.system_id for r in records]
    return set(queryset.filter(system_id__in=ids).values_list("system_id", flat=True))


def allows(mapping, direction: str) -> bool:
    return mapping.direction in (direction, BOTH)


def job_summary(jobs: list[SyncJob]) -> str:
    """One line for a message: what the jobs did, in the log's words."""
    names = ("inserted", "modified", "unchanged", "skipped", "failed", "coupled", "uncoupled")
    totals = {n: sum(getattr(j, n) for j in jobs) for n in names}
    text = ", ".join(f"{v} {n}" for n, v in totals.items() if v)
    return text or "nothing to do"
