from django.apps import AppConfig
from django.db.models.signals import post_migrate


def create_cleanup_schedule(sender, using="default", **kwargs):
    """Give every installation the daily log cleanup, idempotently, after each ``migrate``."""
    from .services import ensure_cleanup_schedule

    ensure_cleanup_schedule(using=using)


class SynclogConfig(AppConfig):
    name = "synclog"
    verbose_name = "Synchronization log"

    def ready(self):
        post_migrate.connect(
            create_cleanup_schedule, sender=self, dispatch_uid="synclog.cleanup_schedule"
        )
