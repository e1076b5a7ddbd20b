from django.apps import AppConfig


class IntegrationConfig(AppConfig):
    name = "integration"
    verbose_name = "Dataverse integration"

    def ready(self):
        from . import signals

        signals.connect()

        from . import synclog_hooks

        synclog_hooks.register()

        # Synchronization actions, the "Coupled to Dataverse" column and the card buttons on
        # every mapped table's admin (the admin app, listed first, has registered them by now).
        from .admin import records

        records.install()
