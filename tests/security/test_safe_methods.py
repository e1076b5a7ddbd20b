"""Opening a page never does anything: every action takes a POST.

CSRF protection covers POSTs only. A page that acted on a GET could be triggered from any
other site by an image or a link while an administrator is signed in.
"""

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session

from .pages import project_pages

pytestmark = pytest.mark.django_db

# Pages that set up their own rows the first time they are opened, and do nothing else.
PREPARED_ON_FIRST_OPENING = {
    # One line per mapping, and their recommendations (read-only in Dataverse) on a worker.
    "integration:full_sync_review": ({"integration.FullSyncReviewLine"}, 1),
    # The log's retention settings: a single row of defaults.
    "admin:synclog_logretention_changelist": ({"synclog.LogRetention"}, 0),
}


def snapshot() -> dict:
    """Every row of every table of the site's database (sessions aside)."""
    return {
        model._meta.label: sorted(map(repr, model._base_manager.values_list()))
        for model in apps.get_models()
        if model is not Session and model._meta.app_label != "emulator"
    }


def test_no_page_changes_anything_when_it_is_only_opened(
    client, samples, superuser, django_capture_on_commit_callbacks
):
    client.force_login(superuser)
    problems = []
    for page in project_pages(samples):
        if page.is_emulator or page.name == "admin:logout":
            continue
        before = snapshot()
        # Work handed to a worker is enqueued when the request's transaction commits.
        with django_capture_on_commit_callbacks() as enqueued:
            client.get(page.url)
        after = snapshot()
        changed = {label for label in before if before[label] != after[label]}
        if (changed, len(enqueued)) not in [(set(), 0), PREPARED_ON_FIRST_OPENING.get(page.name)]:
            problems.append(f"{page}: {sorted(changed)}, {len(enqueued)} task(s) enqueued")
    assert not problems, "pages that act on a GET:\n" + "\n".join(problems)


def test_the_pages_that_prepare_themselves_do_so_only_once(client, samples, superuser):
    client.force_login(superuser)
    for name in PREPARED_ON_FIRST_OPENING:
        (page,) = [p for p in project_pages(samples) if p.name == name]
        client.get(page.url)
        before = snapshot()
        client.get(page.url)
        assert snapshot() == before, page
