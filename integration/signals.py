"""What the integration app listens to on the local tables.

Receivers are connected per model, only for models the engine can synchronize, because a
receiver for every model would stop Django from deleting in bulk anywhere else (a
``post_delete`` listener makes the ORM fetch each row it deletes) and would cost every save
of every model a call.

- A deleted coupled record is remembered on its coupling (``mark_local_deletion``).
- A saved or deleted record wakes the sleeping schedules of its table's mappings
  (``wake_sleeping_schedules``; throttled per table, see ``services.schedule_wakeups``).
"""

from django.apps import apps
from django.db.models import DateTimeField, UUIDField
from django.db.models.signals import post_delete, post_save
from django.utils import timezone


def is_synchronizable(model) -> bool:
    """Whether the engine can work on ``model``: a unique UUID system id and an indexed
    modification time (PRODUCT.md §1)."""
    try:
        system_id = model._meta.get_field("system_id")
        modified_at = model._meta.get_field("modified_at")
    except Exception:
        return False
    return (
        isinstance(system_id, UUIDField)
        and system_id.unique
        and isinstance(modified_at, DateTimeField)
        and modified_at.db_index
    )


def synchronizable_models() -> list:
    return [m for m in apps.get_models() if is_synchronizable(m) and not m._meta.abstract]


def mark_local_deletion(sender, instance, **kwargs) -> None:
    """Remember that a coupled record was deleted, so the next run resolves the conflict."""
    from .models import Coupling

    Coupling.objects.filter(
        local_table=sender._meta.label_lower, local_id=instance.system_id
    ).update(local_deleted_at=timezone.now())


def wake_sleeping_schedules(sender, **kwargs) -> None:
    """A change to a mapped table wakes its mappings' schedules On Hold (within a minute)."""
    from .services.schedule_wakeups import local_table_changed

    local_table_changed(sender._meta.label_lower)


def connect() -> None:
    for model in synchronizable_models():
        label = model._meta.label_lower
        post_delete.connect(
            mark_local_deletion, sender=model, dispatch_uid=f"tandem-deletion-{label}"
        )
        for signal, event in ((post_save, "save"), (post_delete, "delete")):
            signal.connect(
                wake_sleeping_schedules, sender=model, dispatch_uid=f"tandem-wake-{event}-{label}"
            )
