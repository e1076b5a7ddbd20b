"""Both sides changed: field-level merge, and each update-conflict resolution."""

import pytest

from erp.models import Customer
from integration.models import Coupling, IntegrationTableMapping
from synclog.models import SyncJobError

from .conftest import counts

Resolution = IntegrationTableMapping.UpdateConflictResolution


@pytest.fixture
def pair(salespeople_coupled, sync, emulator):
    """One customer coupled to its account, and a person working on the account."""
    sync("CURRENCY", full=True, create_new=True)
    sync("CUSTOMER", full=True, create_new=True)
    customer = Customer.objects.filter(blocked="").order_by("pk").first()
    row_id = Coupling.objects.get(local_id=customer.system_id).dataverse_id
    with emulator.user_session() as person:
        yield customer, row_id, person


def account(person, row_id) -> dict:
    return person.get(f"accounts({row_id})?$select=name,address1_city,telephone1").json()


def set_resolution(value):
    IntegrationTableMapping.objects.filter(name="CUSTOMER").update(update_conflict_resolution=value)


def test_different_fields_changed_on_each_side_are_merged(pair, sync):
    customer, row_id, person = pair
    customer.city = "Aarhus"
    customer.save()
    person.patch(f"accounts({row_id})", json={"telephone1": "+45 5555 0000"})

    jobs = sync("CUSTOMER")

    assert counts(jobs["to"]) == {"modified": 1}
    assert counts(jobs["from"]) == {"modified": 1}
    customer.refresh_from_db()
    assert (customer.city, customer.phone_no) == ("Aarhus", "+45 5555 0000")
    row = account(person, row_id)
    assert (row["address1_city"], row["telephone1"]) == ("Aarhus", "+45 5555 0000")
    again = sync("CUSTOMER")
    assert counts(again["to"]) == {} and counts(again["from"]) == {}


def test_the_same_field_changed_on_both_sides_fails_and_names_both_values(pair, sync):
    customer, row_id, person = pair
    customer.name = "Local Name AS"
    customer.save()
    person.patch(f"accounts({row_id})", json={"name": "Remote Name Inc"})

    jobs = sync("CUSTOMER")

    assert counts(jobs["to"]) == {"failed": 1}
    message = SyncJobError.objects.get(job=jobs["to"]).error_message
    assert "'Local Name AS' here" in message and "'Remote Name Inc' in Dataverse" in message
    customer.refresh_from_db()
    assert customer.name == "Local Name AS", "nothing is overwritten while in conflict"
    assert account(person, row_id)["name"] == "Remote Name Inc"


def test_send_resolution_lets_the_local_value_win(pair, sync):
    customer, row_id, person = pair
    set_resolution(Resolution.SEND)
    customer.name = "Local Name AS"
    customer.save()
    person.patch(
        f"accounts({row_id})", json={"name": "Remote Name Inc", "telephone1": "+1 555 222"}
    )

    jobs = sync("CUSTOMER")

    assert not jobs["to"].failed and not jobs["from"].failed
    customer.refresh_from_db()
    assert customer.name == "Local Name AS" and customer.phone_no == "+1 555 222"
    assert account(person, row_id)["name"] == "Local Name AS"


def test_get_resolution_lets_the_dataverse_value_win(pair, sync):
    customer, row_id, person = pair
    set_resolution(Resolution.GET)
    customer.name = "Local Name AS"
    customer.city = "Bergen"
    customer.save()
    person.patch(f"accounts({row_id})", json={"name": "Remote Name Inc"})

    jobs = sync("CUSTOMER")

    assert counts(jobs["to"]) == {"modified": 1}, "the city goes; the name waits for From"
    assert counts(jobs["from"]) == {"modified": 1}
    customer.refresh_from_db()
    assert customer.name == "Remote Name Inc"
    assert customer.city == "Bergen", "a field changed only locally is kept"
    assert account(person, row_id)["address1_city"] == "Bergen"


def test_watermarks_move_only_forward_after_each_pass_never_past_its_start(pair, sync):
    customer, row_id, person = pair
    before = IntegrationTableMapping.objects.get(name="CUSTOMER")
    person.patch(f"accounts({row_id})", json={"telephone1": "+45 1111 2222"})
    customer.city = "Odense"
    customer.save()

    jobs = sync("CUSTOMER")

    after = IntegrationTableMapping.objects.get(name="CUSTOMER")
    assert before.local_modified_on_filter < after.local_modified_on_filter
    assert after.local_modified_on_filter <= jobs["to"].started_at
    assert before.dataverse_modified_on_filter <= after.dataverse_modified_on_filter
    assert after.dataverse_modified_on_filter <= jobs["from"].started_at
    changed = person.get(f"accounts({row_id})?$select=modifiedon").json()["modifiedon"]
    assert after.dataverse_modified_on_filter.isoformat().startswith(changed[:19])

    quiet = sync("CUSTOMER")

    latest = IntegrationTableMapping.objects.get(name="CUSTOMER")
    assert latest.dataverse_modified_on_filter == after.dataverse_modified_on_filter, (
        "nothing read: the Dataverse watermark stays"
    )
    assert after.local_modified_on_filter <= latest.local_modified_on_filter
    assert latest.local_modified_on_filter <= quiet["to"].started_at
