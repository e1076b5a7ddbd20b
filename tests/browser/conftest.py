"""Administrator journeys in Debian's Chromium against a running installation.

One installation (``tests/fixtures/live_server.py``: web server with the emulator, django-q2
worker, throw-away databases) serves every journey of this package and is stopped after the
last one. Each journey gets a fresh browser context; the ``page`` fixture saves a screenshot
of the last page under ``test-artifacts/browser/`` and fails the test when the browser saw a
JavaScript error, a console error or a failed request.
"""

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.fixtures.live_server import ROOT, running_tandem_server

from .pages import sign_in

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
VIEWPORTS = {"desktop": (1280, 800), "narrow": (390, 844)}
QUICK_MS = 15_000  # what a page shows at once; generous because the machine is shared
expect.set_options(timeout=QUICK_MS)


@pytest.fixture(scope="package")
def tandem_server(tmp_path_factory):
    """Stopped when the last journey has run, not at the end of the whole suite."""
    with running_tandem_server(tmp_path_factory.mktemp("tandem-server")) as server:
        yield server


@pytest.fixture(scope="package")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium.")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="package")
def admin_session(browser, tandem_server) -> dict:
    """The cookies of a signed-in administrator, so that most journeys start signed in."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(tandem_server.url + "/admin/login/")
    sign_in(page)
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture
def viewport(request) -> str:
    """``desktop`` unless a journey is parametrized with ``indirect=["viewport"]``."""
    return getattr(request, "param", "desktop")


class BrowserProblems:
    """What would show up red in the browser's developer tools."""

    def __init__(self, page, origin: str):
        self.origin = origin
        self.seen: list[str] = []
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.seen.append(f"JavaScript error: {error}"))
        page.on("requestfailed", self.request_failed)
        page.on("response", self.response)

    def console(self, message) -> None:
        if message.type == "error":
            where = message.location.get("url", "")
            self.seen.append(f"console error on {where}: {message.text}")

    def request_failed(self, request) -> None:
        if request.failure == "net::ERR_ABORTED":
            # The browser itself cancelled it: the page navigated away (a click, a submit)
            # while the request, often the favicon, was still on its way. Nothing failed.
            return
        self.seen.append(f"request failed: {request.method} {request.url}: {request.failure}")

    def response(self, response) -> None:
        if response.status >= 400 and response.url.startswith(self.origin):
            self.seen.append(f"HTTP {response.status}: {response.request.method} {response.url}")


def open_page(request, browser, server, viewport: str, storage_state=None):
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(
        viewport={"width": width, "height": height}, storage_state=storage_state
    )
    context.set_default_timeout(QUICK_MS)
    page = context.new_page()
    problems = BrowserProblems(page, server.url)
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    try:
        page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
    finally:
        context.close()
    assert problems.seen == [], "the browser reported problems:\n" + "\n".join(problems.seen)


@pytest.fixture
def page(request, browser, tandem_server, admin_session, viewport):
    """A page signed in as the administrator."""
    yield from open_page(request, browser, tandem_server, viewport, admin_session)


@pytest.fixture
def signed_out_page(request, browser, tandem_server, viewport):
    yield from open_page(request, browser, tandem_server, viewport)


@pytest.fixture
def synchronized(tandem_server):
    """The demo data synchronized in full, by the journey that does it through the review page
    or, when that journey did not run first, by the command line."""
    if not tandem_server.full_sync_done:
        tandem_server.manage("sync", "--full", "--create-new", "keep")
        tandem_server.full_sync_done = True
    return tandem_server


@pytest.fixture
def dataverse(tandem_server):
    """The emulator's Web API as the sales user, to change Dataverse data as a person would."""
    with tandem_server.dataverse_user() as session:
        yield session
