"""Read-only queries behind the dashboard: links with their audit rows and last snapshots.

The figures themselves are computed in ``syncd.dashboard.overview`` from what these return,
so the same code serves SQLite and PostgreSQL and is tested against known rows.

A time range selects the links that were open at some point inside it: created before its end
and either still open or closed (``updated_at``) after its start.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from syncd.model import LinkState
from syncd.store.links import LinkRow, _link, utc
from syncd.store.repository import Store
from syncd.store.tables import audit, dead_letters, inbox, links, shadows, sla_clocks

OPEN_STATES = (LinkState.ACTIVE,)
SLA_EVENTS = ("sla_at_risk", "sla_breached")


@dataclass(frozen=True)
class Filters:
    """What the dashboard's URL selects: a time range, a support tier, a route."""

    start: datetime | None = None
    end: datetime | None = None
    tier: str | None = None
    route: str | None = None


@dataclass(frozen=True)
class Event:
    id: int
    at: datetime
    link_id: int | None
    ticket_ref: str | None
    issue_ref: str | None
    event: str
    detail: dict[str, Any]


@dataclass
class LinkFacts:
    """One link, its audit rows in order, and the last snapshots seen of both sides."""

    link: LinkRow
    events: list[Event] = field(default_factory=list)
    ticket: dict[str, Any] | None = None
    issue: dict[str, Any] | None = None
    clock: dict[str, Any] | None = None  # the issue's SLA clock (kept on its first link)


@dataclass(frozen=True)
class DeadLetter:
    id: int
    kind: str
    key: str
    reason: str
    created_at: datetime


def _where(f: Filters) -> list[sa.ColumnElement[bool]]:
    cond: list[sa.ColumnElement[bool]] = []
    if f.end is not None:
        cond.append(links.c.created_at < f.end)
    if f.start is not None:
        cond.append(sa.or_(links.c.state.in_(OPEN_STATES), links.c.updated_at >= f.start))
    if f.tier:
        cond.append(links.c.tier == f.tier)
    if f.route:
        cond.append(links.c.route == f.route)
    return cond


def _event(row: sa.Row[Any]) -> Event:
    return Event(
        id=row.id,
        at=utc(row.at) or row.at,
        link_id=row.link_id,
        ticket_ref=row.ticket_ref,
        issue_ref=row.issue_ref,
        event=row.event,
        detail=dict(row.detail or {}),
    )


def load(store: Store, f: Filters) -> list[LinkFacts]:
    """Every link the filters select, with its audit rows and snapshots."""
    cond = _where(f)
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(links).where(*cond).order_by(links.c.id)).fetchall()
        facts = {r.id: LinkFacts(_link(r)) for r in rows}
        if not facts:
            return []
        q = (
            sa.select(audit)
            .join(links, audit.c.link_id == links.c.id)
            .where(*cond)
            .order_by(audit.c.at, audit.c.id)
        )
        for a in conn.execute(q):
            facts[a.link_id].events.append(_event(a))
        snaps = _snapshots(conn, cond)
    for lf in facts.values():
        lf.ticket = snaps.get(lf.link.ticket_ref)
        lf.issue = snaps.get(lf.link.issue_ref)
    return list(facts.values())


def _snapshots(conn: sa.Connection, cond: list[sa.ColumnElement[bool]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for col in (links.c.ticket_ref, links.c.issue_ref):
        q = (
            sa.select(shadows.c.ref, shadows.c.observed)
            .join(links, shadows.c.ref == col)
            .where(*cond)
        )
        for r in conn.execute(q):
            if r.observed:
                out[r.ref] = r.observed
    return out


def link_facts(store: Store, link_id: int) -> LinkFacts | None:
    """One link with every audit row about it (also those written before it existed)."""
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(links).where(links.c.id == link_id)).first()
        if row is None:
            return None
        lf = LinkFacts(_link(row))
        q = (
            sa.select(audit)
            .where(
                sa.or_(
                    audit.c.link_id == link_id,
                    sa.and_(audit.c.link_id.is_(None), audit.c.ticket_ref == row.ticket_ref),
                )
            )
            .order_by(audit.c.at, audit.c.id)
        )
        lf.events = [_event(a) for a in conn.execute(q)]
        refs = (row.ticket_ref, row.issue_ref)
        snaps = {
            r.ref: r.observed
            for r in conn.execute(
                sa.select(shadows.c.ref, shadows.c.observed).where(shadows.c.ref.in_(refs))
            )
        }
        first = sa.select(sa.func.min(links.c.id)).where(links.c.issue_ref == row.issue_ref)
        clock = conn.execute(
            sa.select(sla_clocks.c.state).where(sla_clocks.c.link_id == first.scalar_subquery())
        ).first()
    lf.ticket, lf.issue = snaps.get(row.ticket_ref), snaps.get(row.issue_ref)
    lf.clock = dict(clock.state) if clock else None
    return lf


def options(store: Store) -> tuple[list[str], list[str]]:
    """The tiers and routes that appear on links, sorted."""
    with store.engine.connect() as conn:
        tiers = conn.execute(sa.select(links.c.tier).distinct()).scalars().all()
        routes = conn.execute(sa.select(links.c.route).distinct()).scalars().all()
    return sorted(t for t in tiers if t), sorted(r for r in routes if r)


def dead(store: Store, limit: int = 20) -> list[DeadLetter]:
    """Dead letters not replayed yet, newest first."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(dead_letters)
            .where(dead_letters.c.replayed_at.is_(None))
            .order_by(dead_letters.c.id.desc())
            .limit(limit)
        ).fetchall()
    return [
        DeadLetter(r.id, r.kind, r.key, r.reason, utc(r.created_at) or r.created_at) for r in rows
    ]


def oldest_inbox(store: Store) -> datetime | None:
    """When the oldest change still waiting in the inbox arrived."""
    with store.engine.connect() as conn:
        return utc(conn.execute(sa.select(sa.func.min(inbox.c.received_at))).scalar())


def sla_events_of_open_links(store: Store) -> dict[int, tuple[LinkRow, list[Event]]]:
    """SLA and acknowledging events of open links, for the SLA gauges."""
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(links).where(links.c.state.in_(OPEN_STATES))).fetchall()
        out = {r.id: (_link(r), list[Event]()) for r in rows}
        q = (
            sa.select(audit)
            .join(links, audit.c.link_id == links.c.id)
            .where(links.c.state.in_(OPEN_STATES))
            .where(audit.c.event.in_((*SLA_EVENTS, *ACK_EVENTS)))
            .order_by(audit.c.at, audit.c.id)
        )
        for a in conn.execute(q):
            out[a.link_id][1].append(_event(a))
    return out


def group(facts: Iterable[LinkFacts], key: str) -> dict[str, list[LinkFacts]]:
    """Links grouped by ``tier`` or ``route`` (missing values under "—")."""
    out: dict[str, list[LinkFacts]] = defaultdict(list)
    for lf in facts:
        out[getattr(lf.link, key) or "—"].append(lf)
    return dict(out)


# first sign that the developers took the escalation up (documented in dashboard.overview)
ACK_EVENTS = (
    "dev_comment",
    "dev_priority_changed",
    "issue_acknowledged",
    "issue_assigned",
    "issue_in_progress",
    "resolved",
    "wont_do",
)
