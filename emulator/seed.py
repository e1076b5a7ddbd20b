"""The seeded organisation (docs/architecture.md, "The emulator's seeded organisation").

Ids are fixed, so a reset gives the same organisation every time and tests can name its rows.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from .models import ROW_MODELS, Tombstone

NAMESPACE = uuid.UUID("6f1c8a52-3f7e-4d2b-9a41-1c2b3d4e5f60")


def fixed_id(name: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, name)


ORGANIZATION_ID = fixed_id("organization")
BUSINESS_UNIT_ID = fixed_id("businessunit:cronus")
BASE_CURRENCY_ID = fixed_id("transactioncurrency:usd")
APPLICATION_USER_ID = fixed_id("systemuser:application")
DEFAULT_UNIT_GROUP_ID = fixed_id("uomschedule:default")
PRIMARY_UNIT_ID = fixed_id("uom:primary")

SALES_USERS = ("Annette Hill", "Bart Duncan", "Helena Ray", "Jim Olive", "Linda Martin")
# (name, disabled, licensed): left out by the SALESPEOPLE filter, each for its own reason.
OTHER_USERS = (("Otis Falls", True, True), ("Ian Deberry", False, False))


def user_id(full_name: str) -> uuid.UUID:
    return fixed_id(f"systemuser:{full_name.lower()}")


SALES_USER_ID = user_id("Annette Hill")  # whom tandem-user signs in as


def user(full_name: str, *, disabled=False, licensed=True, **extra) -> dict:
    first, _, last = full_name.partition(" ")
    email = f"{first.lower()}.{last.lower()}@cronus.example"
    return {
        "systemuserid": extra.pop("systemuserid", user_id(full_name)),
        "firstname": first,
        "lastname": last,
        "domainname": email,
        "internalemailaddress": email,
        "isdisabled": disabled,
        "islicensed": licensed,
        "isintegrationuser": False,
        "accessmode": 0,
        "businessunitid": BUSINESS_UNIT_ID,
        "azureactivedirectoryobjectid": fixed_id(f"entra:{full_name}"),
        **extra,
    }


def users() -> list[dict]:
    application = user(
        "# Tandem",
        licensed=False,
        systemuserid=APPLICATION_USER_ID,
        applicationid=fixed_id(f"application:{settings.DATAVERSE_EMULATOR_CLIENT_ID}"),
        accessmode=4,
        domainname="tandem-local@cronus.example",
        internalemailaddress="tandem-local@cronus.example",
    )
    people = [user(name) for name in SALES_USERS]
    others = [user(name, disabled=d, licensed=lic) for name, d, lic in OTHER_USERS]
    return [application, *people, *others]


def seed_rows() -> list[tuple[str, dict]]:
    """(table, row) in creation order; the writer fills in the system columns."""
    currency = {
        "transactioncurrencyid": BASE_CURRENCY_ID,
        "currencyname": "US Dollar",
        "isocurrencycode": "USD",
        "currencysymbol": "$",
        "exchangerate": Decimal(1),
        "currencyprecision": 2,
        "currencytype": 0,
    }
    unit_group = {
        "uomscheduleid": DEFAULT_UNIT_GROUP_ID,
        "name": "Default Unit",
        "baseuomname": "Primary Unit",
    }
    return [
        ("businessunit", {"businessunitid": BUSINESS_UNIT_ID, "name": "Cronus"}),
        ("transactioncurrency", currency),
        *[("systemuser", row) for row in users()],
        ("uomschedule", unit_group),
    ]


def caller():
    from .api import Caller

    return Caller(APPLICATION_USER_ID, settings.DATAVERSE_EMULATOR_CLIENT_ID, BUSINESS_UNIT_ID)


def seed() -> None:
    """Create the organisation in an empty database."""
    from . import schema
    from .payload import RowInput
    from .writes import Writer

    writer = Writer(caller())
    for table_name, row in seed_rows():
        table = schema.BY_LOGICAL_NAME[table_name]
        values = {k: v for k, v in row.items() if k != table.primary_id}
        item = RowInput(row_id=row[table.primary_id], values=values)
        writer.create(table, [item])
    ROW_MODELS["uom"].objects.filter(uomscheduleid=DEFAULT_UNIT_GROUP_ID).update(
        uomid=PRIMARY_UNIT_ID
    )


def is_seeded() -> bool:
    return ROW_MODELS["systemuser"].objects.filter(pk=APPLICATION_USER_ID).exists()


def ensure_seeded() -> None:
    with transaction.atomic(using="dataverse"):
        if not is_seeded():
            seed()


def reset() -> None:
    """Wipe every row and seed again: the organisation as it was on day one."""
    with transaction.atomic(using="dataverse"):
        for model in ROW_MODELS.values():
            model.objects.all().delete()
        Tombstone.objects.all().delete()
        seed()
