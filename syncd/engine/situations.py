"""What the worker hands the planner: a change with what the store knew before it (the
``Situation``), built in the worker's transaction, and the link views templates read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog

from syncd.engine import echo
from syncd.engine.actions import LinkView
from syncd.engine.rules import Rules, Situation
from syncd.model import Change, ChangeKind, Issue, LinkState, Ref, RefKind, Ticket
from syncd.store.repository import LinkRow, Store, Tx

log = structlog.get_logger("syncd.worker")


def link_view(store: Store, tx: Tx, row: LinkRow) -> LinkView:
    """A link with the snapshots its templates need."""
    t = store.shadow(tx, row.ticket_ref).observed
    i = store.shadow(tx, row.issue_ref).observed
    return LinkView(
        id=row.id,
        ticket=Ref.parse(row.ticket_ref),
        issue=Ref.parse(row.issue_ref),
        route=row.route,
        mode=row.mode,
        state=LinkState(row.state),
        gone_strikes=row.gone_strikes,
        tier=row.tier,
        ticket_snapshot=Ticket.model_validate(t) if t else None,
        issue_snapshot=Issue.model_validate(i) if i else None,
    )


def siblings(
    store: Store, tx: Tx, change: Change, s: Situation, rows: list[LinkRow]
) -> tuple[LinkView, ...]:
    """The links of a linked ticket's issue, read only for a change of its priority."""
    if change.ref.kind != RefKind.TICKET or not rows or "priority" not in s.delta:
        return ()
    found = store.links_for_issue(tx, rows[0].issue_ref)
    return tuple(link_view(store, tx, r) for r in found)


def snapshot_situation(
    store: Store, tx: Tx, rules: Rules, change: Change, rows: list[LinkRow]
) -> Situation | None:
    """What really changed in a ticket or issue snapshot (echoes and stale copies dropped);
    None when nothing did, or syncd cares for none of it."""
    snap: Ticket | Issue | None = change.ticket or change.issue
    assert snap is not None
    is_ticket = isinstance(snap, Ticket)
    if not rows and not (is_ticket and isinstance(snap, Ticket) and rules.wants(snap)):
        return None  # nothing syncd cares about: keep no shadow for it
    ref = str(change.ref)
    shadow = store.shadow(tx, ref)
    after = snap.model_dump(mode="json")
    fields = echo.TICKET_FIELDS if is_ticket else echo.ISSUE_FIELDS
    d = echo.diff(
        shadow.observed, shadow.observed_at, after, snap.updated_at, shadow.written, fields
    )
    if d.stale:
        log.debug("change.stale", ref=ref)
        return None
    store.put_shadow(tx, ref, observed=after, observed_at=snap.updated_at, written=d.written)
    if d.echoes:
        log.debug("change.echo", ref=ref, fields=sorted(d.echoes))
    if not d.delta:
        return None
    before_raw = shadow.observed
    before: Ticket | Issue | None = None
    if before_raw is not None:
        before = (Ticket if is_ticket else Issue).model_validate(before_raw)
    return Situation(change=change, delta=d.delta, before=before)


def comment_situation(
    store: Store, tx: Tx, change: Change, rows: list[LinkRow]
) -> Situation | None:
    """A new, edited or deleted comment on a linked ticket or issue (None: an echo, a copy
    syncd made, or nothing new)."""
    comment = change.comment
    if comment is None or not rows:
        return None
    cref = str(comment.ref)
    if echo.comment_is_echo(comment, store.is_comment_copy(tx, cref)):
        return None
    shadow = store.shadow(tx, cref)
    copies = tuple(Ref.parse(t) for t, _ in store.comment_targets(tx, cref))
    if change.kind == ChangeKind.COMMENT_DELETED:
        return Situation(change=change, comment_is_new=False, comment_copies=copies)
    seen: dict[str, Any] | None = shadow.observed
    if seen is not None and seen.get("body") == comment.body:
        return None
    if seen is not None and _older(comment.updated_at, shadow.observed_at):
        return None
    store.put_shadow(
        tx,
        cref,
        observed={"body": comment.body},
        observed_at=comment.updated_at or comment.created_at,
    )
    return Situation(change=change, comment_is_new=seen is None, comment_copies=copies)


def _older(at: datetime | None, than: datetime | None) -> bool:
    return bool(at and than and at < than)
