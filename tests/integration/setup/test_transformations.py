"""Transformation rules: parameters are checked with actionable messages; values never fail."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from integration.models import IntegrationFieldMapping
from integration.transformations import apply_rule, validate_rule

Rule = IntegrationFieldMapping.TransformationRule


@pytest.mark.parametrize(
    ("rule", "parameters", "value", "expected"),
    [
        (Rule.UPPERCASE, {}, "Adatum corp.", "ADATUM CORP."),
        (Rule.LOWERCASE, {}, "ADATUM", "adatum"),
        (Rule.TITLE_CASE, {}, "the cannon group", "The Cannon Group"),
        (Rule.TRIM, {}, "  C00010 \t", "C00010"),
        (Rule.SUBSTRING, {"start": 2, "length": 3}, "C00010", "000"),
        (Rule.SUBSTRING, {"start": 4}, "C00010", "010"),
        (Rule.SUBSTRING, {"start": 10, "length": 3}, "C00010", ""),
        (
            Rule.REPLACE,
            {"find": "Corp.", "replace": "Corporation"},
            "Adatum Corp.",
            "Adatum Corporation",
        ),
        (Rule.REPLACE, {"find": "-"}, "555-0100", "5550100"),
        (Rule.REGEX_REPLACE, {"pattern": r"\D", "replacement": ""}, "+1 (555) 0100", "15550100"),
        (
            Rule.REGEX_REPLACE,
            {"pattern": r"(\w+)@(\w+)", "replacement": r"\2:\1"},
            "ann@cronus",
            "cronus:ann",
        ),
        (Rule.REMOVE_NON_ALPHANUMERIC, {}, "C-00 010/ä", "C00010ä"),
        (Rule.PREFIX, {"text": "BC-"}, "C00010", "BC-C00010"),
        (Rule.SUFFIX, {"text": " (BC)"}, "Adatum", "Adatum (BC)"),
        (Rule.ROUND, {"decimals": 2}, Decimal("10.005"), Decimal("10.01")),
        (Rule.ROUND, {"decimals": 0}, 2.5, 3.0),
        (Rule.ROUND, {"decimals": 0}, 7, 7),
        (Rule.NEGATIVE_AS_ZERO, {}, Decimal("-4.5"), Decimal("0")),
        (Rule.NEGATIVE_AS_ZERO, {}, Decimal("12"), Decimal("12")),
        (Rule.NEGATIVE_AS_ZERO, {}, -3, 0),
        (Rule.NONE, {}, "as is", "as is"),
    ],
)
def test_rules_transform_values(rule, parameters, value, expected):
    result = apply_rule(rule, validate_rule(rule, parameters), value)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize("rule", [r for r in Rule.values if r])
@pytest.mark.parametrize("value", [None, 42, Decimal("1.5"), True, "", "text"])
def test_every_rule_is_safe_on_any_value(rule, value):
    parameters = {
        Rule.SUBSTRING: {"start": 1, "length": 2},
        Rule.REPLACE: {"find": "x", "replace": "y"},
        Rule.REGEX_REPLACE: {"pattern": "t", "replacement": "T"},
        Rule.PREFIX: {"text": "P"},
        Rule.SUFFIX: {"text": "S"},
        Rule.ROUND: {"decimals": 1},
    }.get(rule, {})
    result = apply_rule(rule, validate_rule(rule, parameters), value)
    if value is None:
        assert result is None
    if isinstance(value, bool):
        assert result is value  # a yes/no is neither text nor a number to round


def test_text_rules_leave_numbers_and_number_rules_leave_text():
    assert apply_rule(Rule.UPPERCASE, {}, Decimal("3")) == Decimal("3")
    assert apply_rule(Rule.ROUND, {"decimals": 0}, "3.7") == "3.7"
    assert apply_rule(Rule.NEGATIVE_AS_ZERO, {}, "-1") == "-1"


def test_validation_normalises_numbers_typed_as_text():
    assert validate_rule(Rule.SUBSTRING, {"start": "2", "length": "5"}) == {"start": 2, "length": 5}
    assert validate_rule(Rule.SUBSTRING, {"start": "2"}) == {"start": 2, "length": None}
    assert validate_rule(Rule.ROUND, {"decimals": " 3 "}) == {"decimals": 3}


@pytest.mark.parametrize(
    ("rule", "parameters", "message"),
    [
        (Rule.SUBSTRING, {}, "Substring: Start position is required."),
        (Rule.SUBSTRING, {"start": "first"}, "Substring: Start position must be a whole number."),
        (Rule.SUBSTRING, {"start": 0}, "Substring: Start position must be at least 1."),
        (Rule.SUBSTRING, {"start": 1, "length": -1}, "Substring: Length must be at least 0."),
        (Rule.REPLACE, {"replace": "x"}, "Replace: Find is required."),
        (
            Rule.REGEX_REPLACE,
            {"pattern": "(unclosed"},
            "Regular expression replace: Pattern is not a valid regular expression: "
            "missing ), unterminated subpattern at position 0.",
        ),
        (
            Rule.REGEX_REPLACE,
            {"pattern": "a", "replacement": r"\2"},
            "Regular expression replace: the replacement is not valid: "
            "invalid group reference 2 at position 1.",
        ),
        (Rule.PREFIX, {}, "Prefix: Prefix is required."),
        (Rule.ROUND, {"decimals": -1}, "Round: Decimal places must be at least 0."),
        (Rule.UPPERCASE, {"text": "x"}, "Uppercase does not take text."),
        ("shout", {}, "'shout' is not a transformation rule."),
    ],
)
def test_invalid_parameters_are_refused_with_a_message(rule, parameters, message):
    with pytest.raises(ValidationError) as raised:
        validate_rule(rule, parameters)
    assert raised.value.messages == [message]
