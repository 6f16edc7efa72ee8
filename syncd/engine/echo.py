"""Finding what really changed: a snapshot against the shadow, minus syncd's own echoes.

The shadow keeps the last snapshot observed from the remote and, per field, the values syncd
wrote and has not seen come back yet. A field that changed to exactly the value syncd wrote
is an echo: it is dropped and the written value is cleared.

A comment syncd wrote is known from the change alone (its author, its marker): such changes
are dropped before they reach the inbox (:func:`not_own`), so the worker never sees them. A
webhook delivery that reports syncd's own comment reports syncd's own update, and the
snapshot of the record it carries is dropped with it (:func:`not_own_update`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from syncd.model import Change, ChangeKind, Comment

TICKET_FIELDS = ("status", "priority", "tags", "subject", "group", "organization", "fields")
ISSUE_FIELDS = (
    "status",
    "priority",
    "labels",
    "title",
    "assignee",
    "milestone",
    "files",
    "fields",
)


@dataclass(frozen=True)
class Diff:
    delta: frozenset[str]
    echoes: frozenset[str]
    written: dict[str, Any]  # what is still owed to come back
    stale: bool = False


def _norm(value: Any) -> Any:
    if isinstance(value, dict) and not value:
        return None  # no mapped fields, and a shadow kept before issues had them
    if isinstance(value, list | tuple | set | frozenset):
        return sorted(str(v) for v in value)
    return value


def differs(before: Any, after: Any) -> bool:
    """Whether one field's two values differ, as :func:`diff` compares them."""
    return bool(_norm(before) != _norm(after))


def diff(
    before: dict[str, Any] | None,
    before_at: datetime | None,
    after: dict[str, Any],
    after_at: datetime | None,
    written: dict[str, Any],
    fields: tuple[str, ...],
) -> Diff:
    """Compare two snapshots (``model_dump(mode="json")`` form)."""
    if before_at and after_at and after_at < before_at:
        return Diff(frozenset(), frozenset(), written, stale=True)
    changed = {f for f in fields if before is None or _norm(before.get(f)) != _norm(after.get(f))}
    echoes = {f for f in changed if f in written and _norm(written[f]) == _norm(after.get(f))}
    left = {k: v for k, v in written.items() if k not in echoes and _norm(after.get(k)) != _norm(v)}
    return Diff(frozenset(changed - echoes), frozenset(echoes), left)


def comment_is_echo(comment: Comment, is_copy: bool) -> bool:
    """A comment syncd wrote: by its own account, carrying a marker, or a recorded copy."""
    return comment.by_syncd or comment.marker is not None or is_copy


def own_comment(change: Change) -> bool:
    """A comment change of syncd's own writing, known from the change alone (by its author or
    its marker): whatever the store holds, :func:`comment_is_echo` says echo for it."""
    comment = change.comment
    return (
        comment is not None
        and change.kind in (ChangeKind.COMMENT, ChangeKind.COMMENT_DELETED)
        and comment_is_echo(comment, is_copy=False)
    )


def not_own(changes: Sequence[Change]) -> list[Change]:
    """``changes`` without syncd's own comments coming back (:func:`own_comment`): what the
    intake and the poller queue. An echo then costs no inbox row and no worker transaction."""
    return [c for c in changes if not own_comment(c)]


def not_own_update(changes: Sequence[Change]) -> list[Change]:
    """One webhook delivery's changes without syncd's own: its comments (:func:`not_own`) and
    the snapshots of a record whose comment in that delivery is syncd's.

    A delivery reports one update of one record (a helpdesk's "comment added" event, a
    tracker's "issue commented"), and an update that added syncd's comment is syncd's own write. Its
    snapshot holds nothing a person changed: a person's changes come in deliveries of their
    own, and a poll brings in one that was lost. So the worker need not diff it; every
    comment syncd copies to a helpdesk would otherwise cost an inbox row. Not for poll pages,
    where one record's snapshot sums up many updates."""
    own = {c.ref for c in changes if own_comment(c)}
    return [c for c in not_own(changes) if not (c.kind == ChangeKind.UPSERT and c.ref in own)]
