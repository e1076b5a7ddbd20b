"""What other apps add to the log pages, without ``synclog`` importing them.

``synclog`` shows jobs and errors; the actions on an error's record (Synchronize, Set Up
Coupling, Delete Coupling), the links to a local record or a Dataverse row, and cues such
as "skipped records" belong to the ``integration`` app. That app registers providers here
from its ``AppConfig.ready()``::

    from synclog import hooks

    hooks.register_record_actions(error_actions)   # fn(errors, request) -> {error.pk: [...]}
    hooks.register_record_links(record_links)      # fn(refs, request) -> {ref: url}
    hooks.register_cue(skipped_records_cue)        # fn(request) -> [Cue, ...]

Providers receive a whole page of rows at once, so that one that needs the database can
answer a page with one query instead of one per row. When nothing is registered the pages
simply show no actions, plain text instead of links, and only synclog's own cue.
"""

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

LOCAL = "local"
DATAVERSE = "dataverse"


@dataclass(frozen=True)
class RecordAction:
    """A button or link shown next to an error: ``method`` "post" renders a button in a
    form carrying the CSRF token, "get" a plain link."""

    label: str
    url: str
    method: str = "post"

    def __post_init__(self):
        if self.method not in ("get", "post"):
            raise ValueError(f"RecordAction method must be 'get' or 'post', not {self.method!r}")


@dataclass(frozen=True)
class RecordRef:
    """One side of an error's record: ``side`` is LOCAL (table ``app_label.model``, id the
    record's ``system_id``) or DATAVERSE (table the logical name, id the row id)."""

    side: str
    table: str
    id: uuid.UUID


@dataclass(frozen=True)
class Cue:
    """A tile on the admin index: a count and the page it opens."""

    label: str
    count: int
    url: str


class Registry:
    """An ordered set of provider functions."""

    def __init__(self, name: str):
        self.name = name
        self._providers: list[Callable] = []

    def register(self, fn: Callable) -> Callable:
        """Add ``fn`` (once, however often it is registered); usable as a decorator."""
        if fn not in self._providers:
            self._providers.append(fn)
        return fn

    def unregister(self, fn: Callable) -> None:
        if fn in self._providers:
            self._providers.remove(fn)

    def __iter__(self):
        return iter(list(self._providers))

    def __len__(self):
        return len(self._providers)


record_actions = Registry("record actions")
record_links = Registry("record links")
cues = Registry("cues")

# fn(errors: Sequence[SyncJobError], request) -> Mapping[error pk, Iterable[RecordAction]]
register_record_actions = record_actions.register
# fn(refs: Sequence[RecordRef], request) -> Mapping[RecordRef, url]
register_record_links = record_links.register
# fn(request) -> Iterable[Cue]
register_cue = cues.register


def as_action(value: Any) -> RecordAction:
    """Accept a RecordAction or a (label, url, method) tuple."""
    return value if isinstance(value, RecordAction) else RecordAction(*value)


def as_cue(value: Any) -> Cue:
    """Accept a Cue or a dict with label, count and url."""
    return value if isinstance(value, Cue) else Cue(**value)


def actions_for(errors: Sequence, request) -> dict[int, list[RecordAction]]:
    """Return the registered actions of each error, by error pk, in registration order."""
    result: dict[int, list[RecordAction]] = {error.pk: [] for error in errors}
    if not errors:
        return result
    for provider in record_actions:
        provided: Mapping = provider(errors, request) or {}
        for pk, actions in provided.items():
            if pk in result:
                result[pk].extend(as_action(action) for action in actions)
    return result


def links_for(refs: Iterable[RecordRef], request) -> dict[RecordRef, str]:
    """Return a URL for each reference some provider can link; the first provider wins."""
    pending = list(dict.fromkeys(refs))
    found: dict[RecordRef, str] = {}
    for provider in record_links:
        if not pending:
            break
        for ref, url in (provider(pending, request) or {}).items():
            if url and ref not in found:
                found[ref] = url
        pending = [ref for ref in pending if ref not in found]
    return found


def registered_cues(request) -> list[Cue]:
    return [as_cue(cue) for provider in cues for cue in (provider(request) or [])]
