"""Live progress in a real browser: the job page follows a running job without a reload."""

import shutil
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from synclog.models import SyncJob

from .conftest import build_job

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_page(live_server, client, monkeypatch):
    """A Chromium page logged in as a superuser, collecting console errors."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test
    # are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    client.force_login(User.objects.create_superuser("admin", "admin@example.com", "x"))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=["--no-sandbox"]
        )
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": live_server.url,
                }
            ]
        )
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
        page.on("pageerror", lambda error: page.console_errors.append(str(error)))
        yield page
        browser.close()
        # ORM calls made while Playwright runs may open a connection of their own; close it,
        # or PostgreSQL refuses to drop the test database at the end of the session.
        connections.close_all()


def test_job_page_follows_a_running_job_until_it_finishes(live_server, browser_page):
    job = build_job(
        status=SyncJob.Status.RUNNING,
        started_at=timezone.now() - timedelta(seconds=30),
        finished_at=None,
        total=5000,
        processed=1200,
        inserted=1100,
    )
    job.save()
    page = browser_page
    page.goto(live_server.url + reverse("synclog:job_detail", args=[job.pk]))
    processed = page.locator(".synclog-progress [data-field=processed]")
    assert processed.inner_text() == "1,200"

    SyncJob.objects.filter(pk=job.pk).update(processed=2500, inserted=2400)
    page.wait_for_function(
        "document.querySelector('.synclog-progress [data-field=processed]').textContent === '2,500'"
    )
    assert page.locator(".synclog-counts [data-field='counts.inserted']").inner_text() == "2,400"
    assert page.locator("progress[data-progress-bar]").evaluate("bar => bar.value") == 2500

    SyncJob.objects.filter(pk=job.pk).update(
        status=SyncJob.Status.FINISHED, finished_at=timezone.now(), processed=5000
    )
    # The page reloads once when the job ends, to show the final message and errors.
    page.wait_for_function(
        "document.querySelector('.synclog-progress h2').textContent === 'Result'"
    )
    assert processed.inner_text() == "5,000"
    assert page.locator("[data-progress-url]").count() == 0
    assert page.console_errors == []
