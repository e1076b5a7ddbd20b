"""Each state a crash can leave between two commits of a run, set up exactly, then a rerun.

A killed process stops between any two statements. The engine commits a creation in two
steps (the coupling with the id it reserves, then the record; or the record, then the
coupling's confirmation), so there are four states to recover from. The SIGKILL tests hit
them at random; these tests put the databases in each one and check the next run finishes
the work without making a second record or losing one.
"""

import uuid

import pytest

from erp.models import Customer
from integration.models import Coupling

from .conftest import assert_one_to_one, create_accounts, customer_couplings

TO = "to_integration_table"
FROM = "from_integration_table"


@pytest.fixture
def three_customers(customers):
    return customers(4, seed=21)[:3]


def pending_create(customer) -> Coupling:
    return Coupling.objects.create(
        local_table="erp.customer",
        local_id=customer.system_id,
        dataverse_table="account",
        dataverse_id=uuid.uuid4(),
        status=Coupling.Status.PENDING_CREATE,
    )


def test_a_reserved_id_whose_create_never_left_is_created_once(
    three_customers, sync, dataverse_client
):
    reserved = pending_create(three_customers[0])

    jobs = sync("CUSTOMER", full=True, create_new=True, direction=TO)

    assert jobs["to"].failed == 0
    by_account = assert_one_to_one(dataverse_client)
    assert by_account[reserved.dataverse_id] == three_customers[0], "the reserved id was used"


def test_a_create_that_arrived_before_the_crash_is_confirmed_not_repeated(
    three_customers, sync, dataverse_client
):
    reserved = pending_create(three_customers[0])
    dataverse_client.entity("account")
    row = {
        "accountid": reserved.dataverse_id,
        "name": three_customers[0].name,
        "customertypecode": 3,
    }
    assert dataverse_client.create_many("account", [row])[0].ok

    jobs = sync("CUSTOMER", full=True, create_new=True, direction=TO)

    assert jobs["to"].failed == 0
    assert jobs["to"].inserted + jobs["to"].modified == len(three_customers)
    assert_one_to_one(dataverse_client)


def test_a_local_create_that_never_happened_is_made_once(
    customers, emulator, sync, dataverse_client
):
    customers(0)
    with emulator.user_session() as person:
        (row_id,) = create_accounts(person, ["Crashed Before Insert"])
    Coupling.objects.create(
        local_table="erp.customer",
        local_id=uuid.uuid4(),
        dataverse_table="account",
        dataverse_id=row_id,
        status=Coupling.Status.PENDING_LOCAL_CREATE,
    )

    jobs = sync("CUSTOMER", full=True, create_new=True, direction=FROM)

    assert jobs["from"].failed == 0
    assert Customer.objects.filter(name="Crashed Before Insert").count() == 1
    assert_one_to_one(dataverse_client)


def test_a_local_create_committed_before_the_crash_is_confirmed_not_repeated(
    customers, emulator, sync, dataverse_client
):
    # The run inserted the customer and died before it marked the coupling coupled.
    customers(0)
    with emulator.user_session() as person:
        (row_id,) = create_accounts(person, ["Crashed After Insert"])
    local_id = uuid.uuid4()
    Customer.objects.create(system_id=local_id, no="C-CRASH", name="Crashed After Insert")
    Coupling.objects.create(
        local_table="erp.customer",
        local_id=local_id,
        dataverse_table="account",
        dataverse_id=row_id,
        status=Coupling.Status.PENDING_LOCAL_CREATE,
    )

    jobs = sync("CUSTOMER", full=True, create_new=True, direction=FROM)

    assert jobs["from"].failed == 0, list(jobs["from"].errors.values_list("message", flat=True))
    assert Customer.objects.filter(name="Crashed After Insert").count() == 1
    (coupling,) = [c for c in customer_couplings() if c.dataverse_id == row_id]
    assert (coupling.local_id, coupling.status) == (local_id, Coupling.Status.COUPLED)
    again = sync("CUSTOMER", direction=FROM)
    assert again["from"].failed == 0 and again["from"].skipped == 0
