"""Short constructors for column declarations, and the columns every table shares."""

from __future__ import annotations

from decimal import Decimal

from .types import APPLICATION, NONE, SYSTEM, Attribute, Option

MONEY_MAX = Decimal("100000000000000")
INT_MIN, INT_MAX = -2147483648, 2147483647


def string(name, max_length, label="", required=NONE, fmt="Text", **kw) -> Attribute:
    return Attribute(
        name, "String", label, max_length=max_length, required=required, format=fmt, **kw
    )


def memo(name, max_length=2000, label="", **kw) -> Attribute:
    return Attribute(name, "Memo", label, max_length=max_length, format="TextArea", **kw)


def integer(name, min_value=INT_MIN, max_value=INT_MAX, label="", **kw) -> Attribute:
    return Attribute(name, "Integer", label, min_value=min_value, max_value=max_value, **kw)


def decimal(name, min_value, max_value, precision, label="", **kw) -> Attribute:
    return Attribute(
        name,
        "Decimal",
        label,
        min_value=Decimal(min_value),
        max_value=Decimal(max_value),
        precision=precision,
        **kw,
    )


def money(name, label="", max_value=MONEY_MAX, min_value=0, **kw) -> Attribute:
    return Attribute(
        name,
        "Money",
        label,
        min_value=Decimal(min_value),
        max_value=Decimal(max_value),
        precision=2,
        **kw,
    )


def money_base(name, label="") -> Attribute:
    """The read-only base-currency twin Dataverse keeps for every money column."""
    return Attribute(
        f"{name}_base",
        "Money",
        label or f"{name} (Base)",
        min_value=Decimal(-MONEY_MAX),
        max_value=MONEY_MAX,
        precision=4,
        valid_for_create=False,
        valid_for_update=False,
        attribute_of=name,
    )


def double(name, min_value, max_value, precision=5, label="") -> Attribute:
    return Attribute(
        name,
        "Double",
        label,
        min_value=float(min_value),
        max_value=float(max_value),
        precision=precision,
    )


def boolean(name, default=False, true_label="Yes", false_label="No", label="", **kw):
    options = (Option(1, true_label), Option(0, false_label))
    return Attribute(name, "Boolean", label, default=default, options=options, **kw)


def picklist(name, choices: dict[int, str], label="", default=None, **kw) -> Attribute:
    options = tuple(Option(value, text) for value, text in choices.items())
    return Attribute(name, "Picklist", label, options=options, default=default, **kw)


def lookup(name, *targets, label="", required=NONE, kind="Lookup", **kw) -> Attribute:
    return Attribute(name, kind, label, targets=targets, required=required, **kw)


def read_only_lookup(name, *targets, label="") -> Attribute:
    return lookup(name, *targets, label=label, valid_for_create=False, valid_for_update=False)


def datetime_column(name, label="", behavior="UserLocal", **kw) -> Attribute:
    fmt = "DateOnly" if behavior == "DateOnly" else "DateAndTime"
    return Attribute(name, "DateTime", label, format=fmt, date_behavior=behavior, **kw)


def primary_key(name, label) -> Attribute:
    return Attribute(
        name,
        "Uniqueidentifier",
        label,
        required=SYSTEM,
        valid_for_update=False,
        is_primary_id=True,
    )


def state_and_status(
    states: dict[int, tuple[str, int]], statuses: dict[int, tuple[str, int]]
) -> tuple[Attribute, Attribute]:
    """statecode and statuscode: ``states`` maps value -> (label, default status),
    ``statuses`` maps value -> (label, state)."""
    state_options = tuple(
        Option(value, label, default_status=status, invariant_name=label.replace(" ", ""))
        for value, (label, status) in states.items()
    )
    status_options = tuple(
        Option(value, label, state=state) for value, (label, state) in statuses.items()
    )
    statecode = Attribute(
        "statecode",
        "State",
        "Status",
        required=SYSTEM,
        options=state_options,
        default=0,
        valid_for_create=False,
        schema_name="StateCode",
    )
    default_status = states[0][1]
    statuscode = Attribute(
        "statuscode",
        "Status",
        "Status Reason",
        options=status_options,
        default=default_status,
        schema_name="StatusCode",
    )
    return statecode, statuscode


ACTIVE_INACTIVE = state_and_status(
    {0: ("Active", 1), 1: ("Inactive", 2)}, {1: ("Active", 0), 2: ("Inactive", 1)}
)


def system_columns(ownership: str) -> tuple[Attribute, ...]:
    """createdon, modifiedon, createdby, modifiedby, versionnumber and the owner columns."""
    columns = [
        datetime_column("createdon", "Created On", valid_for_create=False, valid_for_update=False),
        datetime_column(
            "modifiedon", "Modified On", valid_for_create=False, valid_for_update=False
        ),
        datetime_column("overriddencreatedon", "Record Created On", valid_for_update=False),
        read_only_lookup("createdby", "systemuser", label="Created By"),
        read_only_lookup("modifiedby", "systemuser", label="Modified By"),
        Attribute(
            "versionnumber",
            "BigInt",
            "Version Number",
            min_value=-(2**63),
            max_value=2**63 - 1,
            valid_for_create=False,
            valid_for_update=False,
        ),
        integer("importsequencenumber", label="Import Sequence Number", valid_for_update=False),
    ]
    if ownership == "UserOwned":
        columns += [
            lookup(
                "ownerid",
                "systemuser",
                "team",
                label="Owner",
                required=SYSTEM,
                kind="Owner",
                on_delete="Restrict",
            ),
            Attribute(
                "owneridtype",
                "EntityName",
                "Owner Type",
                required=SYSTEM,
                valid_for_create=False,
                valid_for_update=False,
                valid_for_read=False,
            ),
            read_only_lookup("owninguser", "systemuser", label="Owning User"),
            read_only_lookup("owningteam", "team", label="Owning Team"),
            read_only_lookup("owningbusinessunit", "businessunit", label="Owning Business Unit"),
        ]
    elif ownership == "OrganizationOwned":
        columns.append(read_only_lookup("organizationid", "organization", label="Organization"))
    return tuple(columns)


def currency_columns() -> tuple[Attribute, ...]:
    """The currency a row's money columns are in, and its rate when the row was saved."""
    return (
        lookup(
            "transactioncurrencyid", "transactioncurrency", label="Currency", on_delete="Restrict"
        ),
        decimal(
            "exchangerate",
            "0.000000000001",
            "100000000000",
            12,
            label="Exchange Rate",
            valid_for_create=False,
            valid_for_update=False,
        ),
    )


def address_columns(n: int, line_length=250, city=80, country=80, county=50, state=50, postal=20):
    prefix = f"address{n}_"
    types = (
        {1: "Bill To", 2: "Ship To", 3: "Primary", 4: "Other"} if n == 1 else {1: "Default Value"}
    )
    return (
        picklist(prefix + "addresstypecode", types, f"Address {n}: Address Type"),
        string(prefix + "name", 200, f"Address {n}: Name"),
        string(prefix + "line1", line_length, f"Address {n}: Street 1"),
        string(prefix + "line2", line_length, f"Address {n}: Street 2"),
        string(prefix + "line3", line_length, f"Address {n}: Street 3"),
        string(prefix + "city", city, f"Address {n}: City"),
        string(prefix + "stateorprovince", state, f"Address {n}: State/Province"),
        string(prefix + "postalcode", postal, f"Address {n}: ZIP/Postal Code"),
        string(prefix + "country", country, f"Address {n}: Country/Region"),
        string(prefix + "county", county, f"Address {n}: County"),
        string(prefix + "postofficebox", 20, f"Address {n}: Post Office Box"),
        string(prefix + "primarycontactname", 100, f"Address {n}: Primary Contact Name"),
        string(prefix + "telephone1", 50, f"Address {n}: Telephone 1", fmt="Phone"),
        string(prefix + "telephone2", 50, f"Address {n}: Telephone 2", fmt="Phone"),
        string(prefix + "fax", 50, f"Address {n}: Fax", fmt="Phone"),
        double(prefix + "latitude", -90, 90, label=f"Address {n}: Latitude"),
        double(prefix + "longitude", -180, 180, label=f"Address {n}: Longitude"),
        memo(
            prefix + "composite",
            1000,
            f"Address {n}",
            valid_for_create=False,
            valid_for_update=False,
        ),
    )


__all__ = [
    "APPLICATION",
    "SYSTEM",
    "NONE",
    "string",
    "memo",
    "integer",
    "decimal",
    "money",
    "money_base",
    "double",
    "boolean",
    "picklist",
    "lookup",
    "read_only_lookup",
    "datetime_column",
    "primary_key",
    "state_and_status",
    "ACTIVE_INACTIVE",
    "system_columns",
    "currency_columns",
    "address_columns",
]
