"""What the integration app adds to the synchronization log pages, through ``synclog.hooks``.

- Record links: a local record opens its admin change page, a Dataverse row the Dataverse row
  page (``integration:dataverse_row``).
- Record actions on Integration Synchronization Errors: Synchronize, Set Up Coupling, Delete
  Coupling.
- The cue "Skipped records" on the admin index.

``synclog`` imports nothing from here: ``IntegrationConfig.ready()`` calls ``register()``.
Each provider answers a whole page with one query per local table at most, and offers only
what the person may do, so a link or a button never ends in 403.
"""

from collections import defaultdict
from datetime import timedelta
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from synclog import hooks

from .admin import couplings_common as common
from .models import Coupling
from .services.coupling_states import SKIPPED, listed, model_or_none


def register() -> None:
    hooks.register_record_links(record_links)
    hooks.register_record_actions(error_actions)
    hooks.register_cue(skipped_records_cue)


# ---- Links ------------------------------------------------------------------------------


def record_links(refs, request) -> dict:
    user = getattr(request, "user", None)
    if user is None:
        return {}
    links = {}
    locals_ = [ref for ref in refs if ref.side == hooks.LOCAL]
    for (table, system_id), record in local_records_by_ref(locals_, user).items():
        url = common.record_admin_url(record, user)
        if url:
            links[hooks.RecordRef(hooks.LOCAL, table, system_id)] = url
    if user.has_perm(common.VIEW):
        for ref in refs:
            if ref.side == hooks.DATAVERSE and ref.table:
                links[ref] = common.dataverse_row_url(ref.table, ref.id)
    return links


def local_records_by_ref(refs, user) -> dict:
    """The records the refs name, for tables the user may view: one query per table."""
    by_table = defaultdict(set)
    for ref in refs:
        by_table[ref.table].add(ref.id)
    found = {}
    for table, ids in by_table.items():
        model = model_or_none(table) if table else None
        if model is None or not may_view(model, user):
            continue
        for record in model._default_manager.filter(system_id__in=ids):
            found[(table, record.system_id)] = record
    return found


def may_view(model, user) -> bool:
    opts = model._meta
    return user.has_perm(f"{opts.app_label}.view_{opts.model_name}") or user.has_perm(
        f"{opts.app_label}.change_{opts.model_name}"
    )


# ---- Actions on Integration Synchronization Errors --------------------------------------


def error_actions(errors, request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not (user.has_perm(common.SYNCHRONIZE) or user.has_perm(common.COUPLE)):
        return {}
    back = urlencode({"next": request.get_full_path()})
    refs = [hooks.RecordRef(hooks.LOCAL, e.local_table, e.local_id) for e in errors if e.local_id]
    records = local_records_by_ref(refs, user) if user.has_perm(common.COUPLE) else {}
    coupled = coupled_ids(errors) if user.has_perm(common.COUPLE) else set()
    actions = {}
    for error in errors:
        record = records.get((error.local_table, error.local_id))
        actions[error.pk] = actions_of(error, record, error_coupled(error, coupled), user, back)
    return actions


def actions_of(error, record, is_coupled: bool, user, back: str) -> list:
    actions = []
    if user.has_perm(common.SYNCHRONIZE) and (error.local_id or error.dataverse_id):
        url = reverse("integration:error_synchronize", args=[error.pk])
        actions.append(hooks.RecordAction("Synchronize", f"{url}?{back}"))
    set_up = common.set_up_coupling_url(record, user)
    if set_up:
        actions.append(hooks.RecordAction("Set Up Coupling", set_up, "get"))
    if is_coupled:
        url = reverse("integration:error_delete_coupling", args=[error.pk])
        actions.append(hooks.RecordAction("Delete Coupling", f"{url}?{back}"))
    return actions


def coupled_ids(errors) -> set:
    """(table, id) of every local record and Dataverse row of the errors that is coupled.

    One query; each condition names its table so that the coupling indexes serve it.
    """
    condition = Q(pk__in=[])
    by_local, by_row = defaultdict(set), defaultdict(set)
    for error in errors:
        if error.local_id:
            by_local[error.local_table].add(error.local_id)
        if error.dataverse_id:
            by_row[error.dataverse_table].add(error.dataverse_id)
    for table, ids in by_local.items():
        condition |= Q(local_table=table, local_id__in=ids)
    for table, ids in by_row.items():
        condition |= Q(dataverse_table=table, dataverse_id__in=ids)
    if not by_local and not by_row:
        return set()
    rows = Coupling.objects.filter(condition).values_list(
        "local_table", "local_id", "dataverse_table", "dataverse_id"
    )
    found = set()
    for local_table, local_id, dataverse_table, dataverse_id in rows:
        found |= {(local_table, local_id), (dataverse_table, dataverse_id)}
    return found


def error_coupled(error, coupled: set) -> bool:
    return (error.local_table, error.local_id) in coupled or (
        error.dataverse_table,
        error.dataverse_id,
    ) in coupled


# ---- The cue ----------------------------------------------------------------------------


def skipped_records_cue(request) -> list:
    user = getattr(request, "user", None)
    if user is None or not user.has_perm(common.VIEW):
        return []
    skipped = listed().filter(skipped=True)
    recent = skipped.filter(failed_on__gte=timezone.now() - timedelta(hours=24)).count()
    url = f"{reverse('integration:coupling_errors')}?{urlencode({'state': SKIPPED})}"
    label = f"Skipped records ({recent} in the last 24 hours)"
    return [hooks.Cue(label, skipped.count(), url)]
