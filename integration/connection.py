"""The Dataverse client for the connection set up in Tandem."""

from django.conf import settings

from .dataverse import ClientConfig, DataverseClient
from .models import ConnectionSetup


class ConnectionDisabled(Exception):
    pass


def client_config(setup: ConnectionSetup | None = None, **overrides) -> ClientConfig:
    setup = setup or ConnectionSetup.get()
    values = {
        "environment_url": setup.environment_url,
        "tenant": setup.tenant,
        "client_id": setup.client_id,
        "client_secret": setup.client_secret,
        "authority_url": setup.authority_url,
        **getattr(settings, "TANDEM_CLIENT_OPTIONS", {}),
        **overrides,
    }
    return ClientConfig(**values)


def dataverse_client(setup: ConnectionSetup | None = None, **overrides) -> DataverseClient:
    setup = setup or ConnectionSetup.get()
    if not setup.is_enabled:
        raise ConnectionDisabled(
            "The Dataverse connection is not enabled. Enable it on the Dataverse Connection "
            "Setup page."
        )
    return DataverseClient(client_config(setup, **overrides))
