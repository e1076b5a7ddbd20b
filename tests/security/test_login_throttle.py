"""Sign-in attempts are rate-limited: by user name and address, and by address."""

import threading
import time

import pytest
from django.test import Client
from django.urls import reverse

from access import login_throttle

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db
HOME, ATTACKER = "10.0.0.1", "203.0.113.9"


def sign_in(client, username, password, address=HOME):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def fail(client, username, times, address=ATTACKER):
    for _ in range(times):
        response = sign_in(client, username, "wrong password", address)
        assert response.status_code == 200 and not signed_in(response)


def test_five_wrong_passwords_pause_that_user_name_from_that_address(client, superuser):
    fail(client, "boss", 5)

    paused = sign_in(client, "boss", PASSWORD, ATTACKER)  # even the right password

    assert paused.status_code == 429 and not signed_in(paused)
    page = paused.content.decode()
    assert "Too many failed sign-in attempts" in page and "wait 15 minutes" in page
    assert 'class="errornote' in page, "shown where the login page shows its errors"
    assert 0 < int(paused["Retry-After"]) <= 900
    assert PASSWORD not in page and "wrong password" not in page
    assert "_auth_user_id" not in client.session


def test_the_pause_does_not_lock_the_person_out_from_elsewhere(client, superuser):
    fail(client, "boss", 5)

    assert signed_in(sign_in(client, "boss", PASSWORD, HOME))


def test_a_success_clears_the_count_of_earlier_slips(client, superuser):
    fail(client, "boss", 4, HOME)
    assert signed_in(sign_in(client, "boss", PASSWORD, HOME))
    client.logout()
    fail(client, "boss", 4, HOME)

    assert signed_in(sign_in(client, "boss", PASSWORD, HOME))


def test_many_user_names_from_one_address_pause_the_address(client, superuser):
    for n in range(20):
        fail(client, f"guess{n}", 1)

    paused = sign_in(client, "boss", PASSWORD, ATTACKER)

    assert paused.status_code == 429
    assert signed_in(sign_in(client, "boss", PASSWORD, HOME))


def test_sign_ins_that_succeed_count_for_nothing(client, superuser):
    for _ in range(25):  # more than the address's limit
        assert signed_in(sign_in(client, "boss", PASSWORD, HOME))
        client.logout()

    fail(client, "boss", 4, HOME)
    assert signed_in(sign_in(client, "boss", PASSWORD, HOME))


def test_posts_refused_for_lack_of_a_csrf_token_count_for_nothing(superuser):
    # Another site cannot make a visitor's browser pause the visitor's own sign-in.
    cross_site = Client(enforce_csrf_checks=True)
    for _ in range(6):
        assert sign_in(cross_site, "boss", "wrong password", HOME).status_code == 403

    assert login_throttle.wait_seconds("boss", HOME) == 0


def test_the_pause_ends_a_window_after_the_last_failure(client, superuser, monkeypatch):
    fail(client, "boss", 5)
    assert sign_in(client, "boss", PASSWORD, ATTACKER).status_code == 429
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 14 * 60)
    assert "wait 1 minute," in sign_in(client, "boss", PASSWORD, ATTACKER).content.decode()
    monkeypatch.setattr(time, "time", lambda: now + 15 * 60 + 1)

    assert signed_in(sign_in(client, "boss", PASSWORD, ATTACKER))


def test_counts_are_kept_by_hashed_user_name_in_the_throttle_cache(superuser, client):
    fail(client, "Boss", 1)
    key = login_throttle.counters("boss", ATTACKER)[0].key
    assert "boss" not in key.lower().replace("login:", "")
    assert login_throttle.cache().get(key) == 1, "user names count without regard to case"


# Attempts sent all at once ----------------------------------------------------------------

PARALLEL = 12
checked, check_lock, let_go = [], threading.Lock(), threading.Event()


class HeldPasswordCheck:
    """A password check that holds every attempt until the test has sent them all, as a
    slow hasher holds attempts made at the same moment by many workers."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        with check_lock:
            checked.append(username)
        let_go.wait(timeout=60)
        return None


@pytest.mark.django_db(transaction=True)
def test_attempts_sent_all_at_once_get_no_more_password_checks_than_the_limit(settings):
    settings.AUTHENTICATION_BACKENDS = [f"{__name__}.HeldPasswordCheck"]
    checked.clear()
    let_go.clear()
    answers = []

    def attempt():
        answers.append(sign_in(Client(), "boss", "a guess", ATTACKER).status_code)

    threads = [threading.Thread(target=attempt) for _ in range(PARALLEL)]
    for thread in threads:
        thread.start()
    # Every attempt is either refused already or waiting in the password check.
    assert wait_until(lambda: len(checked) + len(answers) == PARALLEL)
    let_go.set()
    for thread in threads:
        thread.join(timeout=60)

    assert len(checked) == 5, "only as many passwords checked as the limit allows"
    assert sorted(answers) == [200] * 5 + [429] * (PARALLEL - 5)
    assert login_throttle.wait_seconds("boss", ATTACKER) > 0


def wait_until(condition, limit: float = 60.0) -> bool:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)  # the attempts run in other threads: nothing to wait on but them
    return True
