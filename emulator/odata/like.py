"""The LIKE patterns of ``contains`` / ``startswith`` / ``endswith``, read as SQL Server reads them.

Dataverse passes the text to SQL Server's LIKE, so ``%`` is any run of characters, ``_`` one
character, ``[abc]`` / ``[a-f]`` one of a set and ``[^abc]`` one not in it; a client matches a
wildcard character literally by bracketing it (``[%]``, ``[_]``, ``[[]``). SQLite's and
PostgreSQL's LIKE know no brackets, and SQLite's folds only ASCII case, so a pattern becomes
either a LIKE pattern (ASCII text without sets: both databases run it fast and alike) or a
regular expression in the subset that Python's ``re`` and PostgreSQL's AREs read the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Piece:
    kind: str  # "text" (one literal character), "any" (%), "one" (_) or "set" ([…])
    text: str = ""
    negated: bool = False


WILDCARDS = {"%": Piece("any"), "_": Piece("one")}
ANCHORS = {"contains": ("", ""), "startswith": (r"\A", ""), "endswith": ("", r"\Z")}


def parse(pattern: str) -> tuple[Piece, ...] | None:
    """The pieces of a pattern; None when it can match nothing (an unclosed ``[``, as on SQL
    Server)."""
    pieces, position = [], 0
    while position < len(pattern):
        char = pattern[position]
        if char != "[":
            pieces.append(WILDCARDS.get(char) or Piece("text", char))
            position += 1
            continue
        # A "]" right after "[" belongs to the set, as in "[]]".
        close = pattern.find("]", position + 2)
        if close == -1:
            return None
        pieces.append(bracket(pattern[position + 1 : close]))
        position = close + 1
    return tuple(pieces)


def bracket(body: str) -> Piece:
    negated = body.startswith("^") and len(body) > 1
    members = body[1:] if negated else body
    if len(members) == 1 and not negated:
        return Piece("text", members)  # "[%]": the usual way to write a literal wildcard
    return Piece("set", members, negated)


def like_pattern(pieces: tuple[Piece, ...], function: str) -> str | None:
    """An upper-case LIKE pattern with ``\\`` as escape character, for ASCII text without
    sets; None otherwise (SQLite would compare other letters case-sensitively)."""
    if any(p.kind == "set" or (p.kind == "text" and not p.text.isascii()) for p in pieces):
        return None
    body = "".join(like_part(piece) for piece in pieces)
    start = "" if function == "startswith" else "%"
    end = "" if function == "endswith" else "%"
    return (start + body + end).upper()


def like_part(piece: Piece) -> str:
    if piece.kind == "any":
        return "%"
    if piece.kind == "one":
        return "_"
    return "\\" + piece.text if piece.text in "\\%_" else piece.text


def regex(pieces: tuple[Piece, ...], function: str) -> str | None:
    """A regular expression for a case-insensitive search; None when it can match nothing
    (a set with a reversed range such as ``[z-a]``)."""
    parts = [regex_part(piece) for piece in pieces]
    if None in parts:
        return None
    start, end = ANCHORS[function]
    # (?s): "." also matches a line break, as "_" does; PostgreSQL accepts it at the start.
    return "(?s)" + start + "".join(parts) + end


def regex_part(piece: Piece) -> str | None:
    if piece.kind == "any":
        return ".*"
    if piece.kind == "one":
        return "."
    if piece.kind == "text":
        # Both engines read a backslash before a character that is not a letter or digit
        # as that character, and re.escape escapes nothing else.
        return re.escape(piece.text)
    members = set_members(piece.text)
    return None if members is None else "[" + ("^" if piece.negated else "") + members + "]"


def set_members(text: str) -> str | None:
    """Members of a set; ranges by code point (``\\uXXXX``, which both engines read the same
    way, even for endpoints that are special characters)."""
    members, position = [], 0
    while position < len(text):
        if text[position + 1 : position + 2] == "-" and position + 2 < len(text):
            low, high = text[position], text[position + 2]
            if low > high:
                return None
            members.append(f"{code_point(low)}-{code_point(high)}")
            position += 3
        else:
            members.append(re.escape(text[position]))
            position += 1
    return "".join(members)


def code_point(char: str) -> str:
    number = ord(char)
    return f"\\u{number:04x}" if number <= 0xFFFF else f"\\U{number:08x}"


def matches(value: str, pattern: str, function: str) -> bool:
    """The Python twin of the SQL translation, for filters on in-memory rows (metadata)."""
    pieces = parse(pattern)
    expression = None if pieces is None else regex(pieces, function)
    return expression is not None and re.search(expression, value, re.IGNORECASE) is not None
