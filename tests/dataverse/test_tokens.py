"""The access token: cached until shortly before it expires, renewed once on a 401, and the
secret kept out of whatever a token authority answers."""

import json
from urllib.parse import quote_plus

import pytest

from integration.dataverse import ClientConfig, ConnectionUnusable, DataverseClient, RetryLater
from integration.dataverse import auth as token_cache
from tests.reliability.hostile import HostileServer, Rule, redirect, text

from .conftest import accounts


class Clock:
    """The client's monotonic clock, moved by hand: the emulator's tokens stay valid, so a
    new token can only come from the client's own decision to renew."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(token_cache, "time", clock)
    return clock


def test_one_token_serves_every_call_until_shortly_before_it_expires(make_client, emulator, clock):
    emulator.options(token_lifetime=600)
    client = make_client(token_renewal_margin=120)
    emulator.clear_counters()
    client.whoami()
    client.entity("account")
    client.create_many("account", accounts(3, "Cached"))
    assert client.stats.token_requests == 1 and client.stats.requests > 3
    clock.now += 600 - 120 - 1  # still outside the renewal margin
    client.whoami()
    assert client.stats.token_requests == 1
    clock.now += 2  # inside it: renewed before Dataverse would refuse the token
    client.whoami()
    assert client.stats.token_requests == 2 and client.stats.token_renewals == 0
    counters = emulator.state()["counters"]
    assert counters["tokens_issued"] == 2 and "unauthorized" not in counters


def test_a_token_refused_again_after_renewal_stops_the_job(make_client, emulator):
    client = make_client()
    client.entity("account")
    # The cached token expires, and every new one is expired on arrival (as when the
    # service's clock is far ahead of the authority's).
    emulator.options(token_lifetime=0, advance_seconds=3600)
    emulator.clear_counters()
    rows = accounts(3, "Refused")
    with pytest.raises(ConnectionUnusable) as caught:
        client.create_many("account", rows)
    assert caught.value.reason == "token_rejected" and caught.value.status == 401
    assert client.stats.token_renewals == 1  # renewed once, not in a loop
    assert emulator.state()["counters"]["unauthorized"] == 2
    with pytest.raises(ConnectionUnusable) as caught:
        client.whoami()
    assert caught.value.reason == "token_rejected"
    emulator.options(token_lifetime=3599)
    assert list(client.get_many("account", [row["accountid"] for row in rows])) == []


SECRET = "s3cr/t+&=ü"


@pytest.fixture
def echoing_authority():
    """A token endpoint that quotes the request's form, secret included, in its errors."""
    server = HostileServer().start()
    yield server
    server.stop()


def client_of(server: HostileServer) -> DataverseClient:
    config = ClientConfig(
        environment_url=server.url,
        tenant="local",
        client_id="tandem-local",
        client_secret=SECRET,
        authority_url=server.url,
        max_attempts=2,
        backoff_base=0.01,
        backoff_max=0.01,
    )
    return DataverseClient(config)


def echo(status: int, body: dict):
    return text(status, "application/json", json.dumps(body))


ECHOES = [
    (
        echo(400, {"error": "invalid_request", "error_description": f"form: secret={SECRET}"}),
        ConnectionUnusable,
    ),
    (
        echo(400, {"error": f"client_secret={quote_plus(SECRET)}", "error_description": "bad"}),
        ConnectionUnusable,
    ),
    (echo(503, {"error": {"code": "0x0", "message": f"got {quote_plus(SECRET)}"}}), RetryLater),
    (redirect(f"/login?client_secret={quote_plus(SECRET)}"), ConnectionUnusable),
]


@pytest.mark.parametrize(("answer", "error"), ECHOES)
def test_a_secret_echoed_by_the_token_authority_is_blanked_out(
    echoing_authority, caplog, answer, error
):
    echoing_authority.rules = [Rule("POST", "/oauth2/", answer)]
    with client_of(echoing_authority) as client, pytest.raises(error) as caught:
        client.whoami()
    texts = [str(caught.value), repr(caught.value), caplog.text]
    assert "[secret]" in repr(caught.value)  # the rest of the server's words still help
    for shown in texts:
        assert SECRET not in shown and quote_plus(SECRET) not in shown
