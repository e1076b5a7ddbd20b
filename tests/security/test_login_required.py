"""Every page and endpoint needs a staff login, and every page of Tandem a permission too.

The pages come from walking the URL configuration (``pages.py``), so a page added tomorrow
is checked tomorrow without anyone touching this file.
"""

import base64

import pytest
import requests
from django.conf import settings
from django.urls import reverse

from .pages import Page, project_pages

pytestmark = pytest.mark.django_db

# Public by design: the way in and the way out.
PUBLIC = {"admin:login", "admin:logout"}
# The admin's own pages every staff member may open, whatever their permissions.
STAFF_PAGES = {
    "admin:index",
    "admin:password_change",
    "admin:password_change_done",
    "admin:jsi18n",
    "admin:logout",
}


def login_url() -> str:
    return reverse(settings.LOGIN_URL)


def refused(response) -> bool:
    """Sent to the login page, or refused outright; never shown, never done. A redirect to a
    static file (the favicon) is public by nature and counts as nothing shown."""
    if response.status_code in (301, 302):
        location = response["Location"]
        return location.startswith((login_url(), settings.STATIC_URL, "/" + settings.STATIC_URL))
    return response.status_code in (401, 403, 405)


def site_pages(samples) -> list[Page]:
    return [p for p in project_pages(samples) if not p.is_emulator]


def test_the_walk_finds_the_pages_of_every_area(samples):
    names = {p.name for p in site_pages(samples)}
    for expected in ("admin:index", "synclog:job_list", "integration:coupling_errors"):
        assert expected in names
    assert any(p.route.startswith("admin/tandem/") for p in site_pages(samples))


def test_an_anonymous_visitor_is_sent_to_the_login_page_everywhere(client, samples):
    problems = []
    for page in site_pages(samples):
        if page.name in PUBLIC:
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(page.url)
            if page.url == "/" and response.status_code == 302:
                response = client.get(response["Location"])  # the root leads to the admin
            if not refused(response):
                problems.append(f"{method.upper()} {page}: {response.status_code}")
    assert not problems, "pages open without a login:\n" + "\n".join(problems)


def test_a_staff_member_without_permissions_is_refused_everywhere_but_the_admin_home(
    client, samples, make_staff
):
    client.force_login(make_staff())
    problems = []
    for page in site_pages(samples):
        if page.name in PUBLIC | STAFF_PAGES or page.url == "/":
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(page.url)
            if not (refused(response) or shows_nothing(client, page, response)):
                problems.append(f"{method.upper()} {page}: {response.status_code}")
    assert not problems, "pages open without a permission:\n" + "\n".join(problems)


def shows_nothing(client, page: Page, response) -> bool:
    """Answers that show and do nothing: the admin's 404 for what a person may not see or
    what does not exist, a ModelAdmin sending a missing object back to the admin home, and a
    redirect to another page that is itself refused."""
    if response.status_code == 404:
        return page.name in ("", "admin:app_list", "admin:view_on_site") or "admin:" in page.name
    if response.status_code != 302:
        return False
    for _ in range(3):  # a ModelAdmin may pass a request on to its own page first
        if response["Location"] == reverse("admin:index"):
            return page.name.startswith("admin:") or page.name == ""
        response = client.get(response["Location"])
        if response.status_code != 302:
            return refused(response) or response.status_code == 404
    return False


def test_a_regular_user_who_is_not_staff_is_sent_to_the_login_page(
    client, samples, django_user_model
):
    user = django_user_model.objects.create_user("clerk", password="x" * 20)
    client.force_login(user)
    problems = [
        f"{page}: {response.status_code}"
        for page in site_pages(samples)
        if page.name not in PUBLIC
        and page.url != "/"
        and not refused(response := client.get(page.url))
    ]
    assert not problems, "pages open to a user who is not staff:\n" + "\n".join(problems)


# The emulator's endpoints: a bearer token, the client's credentials, or the control key. --


def emulator_pages(samples) -> list[Page]:
    return [p for p in project_pages(samples) if p.is_emulator]


def test_every_emulator_endpoint_is_found_and_guarded(samples, emulator):
    names = {page.name for page in emulator_pages(samples)}
    assert names == {"emulator:web-api", "emulator:control", "emulator:token"}, (
        "a new emulator endpoint: say here how it is guarded"
    )


def standalone(page: Page, emulator) -> str:
    """The endpoint's URL on the emulator server (which serves it at its root)."""
    return emulator.url + page.url.removeprefix("/emulator")


@pytest.mark.parametrize("token", [None, "Bearer not-a-token", "Basic dGFuZGVtOnRhbmRlbQ=="])
def test_the_web_api_needs_a_valid_bearer_token(samples, emulator, token):
    headers = {"Authorization": token} if token else {}
    for path in ("accounts", "WhoAmI", "EntityDefinitions", "$batch"):
        for method in ("GET", "POST"):
            response = requests.request(
                method, f"{emulator.api_url}{path}", headers=headers, timeout=30
            )
            assert response.status_code == 401, (method, path, response.status_code)


def test_the_control_endpoint_needs_the_control_key_or_the_application_client(emulator):
    for action in ("state", "faults", "reset", "limits", "counters"):
        for auth in (None, ("tandem-local", "wrong-secret"), ("tandem-user", "tandem-user-secret")):
            response = requests.post(f"{emulator.url}/_control/{action}", auth=auth, timeout=30)
            assert response.status_code in (401, 403), (action, auth, response.status_code)
    assert requests.get(f"{emulator.url}/_control/health", timeout=30).json() == {"status": "ok"}


@pytest.mark.parametrize("guess", ["guess", "", "Sëcret-&'<>", "tandem-local-secre"])
def test_the_token_endpoint_gives_tokens_only_for_the_right_secret(emulator, guess):
    url = f"{emulator.url}/{settings.DATAVERSE_EMULATOR_TENANT}/oauth2/v2.0/token"
    wrong = {
        "grant_type": "client_credentials",
        "client_id": settings.DATAVERSE_EMULATOR_CLIENT_ID,
        "client_secret": guess,
        "scope": f"{emulator.url}/.default",
    }
    refused_answer = requests.post(url, data=wrong, timeout=30)
    assert refused_answer.status_code == 401, refused_answer.text
    assert refused_answer.json()["error"] == "invalid_client"
    assert requests.get(url, timeout=30).status_code == 405


def test_the_control_endpoint_compares_secrets_safely_whatever_they_hold(emulator):
    client_id = settings.DATAVERSE_EMULATOR_CLIENT_ID
    basic = base64.b64encode(f"{client_id}:ключ".encode()).decode()
    response = requests.post(
        f"{emulator.url}/_control/state", headers={"Authorization": f"Basic {basic}"}, timeout=30
    )
    assert response.status_code in (401, 403), "refused, not a server error"
