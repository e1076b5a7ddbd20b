"""CSRF on every form: a POST without the token is refused everywhere, and every form of every
page carries the token."""

import re

import pytest
from django.test import Client

from .pages import project_pages

pytestmark = pytest.mark.django_db

FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.IGNORECASE | re.DOTALL)
POST_FORM = re.compile(r"<form\b[^>]*method=[\"']?post", re.IGNORECASE)


def site_pages(samples):
    return [page for page in project_pages(samples) if not page.is_emulator]


def test_a_post_without_the_token_is_refused_everywhere(samples, superuser):
    signed_in, anonymous = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    signed_in.force_login(superuser)
    problems = []
    for page in site_pages(samples):
        for who, client in (("admin", signed_in), ("anonymous", anonymous)):
            response = client.post(page.url, {"post": "yes", "username": "boss", "password": "x"})
            csrf_refused = response.status_code == 403 and b"CSRF" in response.content
            if not (csrf_refused or (who == "anonymous" and response.status_code == 302)):
                problems.append(f"{who} POST {page}: {response.status_code}")
    assert not problems, "POSTs taken without a CSRF token:\n" + "\n".join(problems)


def test_every_form_that_posts_carries_the_token(samples, superuser):
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)
    problems, forms = [], 0
    for page in site_pages(samples):
        response = client.get(page.url, follow=True)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for form in FORM.findall(response.content.decode()):
            if POST_FORM.search(form):
                forms += 1
                if 'name="csrfmiddlewaretoken"' not in form:
                    problems.append(f"{page}: {form[:120]!r}")
    assert forms > 10, "the pages' forms were found"
    assert not problems, "forms without a CSRF token:\n" + "\n".join(problems)


def test_a_post_with_the_token_gets_through(samples, superuser):
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)
    page = client.get("/admin/synclog/jobs/delete-older/")
    token = page.cookies["csrftoken"].value
    response = client.post(
        "/admin/synclog/jobs/delete-older/", {"days": "3650", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302, "the token is all that was missing"
