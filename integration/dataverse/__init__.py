"""The Dataverse Web API client: the only code in Tandem that speaks HTTP to Dataverse.

    from integration.dataverse import ClientConfig, DataverseClient, Lookup

    client = DataverseClient(ClientConfig(environment_url=..., tenant=..., client_id=...,
                                          client_secret=..., authority_url=...))
    rows = client.query("account", select=["name"], filter=odata.eq("name", "Contoso"))
    results = client.create_many("account", [{"accountid": uuid4(), "name": "Contoso"}])

See ``docs/architecture.md`` ("The Dataverse client") for the contract.
"""

from .changes import ChangeFeed
from .client import DataverseClient
from .config import ClientConfig
from .connection_test import ConnectionCheck, ConnectionTestReport
from .errors import (
    ConnectionUnusable,
    DataverseError,
    DeltaLinkExpired,
    ODataFilterError,
    RecordFailed,
    RetryLater,
)
from .metadata import AttributeMetadata, EntityMetadata
from .rows import Deleted, Lookup, WriteResult
from .stats import ClientStats

__all__ = [
    "AttributeMetadata",
    "ChangeFeed",
    "ClientConfig",
    "ClientStats",
    "ConnectionCheck",
    "ConnectionTestReport",
    "ConnectionUnusable",
    "DataverseClient",
    "DataverseError",
    "DeltaLinkExpired",
    "Deleted",
    "EntityMetadata",
    "Lookup",
    "ODataFilterError",
    "RecordFailed",
    "RetryLater",
    "WriteResult",
]
