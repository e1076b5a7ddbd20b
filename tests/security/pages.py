"""Every page and endpoint of the project, found by walking the URL configuration.

Nothing here is a list to keep up to date: a page added to any URL module (the admin, a
ModelAdmin's ``get_urls``, ``/admin/tandem/…``, ``/admin/synclog/…``) is found and checked by
the security tests the moment it exists. Each route gets a concrete URL: converters and regex
groups are filled with sample values that resolve back to the same view.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.converters import IntConverter, PathConverter, SlugConverter, UUIDConverter
from django.urls.resolvers import RegexPattern, RoutePattern

SAMPLE_UUID = uuid.UUID("6f1d3a2e-0c5b-4e8a-9d7f-123456789abc")
ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")
REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^()]*)\)")


@dataclass(frozen=True)
class Page:
    route: str  # the pattern as written, prefixes included
    name: str  # "namespace:name", or "" for an unnamed pattern
    url: str  # a concrete URL that resolves to it

    @property
    def is_emulator(self) -> bool:
        return self.name.startswith("emulator:")

    def __str__(self) -> str:
        return f"{self.name or '(unnamed)'} {self.url}"


def sample_for(converter, sample: str | None) -> str:
    if isinstance(converter, UUIDConverter):
        return str(SAMPLE_UUID)
    if isinstance(converter, IntConverter):
        return "1"
    if isinstance(converter, PathConverter | SlugConverter):
        return sample or "1"
    return sample or "x"


def concrete_route(pattern: RoutePattern, samples: dict[str, str]) -> str:
    def fill(match):
        converter = pattern.converters.get(match["name"])
        return sample_for(converter, samples.get(match["name"]))

    return ROUTE_PARAMETER.sub(fill, str(pattern._route))


def concrete_regex(pattern: RegexPattern, samples: dict[str, str]) -> str:
    def fill(match):
        if match["name"] in samples:
            return samples[match["name"]]
        body = match["body"]
        first = body.split("|")[0]
        return first if re.fullmatch(r"[\w-]+", first) else "x"

    text = REGEX_GROUP.sub(fill, pattern._regex)
    return text.lstrip("^").rstrip("$").replace("\\.", ".").replace("\\", "")


def walk(resolver: URLResolver, prefix: str, namespaces: tuple[str, ...], samples):
    for entry in resolver.url_patterns:
        pattern = entry.pattern
        part = (
            concrete_route(pattern, samples)
            if isinstance(pattern, RoutePattern)
            else concrete_regex(pattern, samples)
        )
        if isinstance(entry, URLResolver):
            names = namespaces + ((entry.namespace,) if entry.namespace else ())
            yield from walk(entry, prefix + part, names, samples)
        elif isinstance(entry, URLPattern):
            name = ":".join((*namespaces, entry.name)) if entry.name else ""
            yield Page(route=prefix + str(pattern), name=name, url="/" + prefix + part), entry


def project_pages(samples: dict[str, str] | None = None) -> list[Page]:
    """Every URL pattern of the project as a ``Page`` whose URL resolves back to it."""
    pages = []
    for page, entry in walk(get_resolver(), "", (), samples or {}):
        match = resolve(page.url)
        assert match.func == entry.callback or match.route == entry.pattern, (
            f"the sample URL {page.url} for {page.route} resolves elsewhere ({match.view_name})"
        )
        pages.append(page)
    return pages
