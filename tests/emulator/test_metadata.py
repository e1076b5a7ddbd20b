"""EntityDefinitions, Attributes, type casts and option sets, as a discovering client uses them."""

import pytest

from .conftest import error_of


def test_entity_definitions_with_select_and_filter(api):
    response = api.get(
        "EntityDefinitions?$select=LogicalName,EntitySetName&$filter=ChangeTrackingEnabled eq true"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["@odata.context"].endswith("$metadata#EntityDefinitions(LogicalName,EntitySetName)")
    found = {e["LogicalName"]: e["EntitySetName"] for e in body["value"]}
    assert (
        found["account"] == "accounts" and found["transactioncurrency"] == "transactioncurrencies"
    )
    assert set(body["value"][0]) == {"LogicalName", "EntitySetName", "MetadataId"}


def test_one_entity_definition_by_logical_name(api):
    response = api.get(
        "EntityDefinitions(LogicalName='account')?$select=LogicalName,EntitySetName,"
        "PrimaryIdAttribute,PrimaryNameAttribute,ObjectTypeCode,ChangeTrackingEnabled,"
        "IsValidForAdvancedFind,OwnershipType"
    )
    body = response.json()
    assert body["@odata.context"].endswith("/$entity")
    assert body["PrimaryIdAttribute"] == "accountid" and body["PrimaryNameAttribute"] == "name"
    assert body["ObjectTypeCode"] == 1 and body["OwnershipType"] == "UserOwned"
    contact = api.get(
        "EntityDefinitions(LogicalName='contact')?$select=PrimaryNameAttribute"
    ).json()
    assert contact["PrimaryNameAttribute"] == "fullname"
    by_id = api.get(f"EntityDefinitions({body['MetadataId']})?$select=LogicalName").json()
    assert by_id["LogicalName"] == "account"
    missing = api.get("EntityDefinitions(LogicalName='nosuch')")
    assert missing.status_code == 404


def test_attributes_with_select_filter_and_required_levels(api):
    response = api.get(
        "EntityDefinitions(LogicalName='product')/Attributes?$select=LogicalName,AttributeType,"
        "RequiredLevel,IsValidForCreate,IsValidForUpdate&$filter=AttributeType eq "
        "Microsoft.Dynamics.CRM.AttributeTypeCode'String'"
    )
    assert response.status_code == 200
    attributes = {a["LogicalName"]: a for a in response.json()["value"]}
    assert attributes["productnumber"]["RequiredLevel"]["Value"] == "SystemRequired"
    assert attributes["name"]["RequiredLevel"]["Value"] == "ApplicationRequired"
    assert all(a["AttributeType"] == "String" for a in attributes.values())
    assert attributes["name"]["@odata.type"] == "#Microsoft.Dynamics.CRM.StringAttributeMetadata"
    state = api.get(
        "EntityDefinitions(LogicalName='account')/Attributes(LogicalName='statecode')"
        "?$select=LogicalName,IsValidForCreate,AttributeType"
    ).json()
    assert state["IsValidForCreate"] is False and state["AttributeType"] == "State"
    plain = api.get(
        "EntityDefinitions(LogicalName='account')/Attributes?$filter=LogicalName eq 'name'"
    )
    assert plain.json()["value"][0]["MaxLength"] == 160


def test_type_specific_properties_need_a_cast(api):
    base = "EntityDefinitions(LogicalName='account')/Attributes"
    refused = api.get(f"{base}?$select=LogicalName,MaxLength")
    assert refused.status_code == 400
    assert "MaxLength" in error_of(refused)["message"]
    strings = api.get(
        f"{base}/Microsoft.Dynamics.CRM.StringAttributeMetadata?$select=LogicalName,MaxLength"
    )
    lengths = {a["LogicalName"]: a["MaxLength"] for a in strings.json()["value"]}
    assert (
        lengths["name"] == 160 and lengths["address1_line1"] == 250 and lengths["telephone1"] == 50
    )
    money = api.get(
        f"{base}/Microsoft.Dynamics.CRM.MoneyAttributeMetadata?$select=LogicalName,MinValue,MaxValue,Precision"
    )
    credit = {a["LogicalName"]: a for a in money.json()["value"]}["creditlimit"]
    assert (
        credit["MinValue"] == 0
        and credit["MaxValue"] == 100000000000000
        and credit["Precision"] == 2
    )


def test_lookup_targets(api):
    response = api.get(
        "EntityDefinitions(LogicalName='contact')/Attributes/Microsoft.Dynamics.CRM."
        "LookupAttributeMetadata?$select=LogicalName,Targets,AttributeType"
    )
    lookups = {a["LogicalName"]: a for a in response.json()["value"]}
    assert lookups["parentcustomerid"]["Targets"] == ["account", "contact"]
    assert lookups["parentcustomerid"]["AttributeType"] == "Customer"
    assert lookups["ownerid"]["AttributeType"] == "Owner"
    assert lookups["transactioncurrencyid"]["Targets"] == ["transactioncurrency"]


@pytest.mark.parametrize(
    ("cast", "column", "expected"),
    [
        ("PicklistAttributeMetadata", "customertypecode", {3: "Customer", 11: "Vendor"}),
        ("StateAttributeMetadata", "statecode", {0: "Active", 1: "Inactive"}),
        ("StatusAttributeMetadata", "statuscode", {1: "Active", 2: "Inactive"}),
    ],
)
def test_option_sets(api, cast, column, expected):
    response = api.get(
        f"EntityDefinitions(LogicalName='account')/Attributes/Microsoft.Dynamics.CRM.{cast}"
        "?$select=LogicalName&$expand=OptionSet($select=Options)"
    )
    assert response.status_code == 200
    attribute = {a["LogicalName"]: a for a in response.json()["value"]}[column]
    labels = {
        o["Value"]: o["Label"]["UserLocalizedLabel"]["Label"]
        for o in attribute["OptionSet"]["Options"]
    }
    assert expected.items() <= labels.items()
    if cast == "StatusAttributeMetadata":
        assert {o["Value"]: o["State"] for o in attribute["OptionSet"]["Options"]} == {1: 0, 2: 1}
    if cast == "StateAttributeMetadata":
        assert attribute["OptionSet"]["Options"][0]["DefaultStatus"] == 1


def test_boolean_option_set_and_single_attribute_cast(api):
    response = api.get(
        "EntityDefinitions(LogicalName='systemuser')/Attributes(LogicalName='isdisabled')/"
        "Microsoft.Dynamics.CRM.BooleanAttributeMetadata?$select=LogicalName,DefaultValue&$expand=OptionSet"
    )
    body = response.json()
    assert body["DefaultValue"] is False
    assert body["OptionSet"]["TrueOption"]["Label"]["UserLocalizedLabel"]["Label"] == "Disabled"


def test_expand_attributes_from_an_entity(api):
    response = api.get(
        "EntityDefinitions(LogicalName='uom')?$select=LogicalName&$expand=Attributes($select="
        "LogicalName,AttributeType;$filter=IsValidForCreate eq true)"
    )
    body = response.json()
    names = {a["LogicalName"] for a in body["Attributes"]}
    assert {"name", "uomscheduleid", "quantity"} <= names
    assert "isschedulebaseuom" not in names and "createdon" not in names
