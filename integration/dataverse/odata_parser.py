"""Parse the part of the OData ``$filter`` grammar that Dataverse supports.

Grammar (``not`` binds tighter than ``and``, ``and`` tighter than ``or``)::

    filter     := or
    or         := and ("or" and)*
    and        := unary ("and" unary)*
    unary      := "not" primary | primary
    primary    := "(" or ")" | function | column OPERATOR operand
    function   := ("contains" | "startswith" | "endswith") "(" column "," 'text' ")"
                | "Microsoft.Dynamics.CRM.In(PropertyName='col',PropertyValues=['a',…])"
                | "Microsoft.Dynamics.CRM.NotIn(…)" (the same arguments)
    operand    := 'string' | GUID | date-time | date | number | true | false | null | column

Errors name the 0-based position (as Dataverse's own messages do) and what was expected there.
Navigation paths (``primarycontactid/fullname``) are refused: filter on ``_x_value`` columns.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from .errors import ODataFilterError
from .odata_filter import (
    COMPARISON_OPERATORS,
    IN_FUNCTION,
    NOT_IN_FUNCTION,
    STRING_FUNCTIONS,
    Column,
    Comparison,
    FilterExpression,
    InValues,
    Junction,
    Node,
    Not,
    StringFunction,
)
from .odata_values import GUID_PATTERN, read_date, read_datetime, read_number, read_string

KEYWORDS = {"and", "or", "not", "true", "false", "null", *COMPARISON_OPERATORS}
NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
COLUMN_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
GUID_RE = re.compile(GUID_PATTERN + r"(?![\w-])")
DATETIME_CANDIDATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}T[\w:.+-]*")
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}(?![\w:.-])")
NUMBER_RE = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
PUNCTUATION = "(),[]="
# Parentheses nest at most this deep: the parser recurses once per level, and a filter
# nested deeper than anyone writes must fail as a filter error, not exhaust the stack.
MAX_NESTING = 64


@dataclass(frozen=True)
class Token:
    kind: str  # one of PUNCTUATION, "string", "guid", "datetime", "date", "number", "name", "end"
    text: str
    position: int
    value: Any = None


def parse_filter(text: str) -> FilterExpression:
    """Parse ``$filter`` text; raise ``ODataFilterError`` naming the position of a problem."""
    return FilterExpression(_Parser(text).parse())


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = list(_tokenize(text))
        self.index = 0
        self.depth = 0

    def parse(self) -> Node:
        if self._peek().kind == "end":
            self._fail("a condition such as name eq 'Contoso'")
        node = self._or()
        if self._peek().kind != "end":
            self._fail("'and', 'or' or the end of the filter")
        return node

    # -- the grammar, top down ------------------------------------------------------------

    def _or(self) -> Node:
        return self._junction("or", self._and)

    def _and(self) -> Node:
        return self._junction("and", self._unary)

    def _junction(self, operator: str, operand: Any) -> Node:
        operands = [operand()]
        while self._is_name(operator):
            self._advance()
            operands.append(operand())
        flat: list[Node] = []
        for node in operands:  # a and (b and c) is the same condition as a and b and c
            same = isinstance(node, Junction) and node.operator == operator
            flat.extend(node.operands if same else [node])
        return flat[0] if len(flat) == 1 else Junction(operator, tuple(flat))

    def _unary(self) -> Node:
        if not self._is_name("not"):
            return self._primary()
        self._advance()
        token = self._peek()
        if token.kind == "(" or self._is_function(token):
            return Not(self._primary())
        return self._fail("'(' or a function such as contains( after 'not'")

    def _primary(self) -> Node:
        token = self._peek()
        if token.kind == "(":
            if self.depth >= MAX_NESTING:
                self._fail(f"a condition: parentheses nest at most {MAX_NESTING} deep")
            self._advance()
            self.depth += 1
            node = self._or()
            self.depth -= 1
            self._expect(")", "')'")
            return node
        if self._is_function(token):
            if token.text in (IN_FUNCTION, NOT_IN_FUNCTION):
                return self._in()
            return self._string_function()
        if token.kind == "name" and "." in token.text:
            self._fail(
                f"a column name, {IN_FUNCTION} or {NOT_IN_FUNCTION} (the Dataverse functions "
                "supported)"
            )
        return self._comparison()

    def _comparison(self) -> Comparison:
        column = self._column()
        token = self._peek()
        if token.kind != "name" or token.text not in COMPARISON_OPERATORS:
            hint = (
                " (operators are lowercase)" if token.text.lower() in COMPARISON_OPERATORS else ""
            )
            self._fail(f"an operator (eq, ne, gt, ge, lt, le) after '{column}'{hint}")
        self._advance()
        return Comparison(column, token.text, self._operand(token.text))

    def _operand(self, operator: str) -> Any:
        token = self._peek()
        if token.kind in ("string", "guid", "datetime", "date", "number"):
            self._advance()
            return token.value
        if token.kind == "name" and token.text in ("true", "false", "null"):
            self._advance()
            return {"true": True, "false": False, "null": None}[token.text]
        if token.kind == "name" and token.text not in KEYWORDS and "." not in token.text:
            return self._column()
        return self._fail(
            f"a value after '{operator}' (a 'quoted string', number, true, false, null, "
            "GUID, date or UTC date-time such as 2024-01-31T12:00:00Z) or a column name"
        )

    def _string_function(self) -> StringFunction:
        function = self._advance().text
        self._expect("(", "'('")
        column = self._column()
        self._expect(",", "','")
        text = self._expect("string", f"a 'quoted string' as the second argument of {function}")
        self._expect(")", "')'")
        return StringFunction(function, column, text.value)

    def _in(self) -> InValues:
        negated = self._advance().text == NOT_IN_FUNCTION
        self._expect("(", "'('")
        self._expect_name("PropertyName")
        self._expect("=", "'='")
        name = self._expect("string", "the column name in quotes, such as 'statecode'")
        if not COLUMN_RE.fullmatch(name.value):
            self._fail_at(name, "a column name in PropertyName")
        self._expect(",", "','")
        self._expect_name("PropertyValues")
        self._expect("=", "'='")
        self._expect("[", "'[' starting the list of values")
        values = [self._expect("string", "a value in quotes")]
        while self._peek().kind == ",":
            self._advance()
            values.append(self._expect("string", "a value in quotes"))
        self._expect("]", "',' or ']' ending the list of values")
        self._expect(")", "')'")
        return InValues(Column(name.value), tuple(value.value for value in values), negated)

    def _column(self) -> Column:
        token = self._peek()
        if token.kind == "name" and token.text not in KEYWORDS and "." not in token.text:
            self._advance()
            return Column(token.text)
        return self._fail("a column name")

    # -- helpers ------------------------------------------------------------------------

    def _peek(self) -> Token:
        return self.tokens[self.index]

    def _advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def _is_name(self, text: str) -> bool:
        token = self._peek()
        return token.kind == "name" and token.text == text

    def _is_function(self, token: Token) -> bool:
        if token.kind != "name" or token.text not in (
            *STRING_FUNCTIONS,
            IN_FUNCTION,
            NOT_IN_FUNCTION,
        ):
            return False
        return self.tokens[self.index + 1].kind == "("

    def _expect(self, kind: str, expected: str) -> Token:
        if self._peek().kind != kind:
            self._fail(expected)
        return self._advance()

    def _expect_name(self, name: str) -> Token:
        if not self._is_name(name):
            self._fail(f"'{name}'")
        return self._advance()

    def _fail(self, expected: str) -> Any:
        return self._fail_at(self._peek(), expected)

    def _fail_at(self, token: Token, expected: str) -> Any:
        found = "the end of the filter" if token.kind == "end" else f"'{token.text}'"
        raise ODataFilterError(
            f"Expected {expected} at position {token.position}, found {found}.",
            position=token.position,
            text=self.text,
        )


def _tokenize(text: str):
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            yield Token("end", "", position)
            return
        token = _read_token(text, position)
        yield token
        position += len(token.text)


def _read_token(text: str, position: int) -> Token:
    char = text[position]
    if char in PUNCTUATION:
        return Token(char, char, position)
    if char == "'":
        return _read_quoted(text, position)
    if char == '"':
        return _read_json_string(text, position)
    if match := GUID_RE.match(text, position):
        return Token("guid", match[0], position, UUID(match[0]))
    if match := DATETIME_CANDIDATE_RE.match(text, position):
        return Token(
            "datetime", match[0], position, _value(read_datetime, match[0], position, text)
        )
    if match := DATE_RE.match(text, position):
        return Token("date", match[0], position, _value(read_date, match[0], position, text))
    if match := NUMBER_RE.match(text, position):
        end = match.end()
        if end < len(text) and (text[end].isalnum() or text[end] in "._"):
            _raise("a number", position, text, found=text[position : end + 1])
        return Token("number", match[0], position, read_number(match[0]))
    if match := NAME_RE.match(text, position):
        end = match.end()
        if end < len(text) and text[end] == "/":
            raise ODataFilterError(
                f"Navigation paths are not supported (position {position}); filter on the "
                f"lookup's own column instead, such as _{match[0]}_value eq <GUID>.",
                position=position,
                text=text,
            )
        return Token("name", match[0], position)
    return _raise("a column name, a value, an operator or a parenthesis", position, text)


def _read_quoted(text: str, position: int) -> Token:
    end = position + 1
    while True:
        end = text.find("'", end)
        if end == -1:
            raise ODataFilterError(
                f"There is an unterminated string literal at position {position}; "
                "a quote inside a value is written twice ('O''Brien').",
                position=position,
                text=text,
            )
        if text.startswith("''", end):
            end += 2
            continue
        raw = text[position : end + 1]
        return Token("string", raw, position, read_string(raw[1:-1]))


def _read_json_string(text: str, position: int) -> Token:
    # Microsoft's examples write In's values as JSON strings: PropertyValues=["1","2"].
    try:
        value, end = json.decoder.scanstring(text, position + 1)
    except json.JSONDecodeError:
        _raise('a complete "quoted" value', position, text)
    return Token("string", text[position:end], position, value)


def _value(read: Any, raw: str, position: int, text: str) -> Any:
    try:
        return read(raw)
    except ValueError:
        return _raise(
            "a date (2024-01-31) or UTC date-time (2024-01-31T12:00:00Z)", position, text, found=raw
        )


def _raise(expected: str, position: int, text: str, found: str | None = None) -> Any:
    found = found if found is not None else text[position]
    raise ODataFilterError(
        f"Expected {expected} at position {position}, found '{found}'.",
        position=position,
        text=text,
    )
