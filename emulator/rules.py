"""What Dataverse itself does to a row when it is saved: computed columns, currency amounts,
owners, state and status, and the rules of products, units and currencies."""

from __future__ import annotations

from decimal import Decimal

from . import errors
from .errors import DataverseError
from .models import ROW_MODELS
from .schema.types import Table

ADDRESS_LINES = ("line1", "line2", "line3")


def full_name(row: dict) -> str | None:
    return " ".join(part for part in (row.get("firstname"), row.get("lastname")) if part) or None


def address_composite(row: dict, n: int) -> str | None:
    prefix = f"address{n}_"
    lines = [row.get(prefix + line) for line in ADDRESS_LINES]
    city_line = " ".join(
        part
        for part in (
            ", ".join(
                p for p in (row.get(prefix + "city"), row.get(prefix + "stateorprovince")) if p
            ),
            row.get(prefix + "postalcode"),
        )
        if part
    )
    parts = [line for line in (*lines, city_line, row.get(prefix + "country")) if line]
    return "\r\n".join(parts) or None


def derive(table: Table, row: dict, context: SaveContext) -> None:
    """Recompute the columns Dataverse maintains from the others."""
    columns = table.columns
    if "fullname" in columns and table.primary_name == "fullname":
        row["fullname"] = full_name(row)
    for n in (1, 2):
        if f"address{n}_composite" in columns:
            row[f"address{n}_composite"] = address_composite(row, n)
    if table.logical_name == "contact":
        is_account = row.get("parentcustomeridtype") == "account"
        row["accountid"] = row.get("parentcustomerid") if is_account else None
    if "ownerid" in columns:
        row["owninguser"] = row["ownerid"] if row.get("owneridtype") == "systemuser" else None
        row["owningteam"] = row["ownerid"] if row.get("owneridtype") == "team" else None
        row["owningbusinessunit"] = context.business_unit_of(row.get("ownerid"))
    derive_amounts(table, row, context)


def derive_amounts(table: Table, row: dict, context: SaveContext) -> None:
    """Money columns in the base currency, at the rate of the row's currency."""
    money = table.money_columns
    if not money or "exchangerate" not in table.columns:
        return
    if row.get("transactioncurrencyid") is None:
        row["transactioncurrencyid"] = context.base_currency_id
    rate = context.rate_of(row["transactioncurrencyid"])
    row["exchangerate"] = rate
    for name in money:
        value = row.get(name)
        base = None if value is None else (Decimal(value) / rate).quantize(Decimal("0.0001"))
        row[f"{name}_base"] = base


def apply_state(table: Table, row: dict, changes: dict, creating: bool) -> None:
    """statecode / statuscode: a status must belong to its state; a new state without a
    status takes that state's default status."""
    if not table.has_state:
        return
    state_attribute, status_attribute = table.columns["statecode"], table.columns["statuscode"]
    state = row.get("statecode", 0) if creating else changes.get("statecode", row["statecode"])
    status = changes.get("statuscode")
    if status is None:
        if creating or "statecode" in changes:
            status = state_attribute.option(state).default_status
        else:
            status = row["statuscode"]
    option = status_attribute.option(status)
    if option is None or option.state != state:
        label = state_attribute.option(state).label.replace(" ", "")
        raise errors.invalid_argument(
            f"{status} is not a valid status code for state code {table.schema}State.{label} "
            f"on {table.logical_name}."
        )
    row["statecode"], row["statuscode"] = state, status


class SaveContext:
    """Facts a save needs from other tables, read once per request."""

    def __init__(self, base_currency_id, default_business_unit):
        self.base_currency_id = base_currency_id
        self.default_business_unit = default_business_unit
        self.rates: dict = {}
        self.units: dict = {}

    def rate_of(self, currency_id) -> Decimal:
        if currency_id not in self.rates:
            currencies = ROW_MODELS["transactioncurrency"].objects.values_list(
                "transactioncurrencyid", "exchangerate"
            )
            self.rates.update(dict(currencies))
        return self.rates.get(currency_id) or Decimal(1)

    def business_unit_of(self, owner_id):
        return self.default_business_unit if owner_id else None

    def schedule_of_unit(self, unit_id):
        if unit_id not in self.units:
            found = (
                ROW_MODELS["uom"].objects.filter(pk=unit_id).values_list("uomscheduleid", flat=True)
            )
            self.units[unit_id] = found.first()
        return self.units[unit_id]


def check_product(row: dict, context: SaveContext) -> None:
    if not row.get("productnumber"):
        raise DataverseError(400, "0x80043b05", "The product number is required.")
    if not row.get("defaultuomscheduleid"):
        raise DataverseError(
            400, "0x80043b13", "The unit group (defaultuomscheduleid) of the product is missing."
        )
    unit = row.get("defaultuomid")
    if not unit or context.schedule_of_unit(unit) != row["defaultuomscheduleid"]:
        raise DataverseError(
            400,
            "0x80043b14",
            "The default unit (defaultuomid) is missing or does not belong to the unit group "
            "of the product.",
        )


def base_unit_row(schedule: dict) -> dict:
    """The unit Dataverse creates with a unit group: quantity 1 of itself."""
    return {
        "name": schedule.get("baseuomname") or "Primary Unit",
        "uomscheduleid": schedule["uomscheduleid"],
        "quantity": Decimal(1),
        "isschedulebaseuom": True,
        "baseuom": None,
    }


def check_unit(row: dict, creating: bool) -> None:
    if creating and row.get("quantity") is None:
        row["quantity"] = Decimal(1)
    if creating and row.get("baseuom") is None and not row.get("isschedulebaseuom"):
        base = (
            ROW_MODELS["uom"]
            .objects.filter(uomscheduleid=row.get("uomscheduleid"), isschedulebaseuom=True)
            .values_list("uomid", flat=True)
        )
        row["baseuom"] = base.first()
