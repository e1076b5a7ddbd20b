"""Setup use cases: test the connection, check mappings, use the default synchronization setup.

The admin pages and ``sync_setup`` call these and nothing deeper. The client secret is only
ever handed to the Dataverse client: every text that leaves this module (a page message, a
log line, a stored test result) passes through ``redact`` first.
"""

import logging
from dataclasses import dataclass, fields

from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from . import defaults
from .models import ConnectionSetup, IntegrationFieldMapping, IntegrationTableMapping
from .validation import OtherMapping, Problems, check_mapping

logger = logging.getLogger(__name__)

# Checking a page's settings must not keep the page waiting on a service that is down.
VALIDATION_CLIENT_OPTIONS = {
    "connect_timeout": 5.0,
    "read_timeout": 20.0,
    "max_attempts": 2,
    "max_retry_seconds": 5.0,
    "backoff_base": 0.2,
}
# Test Connection answers on the page: a host that does not answer fails it in seconds.
TEST_CLIENT_OPTIONS = {"connect_timeout": 10.0, "max_attempts": 2, "backoff_base": 0.5}
REDACTED = "[secret]"


def redact(text: str, setup: ConnectionSetup | None = None) -> str:
    """``text`` with the stored client secret (if any) blanked out."""
    secret = setup.client_secret if setup is not None else ""
    text = str(text)
    return text.replace(secret, REDACTED) if secret and len(secret) >= 4 else text


@sensitive_variables("secret")
def client_for(setup: ConnectionSetup, **options):
    """A Dataverse client for ``setup``; ``options`` go to ClientConfig where it takes them."""
    from .dataverse import ClientConfig, DataverseClient

    secret = setup.client_secret
    known = {f.name for f in fields(ClientConfig)}
    config = ClientConfig(
        environment_url=setup.environment_url,
        tenant=setup.tenant,
        client_id=setup.client_id,
        client_secret=secret,
        authority_url=setup.authority_url,
        **{name: value for name, value in options.items() if name in known},
    )
    return DataverseClient(config)


# ---- Test Connection -------------------------------------------------------------------


@dataclass
class ConnectionTestResult:
    ok: bool
    message: str
    lines: list[tuple[bool, str]]  # (passed, "check: detail")


def mapped_tables() -> list[str]:
    return sorted(set(IntegrationTableMapping.objects.values_list("dataverse_table", flat=True)))


def connection_test(*, setup: ConnectionSetup | None = None) -> ConnectionTestResult:
    """Run Test Connection against the mapped tables and store the outcome on the setup."""
    setup = setup or ConnectionSetup.get()
    result = _run_test(setup)
    setup.last_tested_at = timezone.now()
    setup.last_test_succeeded = result.ok
    setup.last_test_message = _stored_text(result)
    setup.save(update_fields=["last_tested_at", "last_test_succeeded", "last_test_message"])
    logger.info("Test Connection %s: %s", "passed" if result.ok else "failed", result.message)
    return result


def _run_test(setup: ConnectionSetup) -> ConnectionTestResult:
    if not setup.has_client_secret:
        return ConnectionTestResult(
            False, "No client secret is stored: enter the client secret and save.", []
        )
    try:
        with client_for(setup, **TEST_CLIENT_OPTIONS) as client:
            report = client.test_connection(tables=mapped_tables())
    except Exception as error:  # the report is the place for any failure, never a 500 page
        logger.warning("Test Connection could not run: %s", redact(error, setup))
        return ConnectionTestResult(False, redact(_describe_error(error), setup), [])
    lines = [_check_line(check, setup) for check in getattr(report, "checks", []) or []]
    return ConnectionTestResult(bool(report.ok), redact(report.message, setup), lines)


def _describe_error(error: Exception) -> str:
    return str(error) or type(error).__name__


def _check_line(check, setup) -> tuple[bool, str]:
    if isinstance(check, tuple | list):
        name, passed, detail = (list(check) + ["", "", ""])[:3]
    else:
        name = getattr(check, "name", "")
        passed = getattr(check, "ok", False)
        detail = getattr(check, "message", "") or getattr(check, "detail", "")
    text = f"{name}: {detail}" if name and detail else str(name or detail)
    return bool(passed), redact(text, setup)


def _stored_text(result: ConnectionTestResult) -> str:
    lines = [result.message]
    lines.extend(f"{'OK' if passed else 'FAILED'} {text}" for passed, text in result.lines)
    return "\n".join(lines)


def stored_test_lines(setup: ConnectionSetup) -> tuple[str, list[tuple[bool, str]]]:
    """The stored test result as (summary, [(passed, line)]) for the page."""
    summary, *rest = (setup.last_test_message or "").split("\n")
    lines = []
    for line in rest:
        passed, _, text = line.partition(" ")
        lines.append((passed == "OK", text))
    return summary, lines


# ---- Dataverse metadata for validation -------------------------------------------------


class DataverseSchema:
    """The Dataverse tables' metadata as one page needs it: fetched once, failures noted.

    ``entity(table)`` returns the metadata, or None when the table is missing (then
    ``missing`` holds it) or Dataverse could not be reached (then ``unreachable`` says why).
    """

    def __init__(self, setup: ConnectionSetup | None = None, client=None):
        self.setup = setup
        self._client = client
        self._entities: dict[str, object] = {}
        self.missing: set[str] = set()
        self.unreachable = ""

    def entity(self, table: str):
        if not table or table in self.missing or self.unreachable:
            return None
        if table not in self._entities:
            self._entities[table] = self._fetch(table)
        return self._entities[table]

    def _fetch(self, table: str):
        from .dataverse.errors import ConnectionUnusable, DataverseError

        setup = self.setup or ConnectionSetup.get()
        if self._client is None and not setup.is_enabled:
            self.unreachable = "the Dataverse connection is not enabled"
            return None
        try:
            if self._client is not None:
                return self._client.entity(table)
            with client_for(setup, **VALIDATION_CLIENT_OPTIONS) as client:
                return client.entity(table)
        except ConnectionUnusable as error:
            if getattr(error, "reason", "") == "missing_table":
                self.missing.add(table)
            else:
                self.unreachable = redact(_describe_error(error), setup)
        except (DataverseError, OSError, ValueError) as error:
            self.unreachable = redact(_describe_error(error), setup)
        return None


# ---- checking a mapping ----------------------------------------------------------------


def other_mappings(mapping: IntegrationTableMapping) -> list[OtherMapping]:
    queryset = IntegrationTableMapping.objects.all()
    if mapping.pk:
        queryset = queryset.exclude(pk=mapping.pk)
    return [
        OtherMapping(m.name, m.local_table, m.dataverse_table, m.dependency_filter)
        for m in queryset.only("name", "local_table", "dataverse_table", "dependency_filter")
    ]


def table_mapping_check(
    mapping: IntegrationTableMapping,
    rows: list[IntegrationFieldMapping],
    *,
    schema: DataverseSchema | None = None,
) -> Problems:
    """Check ``mapping`` with its field mapping ``rows`` as they would be saved."""
    schema = schema or DataverseSchema()
    entity = schema.entity(mapping.dataverse_table)
    problems = check_mapping(mapping, rows, others=other_mappings(mapping), entity=entity)
    if mapping.dataverse_table in schema.missing:
        problems.add("dataverse_table", f"Dataverse has no table '{mapping.dataverse_table}'.")
    elif schema.unreachable:
        problems.notes.append(
            f"Dataverse could not be reached ({schema.unreachable}), so the Dataverse table, "
            "its columns and the columns of the integration table filter were not checked."
        )
    _check_renamed(mapping, problems)
    return problems


def _check_renamed(mapping: IntegrationTableMapping, problems: Problems) -> None:
    """A mapping other mappings depend on keeps its name (their dependency filters name it)."""
    if not mapping.pk:
        return
    old_name = IntegrationTableMapping.objects.filter(pk=mapping.pk).values_list("name", flat=True)
    old_name = old_name.first()
    if old_name in (None, mapping.name):
        return
    dependants = sorted(
        o.name for o in other_mappings(mapping) if old_name in o.dependency_filter.split("|")
    )
    if dependants:
        problems.add(
            "name",
            f"{', '.join(dependants)} depend on {old_name}: change their dependency filters "
            "before renaming it.",
        )


def saved_rows(mapping: IntegrationTableMapping) -> list[IntegrationFieldMapping]:
    return list(mapping.field_mappings.order_by("order", "pk")) if mapping.pk else []


# ---- Use Default Synchronization Setup -------------------------------------------------


def mappings_reset(*, names=None) -> defaults.ResetResult:
    """Use Default Synchronization Setup for the named mappings (all standard ones if None)."""
    result = defaults.reset_to_defaults(names)
    logger.info("Default synchronization setup used for %s", ", ".join(result.reset) or "none")
    return result


def setup_ensure() -> bool:
    """A new installation's setup: the connection, and the standard mappings if none exist."""
    return defaults.ensure_defaults()
