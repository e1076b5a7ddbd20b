"""Everything the client needs to know, passed in as one value.

The client reads nothing from Django: whoever builds a ``DataverseClient`` (the engine from the
``ConnectionSetup`` row, a test from the emulator fixture) hands it a ``ClientConfig``. The
secret is kept out of ``repr`` so that a logged config or a traceback never shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote_plus

ENTRA_AUTHORITY = "https://login.microsoftonline.com"


@dataclass(frozen=True)
class ClientConfig:
    environment_url: str  # https://org.crm.dynamics.com, or the emulator's URL
    tenant: str
    client_id: str
    client_secret: str = field(repr=False)
    authority_url: str = ENTRA_AUTHORITY  # the emulator's URL when talking to the emulator
    api_version: str = "v9.2"

    # Every HTTP call carries both timeouts (seconds).
    connect_timeout: float = 10.0
    read_timeout: float = 120.0

    # Retries of throttled (429), failed (5xx) and unanswered calls: bounded both ways.
    max_attempts: int = 6
    max_retry_seconds: float = 300.0
    backoff_base: float = 1.0  # first back-off; doubles per attempt, with jitter
    backoff_max: float = 60.0

    # Reads: rows per page (Dataverse's maximum is 5,000).
    page_size: int = 5000
    # Writes: rows per CreateMultiple / UpdateMultiple / $batch request (a $batch holds at most
    # 1,000), and at most this many requests in flight (further bounded by x-ms-dop-hint).
    write_chunk_size: int = 1000
    max_parallel_requests: int = 4
    use_bulk_messages: bool = True

    # Renew the token this many seconds before it expires.
    token_renewal_margin: float = 120.0

    # No answer is read past this size (a page of 5,000 rows is a few MB): a proxy or a
    # hostile server cannot make the client hold more in memory. An answer still coming
    # after ``read_timeout`` seconds in all counts as a timeout, however steadily it trickles.
    max_response_bytes: int = 64 * 1024 * 1024

    def __post_init__(self) -> None:
        if not 1 <= self.page_size <= 5000:
            raise ValueError("page_size must be between 1 and 5000")
        if not 1 <= self.write_chunk_size <= 1000:
            raise ValueError("write_chunk_size must be between 1 and 1000")
        if self.max_attempts < 1 or self.max_parallel_requests < 1:
            raise ValueError("max_attempts and max_parallel_requests must be at least 1")

    @property
    def api_url(self) -> str:
        """The Web API root, ending in a slash: ``<environment>/api/data/v9.2/``."""
        return f"{self.environment_url.rstrip('/')}/api/data/{self.api_version}/"

    @property
    def token_url(self) -> str:
        return f"{self.authority_url.rstrip('/')}/{self.tenant}/oauth2/v2.0/token"

    @property
    def scope(self) -> str:
        return f"{self.environment_url.rstrip('/')}/.default"

    @property
    def timeout(self) -> tuple[float, float]:
        return (self.connect_timeout, self.read_timeout)

    def redact(self, text: str) -> str:
        """``text`` written by a server, with the secret blanked out: a proxy or a
        misconfigured authority may echo the token request's form (where the secret travels,
        as is or form-encoded) back in its error, and that error ends up in a job's message."""
        for form in {self.client_secret, quote_plus(self.client_secret)} - {""}:
            text = text.replace(form, "[secret]")
        return text
