"""Service document, $metadata, response headers, case-sensitive names and error shapes."""

from .conftest import error_of


def test_service_document_lists_the_entity_sets(api):
    response = api.get("")
    assert response.status_code == 200
    body = response.json()
    assert body["@odata.context"].endswith("/api/data/v9.2/$metadata")
    names = {item["name"] for item in body["value"]}
    assert {
        "accounts",
        "contacts",
        "systemusers",
        "transactioncurrencies",
        "products",
        "uoms",
        "uomschedules",
    } <= names
    assert all(item["kind"] == "EntitySet" for item in body["value"])


def test_responses_carry_odata_headers(api):
    response = api.get("accounts?$top=1")
    assert response.headers["OData-Version"] == "4.0"
    assert response.headers["Content-Type"] == "application/json; odata.metadata=minimal"
    assert response.headers["x-ms-dop-hint"] == "4"


def test_dop_hint_is_configurable(emulator, api):
    emulator.options(dop_hint=8)
    assert api.get("WhoAmI").headers["x-ms-dop-hint"] == "8"


def test_entity_set_names_are_case_sensitive(api):
    response = api.get("Accounts")
    assert response.status_code == 404
    assert error_of(response) == {
        "code": "0x8006088a",
        "message": "Resource not found for the segment 'Accounts'.",
    }


def test_property_names_are_case_sensitive(api):
    response = api.get("accounts?$select=Name")
    assert response.status_code == 400
    assert error_of(response) == {
        "code": "0x0",
        "message": (
            "Could not find a property named 'Name' on type 'Microsoft.Dynamics.CRM.account'."
        ),
    }


def test_unknown_property_in_a_body_is_refused(api):
    response = api.post("accounts", json={"Name": "x"})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "0x0"
    assert (
        "Invalid property 'Name' was found in entity 'Microsoft.Dynamics.CRM.account'"
        in (error["message"])
    )


def test_csdl_describes_types_and_change_tracking(api):
    response = api.get("$metadata?annotations=true")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/xml")
    text = response.text
    assert '<EntityType Name="account">' in text
    assert '<PropertyRef Name="accountid"/>' in text
    assert '<NavigationProperty Name="parentcustomerid_account"' in text
    assert "Org.OData.Capabilities.V1.ChangeTracking" in text


def test_collections_refuse_patch_and_delete(api):
    assert api.delete("accounts").status_code == 405
    assert api.patch("accounts", json={}).status_code == 405
