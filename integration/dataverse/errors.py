"""The client's small error taxonomy.

Every failure the client reports is one of three kinds, the way the engine must react to it:

- ``RetryLater``: the service is throttling, failing or not answering, and the client's own
  retries (bounded in attempts and total time) are used up. Try the run again later.
- ``RecordFailed``: Dataverse refused this one row (validation, missing row, duplicate key …).
  Log it against the record and carry on with the others.
- ``ConnectionUnusable``: nothing will work until someone fixes the setup (bad URL, bad client id
  or secret, missing privilege, missing table). Stop the job.

``ODataFilterError`` is not a service error: it says a ``$filter`` text is malformed.
"""

from __future__ import annotations

from typing import Any

# Dataverse error codes the client reasons about (hex, as the Web API writes them).
DUPLICATE_RECORD = "0x80040237"
OBJECT_DOES_NOT_EXIST = "0x80040217"
PRIVILEGE_DENIED = "0x80040220"
STRING_TOO_LONG = "0x80044331"
INVALID_ARGUMENT = "0x80040203"
NOT_UPDATABLE = "0x80041100"
INVALID_OPTION = "0x8004431a"
CONCURRENCY_VERSION_MISMATCH = "0x80060882"  # If-Match with an ETag the row no longer has


class DataverseError(Exception):
    """A failure talking to Dataverse; ``status`` and ``code`` come from the response if any.

    ``results`` is set when a bulk write stopped part-way: the outcome of the rows whose
    requests did finish, so the caller can still couple the rows that were written.
    """

    def __init__(self, message: str, *, status: int | None = None, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.results: list[Any] = []

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, {self.message!r})"
        )


class RetryLater(DataverseError):
    """The service is unavailable or throttling, and the client's retries are exhausted."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status=status, code=code)
        self.retry_after = retry_after


class RecordFailed(DataverseError):
    """Dataverse refused one row; the row's neighbours are unaffected."""

    def __str__(self) -> str:
        code = f" {self.code}" if self.code else ""
        if self.status is None:
            return f"{self.message} (not sent: refused by the client's checks{code and ','}{code})"
        return f"{self.message} (HTTP {self.status}{code})"


class ConnectionUnusable(DataverseError):
    """The connection cannot work until its setup is fixed; ``reason`` names the kind.

    Reasons: ``unreachable``, ``bad_url``, ``bad_credentials``, ``token_rejected``,
    ``not_authorized``, ``missing_table``, ``bad_query`` (a filter or column the table does
    not have), ``bad_response`` (an answer that is no Web API answer: not JSON, too large,
    or pointing to another host).
    """

    def __init__(
        self, message: str, *, reason: str, status: int | None = None, code: str = ""
    ) -> None:
        super().__init__(message, status=status, code=code)
        self.reason = reason


class DeltaLinkExpired(DataverseError):
    """A change-tracking delta link is no longer valid; read the table in full again."""


class ODataFilterError(ValueError):
    """A ``$filter`` text is malformed; ``position`` is the 0-based offset of the problem."""

    def __init__(self, message: str, *, position: int, text: str) -> None:
        super().__init__(message)
        self.position = position
        self.text = text


def error_from_body(body: Any) -> tuple[str, str]:
    """Return Dataverse's ``(code, message)`` from an error body, or empty strings."""
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            return str(error.get("code") or ""), str(error.get("message") or "")
    return "", ""


def row_error(status: int, code: str, message: str) -> DataverseError:
    """Classify a refused write of one row.

    A missing privilege is a property of the application user's security role, never of one
    row, so it stops the job instead of failing every row in turn.
    """
    if status == 403 and code.lower() == PRIVILEGE_DENIED:
        return ConnectionUnusable(message, reason="not_authorized", status=status, code=code)
    if status in (401, 403) and not code:
        return ConnectionUnusable(message, reason="not_authorized", status=status, code=code)
    return RecordFailed(message or f"HTTP {status}", status=status, code=code)
