"""OData filter text: literals, builders, the parser's errors and evaluation like Dataverse."""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integration.dataverse import odata
from integration.dataverse.odata_filter import Comparison, InValues, StringFunction

GUID = UUID("4b0e3a4c-2f5d-4c8e-9f1a-0123456789ab")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("O'Brien", "'O''Brien'"),
        ("", "''"),
        (None, "null"),
        (True, "true"),
        (False, "false"),
        (42, "42"),
        (-7, "-7"),
        (Decimal("1.50"), "1.50"),
        (Decimal("1E+3"), "1000"),
        (2.5, "2.5"),
        (GUID, "4b0e3a4c-2f5d-4c8e-9f1a-0123456789ab"),
        (datetime(2024, 1, 31, 12, 0, tzinfo=UTC), "2024-01-31T12:00:00Z"),
        (
            datetime(2024, 1, 31, 13, 0, 0, 500000, tzinfo=timezone(timedelta(hours=1))),
            "2024-01-31T12:00:00.5Z",
        ),
        (date(2024, 1, 31), "2024-01-31"),
    ],
)
def test_literal_renders_each_type_the_way_dataverse_reads_it(value, text):
    assert odata.literal(value) == text


@pytest.mark.parametrize("value", [datetime(2024, 1, 1), Decimal("NaN"), float("inf"), object()])
def test_literal_refuses_values_without_a_faithful_literal(value):
    with pytest.raises((ValueError, TypeError)):
        odata.literal(value)


@given(st.text())
def test_any_text_round_trips_through_literal_and_the_parser(text):
    expression = odata.parse_filter(odata.eq("name", text))
    assert expression.root == Comparison(odata.Column("name"), "eq", text)


@given(st.text())
def test_any_text_round_trips_through_the_string_functions(text):
    expression = odata.parse_filter(odata.contains("name", text))
    assert isinstance(expression.root, StringFunction)
    assert expression.matches({"name": f"before {text} after"})


@given(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.decimals(allow_nan=False, allow_infinity=False),
        st.uuids(),
        st.datetimes(timezones=st.just(UTC)),
        st.dates(),
    )
)
def test_typed_values_round_trip(value):
    root = odata.parse_filter(odata.eq("x", value)).root
    assert root.value == value
    assert type(root.value) is type(value) or isinstance(value, Decimal | datetime)


def test_hostile_values_stay_inside_their_literal():
    hostile = "x' or name ne 'y') or (1 eq 1 & $top=1 # ünï"
    text = odata.eq("name", hostile)
    expression = odata.parse_filter(text)
    assert expression.columns == {"name"}
    assert expression.matches({"name": hostile.upper()})
    assert not expression.matches({"name": "y"})


def test_builders_combine_with_correct_grouping():
    text = odata.and_(odata.or_(odata.eq("a", 1), odata.eq("b", 2)), odata.ne("c", None), "")
    assert text == "(a eq 1 or b eq 2) and c ne null"
    assert odata.and_(odata.and_(odata.eq("a", 1), odata.eq("b", 2)), odata.eq("c", 3)) == (
        "a eq 1 and b eq 2 and c eq 3"
    )
    assert odata.not_(odata.contains("name", "x")) == "not contains(name,'x')"
    assert odata.and_() == ""


def test_in_builds_an_or_chain_of_typed_values():
    other = UUID(int=1)
    assert odata.in_("accountid", [GUID, other]) == (f"accountid eq {GUID} or accountid eq {other}")
    assert odata.in_("statecode", [0]) == "statecode eq 0"
    with pytest.raises(ValueError):
        odata.in_("statecode", [])


@pytest.mark.parametrize("column", ["name eq 1 or x", "a/b", "", "and", "1a", None])
def test_builders_refuse_anything_but_a_column_name(column):
    with pytest.raises(ValueError):
        odata.eq(column, 1)


def test_and_refuses_clauses_that_are_not_filters():
    with pytest.raises(odata.ODataFilterError):
        odata.and_(odata.eq("a", 1), "b eq 'unterminated")


def test_wildcards_in_user_text_match_literally():
    assert odata.contains("name", "100%_[x]") == "contains(name,'100[%][_][[]x]')"
    expression = odata.parse_filter(odata.contains("name", "100%"))
    assert expression.matches({"name": "Discount 100% off"})
    assert not expression.matches({"name": "Discount 1000 off"})


def test_parses_the_standard_mapping_filters():
    expression = odata.parse_filter(
        "isdisabled eq false and islicensed eq true and isintegrationuser eq false"
    )
    assert expression.columns == {"isdisabled", "islicensed", "isintegrationuser"}
    expression = odata.parse_filter("_parentcustomerid_value ne null and statecode eq 0")
    assert expression.matches({"_parentcustomerid_value": GUID, "statecode": 0})
    assert not expression.matches({"_parentcustomerid_value": None, "statecode": 0})


def test_parses_every_supported_form():
    text = (
        "not (name eq 'a' or (revenue gt 1.5 and revenue le 1e3)) and startswith(name,'C') "
        f"and endswith(name,'o') and accountid ne {GUID} and _ownerid_value eq '{GUID}' "
        "and modifiedon ge 2024-01-31T12:00:00+01:00 and validfromdate lt 2025-01-01 "
        "and firstname ne lastname and Microsoft.Dynamics.CRM.In(PropertyName='statecode',"
        "PropertyValues=[\"0\",'1'])"
    )
    expression = odata.parse_filter(text)
    assert expression.columns == {
        "name",
        "revenue",
        "accountid",
        "_ownerid_value",
        "modifiedon",
        "validfromdate",
        "firstname",
        "lastname",
        "statecode",
    }
    assert odata.parse_filter(str(expression)) == expression


@pytest.mark.parametrize(
    ("text", "position", "expected"),
    [
        ("", 0, "a condition"),
        ("name eq", 7, "a value after 'eq'"),
        ("lastname eq 'O'Bryan'", 20, "unterminated string literal"),
        ("name EQ 'x'", 5, "operators are lowercase"),
        ("name eq 'x' and", 15, "a column name"),
        ("(name eq 'x'", 12, "')'"),
        ("name eq 'x' statecode eq 0", 12, "'and', 'or' or the end"),
        ("not name eq 'x'", 4, "'(' or a function"),
        ("primarycontactid/fullname eq 'x'", 0, "Navigation paths"),
        ("modifiedon ge 2024-01-31T12:00:00", 14, "UTC date-time"),
        ("revenue gt 12abc", 11, "a number"),
        ("contains(name, 5)", 15, "a 'quoted string'"),
        ("Microsoft.Dynamics.CRM.Between(PropertyName='x')", 0, "the Dataverse functions"),
        ("Microsoft.Dynamics.CRM.In(PropertyName='x',PropertyValues=[])", 59, "a value"),
        ("name eq 'x' ; drop", 12, "a column name, a value"),
        ("true eq name", 0, "a column name"),
    ],
)
def test_errors_name_the_position_and_what_was_expected(text, position, expected):
    with pytest.raises(odata.ODataFilterError) as caught:
        odata.parse_filter(text)
    assert caught.value.position == position
    assert expected in str(caught.value)
    assert f"position {position}" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "row", "matches"),
    [
        ("name eq 'contoso'", {"name": "CONTOSO"}, True),
        ("name gt 'b'", {"name": "Apple"}, False),
        ("name ne 'x'", {"name": None}, False),  # null compared is unknown, not true
        ("not (name eq 'x')", {"name": None}, False),
        ("name eq null", {"name": None}, True),
        ("name ne null", {"name": ""}, True),
        ("name eq 'x' or statecode eq 0", {"name": None, "statecode": 0}, True),
        ("not (name eq 'x' and statecode eq 1)", {"name": None, "statecode": 0}, True),
        ("contains(name,'ont')", {"name": "Contoso"}, True),
        ("startswith(name,'con')", {"name": "Contoso"}, True),
        ("endswith(name,'SO')", {"name": "Contoso"}, True),
        ("contains(name,'c_n')", {"name": "Contoso"}, True),
        ("contains(name,'[^c]ontoso')", {"name": "Contoso"}, False),
        ("startswith(name,'[a-d]o')", {"name": "Contoso"}, True),
        ("not contains(name,'x')", {"name": None}, False),
        ("revenue ge 10.5", {"revenue": Decimal("10.50")}, True),
        ("revenue lt 10", {"revenue": 9.99}, True),
        ("statecode eq 0", {"statecode": 0}, True),
        ("isdisabled eq false", {"isdisabled": False}, True),
        ("isdisabled eq false", {"isdisabled": 0}, False),
        ("name eq 5", {"name": "5"}, False),
        (f"accountid eq {GUID}", {"accountid": str(GUID).upper()}, True),
        (f"_ownerid_value eq '{GUID}'", {"_ownerid_value": GUID}, True),
        ("modifiedon ge 2024-01-31T12:00:00Z", {"modifiedon": "2024-01-31T13:00:00+01:00"}, True),
        (
            "modifiedon gt 2024-01-31T12:00:00Z",
            {"modifiedon": datetime(2024, 1, 31, 12, tzinfo=UTC)},
            False,
        ),
        ("validfromdate eq 2024-01-31", {"validfromdate": date(2024, 1, 31)}, True),
        ("firstname eq lastname", {"firstname": "Ann", "lastname": "ANN"}, True),
        ("firstname eq lastname", {"firstname": None, "lastname": None}, False),
        (
            "Microsoft.Dynamics.CRM.In(PropertyName='statecode',PropertyValues=['1','2'])",
            {"statecode": 2},
            True,
        ),
        (
            "Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=['a','B'])",
            {"name": "b"},
            True,
        ),
    ],
)
def test_matches_evaluates_like_dataverse(text, row, matches):
    assert odata.parse_filter(text).matches(row) is matches


def test_not_in_is_the_negation_except_for_null():
    text = "Microsoft.Dynamics.CRM.NotIn(PropertyName='statecode',PropertyValues=['1','2'])"
    expression = odata.parse_filter(text)
    assert str(expression) == text
    assert expression.matches({"statecode": 0})
    assert not expression.matches({"statecode": 2})
    assert not expression.matches({"statecode": None})


def test_matches_refuses_rows_without_the_filtered_column():
    with pytest.raises(KeyError, match="include it in \\$select"):
        odata.parse_filter("statecode eq 0").matches({"name": "x"})


def test_in_function_values_are_kept_as_written():
    root = odata.parse_filter(
        "Microsoft.Dynamics.CRM.In(PropertyName='x',PropertyValues=[\"a\\\"b\",'c''d'])"
    ).root
    assert root == InValues(odata.Column("x"), ('a"b', "c'd"))
