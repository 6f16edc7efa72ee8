"""Small parts the trackers' connectors share: the records of a paged list, a ref's key that
does not parse answered as a missing record, syncd's marker kept through an edit, and what
``update_issue`` was asked to change (:class:`IssueEdit`, with the labels that makes change).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from .errors import NotFound
from .markers import add_marker, split_marker
from .model import IssueStatus, Priority, Ref
from .tracker_labels import LabelRules, label_changes

T = TypeVar("T")


def records(pages: Iterable[Any]) -> Iterator[dict[str, Any]]:
    """Every object of a paged list: the dicts in each page's ``data``."""
    for page in pages:
        yield from (r for r in page.data or () if isinstance(r, dict))


def keyed(parse: Callable[[str], T], ref: Ref) -> T:
    """``parse(ref.key)``; a key that does not parse names nothing there (``NotFound``)."""
    try:
        return parse(ref.key)
    except ValueError as exc:
        raise NotFound(str(exc)) from exc


def remarked(current: str | None, body: str) -> str:
    """``body`` carrying the marker the ``current`` text carries, if any: an edit keeps it."""
    marker = split_marker(current)[1]
    return add_marker(body, marker) if marker else body


@dataclass(frozen=True)
class IssueEdit:
    """What ``update_issue`` was asked to change (None and empty: leave as it is)."""

    status: IssueStatus | None
    priority: Priority | None
    add_labels: tuple[str, ...]
    remove_labels: tuple[str, ...]
    title: str | None
    body: str | None

    def labels(self, current: Iterable[str], rules: LabelRules) -> tuple[list[str], list[str]]:
        """The labels to add and to remove: those asked for, and those of the status and
        priority asked for."""
        return label_changes(
            current,
            rules,
            status=self.status,
            priority=self.priority,
            add=self.add_labels,
            remove=self.remove_labels,
        )

    def new_title(self, current: Any) -> str | None:
        """The title to write, when one was asked for and it differs from ``current``."""
        return self.title if self.title is not None and self.title != current else None
