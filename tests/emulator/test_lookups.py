"""Lookups: @odata.bind on create and update, Customer and Owner lookups, $ref, deletes."""

import uuid

from .conftest import create, error_of


def test_bind_sets_a_lookup_read_back_as_value(api):
    contact = create(api, "contacts", {"lastname": "Primary"})
    account = create(
        api,
        "accounts",
        {
            "name": "With contact",
            "primarycontactid@odata.bind": f"/contacts({contact})",
        },
    )
    row = api.get(f"accounts({account})?$select=_primarycontactid_value").json()
    assert row["_primarycontactid_value"] == str(contact)


def test_bind_accepts_relative_and_absolute_urls(api):
    contact = create(api, "contacts", {"lastname": "Anywhere"})
    for reference in (f"contacts({contact})", f"{api.base_url}contacts({contact})"):
        account = create(api, "accounts", {"name": "x", "primarycontactid@odata.bind": reference})
        row = api.get(f"accounts({account})?$select=_primarycontactid_value").json()
        assert row["_primarycontactid_value"] == str(contact)


def test_customer_lookup_binds_per_target_table(api):
    account = create(api, "accounts", {"name": "Parent"})
    contact = create(
        api,
        "contacts",
        {
            "lastname": "Child",
            "parentcustomerid_account@odata.bind": f"/accounts({account})",
        },
    )
    row = api.get(
        f"contacts({contact})?$select=_parentcustomerid_value,_accountid_value",
        headers={"Prefer": 'odata.include-annotations="*"'},
    ).json()
    assert row["_parentcustomerid_value"] == str(account)
    assert row["_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"] == "account"
    assert row["_parentcustomerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty"] == (
        "parentcustomerid_account"
    )
    assert row["_parentcustomerid_value@OData.Community.Display.V1.FormattedValue"] == "Parent"
    assert row["_accountid_value"] == str(account)
    other = create(api, "contacts", {"lastname": "Boss"})
    api.patch(
        f"contacts({contact})", json={"parentcustomerid_contact@odata.bind": f"/contacts({other})"}
    )
    row = api.get(f"contacts({contact})?$select=_parentcustomerid_value,_accountid_value").json()
    assert row["_parentcustomerid_value"] == str(other) and row["_accountid_value"] is None


def test_undeclared_navigation_property_is_0x80048d19(api):
    account = create(api, "accounts", {"name": "P"})
    response = api.post(
        "contacts",
        json={
            "lastname": "x",
            "parentcustomerid@odata.bind": f"/accounts({account})",
        },
    )
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "0x80048d19"
    assert "undeclared property 'parentcustomerid'" in error["message"]
    assert "Entity :'contacts'" in error["message"]


def test_account_and_contact_parent_together_are_refused(api):
    account = create(api, "accounts", {"name": "A"})
    contact = create(api, "contacts", {"lastname": "C"})
    response = api.post(
        "contacts",
        json={
            "lastname": "Both",
            "parentcustomerid_account@odata.bind": f"/accounts({account})",
            "parentcustomerid_contact@odata.bind": f"/contacts({contact})",
        },
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "0x80040508"


def test_binding_to_a_missing_row_fails(api):
    missing = uuid.uuid4()
    response = api.post(
        "accounts",
        json={
            "name": "x",
            "primarycontactid@odata.bind": f"/contacts({missing})",
        },
    )
    assert response.status_code == 404
    assert error_of(response) == {
        "code": "0x80040217",
        "message": f"contact With Id = {missing} Does Not Exist",
    }


def test_binding_to_the_wrong_table_fails(api):
    account = create(api, "accounts", {"name": "Not a contact"})
    response = api.post(
        "accounts",
        json={
            "name": "x",
            "primarycontactid@odata.bind": f"/accounts({account})",
        },
    )
    assert response.status_code == 400


def test_null_clears_a_lookup(api):
    contact = create(api, "contacts", {"lastname": "Gone soon"})
    account = create(
        api, "accounts", {"name": "x", "primarycontactid@odata.bind": f"/contacts({contact})"}
    )
    assert api.patch(f"accounts({account})", json={"primarycontactid@odata.bind": None}).ok
    assert api.get(f"accounts({account})").json()["_primarycontactid_value"] is None
    api.patch(f"accounts({account})", json={"primarycontactid@odata.bind": f"/contacts({contact})"})
    assert api.patch(f"accounts({account})", json={"primarycontactid": None}).ok
    assert api.get(f"accounts({account})").json()["_primarycontactid_value"] is None
    refused = api.patch(f"accounts({account})", json={"primarycontactid": str(contact)})
    assert refused.status_code == 400


def test_owner_is_assigned_by_binding_a_systemuser(api, user_api):
    annette = user_api.get("WhoAmI").json()["UserId"]
    account = create(
        api, "accounts", {"name": "Owned", "ownerid@odata.bind": f"/systemusers({annette})"}
    )
    row = api.get(f"accounts({account})?$select=_ownerid_value,_owninguser_value").json()
    assert row["_ownerid_value"] == row["_owninguser_value"] == annette
    team = api.patch(f"accounts({account})", json={"ownerid@odata.bind": f"/teams({uuid.uuid4()})"})
    assert team.status_code == 404


def test_ref_sets_and_removes_a_lookup(api):
    contact = create(api, "contacts", {"lastname": "Ref"})
    account = create(api, "accounts", {"name": "Ref"})
    put = api.put(
        f"accounts({account})/primarycontactid/$ref",
        json={"@odata.id": f"{api.base_url}contacts({contact})"},
    )
    assert put.status_code == 204
    related = api.get(f"accounts({account})/primarycontactid?$select=lastname").json()
    assert related["lastname"] == "Ref"
    assert api.delete(f"accounts({account})/primarycontactid/$ref").status_code == 204
    assert api.get(f"accounts({account})").json()["_primarycontactid_value"] is None


def test_deleting_an_account_deletes_its_contacts_and_clears_links(api):
    account = create(api, "accounts", {"name": "Parent"})
    child = create(
        api,
        "contacts",
        {
            "lastname": "Child",
            "parentcustomerid_account@odata.bind": f"/accounts({account})",
        },
    )
    other = create(
        api, "accounts", {"name": "Other", "parentaccountid@odata.bind": f"/accounts({account})"}
    )
    assert api.delete(f"accounts({account})").status_code == 204
    assert api.get(f"contacts({child})").status_code == 404
    assert api.get(f"accounts({other})").json()["_parentaccountid_value"] is None


def test_users_and_used_currencies_cannot_be_deleted(api):
    who = api.get("WhoAmI").json()["UserId"]
    assert api.delete(f"systemusers({who})").status_code == 400
    euro = create(
        api,
        "transactioncurrencies",
        {
            "currencyname": "Euro",
            "isocurrencycode": "EUR",
            "currencysymbol": "€",
            "exchangerate": 0.9,
            "currencyprecision": 2,
        },
    )
    create(
        api,
        "accounts",
        {"name": "x", "transactioncurrencyid@odata.bind": f"/transactioncurrencies({euro})"},
    )
    assert api.delete(f"transactioncurrencies({euro})").status_code == 405
