"""Test Connection against the emulator: one actionable message per kind of failure."""

import dataclasses
import socket

import pytest

from integration.dataverse import DataverseClient


def connection_report(config, tables=("account", "contact")):
    with DataverseClient(config) as client:
        return client.test_connection(tables)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_working_connection_reports_every_check(dataverse_client):
    report = dataverse_client.test_connection(["account", "contact", "product"])
    assert report.ok and report.message.startswith("Connected to")
    assert [check.name for check in report.checks] == [
        "Sign in",
        "Environment",
        "Table account",
        "Table contact",
        "Table product",
    ]
    assert all(check.ok for check in report.checks)
    # The application user is named, as the Power Platform admin center shows it.
    assert "Signed in as user # Tandem (" in report.checks[1].message
    assert "Signed in as user # Tandem (" in report.message


@pytest.mark.parametrize(
    ("changes", "kind", "words"),
    [
        ({"client_secret": "wrong"}, "bad_credentials", "AADSTS7000215"),
        ({"client_id": "nobody"}, "bad_credentials", "AADSTS700016"),
        ({"tenant": "elsewhere"}, "bad_credentials", "Tenant 'elsewhere' not found"),
        ({"environment_url": "crm.example"}, "bad_url", "not an environment URL"),
    ],
)
def test_setup_mistakes_are_named(dataverse_config, changes, kind, words):
    report = connection_report(dataclasses.replace(dataverse_config, **changes))
    assert not report.ok and report.failure_kinds == {kind}
    assert words in report.message
    assert dataverse_config.client_secret not in report.message


def test_nothing_listening_is_unreachable(dataverse_config):
    url = f"http://127.0.0.1:{free_port()}"
    report = connection_report(
        dataclasses.replace(dataverse_config, environment_url=url, authority_url=url)
    )
    assert report.failure_kinds == {"unreachable"}
    assert "Could not connect to 127.0.0.1" in report.message and "URL" in report.message


def test_a_host_name_that_does_not_resolve_is_unreachable(dataverse_config):
    url = "http://tandem-nowhere.invalid"  # .invalid never resolves (RFC 2606)
    report = connection_report(
        dataclasses.replace(dataverse_config, environment_url=url, authority_url=url)
    )
    assert report.failure_kinds == {"unreachable"} and "does not resolve" in report.message


def test_a_url_without_the_web_api_is_named(dataverse_config, emulator):
    wrong = dataclasses.replace(dataverse_config, environment_url=emulator.url + "/nothing-here")
    report = connection_report(wrong)
    assert report.failure_kinds == {"bad_url"}
    assert "No Dataverse Web API answers" in report.message


def test_a_missing_table_is_named_and_the_others_still_checked(dataverse_config):
    report = connection_report(dataverse_config, ["account", "new_widget", "contact"])
    assert [check.ok for check in report.checks] == [True, True, True, False, True]
    assert report.failure_kinds == {"missing_table"}
    assert "new_widget" in report.message and "Dynamics 365 Sales" in report.message


def test_throttling_is_reported_with_the_wait(dataverse_config, emulator):
    with emulator.faults(throttle=10, retry_after=0, path_contains="WhoAmI"):
        report = connection_report(dataverse_config)
    assert report.failure_kinds == {"throttled"} and "throttling" in report.message


def test_a_failing_service_is_reported_as_unavailable(dataverse_config, emulator):
    with emulator.faults(errors=10, error_status=503):
        report = connection_report(dataverse_config)
    assert report.failure_kinds == {"unavailable"} and "HTTP 503" in report.message


def test_a_service_that_does_not_answer_is_reported(dataverse_config, emulator):
    quick = dataclasses.replace(dataverse_config, read_timeout=0.2)
    with emulator.faults(slow=10, slow_ms=600, path_contains="WhoAmI"):
        report = connection_report(quick)
    assert report.failure_kinds == {"timeout"} and "did not answer in time" in report.message
