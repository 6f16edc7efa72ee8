"""Links between a ticket and an issue, and the SLA clock kept for each; mixed into
:class:`~syncd.store.repository.Store`.

A link is the pair syncd keeps in step: one ticket, one issue, the route that made it, its
mode (``pending`` or ``redirect``) and state, the support tier, and how many reads in a
row found the issue gone. Several tickets may share one issue (repeat tickets grouped on it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from syncd.model import LinkState
from syncd.store.prepared import Prepared
from syncd.store.queue import Tx, now
from syncd.store.tables import links, sla_clocks

# read for every change: built once, run on the driver (see syncd.store.prepared)
_LINK = Prepared(sa.select(links).where(links.c.id == sa.bindparam("id")))
_LINK_OF_TICKET = Prepared(sa.select(links).where(links.c.ticket_ref == sa.bindparam("ref")))
_LINKS_OF_ISSUE = Prepared(
    sa.select(links).where(links.c.issue_ref == sa.bindparam("ref")).order_by(links.c.id)
)
_LINK_UPDATE = links.update().where(links.c.id == sa.bindparam("b_id"))


def utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything syncd stores is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class LinkRow:
    id: int
    ticket_ref: str
    issue_ref: str
    route: str
    mode: str
    state: str
    tier: str | None
    gone_strikes: int
    reason: str | None
    created_at: datetime
    updated_at: datetime


class Links:
    """The store's links and SLA clocks."""

    engine: sa.Engine

    # -- links --------------------------------------------------------------------------
    def link_for_ticket(self, tx: Tx, ticket_ref: str) -> LinkRow | None:
        row = _LINK_OF_TICKET.first(tx, {"ref": ticket_ref})
        return _link(row) if row else None

    def links_for_issue(self, tx: Tx, issue_ref: str) -> list[LinkRow]:
        rows = _LINKS_OF_ISSUE.rows(tx, {"ref": issue_ref})
        return [_link(r) for r in rows]

    def link(self, tx: Tx, link_id: int) -> LinkRow | None:
        row = _LINK.first(tx, {"id": link_id})
        return _link(row) if row else None

    def create_link(
        self,
        tx: Tx,
        *,
        ticket_ref: str,
        issue_ref: str,
        route: str,
        mode: str,
        state: str = LinkState.ACTIVE,
        tier: str | None = None,
    ) -> LinkRow:
        t = now()
        found = self.link_for_ticket(tx, ticket_ref)
        if found:
            return found
        tx.execute(
            links.insert().values(
                ticket_ref=ticket_ref,
                issue_ref=issue_ref,
                route=route,
                mode=mode,
                state=state,
                tier=tier,
                gone_strikes=0,
                created_at=t,
                updated_at=t,
            )
        )
        made = self.link_for_ticket(tx, ticket_ref)
        assert made is not None
        return made

    def update_link(self, tx: Tx, link_id: int, **values: Any) -> None:
        tx.execute(_LINK_UPDATE, {"b_id": link_id, "updated_at": now(), **values})

    def all_links(self, limit: int = 1000) -> list[LinkRow]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(links).order_by(links.c.id).limit(limit)).fetchall()
        return [_link(r) for r in rows]

    def links_in(self, tx: Tx, routes: Sequence[str], states: Sequence[str]) -> list[LinkRow]:
        """Links of the given routes in the given states, oldest first."""
        q = sa.select(links).where(links.c.route.in_(list(routes)), links.c.state.in_(list(states)))
        return [_link(r) for r in tx.execute(q.order_by(links.c.id)).fetchall()]

    # -- SLA clocks ---------------------------------------------------------------------
    def sla_clock(self, tx: Tx, link_id: int) -> dict[str, Any] | None:
        row = tx.execute(sa.select(sla_clocks.c.state).where(sla_clocks.c.link_id == link_id))
        found = row.first()
        return dict(found.state) if found else None

    def put_sla_clock(self, tx: Tx, link_id: int, state: dict[str, Any]) -> None:
        res = tx.execute(
            sla_clocks.update()
            .where(sla_clocks.c.link_id == link_id)
            .values(state=state, updated_at=now())
        )
        if not res.rowcount:
            tx.execute(sla_clocks.insert().values(link_id=link_id, state=state, updated_at=now()))


def _link(row: Any) -> LinkRow:
    return LinkRow(
        id=row.id,
        ticket_ref=row.ticket_ref,
        issue_ref=row.issue_ref,
        route=row.route,
        mode=row.mode,
        state=row.state,
        tier=row.tier,
        gone_strikes=row.gone_strikes,
        reason=row.reason,
        created_at=utc(row.created_at) or now(),
        updated_at=utc(row.updated_at) or now(),
    )
