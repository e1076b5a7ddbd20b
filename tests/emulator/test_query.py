"""$select, $filter, $orderby, $top, $count, $expand and the options Dataverse refuses."""

import uuid

import pytest

from .conftest import create, error_of


@pytest.fixture
def accounts(api):
    rows = [
        {"name": "Alpha", "customertypecode": 3, "creditlimit": 100, "telephone1": "1"},
        {"name": "beta", "customertypecode": 11, "creditlimit": 250.5},
        {"name": "Gamma O'Brien", "customertypecode": 3, "creditlimit": 1000},
        {"name": "delta", "customertypecode": 3},
    ]
    return {row["name"]: create(api, "accounts", row) for row in rows}


def names(api, query: str) -> list[str]:
    response = api.get(f"accounts?$select=name&{query}")
    assert response.status_code == 200, response.text
    return [row["name"] for row in response.json()["value"]]


def test_select_returns_the_columns_and_the_key(api, accounts):
    row = api.get("accounts?$select=name&$top=1").json()["value"][0]
    assert set(row) == {"@odata.etag", "name", "accountid"}


def test_select_of_a_lookup_needs_the_value_property(api, accounts):
    assert api.get("accounts?$select=_primarycontactid_value").status_code == 200
    assert api.get("accounts?$select=primarycontactid").status_code == 400


def test_comparison_and_logical_operators(api, accounts):
    assert sorted(names(api, "$filter=customertypecode eq 3")) == [
        "Alpha",
        "Gamma O'Brien",
        "delta",
    ]
    assert names(api, "$filter=customertypecode ne 3") == ["beta"]
    assert sorted(names(api, "$filter=creditlimit gt 100 and creditlimit le 1000")) == [
        "Gamma O'Brien",
        "beta",
    ]
    assert sorted(names(api, "$filter=creditlimit lt 200 or customertypecode eq 11")) == [
        "Alpha",
        "beta",
    ]
    assert sorted(names(api, "$filter=not (customertypecode eq 3) or name eq 'delta'")) == [
        "beta",
        "delta",
    ]
    assert names(api, "$filter=creditlimit ge 250.5 and creditlimit lt 251") == ["beta"]


def test_strings_compare_case_insensitively(api, accounts):
    assert names(api, "$filter=name eq 'ALPHA'") == ["Alpha"]
    assert names(api, "$filter=contains(name,'ETA')") == ["beta"]
    assert sorted(names(api, "$filter=startswith(name,'g') or endswith(name,'TA')")) == [
        "Gamma O'Brien",
        "beta",
        "delta",
    ]
    assert sorted(names(api, "$filter=not contains(name,'a')")) == []


def test_letters_beyond_ascii_compare_case_insensitively_too(api):
    for name in ("Zoë (S.A.)", "Zoë (SxAx)", "Ölwerk"):
        create(api, "accounts", {"name": name})
    assert names(api, "$filter=name eq 'ZOË (s.a.)'") == ["Zoë (S.A.)"]
    assert sorted(names(api, "$filter=name ne 'zoË (S.A.)'")) == ["Zoë (SxAx)", "Ölwerk"]
    assert names(api, "$filter=telephone1 eq 'Ö' or telephone1 ne 'Ö'") == []  # null: neither
    found = "Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=['ölWERK','nobody'])"
    assert names(api, f"$filter={found}") == ["Ölwerk"]
    others = (
        "Microsoft.Dynamics.CRM.NotIn(PropertyName='name',PropertyValues=['öLWERK','zoë (sxax)'])"
    )
    assert names(api, f"$filter={others}") == ["Zoë (S.A.)"]


def test_quotes_are_doubled_in_literals(api, accounts):
    assert names(api, "$filter=name eq 'Gamma O''Brien'") == ["Gamma O'Brien"]
    response = api.get("accounts?$filter=name eq 'O'Brien'")
    assert response.status_code == 400
    assert error_of(response)["message"].startswith("There is an unterminated literal at position")


def test_null_comparisons(api, accounts):
    assert names(api, "$filter=telephone1 ne null") == ["Alpha"]
    assert "Alpha" not in names(api, "$filter=telephone1 eq null")
    assert names(api, "$filter=telephone1 ne '1'") == []  # null matches neither eq nor ne


def test_lookup_guid_and_datetime_literals(api, accounts):
    contact = create(
        api,
        "contacts",
        {
            "lastname": "Linked",
            "parentcustomerid_account@odata.bind": f"/accounts({accounts['beta']})",
        },
    )
    rows = api.get(
        f"contacts?$select=lastname&$filter=_parentcustomerid_value eq {accounts['beta']}"
    )
    assert [r["contactid"] for r in rows.json()["value"]] == [str(contact)]
    quoted = api.get(
        f"contacts?$select=lastname&$filter=_parentcustomerid_value eq '{accounts['beta']}'"
    )
    assert len(quoted.json()["value"]) == 1
    assert len(api.get("contacts?$filter=_parentcustomerid_value ne null").json()["value"]) == 1
    assert len(names(api, "$filter=modifiedon ge 2020-01-01T00:00:00Z")) == 4
    assert names(api, "$filter=createdon lt 2020-01-01T00:00:00Z") == []
    assert names(api, f"$filter=accountid eq {accounts['Alpha']}") == ["Alpha"]


def test_in_function_and_navigation_paths(api, accounts):
    values = ",".join(f"'{accounts[n]}'" for n in ("Alpha", "beta"))
    query = f"$filter=Microsoft.Dynamics.CRM.In(PropertyName='accountid',PropertyValues=[{values}])"
    assert sorted(names(api, query)) == ["Alpha", "beta"]
    contact = create(api, "contacts", {"firstname": "Pat", "lastname": "Smith"})
    api.patch(
        f"accounts({accounts['delta']})",
        json={"primarycontactid@odata.bind": f"/contacts({contact})"},
    )
    assert names(api, "$filter=primarycontactid/fullname eq 'pat smith'") == ["delta"]


def test_type_mismatch_and_unknown_columns_are_refused(api, accounts):
    mismatch = api.get("accounts?$filter=name eq 5")
    assert mismatch.status_code == 400
    assert "incompatible types" in error_of(mismatch)["message"]
    unknown = api.get("accounts?$filter=nosuch eq 1")
    assert error_of(unknown)["message"] == (
        "Could not find a property named 'nosuch' on type 'Microsoft.Dynamics.CRM.account'."
    )
    assert api.get("accounts?$filter=name eq").status_code == 400


def test_orderby_and_top(api, accounts):
    assert names(api, "$orderby=name") == ["Alpha", "beta", "delta", "Gamma O'Brien"]
    assert names(api, "$orderby=name desc&$top=2") == ["Gamma O'Brien", "delta"]
    ordered = names(api, "$orderby=creditlimit desc,name asc")
    assert ordered == ["Gamma O'Brien", "beta", "Alpha", "delta"]  # nulls last when descending
    assert names(api, "$orderby=creditlimit")[0] == "delta"  # nulls first when ascending


@pytest.mark.parametrize("option", ["$skip=1", "$search=x", "$format=json", "$Select=name"])
def test_unsupported_options_are_refused(api, option):
    response = api.get(f"accounts?{option}")
    assert response.status_code == 400
    assert (
        error_of(response)["message"]
        == f"The query parameter {option.split('=')[0]} is not supported"
    )


def test_aggregation_is_refused_rather_than_answered_with_plain_rows(api, accounts):
    response = api.get("accounts?$apply=aggregate(creditlimit with sum as total)")
    assert response.status_code == 400
    message = error_of(response)["message"]
    assert "$apply is valid in Dataverse, but this emulator does not implement it" in message


def test_count_and_total_record_count(api, accounts):
    body = api.get("accounts?$select=name&$count=true&$top=1").json()
    assert body["@odata.count"] == 4 and len(body["value"]) == 1
    annotated = api.get(
        "accounts?$select=name&$count=true",
        headers={
            "Prefer": 'odata.include-annotations="Microsoft.Dynamics.CRM.totalrecordcount,'
            'Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"'
        },
    ).json()
    assert annotated["@Microsoft.Dynamics.CRM.totalrecordcount"] == 4
    assert annotated["@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"] is False
    plain = api.get("accounts/$count?$filter=customertypecode eq 3")
    assert plain.headers["Content-Type"].startswith("text/plain")
    assert plain.content.decode("utf-8-sig") == "3"


def test_expand_single_valued_navigation(api, accounts):
    contact = create(api, "contacts", {"firstname": "Ex", "lastname": "Panded"})
    api.patch(
        f"accounts({accounts['Alpha']})",
        json={"primarycontactid@odata.bind": f"/contacts({contact})"},
    )
    body = api.get(
        f"accounts({accounts['Alpha']})?$select=name&$expand=primarycontactid($select=fullname),"
        "ownerid($select=fullname)"
    ).json()
    assert body["primarycontactid"]["fullname"] == "Ex Panded"
    assert body["primarycontactid"]["@odata.etag"].startswith('W/"')
    assert body["ownerid"]["fullname"] == "# Tandem"
    rows = api.get(
        "accounts?$select=name&$expand=primarycontactid($select=lastname)&$orderby=name"
    ).json()
    assert rows["value"][0]["primarycontactid"]["lastname"] == "Panded"
    assert rows["value"][1]["primarycontactid"] is None
    assert api.get("accounts?$expand=nosuch").status_code == 400


def test_formatted_values(api, accounts):
    row = api.get(
        f"accounts({accounts['Alpha']})?$select=customertypecode,creditlimit,statecode",
        headers={"Prefer": 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"'},
    )
    assert "odata.include-annotations" in row.headers["Preference-Applied"]
    body = row.json()
    assert body["customertypecode@OData.Community.Display.V1.FormattedValue"] == "Customer"
    assert body["creditlimit@OData.Community.Display.V1.FormattedValue"] == "$100.00"
    assert body["statecode@OData.Community.Display.V1.FormattedValue"] == "Active"
    assert uuid.UUID(body["accountid"])
