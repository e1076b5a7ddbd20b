"""Couplings: the database itself keeps one Dataverse row to one record of a table, and back."""

import uuid

import pytest
from django.db import IntegrityError, transaction

from integration.models import Coupling

pytestmark = pytest.mark.django_db


def couple(local_id, dataverse_id, *, local_table="erp.customer", dataverse_table="account"):
    return Coupling.objects.create(
        local_table=local_table,
        local_id=local_id,
        dataverse_table=dataverse_table,
        dataverse_id=dataverse_id,
    )


def refused(**kwargs) -> bool:
    """Whether the database refuses the coupling (bypassing every check in Python)."""
    try:
        with transaction.atomic():
            couple(**kwargs)
    except IntegrityError:
        return True
    return False


def test_a_dataverse_row_couples_to_one_record_of_a_table():
    account = uuid.uuid4()
    couple(uuid.uuid4(), account)
    assert refused(local_id=uuid.uuid4(), dataverse_id=account)
    # The same account may be a vendor's counterpart too: another local table.
    assert not refused(local_id=uuid.uuid4(), dataverse_id=account, local_table="erp.vendor")


def test_a_record_couples_to_one_row_of_a_dataverse_table():
    customer = uuid.uuid4()
    couple(customer, uuid.uuid4())
    assert refused(local_id=customer, dataverse_id=uuid.uuid4())
    assert Coupling.objects.filter(local_id=customer).count() == 1


def test_bulk_writes_are_held_to_the_same_rule():
    account = uuid.uuid4()
    rows = [
        Coupling(
            local_table="erp.customer",
            local_id=uuid.uuid4(),
            dataverse_table="account",
            dataverse_id=account,
        )
        for _ in range(2)
    ]
    with pytest.raises(IntegrityError), transaction.atomic():
        Coupling.objects.bulk_create(rows)
    assert not Coupling.objects.exists()
