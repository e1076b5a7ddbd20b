"""Malformed and hostile answers: the client fails safely, with a clear error, in bounded time
and memory, and never sends its access token to a host other than the environment."""

import time
import tracemalloc
import uuid

import pytest

from integration.dataverse import ClientConfig, DataverseClient
from integration.dataverse.errors import ConnectionUnusable, DataverseError, RetryLater

from .hostile import HostileServer, Rule, endless, redirect, text

LIMIT_MB = 2
BUDGET_SECONDS = 6.0  # every failure below must surface well within this


@pytest.fixture
def hostile(emulator):
    server = HostileServer(upstream=emulator.url).start()
    yield server
    server.stop()


@pytest.fixture
def elsewhere():
    """Another host, which must never hear from the client."""
    server = HostileServer().start()
    yield server
    server.stop()


@pytest.fixture
def client(hostile, emulator):
    kwargs = {**emulator.connection_kwargs(), "environment_url": hostile.url}
    config = ClientConfig(
        **{**kwargs, "authority_url": hostile.url},
        read_timeout=0.5,
        max_attempts=3,
        backoff_base=0.01,
        backoff_max=0.05,
        max_retry_seconds=3,
        max_response_bytes=LIMIT_MB * 1024 * 1024,
    )
    with DataverseClient(config) as client:
        client.entity("account")  # token and metadata come through while all is well
        yield client


def read_accounts(client):
    return list(client.query("account", select=["name"]))


def fails_within(budget, call, error=DataverseError):
    started = time.monotonic()
    with pytest.raises(error) as raised:
        call()
    assert time.monotonic() - started < budget, "the failure took too long to surface"
    return raised.value


def answer_queries(hostile, answer):
    hostile.rules = [Rule("GET", "/accounts?", answer)]


JSON = "application/json; odata.metadata=minimal"


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (text(200, "text/html", "<html><body>Sign in to continue</body></html>"), "text/html"),
        (text(200, JSON, '{"value": [{"name": "trunc'), "not a Web API answer"),
        (text(200, "text/plain", '{"value": []}'), "text/plain"),
        (text(200, "application/xml", "<feed/>"), "application/xml"),
        (text(200, JSON, '{"value": "rows"}'), "not a Web API answer"),
        (text(200, JSON, '{"value": [1, 2, 3]}'), "not a Web API answer"),
        (text(200, JSON, "[]"), "not a Web API answer"),
        (text(200, JSON, '{"value": [], "@odata.nextLink": 42}'), "not a Web API answer"),
        (text(200, JSON, "[" * 100_000 + "]" * 100_000), "not a Web API answer"),
    ],
)
def test_an_answer_that_is_not_a_page_of_rows_stops_the_read(client, hostile, answer, words):
    # An empty result would read as "no rows" and could look like deletions: it must fail.
    answer_queries(hostile, answer)
    error = fails_within(BUDGET_SECONDS, lambda: read_accounts(client), ConnectionUnusable)
    assert error.reason == "bad_response" and words in error.message, error.message


def test_an_html_error_page_is_retried_then_reported_with_its_status(client, hostile):
    answer_queries(hostile, text(502, "text/html", "<html><h1>502 Bad Gateway</h1></html>"))
    error = fails_within(BUDGET_SECONDS, lambda: read_accounts(client), RetryLater)
    assert "HTTP 502" in error.message and "3 attempt(s)" in error.message
    assert client.stats.server_errors == 3


def test_a_token_endpoint_answering_html_is_named(hostile, emulator):
    hostile.rules = [Rule("POST", "/oauth2/", text(200, "text/html", "<html>login</html>"))]
    config = ClientConfig(
        **{
            **emulator.connection_kwargs(),
            "environment_url": hostile.url,
            "authority_url": hostile.url,
        }
    )
    with DataverseClient(config) as client:
        error = fails_within(BUDGET_SECONDS, client.whoami, ConnectionUnusable)
    assert "text/html" in error.message
    assert config.client_secret not in error.message


@pytest.mark.parametrize("declared", [None, 10 * 1024**3])
def test_a_huge_answer_is_abandoned_at_the_limit_in_bounded_memory(client, hostile, declared):
    answer_queries(hostile, endless(b"x" * 65536, total=200 * 1024**2, declared=declared))
    tracemalloc.start()
    try:
        error = fails_within(BUDGET_SECONDS, lambda: read_accounts(client), ConnectionUnusable)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert f"larger than {LIMIT_MB} MB" in error.message
    assert peak < 4 * LIMIT_MB * 1024**2, f"held {peak / 1024**2:.1f} MB for a {LIMIT_MB} MB limit"


def test_an_answer_that_trickles_forever_times_out(client, hostile):
    # Each byte arrives well within the read timeout, so only a deadline on the whole
    # answer can end it; three attempts of 0.5 s each, then the client gives up.
    answer_queries(hostile, endless(b" ", total=10_000, pause=0.05))
    error = fails_within(BUDGET_SECONDS, lambda: read_accounts(client), RetryLater)
    assert "did not answer in time" in error.message
    assert client.stats.timeouts == 3


def test_a_next_link_to_another_host_is_not_followed(client, hostile, elsewhere):
    link = f"{elsewhere.url}/api/data/v9.2/accounts?$skiptoken=2"
    answer_queries(hostile, text(200, JSON, f'{{"value": [], "@odata.nextLink": "{link}"}}'))
    error = fails_within(BUDGET_SECONDS, lambda: read_accounts(client), ConnectionUnusable)
    assert elsewhere.url.split("//")[1] in error.message
    assert elsewhere.seen == [], "not one request, so no token, went to the other host"


def test_a_delta_link_to_another_host_is_not_followed(client, hostile, elsewhere):
    link = f"{elsewhere.url}/api/data/v9.2/accounts?$deltatoken=7"
    fails_within(BUDGET_SECONDS, lambda: list(client.changes("account", ["name"], link)))
    assert elsewhere.seen == []


def test_a_redirect_is_not_followed(client, hostile, elsewhere):
    answer_queries(hostile, redirect(f"{elsewhere.url}/steal"))
    error = fails_within(BUDGET_SECONDS, lambda: read_accounts(client), ConnectionUnusable)
    assert "redirect" in error.message
    assert elsewhere.seen == []


@pytest.mark.parametrize(
    "retry_after",
    ["99999999999", "1e308", "inf", "-5", "NaN", "soon", "Wed, 21 Oct 2099 07:28:00 GMT", ""],
)
def test_absurd_retry_after_values_neither_hang_nor_spin(client, hostile, retry_after):
    body = '{"error": {"code": "0x80072322", "message": "Number of requests exceeded the limit"}}'
    answer_queries(hostile, text(429, JSON, body, Retry_After=retry_after))
    before = client.stats.requests
    error = fails_within(BUDGET_SECONDS, lambda: read_accounts(client), RetryLater)
    assert error.status == 429 and "throttling" in error.message
    assert client.stats.waited_seconds <= client.config.max_retry_seconds
    sent = client.stats.requests - before
    assert 1 <= sent <= client.config.max_attempts, "bounded attempts, no spinning"
    if retry_after in ("99999999999", "1e308", "Wed, 21 Oct 2099 07:28:00 GMT"):
        assert sent == 1 and "it asked for a wait of" in error.message, "no hopeless waiting"


def test_a_garbled_batch_answer_stops_the_write(client, hostile, dataverse_client):
    row_id = dataverse_client.create_many("account", [{"accountid": uuid.uuid4(), "name": "Kept"}])[
        0
    ].id
    etag = next(dataverse_client.get_many("account", [row_id], ["name"]))["@odata.etag"]
    hostile.rules = [Rule("POST", "$batch", text(200, "multipart/mixed", "no boundary at all"))]
    error = fails_within(
        BUDGET_SECONDS,
        lambda: client.update_many(
            "account", [{"accountid": row_id, "name": "Changed"}], etags={row_id: etag}
        ),
        ConnectionUnusable,
    )
    assert "not a Web API answer" in error.message
