from django.apps import AppConfig


class IntegrationConfig(AppConfig):
    name = "integration"
    verbose_name = "Dataverse integration"

    def ready(self):
        from . import signals

        signals.connect()
