"""Each action needs its permission: without it the page answers 403 and the action is not
offered; a request is never queued."""

import pytest

from erp.models import Customer
from integration.defaults import reset_to_defaults
from integration.models import Coupling, IntegrationTableMapping, SyncRequest

from .conftest import staff_with


@pytest.fixture
def mappings(db):
    reset_to_defaults()
    customer = Customer.objects.create(name="Adatum")
    return customer


def pages(customer) -> list[tuple[str, str]]:
    records = f"model=erp.customer&pks={customer.pk}"
    return [
        ("integration.synchronize", "/admin/tandem/full-synchronization/"),
        ("integration.synchronize", "/admin/tandem/full-synchronization/progress/"),
        ("integration.synchronize", "/admin/tandem/synchronize-modified-records/"),
        ("integration.synchronize_records", f"/admin/tandem/records/synchronize-now/?{records}"),
        ("integration.couple_records", f"/admin/tandem/records/create-in-dataverse/?{records}"),
        ("integration.couple_records", f"/admin/tandem/records/delete-coupling/?{records}"),
        (
            "integration.couple_records",
            f"/admin/tandem/records/set-up-coupling/?model=erp.customer&pk={customer.pk}",
        ),
        ("integration.couple_records", "/admin/tandem/mappings/CUSTOMER/match-based-coupling/"),
        (
            "integration.view_integrationtablemapping",
            "/admin/tandem/mappings/CUSTOMER/dataverse-rows/",
        ),
    ]


def test_every_page_needs_its_permission(mappings, client):
    client.force_login(staff_with("erp.view_customer"))
    for _permission, url in pages(mappings):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"action": "sync_all", "confirm": "yes"}).status_code == 403, url
    assert not SyncRequest.objects.exists()


def test_the_record_pages_also_need_access_to_the_records(mappings, client):
    client.force_login(staff_with("integration.synchronize_records", username="no-customers"))
    url = f"/admin/tandem/records/synchronize-now/?model=erp.customer&pks={mappings.pk}"
    assert client.get(url).status_code == 403


def test_actions_are_offered_only_with_their_permission(mappings, client):
    client.force_login(staff_with("erp.view_customer", "integration.synchronize_records"))
    actions = dict(
        client.get("/admin/erp/customer/").context["action_form"].fields["action"].choices
    )
    assert "synchronize_now" in actions and "synchronization_log" in actions
    assert "set_up_coupling" not in actions and "delete_coupling" not in actions

    response = client.post(
        "/admin/erp/customer/", {"action": "delete_coupling", "_selected_action": [mappings.pk]}
    )
    assert response["Location"] == "/admin/erp/customer/", "refused: back to the list"


def test_mapping_actions_need_their_permissions(mappings, client):
    client.force_login(
        staff_with(
            "integration.view_integrationtablemapping", "integration.change_integrationtablemapping"
        )
    )
    url = "/admin/integration/integrationtablemapping/"
    actions = dict(client.get(url).context["action_form"].fields["action"].choices)
    assert "synchronization_log" in actions
    for action in ("run_full_synchronization", "delete_couplings", "synchronize_modified_records"):
        assert action not in actions
        pk = IntegrationTableMapping.objects.get(name="CURRENCY").pk
        client.post(url, {"action": action, "_selected_action": [pk], "post": "yes"})
    assert not SyncRequest.objects.exists()


def test_a_run_is_shown_to_its_requester_and_to_readers_of_the_log(mappings, client):
    request = SyncRequest.objects.create(action="Synchronize Now", requested_by="someone")
    url = f"/admin/tandem/runs/{request.pk}/"
    client.force_login(staff_with("erp.view_customer", username="stranger"))
    assert client.get(url).status_code == 403
    client.force_login(staff_with(username="someone"))
    assert client.get(url).status_code == 200
    client.force_login(staff_with("synclog.view_syncjob", username="reader"))
    page = client.get(url).content.decode()
    assert "Waiting for a worker" in page
    assert client.get(url + "progress/").json()["running"] is True


def test_the_card_shows_only_the_buttons_the_user_may_use(mappings, client):
    Coupling.objects.create(
        local_table="erp.customer",
        local_id=mappings.system_id,
        dataverse_table="account",
        dataverse_id=mappings.system_id,
    )
    client.force_login(staff_with("erp.view_customer", "integration.synchronize_records"))
    page = client.get(f"/admin/erp/customer/{mappings.pk}/change/").content.decode()
    assert 'class="tandem-tool">Synchronize Now</a>' in page
    assert "Set Up Coupling</a>" not in page and "Delete Coupling</a>" not in page
