"""Each action has its own permission, and a person without it cannot run it.

Three kinds of action, each enumerated from the code rather than listed by hand:

- admin actions (the drop-down on every list page): whatever ModelAdmins offer, including
  the record actions the integration app adds to the ERP's pages;
- Tandem's own pages and buttons (``/admin/tandem/…``, ``/admin/synclog/…`` and the extra
  URLs of ModelAdmins): every one must be declared in ``VIEW_PERMISSIONS`` below, and each
  permission declared there must really be needed;
- the actions of the Coupled Data Synchronization Errors page.

A page added later without a declared permission fails ``test_every_page_of_tandem_declares
its permission``: declare it there, and the other tests check it.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.urls import resolve, reverse

from erp.demo import DemoDataBuilder, DemoSizes

from .pages import project_pages

pytestmark = pytest.mark.django_db

VIEW_COUPLINGS = "integration.view_coupling"
COUPLE = "integration.couple_records"
# Each of Tandem's pages and the permissions it needs, every one of them.
VIEW_PERMISSIONS = {
    "synclog:job_list": ["synclog.view_syncjob"],
    "synclog:job_detail": ["synclog.view_syncjob"],
    "synclog:job_progress": ["synclog.view_syncjob"],
    "synclog:job_delete_older": ["synclog.delete_syncjob"],
    "synclog:job_delete_all": ["synclog.delete_syncjob"],
    "synclog:error_list": ["synclog.view_syncjoberror"],
    "synclog:error_delete_older": ["synclog.delete_syncjoberror"],
    "synclog:error_delete_all": ["synclog.delete_syncjoberror"],
    # A run's status: its requester, or whoever may read the log.
    "integration:run_status": ["synclog.view_syncjob"],
    "integration:run_progress": ["synclog.view_syncjob"],
    "integration:synchronize_now": ["integration.synchronize_records"],
    "integration:set_up_coupling": [COUPLE],
    "integration:create_in_dataverse": [COUPLE],
    "integration:delete_coupling": [COUPLE],
    "integration:synchronize_modified_records": ["integration.synchronize"],
    "integration:dataverse_rows": ["integration.view_integrationtablemapping"],
    "integration:match_based_coupling": [COUPLE],
    "integration:full_sync_review": ["integration.synchronize"],
    "integration:full_sync_review_progress": ["integration.synchronize"],
    "integration:coupling_errors": [VIEW_COUPLINGS],
    "integration:coupling_errors_action": [VIEW_COUPLINGS],  # and each action's own
    "integration:coupling_errors_retry_all": [VIEW_COUPLINGS, COUPLE],
    "integration:coupling_errors_find_for_deleted": [VIEW_COUPLINGS, COUPLE],
    "integration:dataverse_row": [VIEW_COUPLINGS],
    "integration:error_synchronize": ["integration.synchronize_mapping"],
    "integration:error_delete_coupling": [COUPLE],
    "integration:schedule_run_now": ["integration.synchronize_mapping"],
    "admin:integration_connectionsetup_test": ["integration.test_connection"],
    "admin:integration_connectionsetup_reset": ["integration.reset_mappings"],
}
# What every ModelAdmin serves, guarded by the model's view/add/change/delete permissions.
STANDARD_ADMIN = re.compile(
    r"admin:(\w+_(changelist|add|change|delete|history|password_change)|index|login|logout|"
    r"password_change|password_change_done|jsi18n|autocomplete|view_on_site|app_list)$"
)


def tandem_pages(samples) -> dict:
    """Pages that are not the admin's standard ones, nor the emulator's API."""
    return {
        page.name: page
        for page in project_pages(samples)
        if page.name and not page.is_emulator and not STANDARD_ADMIN.match(page.name)
    }


def test_every_page_of_tandem_declares_its_permission(samples):
    undeclared = sorted(set(tandem_pages(samples)) - set(VIEW_PERMISSIONS))
    assert not undeclared, (
        "declare the permissions these pages need in VIEW_PERMISSIONS "
        f"(tests/security/test_permissions.py): {undeclared}"
    )
    gone = sorted(set(VIEW_PERMISSIONS) - set(tandem_pages(samples)))
    assert not gone, f"these pages no longer exist: {gone}"


def test_a_page_refuses_whoever_lacks_any_one_of_its_permissions(client, samples, make_staff):
    pages, problems = tandem_pages(samples), []
    for name, permissions in VIEW_PERMISSIONS.items():
        for needed in permissions:
            client.force_login(make_staff(all_but=[needed]))  # everything else, to be sure
            get, post = client.get(pages[name].url), client.post(pages[name].url)
            codes = (get.status_code, post.status_code)
            if not (set(codes) <= {403, 405} and 403 in codes):
                problems.append(f"{name} without {needed}: GET {codes[0]}, POST {codes[1]}")
    assert not problems, "\n".join(problems)


def test_a_page_lets_in_whoever_holds_its_permissions(client, samples, make_staff):
    pages, problems = tandem_pages(samples), []
    for name, permissions in VIEW_PERMISSIONS.items():
        client.force_login(make_staff(*permissions))
        response = client.get(pages[name].url)  # never POST here: that would run the action
        if response.status_code == 403:
            problems.append(f"{name} refused despite {permissions}")
    assert not problems, "\n".join(problems)


# Admin actions ----------------------------------------------------------------------------


def admin_actions(superuser, rf):
    """(model, action name, its declared permissions) for every action an admin is offered."""
    request = rf.get("/")
    request.user = superuser
    found = []
    for model, model_admin in admin.site._registry.items():
        for function, name, _ in model_admin.get_actions(request).values():
            found.append((model, name, tuple(getattr(function, "allowed_permissions", ()))))
    return found


@pytest.fixture
def records(samples):
    """A record on every list page that has actions, so that actions have something to do."""
    DemoDataBuilder(seed=61).load(
        DemoSizes(customers=2, vendors=1, contacts_per_company=1, items=1, resources=1)
    )


def test_admin_actions_are_found(superuser, rf):
    names = {name for _, name, _ in admin_actions(superuser, rf)}
    assert {"delete_selected", "use_default_synchronization_setup"} <= names


def test_an_admin_action_is_neither_offered_nor_run_for_someone_who_may_only_look(
    client, rf, records, superuser, make_staff
):
    problems = []
    for model, name, permissions in admin_actions(superuser, rf):
        if permissions == ("view",):
            continue  # looking is what this person may do
        opts = model._meta
        viewer = make_staff(f"{opts.app_label}.view_{opts.model_name}")
        request = rf.get("/")
        request.user = viewer
        if name in admin.site._registry[model].get_actions(request) and permissions:
            problems.append(f"{opts.label_lower}: {name} offered without {permissions}")
            continue
        client.force_login(viewer)
        problem = run_as_viewer(client, model, name, permissions, viewer)
        if problem:
            problems.append(f"{opts.label_lower}: {name}: {problem}")
    assert not problems, "\n".join(problems)


def run_as_viewer(client, model, name, permissions, viewer) -> str:
    """Post the action on one record; return what went wrong, if anything.

    An action declaring permissions must be refused. One declaring none may only lead to a
    page of Tandem (Synchronization Log, Dataverse rows), which then checks its own
    permissions (VIEW_PERMISSIONS); an action that does anything else needs permissions."""
    opts = model._meta
    record = model._default_manager.order_by("pk").first()
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    data = {"action": name, "_selected_action": [str(record.pk if record else 1)], "index": "0"}
    rows = model._default_manager.count()
    response = client.post(url, data)
    if model._default_manager.count() != rows:
        return "was run: rows changed"
    if response.status_code == 200 and "cl" in (response.context or {}):
        return ""  # the list again, the action ignored: none is open to this person
    if response.status_code != 302:
        return f"answered {response.status_code}"
    page = client.get(response["Location"])
    if permissions:
        return "" if "No action selected" in page.content.decode() else "was run"
    target = resolve(urlsplit(response["Location"]).path).view_name
    needed = VIEW_PERMISSIONS.get(target)
    if needed is None:
        return f"declares no permission and acts instead of leading to a page ({target})"
    allowed = all(viewer.has_perm(p) for p in needed)
    return "" if (page.status_code == 403) != allowed else f"{target} answered {page.status_code}"


# The actions of the Coupled Data Synchronization Errors page ------------------------------


def coupling_error_actions():
    from integration.admin.couplings import ACTIONS

    return sorted((name, perm) for name, action in ACTIONS.items() for perm in action.permissions)


@pytest.mark.parametrize(("action", "needed"), coupling_error_actions())
def test_a_coupling_error_action_needs_its_own_permission(
    client, samples, make_staff, action, needed
):
    from integration.models import Coupling

    coupling = Coupling.objects.create(
        local_table="erp.customer",
        local_id="00000000-0000-0000-0000-000000000001",
        dataverse_table="account",
        dataverse_id="00000000-0000-0000-0000-000000000002",
        skipped=True,
    )
    client.force_login(make_staff(all_but=[needed]))
    response = client.post(
        reverse("integration:coupling_errors_action"),
        {"action": action, "_selected_action": [str(coupling.pk)], "post": "yes"},
    )
    assert response.status_code == 403
    assert Coupling.objects.filter(pk=coupling.pk, skipped=True).exists(), "nothing changed"
