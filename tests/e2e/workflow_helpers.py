"""Helpers the workflow stories share: reading the store and the emulators as a person would."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from syncd.model import Comment, Ref
from syncd.store.repository import LinkRow
from syncd.testing.sandbox import Sandbox

StartSandbox = Callable[..., Sandbox]  # the ``start_sandbox`` and ``hooked_on_store`` fixtures


def delivery(webhooks: bool) -> dict[str, Any]:
    """Webhooks with a safety poll each minute, or polling alone every half second."""
    return {"webhooks": webhooks, "poll_interval": 60.0 if webhooks else 0.5}


@contextmanager
def sandbox(
    folder: Path, routes: list[dict[str, Any]], poll: float = 3600.0, **kw: Any
) -> Iterator[Sandbox]:
    """A webhook-driven sandbox with these routes; polling every ``poll`` seconds."""
    sb = Sandbox(folder=folder, webhooks=True, poll_interval=poll, routes=routes, **kw)
    sb.start()
    try:
        yield sb
    finally:
        sb.stop()


def link_of(sb: Sandbox, ticket: Ref) -> LinkRow | None:
    assert sb.service is not None
    with sb.service.store.tx() as tx:
        return sb.service.store.link_for_ticket(tx, str(ticket))


def issue_of(sb: Sandbox, ticket: Ref) -> Ref | None:
    link = link_of(sb, ticket)
    return Ref.parse(link.issue_ref) if link else None


def notes(sb: Sandbox, ticket: Ref, text: str, *, public: bool | None = None) -> list[Comment]:
    """The ticket's comments containing ``text`` (only public or internal ones if asked)."""
    return [
        c
        for c in sb.helpdesk.comments(ticket)
        if text in c.body and (public is None or c.public is public)
    ]


def audit(sb: Sandbox, event: str) -> list[Any]:
    assert sb.service is not None
    return [r for r in sb.service.store.audit_since(0, 10_000) if r.event == event]


def gh_key(issue: Ref) -> tuple[str, int]:
    repo, number = issue.key.split("#")
    return repo, int(number)
