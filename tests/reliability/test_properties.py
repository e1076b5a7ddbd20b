"""Arbitrary text through the field transfer and the filter builder (hypothesis).

Whatever a person types into a record or a filter, the transfer either carries it unchanged
or refuses the record with a ``RecordError`` a person can read, and the filter builder keeps
it inside its literal. No other exception, no silent change of the text.
"""

from decimal import Decimal

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from erp.models import Customer
from integration.dataverse import odata
from integration.engine.errors import RecordError
from integration.engine.specs import FieldSpec
from integration.engine.transfer import (
    INTEGER_TYPES,
    NUMBER_TYPES,
    TEXT_TYPES,
    convert_for_dataverse,
    convert_for_local,
    local_snapshot,
)
from integration.engine.values import canonical

from .conftest import create_accounts

# Text as people type it, and as attackers do: every code point but surrogates.
ANY_TEXT = st.text(st.characters(blacklist_categories=["Cs"]), max_size=300)
NUMERIC_LOOKING = st.one_of(
    st.from_regex(r"-?\d{0,40}(\.\d{0,40})?([eE][+-]?\d{1,5})?", fullmatch=True),
    st.sampled_from(["NaN", "sNaN", "Infinity", "-inf", "1e999999", "١٢٣", "1_000", " 7 "]),
)


def spec(column_type: str, *, local_field="name", precision=None) -> FieldSpec:
    return FieldSpec(
        order=1,
        local_field=local_field,
        column="somecolumn",
        direction="bidirectional",
        constant="",
        rule="",
        rule_parameters={},
        rule_direction="",
        clear_value_on_failed_sync=False,
        not_null=False,
        validate=True,
        attribute_type=column_type,
        precision=precision,
        model_field=Customer._meta.get_field(local_field),
    )


@given(ANY_TEXT, st.sampled_from(sorted(TEXT_TYPES)))
def test_text_reaches_a_dataverse_text_column_unchanged(text, column_type):
    value = convert_for_dataverse(spec(column_type), text)
    assert value == (text or None), "not trimmed, not normalised, not escaped"


@given(st.one_of(ANY_TEXT, NUMERIC_LOOKING), st.sampled_from(sorted(INTEGER_TYPES | NUMBER_TYPES)))
@example("Infinity", "Money")
@example("1e400", "Money")
@example("NaN", "Integer")
@example("1e999999999", "BigInt")  # an int of a billion digits: must be refused, not built
def test_any_text_for_a_number_column_is_a_number_or_a_readable_refusal(text, column_type):
    try:
        value = convert_for_dataverse(spec(column_type, precision=2), text)
    except RecordError as error:
        assert repr(text) in error.message and "somecolumn" in error.message
        return
    assert value is None or isinstance(value, int | Decimal)
    if isinstance(value, Decimal):
        assert value.is_finite()


@given(ANY_TEXT)
@example("x" * 101)
@example("Ærø \x00 null")
def test_text_reaches_a_local_field_unchanged_or_is_refused_whole(text):
    name = spec("String")  # Customer.name holds 100 characters
    refused = len(text) > 100 or "\x00" in text  # NUL: PostgreSQL cannot store it
    try:
        value = convert_for_local(name, text, Customer)
    except RecordError as error:
        assert refused and "somecolumn" in error.message, error.message
        return
    assert not refused and value == text, "never cut short, never altered"


@given(st.one_of(ANY_TEXT, NUMERIC_LOOKING))
@example("1e40")
def test_text_for_a_local_decimal_field_is_a_fitting_number_or_refused(text):
    credit = spec("Money", local_field="credit_limit_lcy")
    try:
        value = convert_for_local(credit, text, Customer)
    except RecordError as error:
        assert repr(text) in error.message, error.message
        return
    field = Customer._meta.get_field("credit_limit_lcy")
    assert isinstance(value, Decimal) and value.is_finite()
    assert len(value.as_tuple().digits) <= field.max_digits


@given(ANY_TEXT)
def test_canonical_text_is_stable_and_blank_is_none(text):
    once = canonical(text)
    assert canonical(once) == once
    if text:
        assert once is not None and (once == text or once == text.lower())
    else:
        assert once is None
    assert local_snapshot([spec("String")], {"name": text}) == {"name": once}


# The filter builder and parser ------------------------------------------------------------


@given(ANY_TEXT)
@example("(" * 5000)
@example("name eq '" + "'" * 999)
@example("not " * 500 + "a eq 1")
def test_parsing_any_text_gives_a_filter_or_a_filter_error(text):
    try:
        expression = odata.parse_filter(text)
    except odata.ODataFilterError as error:
        assert 0 <= error.position <= len(text)
        return
    assert all(isinstance(column, str) for column in expression.columns)


@given(ANY_TEXT.filter(lambda t: t.strip()), ANY_TEXT)
def test_a_built_filter_matches_exactly_the_value_it_was_built_from(text, other):
    # Dataverse compares text case-insensitively, and so does ``matches``.
    expression = odata.parse_filter(odata.and_(odata.eq("name", text), odata.ne("statecode", 1)))
    assert set(expression.columns) == {"name", "statecode"}
    assert expression.matches({"name": text, "statecode": 0})
    if other.casefold() != text.casefold():
        assert not expression.matches({"name": other, "statecode": 0})


# Through the real emulator: the builder's filter finds the row, and only it. -------------

HOSTILE_NAMES = st.one_of(
    st.sampled_from(
        [
            "O'Brien & Sons",
            "x' or name ne 'y",
            "') or (1 eq 1",
            "50% off_now [sale]",
            "#hash &amp; ?q=1&$top=1",
            "<script>alert('x')</script>",
            "Ünïcødé — 中文 — العربية — 🚲",
            'back\\slash "quoted"',
        ]
    ),
    st.text(st.characters(blacklist_categories=["Cs", "Cc"]), min_size=1, max_size=160).filter(
        lambda t: t.strip() == t and t
    ),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=HOSTILE_NAMES)
def test_any_name_is_found_by_its_own_filter_in_dataverse_and_nothing_else(
    emulator, dataverse_client, name
):
    with emulator.user_session() as person:
        (row_id,) = create_accounts(person, [name])
        create_accounts(person, [name + " (other)", "other " + name])
    rows = list(dataverse_client.query("account", ["accountid", "name"], odata.eq("name", name)))
    found = [row for row in rows if row["accountid"] == row_id]
    assert len(found) == 1 and found[0]["name"] == name, "stored and read back intact"
    assert all(row["name"].casefold() == name.casefold() for row in rows), "nothing else matched"
