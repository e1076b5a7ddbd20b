"""Records edited on both sides while a run is going: no lost update, conflicts as conflicts.

A run reads a record, decides, then writes. Someone may change the record in between: a user
in Dataverse between the To pass's read and its write, a user of the ERP between the From
pass's read and its write. These tests put a real edit exactly in that window (through the
Web API as the sales user, or through the ORM as the ERP would) and check that the edit
survives, that changes to other fields still merge, and that a field changed on both sides
is reported as a conflict.
"""

import pytest
from django.utils import timezone

from erp.models import Customer
from integration.dataverse import DataverseClient
from integration.engine.from_dataverse import FromDataverse
from integration.models import Coupling
from synclog.models import SyncJobError

COLUMNS = "name,telephone1,address1_city"


@pytest.fixture
def pair(customers, sync, emulator):
    """One customer coupled to its account, both in step, and a person at work in Dataverse."""
    customer = customers(3, seed=31)[0]
    sync("CUSTOMER", full=True, create_new=True)
    sync("CUSTOMER")  # settles the echo of the full run
    row_id = Coupling.objects.get(local_id=customer.system_id).dataverse_id
    with emulator.user_session() as person:
        yield customer, row_id, person


def account(person, row_id) -> dict:
    response = person.get(f"accounts({row_id})?$select={COLUMNS}")
    assert response.status_code == 200, response.text
    return response.json()


def just_before(monkeypatch, owner, name, edit) -> list:
    """Run ``edit`` once, right before ``owner.name`` is called for the first time."""
    original = getattr(owner, name)
    done = []

    def wrapped(*args, **kwargs):
        if not done:
            done.append(edit())
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, wrapped)
    return done


def conflict_messages(job) -> list[str]:
    return list(SyncJobError.objects.filter(job=job).values_list("error_message", flat=True))


# The To pass: read the Dataverse row, decide, write. ------------------------------------


def test_a_dataverse_edit_of_another_field_during_the_write_is_merged_not_lost(
    pair, sync, monkeypatch
):
    customer, row_id, person = pair
    customer.name = "Local Name AS"
    customer.save()
    edit = {"telephone1": "+47 2222 0000"}
    done = just_before(
        monkeypatch,
        DataverseClient,
        "update_many",
        lambda: person.patch(f"accounts({row_id})", json=edit),
    )

    jobs = sync("CUSTOMER")

    assert done and done[0].status_code == 204
    assert jobs["to"].failed == 0 and jobs["from"].failed == 0
    row = account(person, row_id)
    assert (row["name"], row["telephone1"]) == ("Local Name AS", "+47 2222 0000")
    customer.refresh_from_db()
    assert (customer.name, customer.phone_no) == ("Local Name AS", "+47 2222 0000")


def test_a_dataverse_edit_of_the_same_field_during_the_write_is_a_conflict_not_overwritten(
    pair, sync, monkeypatch
):
    customer, row_id, person = pair
    customer.name = "Local Name AS"
    customer.save()
    edit = {"name": "Remote Name Inc"}
    just_before(
        monkeypatch,
        DataverseClient,
        "update_many",
        lambda: person.patch(f"accounts({row_id})", json=edit),
    )

    jobs = sync("CUSTOMER")

    assert jobs["to"].failed == 1
    (message,) = conflict_messages(jobs["to"])
    assert "'Local Name AS' here" in message and "'Remote Name Inc' in Dataverse" in message
    assert account(person, row_id)["name"] == "Remote Name Inc", "the person's edit is kept"
    customer.refresh_from_db()
    assert customer.name == "Local Name AS", "and so is the local one"


# The From pass: read the local record, decide, write it if unchanged. -------------------


def local_edit(customer, **values):
    """An ERP user saving the customer: a committed write with a new modification time."""
    return lambda: Customer.objects.filter(pk=customer.pk).update(
        **values, modified_at=timezone.now()
    )


def test_a_local_edit_of_another_field_during_the_write_is_kept_and_the_change_merged(
    pair, sync, monkeypatch
):
    customer, row_id, person = pair
    person.patch(f"accounts({row_id})", json={"telephone1": "+1 555 0100"})
    just_before(monkeypatch, FromDataverse, "write_updates", local_edit(customer, city="Bergen"))

    jobs = sync("CUSTOMER")

    assert jobs["from"].failed == 0
    customer.refresh_from_db()
    assert customer.city == "Bergen", "the local edit is not overwritten"
    assert customer.phone_no == "+1 555 0100", "the Dataverse change is not lost"
    sync("CUSTOMER")
    row = account(person, row_id)
    assert (row["address1_city"], row["telephone1"]) == ("Bergen", "+1 555 0100")


def test_a_local_edit_of_the_same_field_during_the_write_is_a_conflict_not_overwritten(
    pair, sync, monkeypatch
):
    customer, row_id, person = pair
    person.patch(f"accounts({row_id})", json={"telephone1": "+1 555 0100"})
    just_before(
        monkeypatch, FromDataverse, "write_updates", local_edit(customer, phone_no="+47 999")
    )

    jobs = sync("CUSTOMER")

    assert jobs["from"].failed == 1
    (message,) = conflict_messages(jobs["from"])
    assert "'+47 999' here" in message and "'+1 555 0100' in Dataverse" in message
    customer.refresh_from_db()
    assert customer.phone_no == "+47 999"
    assert account(person, row_id)["telephone1"] == "+1 555 0100"


def test_a_local_edit_between_the_two_passes_still_reaches_dataverse(pair, sync, monkeypatch):
    # The To pass has gone by; the From pass then writes the Dataverse change to the record,
    # which already holds the new local value: that value must not pass for synchronized.
    customer, row_id, person = pair
    person.patch(f"accounts({row_id})", json={"telephone1": "+1 555 0100"})
    just_before(monkeypatch, FromDataverse, "run", local_edit(customer, city="Bergen"))

    sync("CUSTOMER")
    jobs = sync("CUSTOMER")

    assert jobs["to"].modified == 1
    row = account(person, row_id)
    assert (row["address1_city"], row["telephone1"]) == ("Bergen", "+1 555 0100")
    customer.refresh_from_db()
    assert (customer.city, customer.phone_no) == ("Bergen", "+1 555 0100")
