"""systemuser, businessunit and transactioncurrency: the organisation around the data."""

from .columns import (
    ACTIVE_INACTIVE,
    APPLICATION,
    SYSTEM,
    boolean,
    decimal,
    integer,
    lookup,
    picklist,
    primary_key,
    read_only_lookup,
    string,
    system_columns,
)
from .types import Attribute, Table

ACCESS_MODES = {
    0: "Read-Write",
    1: "Administrative",
    2: "Read",
    3: "Support User",
    4: "Non-interactive",
    5: "Delegated Admin",
}

SYSTEMUSER = Table(
    logical_name="systemuser",
    entity_set_name="systemusers",
    primary_id="systemuserid",
    primary_name="fullname",
    object_type_code=8,
    ownership="BusinessOwned",
    display_name="User",
    display_collection_name="Users",
    schema_name="SystemUser",
    supports_multiple=False,
    description="Person with access to the Microsoft CRM system and who owns objects.",
    attributes=(
        primary_key("systemuserid", "User"),
        string(
            "fullname",
            200,
            "Full Name",
            valid_for_create=False,
            valid_for_update=False,
            is_primary_name=True,
        ),
        string("firstname", 256, "First Name", required=APPLICATION),
        string("lastname", 256, "Last Name", required=APPLICATION),
        string("middlename", 50, "Middle Name"),
        string("domainname", 1024, "User Name", required=SYSTEM),
        string("internalemailaddress", 100, "Primary Email", required=SYSTEM, fmt="Email"),
        string("personalemailaddress", 100, "Email 2", fmt="Email"),
        string("title", 128, "Title"),
        string("jobtitle", 100, "Job Title"),
        string("employeeid", 100, "Employee"),
        string("mobilephone", 64, "Mobile Phone", fmt="Phone"),
        string("homephone", 50, "Home Phone", fmt="Phone"),
        string("address1_line1", 1024, "Street 1"),
        string("address1_city", 128, "City"),
        string("address1_postalcode", 40, "ZIP/Postal Code"),
        string("address1_country", 128, "Country/Region"),
        boolean("isdisabled", False, "Disabled", "Enabled", "Status"),
        boolean("islicensed", False, "Yes", "No", "User Licensed"),
        boolean("isintegrationuser", False, "Yes", "No", "Integration user mode"),
        picklist("accessmode", ACCESS_MODES, "Access Mode", default=0),
        Attribute("applicationid", "Uniqueidentifier", "Application ID"),
        Attribute(
            "azureactivedirectoryobjectid",
            "Uniqueidentifier",
            "Azure AD Object ID",
            valid_for_update=False,
        ),
        lookup(
            "businessunitid",
            "businessunit",
            label="Business Unit",
            required=SYSTEM,
            on_delete="Restrict",
        ),
        lookup("parentsystemuserid", "systemuser", label="Manager"),
        lookup(
            "transactioncurrencyid", "transactioncurrency", label="Currency", on_delete="Restrict"
        ),
        read_only_lookup("organizationid", "organization", label="Organization"),
        *system_columns("BusinessOwned"),
    ),
)

BUSINESSUNIT = Table(
    logical_name="businessunit",
    entity_set_name="businessunits",
    primary_id="businessunitid",
    primary_name="name",
    object_type_code=10,
    ownership="BusinessOwned",
    display_name="Business Unit",
    display_collection_name="Business Units",
    schema_name="BusinessUnit",
    supports_multiple=False,
    attributes=(
        primary_key("businessunitid", "Business Unit"),
        string("name", 160, "Name", required=SYSTEM, is_primary_name=True),
        lookup(
            "parentbusinessunitid", "businessunit", label="Parent Business", on_delete="Restrict"
        ),
        boolean("isdisabled", False, "Disabled", "Enabled", "Is Disabled"),
        read_only_lookup("organizationid", "organization", label="Organization"),
        *system_columns("BusinessOwned"),
    ),
)

TRANSACTIONCURRENCY = Table(
    logical_name="transactioncurrency",
    entity_set_name="transactioncurrencies",
    primary_id="transactioncurrencyid",
    primary_name="currencyname",
    object_type_code=9105,
    ownership="OrganizationOwned",
    display_name="Currency",
    display_collection_name="Currencies",
    schema_name="TransactionCurrency",
    unique_column="isocurrencycode",
    unique_error=(
        "0x80048cf3",
        "Cannot insert duplicate currency record. Currency with the same currency code already "
        "exist in the system.",
    ),
    description="Currency in which a financial transaction is carried out.",
    attributes=(
        primary_key("transactioncurrencyid", "Transaction Currency"),
        string("currencyname", 100, "Currency Name", required=SYSTEM, is_primary_name=True),
        string("isocurrencycode", 5, "Currency Code", required=SYSTEM),
        string("currencysymbol", 10, "Currency Symbol", required=SYSTEM),
        decimal(
            "exchangerate", "0.000000000001", "100000000000", 12, "Exchange Rate", required=SYSTEM
        ),
        integer("currencyprecision", 0, 10, "Currency Precision", required=SYSTEM),
        picklist(
            "currencytype",
            {0: "System", 1: "Custom"},
            "Currency Type",
            default=1,
            valid_for_update=False,
        ),
        *ACTIVE_INACTIVE,
        *system_columns("OrganizationOwned"),
    ),
)
