"""Recovery from throttling, server errors, timeouts and dropped connections, with the
emulator's fault switches; token renewal; and the secret kept out of logs and errors."""

import logging
from uuid import uuid4

import pytest

from integration.dataverse import ConnectionUnusable, RetryLater, odata

from .conftest import accounts


def count_named(client, prefix: str) -> int:
    return len(list(client.query("account", ["name"], odata.startswith("name", prefix))))


def unit_groups(count: int, prefix: str) -> list[dict]:
    return [
        {"uomscheduleid": uuid4(), "name": f"{prefix} {n}", "baseuomname": f"{prefix} unit {n}"}
        for n in range(count)
    ]


def test_throttled_requests_are_retried(dataverse_client, emulator):
    dataverse_client.entity("account")
    with emulator.faults(throttle=2, retry_after=0):
        results = dataverse_client.create_many("account", accounts(10, "Throttled"))
    assert all(r.ok for r in results)
    stats = dataverse_client.stats
    assert (stats.throttled, stats.retries, stats.bulk_requests) == (2, 2, 1)
    assert count_named(dataverse_client, "Throttled") == 10


def test_throttling_waits_as_long_as_retry_after_says(dataverse_client, emulator):
    dataverse_client.whoami()
    with emulator.faults(throttle=1, retry_after=1):
        dataverse_client.whoami()
    assert dataverse_client.stats.waited_seconds >= 1.0


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried(dataverse_client, emulator, status):
    dataverse_client.entity("account")
    with emulator.faults(errors=3, error_status=status):
        results = dataverse_client.create_many("account", accounts(5, "Retried"))
    assert all(r.ok for r in results)
    assert dataverse_client.stats.server_errors == 3 and dataverse_client.stats.retries == 3
    assert count_named(dataverse_client, "Retried") == 5


def test_dropped_connections_are_retried(dataverse_client, emulator):
    dataverse_client.create_many("account", accounts(3, "Dropped"))
    with emulator.faults(drops=2):
        rows = list(
            dataverse_client.query("account", ["name"], odata.startswith("name", "Dropped"))
        )
    assert len(rows) == 3 and dataverse_client.stats.dropped_connections == 2


def test_timeouts_are_retried(make_client, emulator):
    client = make_client(read_timeout=0.3)
    client.entity("account")
    with emulator.faults(slow=1, slow_ms=1500, methods=["GET"]):
        rows = list(client.query("account", ["name"]))
    assert rows == [] and client.stats.timeouts == 1 and client.stats.retries == 1


def test_a_create_retried_after_a_hidden_success_makes_no_second_row(make_client, emulator):
    # The first CreateMultiple is answered too late: the client gives up waiting, though the
    # emulator goes on to create the rows. Whichever attempt lands first, each row must end up
    # created once and reported as created. The back-off (0.75-1.5 s) normally outlasts the
    # slow answer (0.8 s), so the retry meets DuplicateRecord and the client reads the ids.
    client = make_client(read_timeout=0.3, backoff_base=1.5, backoff_max=1.5)
    client.entity("account")
    rows = accounts(20, "Hidden")
    with emulator.faults(slow=1, slow_ms=800, path_contains="CreateMultiple"):
        results = client.create_many("account", rows)
    assert client.stats.timeouts == 1
    assert all(r.ok for r in results)
    assert count_named(client, "Hidden") == 20


def test_a_batch_create_retried_after_a_hidden_success_makes_no_second_row(make_client, emulator):
    # The same on a table without CreateMultiple: the rows go as a $batch of change sets, the
    # retry meets DuplicateRecord per row, and the rows found by id count as created.
    client = make_client(read_timeout=0.3, backoff_base=1.5, backoff_max=1.5)
    client.entity("uomschedule")
    groups = unit_groups(5, "Hidden")
    with emulator.faults(slow=1, slow_ms=800, path_contains="$batch"):
        results = client.create_many("uomschedule", groups)
    assert client.stats.timeouts == 1 and client.stats.bulk_requests == 0
    assert [r.id for r in results if r.ok] == [group["uomscheduleid"] for group in groups]
    prefix = odata.startswith("name", "Hidden")
    assert len(list(client.query("uomschedule", ["name"], prefix))) == 5
    assert len(list(client.query("uom", ["name"], prefix))) == 5  # one base unit each


@pytest.mark.parametrize(
    ("table", "rows", "path"),
    [
        ("account", accounts(20, "Lost answer"), "CreateMultiple"),
        ("uomschedule", unit_groups(5, "Lost answer"), "$batch"),
    ],
)
def test_a_create_whose_answer_was_dropped_makes_no_second_row(
    dataverse_client, emulator, table, rows, path
):
    # The rows are written, then the connection drops before the answer: the client cannot
    # know, sends the create again, and must report each row created, and once.
    entity = dataverse_client.entity(table)
    with emulator.faults(drops=1, drop_after_processing=True, path_contains=path):
        results = dataverse_client.create_many(table, rows)
    assert dataverse_client.stats.dropped_connections == 1
    assert [r.id for r in results if r.ok] == [row[entity.primary_id] for row in rows]
    named = odata.startswith("name", "Lost answer")
    assert len(list(dataverse_client.query(table, ["name"], named))) == len(rows)


def test_retries_are_bounded_in_attempts(make_client, emulator):
    client = make_client(max_attempts=3)
    client.entity("account")
    rows = accounts(3, "Bounded")
    rows[0]["name"] = "x" * 200  # refused before sending: reported even though the rest fail
    with emulator.faults(errors=100, error_status=503), pytest.raises(RetryLater) as caught:
        client.create_many("account", rows)
    assert caught.value.status == 503 and "3 attempt" in caught.value.message
    assert client.stats.retries == 2
    assert [(r.id, r.ok) for r in caught.value.results] == [(rows[0]["accountid"], False)]


def test_retries_are_bounded_in_time(make_client, emulator):
    client = make_client(max_retry_seconds=5)
    client.entity("account")
    with emulator.faults(throttle=10, retry_after=60), pytest.raises(RetryLater) as caught:
        client.whoami()
    assert caught.value.status == 429 and caught.value.retry_after == 60
    assert client.stats.waited_seconds == 0  # a 60 s wait would break the 5 s budget


def test_an_expired_token_is_renewed_once(dataverse_client, emulator):
    dataverse_client.whoami()
    emulator.advance_clock(emulator.state()["token_lifetime"] + 60)  # the cached token expires
    assert dataverse_client.whoami()["UserId"]
    assert dataverse_client.stats.token_renewals == 1
    assert dataverse_client.stats.token_requests == 2


def test_the_token_endpoint_is_retried_too(dataverse_client, emulator):
    with emulator.faults(errors=2, include_token_endpoint=True, path_contains="oauth2"):
        dataverse_client.whoami()
    assert dataverse_client.stats.server_errors == 2


def test_the_secret_never_reaches_logs_errors_or_reprs(
    make_client, emulator, dataverse_config, caplog
):
    caplog.set_level(logging.DEBUG)
    secret = dataverse_config.client_secret
    client = make_client()
    with emulator.faults(errors=1):
        client.whoami()
    wrong = make_client(client_secret=secret + "-wrong")
    with pytest.raises(ConnectionUnusable) as caught:
        wrong.whoami()
    texts = [
        repr(client),
        repr(dataverse_config),
        repr(wrong._transport.tokens),
        str(caught.value),
        repr(caught.value),
        caplog.text,
    ]
    texts += [str(record.args) for record in caplog.records]
    assert caught.value.reason == "bad_credentials"
    for text in texts:
        assert secret not in text
        assert "Bearer ey" not in text and "access_token" not in text
