"""Reconcile: compare every open link with both sides and repair what drifted.

Webhooks get lost and polls have windows; reconcile is the sweep that catches the rest. For
each open link it reads the ticket and the issue (and their comments) through the connectors,
compares them with the shadows, and hands whatever syncd has not seen to the inbox as changes
with ``source="reconcile"``. From there the normal path repairs it: worker, planner, outbox,
with the same idempotency keys, so a repair already made is not made twice.

A read that fails (timeout, 5xx, 401, 403) is reported and skipped: failure is not absence.
Only a 404/410 becomes a DELETED change, which the planner confirms with a second read
before anything is redirected.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from syncd.connector import Connector, HelpdeskConnector, TrackerConnector
from syncd.engine import echo
from syncd.errors import NotFound, RemoteError
from syncd.model import Change, ChangeKind, Comment, Issue, LinkState, Ref, Ticket
from syncd.store.repository import LinkRow, Store

OPEN_STATES = (LinkState.ACTIVE, LinkState.DECLINED)


@dataclass
class Drift:
    """What one link's sides show that syncd has not seen."""

    link_id: int
    ref: str
    fields: list[str] = field(default_factory=list)
    comments: int = 0
    gone: bool = False

    def describe(self) -> str:
        parts = [f"fields {', '.join(self.fields)}"] if self.fields else []
        if self.comments:
            parts.append(f"{self.comments} comment(s) not seen")
        if self.gone:
            parts.append("not found (to be confirmed)")
        return f"{self.ref}: " + "; ".join(parts)


@dataclass
class Report:
    links: int = 0
    drift: list[Drift] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # refs whose read failed
    changes: list[Change] = field(default_factory=list)


def _read(conn: Connector, ref: Ref) -> Ticket | Issue:
    if isinstance(conn, HelpdeskConnector) and ref.kind.value == "ticket":
        return conn.get_ticket(ref)
    if isinstance(conn, TrackerConnector):
        return conn.get_issue(ref)
    raise TypeError(f"{ref.connector} cannot read {ref.kind.value}s")


def _unseen_comments(store: Store, comments: list[Comment]) -> list[Comment]:
    with store.tx() as tx:
        return [
            c
            for c in comments
            if not echo.comment_is_echo(c, store.is_comment_copy(tx, str(c.ref)))
            and (store.shadow(tx, str(c.ref)).observed or {}).get("body") != c.body
        ]


def check_side(store: Store, conn: Connector, link: LinkRow, ref_text: str, report: Report) -> None:
    """Read one side of a link; note its drift and the changes that repair it."""
    ref = Ref.parse(ref_text)
    try:
        snap = _read(conn, ref)
        comments = conn.comments(ref)
    except NotFound:
        if ref.kind.value == "ticket":
            report.skipped.append(f"{ref_text}: not found")
            return
        report.drift.append(Drift(link.id, ref_text, gone=True))
        report.changes.append(Change(kind=ChangeKind.DELETED, ref=ref, source="reconcile"))
        return
    except RemoteError as exc:
        report.skipped.append(f"{ref_text}: {type(exc).__name__}: {exc}")
        return
    with store.tx() as tx:
        shadow = store.shadow(tx, ref_text)
    fields = echo.TICKET_FIELDS if isinstance(snap, Ticket) else echo.ISSUE_FIELDS
    d = echo.diff(
        shadow.observed,
        shadow.observed_at,
        snap.model_dump(mode="json"),
        snap.updated_at,
        shadow.written,
        fields,
    )
    unseen = _unseen_comments(store, comments)
    if not d.delta and not unseen:
        return
    report.drift.append(Drift(link.id, ref_text, sorted(d.delta), len(unseen)))
    kw = {"ticket": snap} if isinstance(snap, Ticket) else {"issue": snap}
    if d.delta:
        report.changes.append(
            Change(kind=ChangeKind.UPSERT, ref=ref, source="reconcile", at=snap.updated_at, **kw)
        )
    report.changes += [
        Change(
            kind=ChangeKind.COMMENT,
            ref=ref,
            comment=c,
            source="reconcile",
            at=c.updated_at or c.created_at,
        )
        for c in unseen
    ]


def scan(
    store: Store,
    connectors: Mapping[str, Connector],
    *,
    advance: Callable[[], None] | None = None,
) -> Report:
    """Compare every open link with both sides; nothing is written yet."""
    report = Report()
    links = [row for row in store.all_links(10_000_000) if row.state in OPEN_STATES]
    report.links = len(links)
    for link in links:
        for ref_text in (link.ticket_ref, link.issue_ref):
            conn = connectors.get(Ref.parse(ref_text).connector)
            if conn is None:
                report.skipped.append(f"{ref_text}: no connector configured")
            else:
                check_side(store, conn, link, ref_text, report)
        if advance is not None:
            advance()
    return report


def repair(store: Store, report: Report) -> int:
    """Hand the repairing changes to the inbox; return how many."""
    with store.tx() as tx:
        return store.enqueue(tx, report.changes)
