"""Setup validation: the rules Business Central applies to table and field mappings.

Pure rules over a mapping, its field mapping rows, the other mappings and, when Dataverse
could be reached, the Dataverse table's metadata (``entity``; None when unknown). They return
``Problems`` instead of raising, so a page can show every problem at once, each next to the
setting it is about. ``integration.setup_services`` gathers the inputs and calls these.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models

from synclog.models import SyncDirection

from . import field_rules, filters

TO = SyncDirection.TO_INTEGRATION_TABLE
FROM = SyncDirection.FROM_INTEGRATION_TABLE
BOTH = SyncDirection.BIDIRECTIONAL
LABELS = dict(SyncDirection.choices)


@dataclass
class Problems:
    """Messages by mapping setting (``"__all__"`` for the mapping as a whole) and by row."""

    mapping: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    rows: dict[int, dict[str, list[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    notes: list[str] = field(default_factory=list)

    def add(self, setting: str, message: str) -> None:
        self.mapping[setting].append(message)

    def add_row(self, index: int, setting: str, message: str) -> None:
        self.rows[index][setting].append(message)

    @property
    def ok(self) -> bool:
        return not any(self.mapping.values()) and not any(
            any(r.values()) for r in self.rows.values()
        )

    def messages(self) -> list[str]:
        found = [m for ms in self.mapping.values() for m in ms]
        for index in sorted(self.rows):
            found.extend(
                f"Field mapping {index + 1}: {m}" for ms in self.rows[index].values() for m in ms
            )
        return found


@dataclass(frozen=True)
class OtherMapping:
    name: str
    local_table: str
    dataverse_table: str
    dependency_filter: str


# ---- the local table -------------------------------------------------------------------


def check_local_table(label: str):
    """Return the model for ``label`` if the engine can synchronize it; else ValidationError."""
    model = filters.local_model(label)
    problems = []
    system_id = _concrete_field(model, "system_id")
    if not (isinstance(system_id, models.UUIDField) and system_id.unique):
        problems.append("a unique UUID field system_id")
    modified_at = _concrete_field(model, "modified_at")
    if not (isinstance(modified_at, models.DateTimeField) and _is_indexed(model, modified_at)):
        problems.append("an indexed date-time field modified_at")
    if problems:
        raise ValidationError(
            f"{label} cannot be synchronized: it needs {' and '.join(problems)}.",
            code="table_not_synchronizable",
        )
    return model


def _concrete_field(model, name):
    try:
        found = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return found if getattr(found, "concrete", False) else None


def _is_indexed(model, model_field) -> bool:
    if model_field.db_index or model_field.unique:
        return True
    indexes = list(model._meta.indexes)
    return any(list(index.fields)[:1] == [model_field.name] for index in indexes)


def synchronizable_models() -> list:
    """Every installed model the engine can synchronize, as (label, model)."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        label = model._meta.label_lower
        try:
            check_local_table(label)
        except ValidationError:
            continue
        found.append((label, model))
    return sorted(found)


# ---- dependencies ----------------------------------------------------------------------


def split_dependencies(text: str) -> list[str]:
    return [name.strip() for name in (text or "").split("|") if name.strip()]


def as_code(text: str) -> str:
    """``text`` as Business Central stores a Code value (a mapping's name): trimmed, upper case."""
    return (text or "").strip().upper()


def dependency_filter_as_codes(text: str) -> str:
    """A dependency filter naming mappings as their Code values: ``customer | vendor`` →
    ``CUSTOMER|VENDOR``, so it finds the mappings whatever case it was typed in."""
    return "|".join(as_code(name) for name in split_dependencies(text))


def dependency_order(graph: dict[str, list[str]]) -> list[str]:
    """Names in job order, dependencies first, ties in ``graph`` order.

    Raises ValidationError naming the cycle when the dependency filters form one.
    """
    order, state = [], {}

    def visit(name, path):
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            cycle = path[path.index(name) :] + [name]
            raise ValidationError(
                f"The dependency filters form a cycle: {' → '.join(cycle)}.", code="cycle"
            )
        state[name] = "visiting"
        for dependency in graph.get(name, []):
            if dependency in graph:
                visit(dependency, [*path, name])
        state[name] = "done"
        order.append(name)

    for name in graph:
        visit(name, [])
    return order


def check_dependencies(name: str, dependency_filter: str, others, problems: Problems) -> None:
    dependencies = split_dependencies(dependency_filter)
    known = {o.name for o in others}
    for dependency in dependencies:
        if dependency == name:
            problems.add("dependency_filter", f"{name} cannot depend on itself.")
        elif dependency not in known:
            problems.add(
                "dependency_filter", f"There is no integration table mapping named {dependency}."
            )
    # The edited mapping first, so that a cycle is named from where it was made.
    graph = {name: dependencies}
    graph.update(
        (o.name, split_dependencies(o.dependency_filter)) for o in others if o.name != name
    )
    try:
        dependency_order(graph)
    except ValidationError as error:
        problems.add("dependency_filter", error.messages[0])


# ---- the whole mapping -----------------------------------------------------------------


def check_mapping(mapping, rows, *, others, entity) -> Problems:
    """Every rule for ``mapping`` with field mapping ``rows`` (in page order).

    ``others`` are the other mappings as ``OtherMapping``; ``entity`` is the Dataverse table's
    metadata, or None when it is unknown (the caller adds why to ``Problems.notes``).
    """
    problems = Problems()
    model = None
    try:
        model = check_local_table(mapping.local_table)
    except ValidationError as error:
        problems.add("local_table", error.messages[0])
    if model is not None:
        try:
            mapping.table_filter = filters.check_table_filter(model, mapping.table_filter)
        except ValidationError as error:
            for message in error.messages:
                problems.add("table_filter", message)
    for message in filters.integration_filter_problems(
        mapping.integration_table_filter, entity, mapping.dataverse_table
    ):
        problems.add("integration_table_filter", message)
    check_dependencies(mapping.name, mapping.dependency_filter, others, problems)
    field_rules.check_directions(mapping.direction, rows, problems)
    context = field_rules.RowContext(
        model=model,
        table_label=mapping.local_table,
        direction=mapping.direction,
        dataverse_table=mapping.dataverse_table,
        entity=entity,
        mapped_tables=_mapped_tables(mapping, others),
    )
    for index, row in enumerate(rows):
        field_rules.check_row(index, row, context, problems)
    return problems


def _mapped_tables(mapping, others) -> dict[str, set[str]]:
    mapped = defaultdict(set)
    for other in [*others, mapping]:
        mapped[other.local_table].add(other.dataverse_table)
    return dict(mapped)
