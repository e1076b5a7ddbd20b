"""``$filter`` text -> a small syntax tree, with the error messages Dataverse gives.

The tree is shared by the SQL translation (rows) and the Python evaluation (metadata), so both
accept exactly the same language.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..errors import query_error

COMPARISONS = {"eq", "ne", "gt", "ge", "lt", "le"}
STRING_FUNCTIONS = {"contains", "startswith", "endswith"}


@dataclass(frozen=True)
class Literal:
    value: Any
    kind: str  # string, integer, decimal, boolean, null, guid, datetime, date, enum


@dataclass(frozen=True)
class Property:
    path: tuple[str, ...]


@dataclass(frozen=True)
class Compare:
    op: str
    left: Any
    right: Any


@dataclass(frozen=True)
class Logical:
    op: str  # and, or
    items: tuple


@dataclass(frozen=True)
class Not:
    item: Any


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple
    named: tuple = ()  # (name, value) pairs of Dataverse query functions


TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b)
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)
  | (?P<date>\d{4}-\d{2}-\d{2}\b)
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[mMdDfFlL]?)
  | (?P<string>')
  | (?P<json>")
  | (?P<name>@?[A-Za-z_$][A-Za-z0-9_.$]*)
  | (?P<punct>[(),/=\[\]])
    """,
    re.VERBOSE,
)


@dataclass
class Token:
    kind: str
    text: str
    position: int
    value: Any = None


def tokenize(text: str) -> list[Token]:
    tokens, position = [], 0
    while position < len(text):
        match = TOKEN.match(text, position)
        if not match:
            raise query_error(
                f"Syntax error: character '{text[position]}' is not valid at position "
                f"{position} in '{text}'."
            )
        kind = match.lastgroup
        if kind in ("string", "json"):
            start = position
            read = read_string if kind == "string" else read_json_string
            value, position = read(text, position)
            tokens.append(Token(kind, text[start:position], start, value))
            continue
        position = match.end()
        if kind != "space":
            tokens.append(Token(kind, match.group(), match.start()))
    return merge_enum_literals(tokens)


def read_string(text: str, start: int) -> tuple[str, int]:
    """A quoted literal with '' for a quote; returns the value and the position after it."""
    chars, position = [], start + 1
    while position < len(text):
        char = text[position]
        if char == "'":
            if text[position + 1 : position + 2] == "'":
                chars.append("'")
                position += 2
                continue
            return "".join(chars), position + 1
        chars.append(char)
        position += 1
    raise query_error(f"There is an unterminated literal at position {start} in '{text}'.")


def read_json_string(text: str, start: int) -> tuple[str, int]:
    """``"1"``: Microsoft's examples write the values of In / NotIn as JSON strings."""
    try:
        return json.decoder.scanstring(text, start + 1)
    except json.JSONDecodeError:
        raise query_error(
            f"There is an unterminated literal at position {start} in '{text}'."
        ) from None


def merge_enum_literals(tokens: list[Token]) -> list[Token]:
    """``Microsoft.Dynamics.CRM.AttributeTypeCode'Picklist'`` is one enum literal."""
    merged: list[Token] = []
    for token in tokens:
        previous = merged[-1] if merged else None
        if (
            token.kind == "string"
            and previous is not None
            and previous.kind == "name"
            and "." in previous.text
            and previous.position + len(previous.text) == token.position
        ):
            merged[-1] = Token("enum", token.value, previous.position, token.value)
        else:
            merged.append(token)
    return merged


class Parser:
    """Recursive descent: or > and > not > comparison > operand."""

    def __init__(self, text: str, aliases: dict[str, str] | None = None):
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.aliases = aliases or {}

    def parse(self):
        if not self.tokens:
            raise query_error("The $filter expression is empty.")
        node = self.parse_or()
        if self.index < len(self.tokens):
            self.fail(self.tokens[self.index])
        return node

    def fail(self, token: Token | None = None):
        position = token.position if token else len(self.text)
        raise query_error(f"Syntax error at position {position} in '{self.text}'.")

    def peek(self, offset: int = 0) -> Token | None:
        index = self.index + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            self.fail()
        self.index += 1
        return token

    def expect(self, text: str) -> None:
        token = self.take()
        if token.text != text:
            self.fail(token)

    def at_word(self, word: str) -> bool:
        token = self.peek()
        return token is not None and token.kind == "name" and token.text == word

    def parse_or(self):
        items = [self.parse_and()]
        while self.at_word("or"):
            self.index += 1
            items.append(self.parse_and())
        return items[0] if len(items) == 1 else Logical("or", tuple(items))

    def parse_and(self):
        items = [self.parse_not()]
        while self.at_word("and"):
            self.index += 1
            items.append(self.parse_not())
        return items[0] if len(items) == 1 else Logical("and", tuple(items))

    def parse_not(self):
        if self.at_word("not"):
            self.index += 1
            return Not(self.parse_not())
        return self.parse_comparison()

    def parse_comparison(self):
        left = self.parse_operand()
        token = self.peek()
        if token is not None and token.kind == "name" and token.text in COMPARISONS:
            self.index += 1
            return Compare(token.text, left, self.parse_operand())
        if token is not None and token.kind == "name" and token.text.lower() in COMPARISONS:
            self.fail(token)
        return left

    def parse_operand(self):
        token = self.take()
        if token.text == "(":
            node = self.parse_or()
            self.expect(")")
            return node
        if token.kind == "name":
            return self.parse_name(token)
        return literal(token, self.text)

    def parse_name(self, token: Token):
        next_token = self.peek()
        if next_token is not None and next_token.text == "(":
            return self.parse_call(token)
        if token.text.startswith("@"):
            return self.parse_alias(token)
        keyword = {"null": (None, "null"), "true": (True, "boolean"), "false": (False, "boolean")}
        if token.text in keyword:
            return Literal(*keyword[token.text])
        path = [token.text]
        while self.peek() is not None and self.peek().text == "/":
            self.index += 1
            path.append(self.take().text)
        return Property(tuple(path))

    def parse_alias(self, token: Token):
        if token.text not in self.aliases:
            return Literal(None, "null")  # an unassigned alias is null (Q-OVR)
        return Parser(self.aliases[token.text]).parse()

    def parse_call(self, name: Token) -> Call:
        self.expect("(")
        args, named = [], []
        while self.peek() is not None and self.peek().text != ")":
            token = self.peek()
            following = self.peek(1)
            if token.kind == "name" and following is not None and following.text == "=":
                self.index += 2
                named.append((token.text, self.parse_named_value()))
            else:
                args.append(self.parse_or())
            if self.peek() is not None and self.peek().text == ",":
                self.index += 1
        self.expect(")")
        return Call(name.text, tuple(args), tuple(named))

    def parse_named_value(self):
        if self.peek() is not None and self.peek().text == "[":
            self.index += 1
            values = []
            while self.peek() is not None and self.peek().text != "]":
                values.append(collection_item(self.take(), self.text))
                if self.peek() is not None and self.peek().text == ",":
                    self.index += 1
            self.expect("]")
            return tuple(values)
        return literal(self.take(), self.text)


def collection_item(token: Token, text: str) -> Literal:
    """A value of a collection parameter: a literal, or a JSON string (only valid here)."""
    if token.kind == "json":
        return Literal(token.value, "string")
    return literal(token, text)


def literal(token: Token, text: str) -> Literal:
    kind = token.kind
    if kind == "json":  # a double quote is no literal outside a collection parameter
        raise query_error(
            f"Syntax error: character '\"' is not valid at position {token.position} in '{text}'."
        )
    if kind in ("string", "enum"):
        return Literal(token.value, kind)
    if kind == "guid":
        return Literal(uuid.UUID(token.text), "guid")
    if kind == "datetime":
        return Literal(parse_datetime(token.text), "datetime")
    if kind == "date":
        return Literal(dt.date.fromisoformat(token.text), "date")
    if kind == "number":
        number = token.text.rstrip("mMdDfFlL")
        if re.fullmatch(r"-?\d+", number):
            return Literal(int(number), "integer")
        return Literal(Decimal(number), "decimal")
    raise query_error(f"Syntax error at position {token.position} in '{text}'.")


def parse_datetime(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)  # no offset: stored as if UTC (DT)
    return value


def parse_filter(text: str, aliases: dict[str, str] | None = None):
    return Parser(text, aliases).parse()
