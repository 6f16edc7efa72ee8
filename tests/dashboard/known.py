"""A store filled with known links and audit rows, and the figures they must give."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from syncd.store.repository import Store
from syncd.store.tables import audit, links, shadows

NOW = datetime(2026, 3, 18, 12, 0, tzinfo=UTC)  # a Wednesday
RANGE = {"from": "2026-01-21", "to": "2026-03-18"}
H = timedelta(hours=1)
D = timedelta(days=1)


def sla(kind: str, deadline: str, route: str) -> dict[str, Any]:
    return {"kind": kind, "deadline": deadline, "route": route}


# name: (tier, route, mode, state, created, issue #, organization, [(offset, event, detail)])
Events = list[tuple[timedelta, str, dict[str, Any]]]
LINKS: dict[str, tuple[str, str, str, str, datetime, int, str, Events]] = {
    "resolved": ("L1", "widgets", "pending", "resolved", NOW - 10 * D, 1, "Acme", [
        (2 * H, "dev_comment", {"public": False}),
        (50 * H, "resolved", {"public": True, "status": "solved"}),
    ]),
    "talking": ("L2", "widgets", "pending", "active", NOW - 9 * D, 1, "Globex", [
        (6 * H, "dev_comment", {"public": False}),
        (8 * H, "support_comment", {"public": True}),
    ]),
    "late": ("L3", "billing", "pending", "active", NOW - 3 * D, 2, "Initech", [
        (3 * H, "sla_at_risk", sla("acknowledge", "2026-03-15T16:00:00+00:00", "billing")),
        (4 * H, "sla_breached", sla("acknowledge", "2026-03-15T16:00:00+00:00", "billing")),
    ]),
    "waiting": ("L2", "billing", "pending", "active", NOW - 2 * D, 3, "Umbrella", [
        (1 * H, "dev_comment", {"public": False}),
        (40 * H, "sla_at_risk", sla("resolve", "2026-03-19T12:00:00+00:00", "billing")),
    ]),
    "redirected": ("L1", "vendor-redirect", "redirect", "redirected", NOW - 5 * D, 4, "Hooli", [
        (timedelta(minutes=1), "redirect", {"public": True, "reason": "route mode is redirect"}),
    ]),
    "old": ("L3", "widgets", "pending", "resolved", NOW - 70 * D, 6, "Acme", [
        (24 * H, "resolved", {"public": True}),
    ]),
    "recovered": ("L2", "widgets", "pending", "active", NOW - 1 * D, 5, "Soylent", [
        (2 * H, "sla_at_risk", sla("acknowledge", "2026-03-17T16:00:00+00:00", "widgets")),
        (3 * H, "dev_comment", {"public": False}),
        (4 * H, "support_comment", {"public": True}),
    ]),
}  # fmt: skip


def fill(store: Store) -> dict[str, int]:
    """Write the links above; return their ids by name."""
    ids: dict[str, int] = {}
    with store.tx() as tx:
        for i, (name, (tier, route, mode, state, created, issue, org, events)) in enumerate(
            LINKS.items()
        ):
            ticket_ref = f"zendesk:ticket:{100 + i}"
            issue_ref = f"github:issue:acme/widgets#{issue}"
            last = max([created] + [created + off for off, _, _ in events])
            ids[name] = tx.execute(
                links.insert()
                .values(
                    ticket_ref=ticket_ref, issue_ref=issue_ref, route=route, mode=mode,
                    state=state, tier=tier, gone_strikes=0, reason=None,
                    created_at=created, updated_at=last,
                )
                .returning(links.c.id)
            ).scalar_one()  # fmt: skip
            rows = [
                (created - timedelta(seconds=2), None, "escalated", {"public": False}),
                (
                    created,
                    ids[name],
                    "issue_created",
                    {"url": f"http://gh/{issue}", "route": route},
                ),
            ] + [(created + off, ids[name], ev, detail) for off, ev, detail in events]
            tx.execute(
                audit.insert(),
                [
                    {"at": at, "link_id": lid, "ticket_ref": ticket_ref, "issue_ref": issue_ref,
                     "event": ev, "detail": detail}
                    for at, lid, ev, detail in rows
                ],
            )  # fmt: skip
            snap = {"subject": f"Ticket {name}", "organization": org, "requester": "Ada",
                    "status": "on_hold", "url": f"http://zd/{100 + i}"}  # fmt: skip
            _shadow(tx, ticket_ref, snap)
            _shadow(tx, issue_ref, {"title": f"Issue {issue}", "status": "todo", "url": ""})
    return ids


def _shadow(tx: sa.Connection, ref: str, snap: dict[str, Any]) -> None:
    if tx.execute(sa.select(shadows.c.ref).where(shadows.c.ref == ref)).first():
        return
    tx.execute(
        shadows.insert().values(ref=ref, observed=snap, observed_at=NOW, written={}, updated_at=NOW)
    )
