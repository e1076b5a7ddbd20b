from django.apps import AppConfig
from django.db.models.signals import post_migrate


def seed_after_migrate(sender, using, **kwargs):
    """``migrate --database dataverse`` leaves the seeded organisation in place."""
    from config.routers import EMULATOR_DB

    from . import seed

    if using == EMULATOR_DB:
        seed.ensure_seeded()


class EmulatorConfig(AppConfig):
    name = "emulator"
    verbose_name = "Dataverse emulator"

    def ready(self):
        post_migrate.connect(seed_after_migrate, sender=self)
