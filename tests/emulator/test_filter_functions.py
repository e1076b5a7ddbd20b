"""contains / startswith / endswith with Dataverse's LIKE wildcards, and In / NotIn whose
string values Dataverse converts to the column's type (reference §2.4)."""

import pytest

from .conftest import create, error_of

NAMES = ("100% off", "1000 off", "a_b", "axb", "[draft] plan", "draft plan", "École", "Bob")


@pytest.fixture
def named(api):
    for name in NAMES:
        create(api, "accounts", {"name": name})


def matching(api, condition: str) -> list[str]:
    response = api.get("accounts", params={"$select": "name", "$filter": condition})
    assert response.status_code == 200, response.text
    return sorted(row["name"] for row in response.json()["value"])


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("contains(name,'100%')", ["100% off", "1000 off"]),
        ("contains(name,'100[%]')", ["100% off"]),
        ("contains(name,'a_b')", ["a_b", "axb"]),
        ("contains(name,'a[_]b')", ["a_b"]),
        ("startswith(name,'[[]draft]')", ["[draft] plan"]),
        ("startswith(name,'[[]')", ["[draft] plan"]),
        ("endswith(name,'%plan')", ["[draft] plan", "draft plan"]),
        ("endswith(name,'_ff')", ["100% off", "1000 off"]),
        ("startswith(name,'[ab]')", ["Bob", "a_b", "axb"]),
        ("startswith(name,'[A-B]o[a-c]')", ["Bob"]),
        ("startswith(name,'a[^_]')", ["axb"]),
        ("startswith(name,'[^a-z]')", ["100% off", "1000 off", "[draft] plan", "École"]),
        ("contains(name,'[^o]ff')", []),
        ("contains(name,'[^0-9 ]ff')", ["100% off", "1000 off"]),
        (
            "not contains(name,'[%_]')",
            ["1000 off", "Bob", "[draft] plan", "axb", "draft plan", "École"],
        ),
    ],
)
def test_like_wildcards_and_bracket_escapes(api, named, condition, expected):
    assert matching(api, condition) == expected


def test_patterns_fold_the_case_of_every_letter(api, named):
    assert matching(api, "startswith(name,'éCOLE')") == ["École"]
    assert matching(api, "endswith(name,'[CÉ]OLE')") == ["École"]
    assert matching(api, "contains(name,'BOB')") == ["Bob"]


def test_patterns_that_match_nothing(api, named):
    assert matching(api, "contains(name,'[draft')") == []  # an unclosed bracket
    assert matching(api, "contains(name,'[z-a]')") == []  # a reversed range


def test_entity_definitions_filter_with_the_same_wildcards(api):
    def logical_names(condition: str) -> list[str]:
        response = api.get(
            "EntityDefinitions", params={"$select": "LogicalName", "$filter": condition}
        )
        assert response.status_code == 200, response.text
        return sorted(row["LogicalName"] for row in response.json()["value"])

    assert logical_names("startswith(LogicalName,'uom_')") == ["uomschedule"]
    assert logical_names("startswith(LogicalName,'uom[_]')") == []
    assert logical_names("endswith(LogicalName,'[ou]m')") == ["uom"]


@pytest.fixture
def typed(api):
    rows = [
        {"name": "three", "customertypecode": 3, "numberofemployees": 10, "creditonhold": True},
        {"name": "eleven", "customertypecode": 11, "numberofemployees": 250},
        {"name": "none"},
    ]
    for row in rows:
        create(api, "accounts", row)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("In(PropertyName='customertypecode',PropertyValues=['1','3'])", ["three"]),
        ('In(PropertyName=\'customertypecode\',PropertyValues=["3","11"])', ["eleven", "three"]),
        ("In(PropertyName='numberofemployees',PropertyValues=['250',' 7 '])", ["eleven"]),
        ("In(PropertyName='creditonhold',PropertyValues=['true'])", ["three"]),
        ("In(PropertyName='creditonhold',PropertyValues=['0'])", ["eleven", "none"]),
        ("In(PropertyName='statecode',PropertyValues=['0'])", ["eleven", "none", "three"]),
        ("In(PropertyName='customertypecode',PropertyValues=[3])", ["three"]),
        # A null column is in no list and in no complement either, as in SQL.
        ("NotIn(PropertyName='customertypecode',PropertyValues=['3'])", ["eleven"]),
        ("NotIn(PropertyName='numberofemployees',PropertyValues=['10','250'])", []),
    ],
)
def test_in_and_not_in_convert_string_values_to_the_column_type(api, typed, condition, expected):
    assert matching(api, f"Microsoft.Dynamics.CRM.{condition}") == expected


def test_in_refuses_a_value_that_is_not_of_the_column_type(api, typed):
    condition = "Microsoft.Dynamics.CRM.In(PropertyName='customertypecode',PropertyValues=['x'])"
    response = api.get("accounts", params={"$filter": condition})
    assert response.status_code == 400
    assert error_of(response)["message"] == (
        "The value 'x' of PropertyValues cannot be converted to the type 'Edm.Int32' of the "
        "property 'customertypecode'."
    )
