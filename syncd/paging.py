"""Reading a vendor's list page by page, the same way in every connector.

A connector says how to fetch one page (:func:`walk`'s ``fetch``) and where the next one is
(``following``): a URL from a ``Link`` header (:func:`next_link`), a ``next_page`` field, an
offset (:func:`next_offset`) or a page number. :func:`walk` does the rest and stops after
``max_pages``, so a vendor that keeps naming a next page cannot hold a poll or a read forever.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

Where = TypeVar("Where")
Page = TypeVar("Page")


def walk(
    fetch: Callable[[Where], Page],
    first: Where,
    following: Callable[[Page, Where], Where | None],
    *,
    max_pages: int = 1000,
) -> Iterator[Page]:
    """Fetch the page at ``first``, then each page ``following(page, where)`` names, until
    it names none or ``max_pages`` pages were read."""
    where: Where | None = first
    for _ in range(max_pages):
        if where is None:
            return
        page = fetch(where)
        yield page
        where = following(page, where)


def next_link(header: str | None, rel: str = "next") -> str | None:
    """The target of ``rel`` (default ``next``) in an RFC 8288 ``Link`` header."""
    for part in (header or "").split(","):
        section = part.split(";")
        if len(section) >= 2 and any(p.strip() == f'rel="{rel}"' for p in section[1:]):
            return section[0].strip().strip("<>")
    return None


def next_offset(start: int, count: int, total: int | None) -> int | None:
    """The offset of the next page after ``count`` items read from ``start`` (None: that was
    the last page: it was empty, or ``total`` items are read)."""
    end = start + count
    if count == 0 or (total is not None and end >= total):
        return None
    return end
