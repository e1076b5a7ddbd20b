"""System query options: which Dataverse accepts, how they are spelled, what they contain."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import query_error
from .filter import parse_filter

SUPPORTED = {
    "$select",
    "$filter",
    "$orderby",
    "$top",
    "$count",
    "$expand",
    "$skiptoken",
    "$deltatoken",
}
# Options real Dataverse answers that the emulator does not implement: refused (400, which no
# client retries) with a message that says so, because ignoring one (returning rows instead of
# aggregates) misleads a client.
NOT_IMPLEMENTED = {"$apply"}


@dataclass
class Expand:
    name: str
    options: QueryOptions


@dataclass
class QueryOptions:
    select: list[str] | None = None
    filter: object | None = None
    filter_text: str = ""
    orderby: list[tuple[str, bool]] = field(default_factory=list)  # (property, descending)
    top: int | None = None
    count: bool = False
    expand: list[Expand] = field(default_factory=list)
    skiptoken: str | None = None
    deltatoken: str | None = None

    def used(self) -> set[str]:
        """The options given, for the checks that forbid some combinations."""
        present = {
            "$filter": self.filter is not None,
            "$orderby": bool(self.orderby),
            "$expand": bool(self.expand),
            "$top": self.top is not None,
        }
        return {name for name, given in present.items() if given}


def parse_options(query: dict[str, str]) -> QueryOptions:
    """Parse the query string of a Web API request (values already URL-decoded)."""
    aliases = {name: value for name, value in query.items() if name.startswith("@")}
    for name in query:
        if name in NOT_IMPLEMENTED:
            raise query_error(
                f"The query parameter {name} is valid in Dataverse, but this emulator does "
                "not implement it; run the query against a real environment."
            )
        # $skip, $search and $format are refused; option names are case-sensitive, so
        # "$Select" is refused the same way.
        if name.startswith("$") and name not in SUPPORTED:
            raise query_error(f"The query parameter {name} is not supported")
    return build_options(query, aliases)


def build_options(query: dict[str, str], aliases: dict[str, str]) -> QueryOptions:
    options = QueryOptions()
    if "$select" in query:
        options.select = split_list(query["$select"])
    if query.get("$filter"):
        options.filter_text = query["$filter"]
        options.filter = parse_filter(query["$filter"], aliases)
    if "$orderby" in query:
        options.orderby = [parse_order_item(item) for item in split_list(query["$orderby"])]
    if "$top" in query:
        options.top = parse_top(query["$top"])
    if "$count" in query:
        options.count = parse_bool("$count", query["$count"])
    if "$expand" in query:
        options.expand = [parse_expand_item(item) for item in split_top_level(query["$expand"])]
    options.skiptoken = query.get("$skiptoken")
    options.deltatoken = query.get("$deltatoken")
    return options


def split_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def split_top_level(text: str, separator: str = ",") -> list[str]:
    """Split on ``separator`` outside parentheses and quotes (``a($select=x,y),b``)."""
    items, depth, quoted, current = [], 0, False, []
    for char in text:
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        if char == separator and depth == 0 and not quoted:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    items.append("".join(current).strip())
    return [item for item in items if item]


def parse_order_item(item: str) -> tuple[str, bool]:
    parts = item.split()
    if len(parts) == 1:
        return parts[0], False
    if len(parts) == 2 and parts[1] in ("asc", "desc"):
        return parts[0], parts[1] == "desc"
    raise query_error(f"Syntax error at position {len(parts[0]) + 1} in '{item}'.")


def parse_top(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise query_error(
            f"Invalid value '{text}' for $top query option found. The $top query option "
            "requires a non-negative integer value."
        )
    return value


def parse_bool(name: str, text: str) -> bool:
    if text not in ("true", "false"):
        raise query_error(f"'{text}' is not a valid boolean value for the {name} query option.")
    return text == "true"


def parse_expand_item(item: str) -> Expand:
    name, _, rest = item.partition("(")
    nested: dict[str, str] = {}
    if rest:
        if not rest.endswith(")"):
            raise query_error(f"Syntax error in $expand '{item}'.")
        for part in split_top_level(rest[:-1], ";"):
            option, _, value = part.partition("=")
            nested[option.strip()] = value
    for option in nested:
        if option not in ("$select", "$filter", "$orderby", "$top", "$expand"):
            raise query_error(f"The query parameter {option} is not supported in $expand")
    return Expand(name.strip(), build_options(nested, {}))
