"""Transformation rules of field mappings (Business Central's "Transformation Rules").

A rule changes the source value before it is written to the other side. Rules are pure
functions of (parameters, value): they never raise on a value, only on bad parameters, so
one odd record cannot stop a job. A value a rule cannot apply to (a number given to a text
rule, ``None``) is passed through unchanged.

Parameters are stored on the field mapping as JSON, for example ``{"start": 1, "length": 3}``.
"""

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from .models import IntegrationFieldMapping

Rule = IntegrationFieldMapping.TransformationRule


@dataclass(frozen=True)
class Parameter:
    key: str
    label: str
    kind: str = "text"  # "text", "int" or "pattern"
    minimum: int | None = None
    required: bool = True


# What each rule takes, in the order a person fills them in on the page.
PARAMETERS: dict[str, tuple[Parameter, ...]] = {
    Rule.SUBSTRING: (
        Parameter("start", "Start position (1 = first character)", "int", minimum=1),
        Parameter("length", "Length (blank = to the end)", "int", minimum=0, required=False),
    ),
    Rule.REPLACE: (
        Parameter("find", "Find"),
        Parameter("replace", "Replace with", required=False),
    ),
    Rule.REGEX_REPLACE: (
        Parameter("pattern", "Pattern (a regular expression)", "pattern"),
        Parameter("replacement", "Replacement", required=False),
    ),
    Rule.PREFIX: (Parameter("text", "Prefix"),),
    Rule.SUFFIX: (Parameter("text", "Suffix"),),
    Rule.ROUND: (Parameter("decimals", "Decimal places", "int", minimum=0),),
}


def parameters_for(rule: str) -> tuple[Parameter, ...]:
    return PARAMETERS.get(rule, ())


def validate_rule(rule: str, parameters: dict | None) -> dict:
    """Check a rule and its parameters; return the parameters normalised (ints as ints).

    Raises ``ValidationError`` with a message that says what to fill in.
    """
    if rule not in Rule.values:
        raise ValidationError(f"'{rule}' is not a transformation rule.", code="unknown_rule")
    parameters = parameters or {}
    if not isinstance(parameters, dict):
        raise ValidationError("The rule's parameters must be a set of named values.")
    expected = parameters_for(rule)
    unknown = sorted(set(parameters) - {p.key for p in expected})
    if unknown:
        raise ValidationError(
            f"{Rule(rule).label} does not take {', '.join(unknown)}.", code="unknown_parameter"
        )
    cleaned = {p.key: _clean_parameter(rule, p, parameters.get(p.key)) for p in expected}
    if rule == Rule.REGEX_REPLACE:
        _check_replacement(cleaned["pattern"], cleaned["replacement"])
    return cleaned


def _check_replacement(pattern: str, replacement: str) -> None:
    # Group references in the replacement are checked when it is used, even without a match.
    try:
        re.sub(pattern, replacement, "")
    except (re.error, IndexError) as error:
        raise ValidationError(
            f"Regular expression replace: the replacement is not valid: {error}.",
            code="bad_replacement",
        )


def _clean_parameter(rule: str, parameter: Parameter, value):
    caption = f"{Rule(rule).label}: {parameter.label.split(' (')[0]}"
    if value is None or value == "":
        if parameter.required:
            raise ValidationError(f"{caption} is required.", code="required")
        return None if parameter.kind == "int" else ""
    if parameter.kind == "int":
        return _clean_int(caption, parameter, value)
    value = str(value)
    if parameter.kind == "pattern":
        try:
            re.compile(value)
        except re.error as error:
            raise ValidationError(
                f"{caption} is not a valid regular expression: {error}.", code="bad_pattern"
            )
    return value


def _clean_int(caption: str, parameter: Parameter, value) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationError(f"{caption} must be a whole number.", code="not_a_number")
    if parameter.minimum is not None and number < parameter.minimum:
        raise ValidationError(
            f"{caption} must be at least {parameter.minimum}.", code="below_minimum"
        )
    return number


def apply_rule(rule: str, parameters: dict | None, value):
    """Return ``value`` transformed by ``rule``; values the rule does not apply to pass through."""
    if not rule or value is None:
        return value
    function = _APPLY.get(rule)
    if function is None:
        return value
    return function(parameters or {}, value)


def _text_rule(function):
    def apply(parameters, value):
        return function(parameters, value) if isinstance(value, str) else value

    return apply


def _substring(parameters, value: str) -> str:
    start = max(int(parameters.get("start") or 1), 1) - 1
    length = parameters.get("length")
    if length is None or length == "":
        return value[start:]
    return value[start : start + int(length)]


def _regex_replace(parameters, value: str) -> str:
    try:
        return re.sub(parameters.get("pattern", ""), parameters.get("replacement") or "", value)
    except (re.error, IndexError):
        return value  # refused when the rule was saved; stored data edited by hand lands here


def _round(parameters, value):
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return value
    decimals = int(parameters.get("decimals") or 0)
    try:
        rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    except InvalidOperation:
        return value
    if isinstance(value, Decimal):
        return rounded
    return float(rounded) if decimals or isinstance(value, float) else int(rounded)


def _negative_as_zero(parameters, value):
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return value
    return type(value)(0) if value < 0 else value


_APPLY = {
    Rule.UPPERCASE: _text_rule(lambda p, v: v.upper()),
    Rule.LOWERCASE: _text_rule(lambda p, v: v.lower()),
    Rule.TITLE_CASE: _text_rule(lambda p, v: v.title()),
    Rule.TRIM: _text_rule(lambda p, v: v.strip()),
    Rule.SUBSTRING: _text_rule(_substring),
    Rule.REPLACE: _text_rule(
        lambda p, v: v.replace(p["find"], p.get("replace") or "") if p.get("find") else v
    ),
    Rule.REGEX_REPLACE: _text_rule(_regex_replace),
    Rule.REMOVE_NON_ALPHANUMERIC: _text_rule(lambda p, v: "".join(c for c in v if c.isalnum())),
    Rule.PREFIX: _text_rule(lambda p, v: f"{p.get('text') or ''}{v}"),
    Rule.SUFFIX: _text_rule(lambda p, v: f"{v}{p.get('text') or ''}"),
    Rule.ROUND: _round,
    Rule.NEGATIVE_AS_ZERO: _negative_as_zero,
}
