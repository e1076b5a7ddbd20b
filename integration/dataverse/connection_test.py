"""Test Connection: can Tandem sign in, reach the environment and find the mapped tables?

Each step is one check with a message an administrator can act on: what failed, in their
words, and what to change. The test uses its own client with a short retry budget, so the
page answers within seconds even when the service is throttling or down, and it always
signs in afresh (a cached token would hide a wrong secret).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .config import ClientConfig
from .errors import ConnectionUnusable, DataverseError, RetryLater


@dataclass(frozen=True)
class ConnectionCheck:
    name: str
    ok: bool
    message: str
    kind: str = ""  # failure kind: bad_url, unreachable, bad_credentials, token_rejected,
    # not_authorized, missing_table, throttled, unavailable, timeout


@dataclass
class ConnectionTestReport:
    ok: bool
    message: str
    checks: list[ConnectionCheck] = field(default_factory=list)

    @property
    def failure_kinds(self) -> set[str]:
        return {check.kind for check in self.checks if not check.ok}


def run_connection_test(config: ClientConfig, tables: Sequence[str]) -> ConnectionTestReport:
    from .client import DataverseClient  # the client offers this test as a method

    if problem := _url_problem(config.environment_url):
        check = ConnectionCheck("Environment URL", False, problem, "bad_url")
        return ConnectionTestReport(False, problem, [check])
    quick = dataclasses.replace(
        config,
        max_attempts=min(config.max_attempts, 3),
        max_retry_seconds=min(config.max_retry_seconds, 20.0),
        read_timeout=min(config.read_timeout, 30.0),
    )
    with DataverseClient(quick) as client:
        steps: list[tuple[str, Callable[[], Any]]] = [
            ("Sign in", client.authenticate),
            ("Environment", lambda: _signed_in_user(client)),
            *((f"Table {table}", _table_check(client, table)) for table in tables),
        ]
        checks: list[ConnectionCheck] = []
        for name, step in steps:
            checks.append(_run(name, step, config))
            if not checks[-1].ok and checks[-1].kind != "missing_table":
                break  # nothing after a failed sign-in or an unreachable host can work
    failed = [check for check in checks if not check.ok]
    if failed:
        return ConnectionTestReport(False, " ".join(check.message for check in failed), checks)
    user = checks[1].message
    return ConnectionTestReport(True, f"Connected to {config.environment_url}. {user}", checks)


def _table_check(client, table: str) -> Callable[[], str]:
    def check() -> str:
        entity_set = client.entity_set_name(table)
        return f"Table {table} found (entity set {entity_set})."

    return check


def _run(name: str, step: Callable[[], Any], config: ClientConfig) -> ConnectionCheck:
    try:
        result = step()
    except DataverseError as exc:
        kind, message = _advice(exc, config)
        return ConnectionCheck(name, False, message, kind)
    if name == "Sign in":
        return ConnectionCheck(name, True, f"Signed in as client {config.client_id}.")
    return ConnectionCheck(name, True, str(result))


def _signed_in_user(client) -> str:
    """Name the application user, so that an administrator sees which one Tandem acts as."""
    user_id = client.whoami().get("UserId")
    try:
        rows = list(client.get_many("systemuser", [user_id], select=["fullname"]))
    except DataverseError:
        rows = []  # the user may not read user records; its id still identifies it
    fullname = rows[0].get("fullname") if rows else None
    if fullname:
        return f"Signed in as user {fullname} ({user_id})."
    return f"Signed in as user {user_id}."


def _url_problem(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return (
            f"'{url}' is not an environment URL. Enter it like https://yourorg.crm.dynamics.com "
            "(for the built-in emulator, http://127.0.0.1:8000/emulator)."
        )
    return None


def _advice(exc: DataverseError, config: ClientConfig) -> tuple[str, str]:
    """Return the failure kind and what the administrator should do about it."""
    if isinstance(exc, RetryLater):
        if exc.status == 429:
            wait = f" for about {exc.retry_after:.0f} seconds" if exc.retry_after else ""
            return "throttled", (
                "Dataverse is throttling this application (service protection limits). "
                f"Wait{wait} and test again."
            )
        if exc.status is not None:
            return "unavailable", (
                f"Dataverse answered with server errors (HTTP {exc.status}); the service may be "
                "down or being updated. Test again later."
            )
        return "timeout", (
            f"{exc.message} Check that {config.environment_url} is the right address and "
            "that a firewall or proxy lets Tandem through."
        )
    if isinstance(exc, ConnectionUnusable):
        return exc.reason, _unusable_advice(exc, config)
    return "error", f"Dataverse answered: {exc.message}"


def _unusable_advice(exc: ConnectionUnusable, config: ClientConfig) -> str:
    advice = {
        "unreachable": f"{exc.message} Check the environment URL and the token authority URL.",
        "bad_url": (
            f"{exc.message} Use the environment URL, such as https://yourorg.crm.dynamics.com "
            "(for the built-in emulator, http://127.0.0.1:8000/emulator)."
        ),
        "bad_credentials": f"{exc.message}",
        "token_rejected": (
            "The environment refused Tandem's access token. Create an application user for "
            f"client id {config.client_id} in the environment (Power Platform admin center), "
            "or check that the tenant is the environment's tenant."
        ),
        "not_authorized": (
            f"{exc.message} Give the application user a security role with read and write "
            "access to the mapped tables."
        ),
        "missing_table": (
            f"{exc.message} Install the solution that provides it (product, uom and "
            "uomschedule come with Dynamics 365 Sales) or remove the mapping."
        ),
    }
    return advice.get(exc.reason, exc.message)
