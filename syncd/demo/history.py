"""A few weeks of simulated escalations, so the dashboard means something on the first run.

Writes links, audit rows and last-seen snapshots into the store with the times they would
have had: a few hundred tickets across tiers, routes and customers (``cast``), some sharing one
issue, acknowledged and resolved after realistic delays, some over their SLA, some redirected
or declined. Deterministic for a given seed and ``now``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from syncd.store.repository import Store
from syncd.store.tables import audit, links, shadows

from .cast import (
    ACK_SLA_H,
    AT_RISK,
    DEVS,
    ORGS,
    PEOPLE,
    PRIORITIES,
    REDIRECT_ROUTE,
    RESOLVE_SLA_H,
    ROUTES,
    SUBJECTS,
    TIERS,
    pick,
    ref_parts,
)


@dataclass
class _Batch:
    links: list[dict[str, Any]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)
    shadows: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class History:
    """Parameters of the simulated history; ``seed_store()`` writes it."""

    helpdesk: str = "zendesk"
    tracker: str = "github"
    project: str = "acme/widgets"
    helpdesk_url: str = "http://helpdesk.invalid"
    tracker_url: str = "http://tracker.invalid"
    tickets: int = 320
    days: int = 42
    seed: int = 7
    first_ticket: int = 90001
    first_issue: int = 9001

    def seed_store(self, store: Store, now: datetime | None = None) -> int:
        """Write the history into ``store``; return the number of links written."""
        now = now or datetime.now(UTC)
        batch = self.build(now)
        with store.tx() as tx:
            tx.execute(links.insert(), batch.links)
            # ids come from the database (a PostgreSQL sequence must see them being used)
            ids: dict[str, int] = {
                r.ticket_ref: r.id
                for r in tx.execute(
                    sa.select(links.c.ticket_ref, links.c.id).where(
                        links.c.ticket_ref.in_([r["ticket_ref"] for r in batch.links])
                    )
                ).all()
            }
            for a in batch.audit:
                if a["link_id"] is not None:
                    a["link_id"] = ids[a["ticket_ref"]]
            tx.execute(audit.insert(), batch.audit)
            tx.execute(
                shadows.insert(),
                [
                    {
                        "ref": ref,
                        "observed": snap,
                        "observed_at": now,
                        "written": {},
                        "updated_at": now,
                    }
                    for ref, snap in batch.shadows.items()
                ],
            )
        return len(batch.links)

    def build(self, now: datetime) -> _Batch:
        """The rows, with link ids counted from 1."""
        rng = random.Random(self.seed)
        out = _Batch()
        open_issues: dict[str, list[tuple[str, str]]] = {}
        next_issue = self.first_issue
        routes = (*ROUTES, REDIRECT_ROUTE)
        for i in range(self.tickets):
            link_id = i + 1
            # more tickets lately: the past weeks ramp up towards now
            t0 = now - timedelta(days=self.days * (1 - rng.random() ** 0.8))
            route = pick(rng, [(r[0], r[2]) for r in routes])
            mode = next(r[1] for r in routes if r[0] == route)
            tier = pick(rng, TIERS)
            ticket_key = str(self.first_ticket + i)
            ticket_ref = f"{self.helpdesk}:ticket:{ticket_key}"
            pool = open_issues.setdefault(route, [])
            joins = bool(mode == "pending" and pool and rng.random() < 0.3)
            if joins:
                # hot issues attract more tickets: pick from the first ones more often
                issue_ref, subject = pool[min(int(rng.expovariate(0.6)), len(pool) - 1)]
            else:
                subject = rng.choice(SUBJECTS[route])
                issue_ref = f"{self.tracker}:issue:{self.project}#{next_issue}"
                number = next_issue
                next_issue += 1
                pool.insert(0, (issue_ref, subject))
                del pool[6:]
                out.shadows[issue_ref] = {
                    "ref": ref_parts(issue_ref),
                    "title": subject,
                    "status": "todo",
                    "priority": pick(rng, PRIORITIES),
                    "labels": ["from-support"],
                    "assignee": rng.choice(DEVS),
                    "url": f"{self.tracker_url}/{self.project}/issues/{number}",
                }
            org = ORGS[min(int(rng.expovariate(0.18)), len(ORGS) - 1)]
            out.shadows[ticket_ref] = {
                "ref": ref_parts(ticket_ref),
                "subject": subject,
                "status": "on_hold",
                "priority": pick(rng, PRIORITIES),
                "tags": ["escalate"],
                "group": tier,
                "organization": org,
                "requester": rng.choice(PEOPLE),
                "url": f"{self.helpdesk_url}/agent/tickets/{ticket_key}",
            }
            state, updated = self._story(
                rng, out, link_id, ticket_ref, issue_ref, route, mode, tier, t0, now, joins
            )
            issue_snap = out.shadows.get(issue_ref)
            if issue_snap and state == "resolved":
                issue_snap["status"] = "done"
            elif (
                issue_snap
                and state == "active"
                and issue_snap["status"] == "todo"
                and updated > t0 + timedelta(minutes=1)
            ):
                issue_snap["status"] = "in_progress"
            out.shadows[ticket_ref]["status"] = {"resolved": "solved", "redirected": "closed"}.get(
                state, "on_hold"
            )
            out.links.append(
                {
                    "ticket_ref": ticket_ref,
                    "issue_ref": issue_ref,
                    "route": route,
                    "mode": mode,
                    "state": state,
                    "tier": tier,
                    "gone_strikes": 0,
                    "reason": None,
                    "created_at": t0,
                    "updated_at": updated,
                }
            )
        return out

    def _story(
        self,
        rng: random.Random,
        out: _Batch,
        link_id: int,
        ticket_ref: str,
        issue_ref: str,
        route: str,
        mode: str,
        tier: str,
        t0: datetime,
        now: datetime,
        joined: bool,
    ) -> tuple[str, datetime]:
        """One ticket's audit rows; returns the link's state and last update."""

        def ev(at: datetime, event: str, link: int | None = link_id, **detail: Any) -> datetime:
            out.audit.append(
                {"at": at, "link_id": link, "ticket_ref": ticket_ref,
                 "issue_ref": issue_ref, "event": event, "detail": detail}
            )  # fmt: skip
            return at

        s = timedelta(seconds=1)
        ev(t0 - 2 * s, "escalated", None, kind="add_comment", public=False)
        if joined:
            ev(t0, "duplicate_linked", route=route)
        else:
            ev(t0, "issue_created", url=out.shadows[issue_ref]["url"], route=route)
        ev(t0 + 2 * s, "linked_note", kind="update_ticket", public=False)
        if mode == "redirect":
            why = "route mode is redirect"
            ev(t0 + 3 * s, "redirect_note", kind="update_ticket", public=False, reason=why)
            return "redirected", ev(
                t0 + 4 * s, "redirect", kind="update_ticket", public=True, reason=why
            )
        last = ev(t0 + 3 * s, "handoff", kind="update_ticket", public=True, status="on_hold")
        speed = {"L1": 1.0, "L2": 0.7, "L3": 0.45}[tier]
        ack_h = rng.lognormvariate(1.3, 1.1) * speed * 2.2
        resolve_h = ack_h + rng.lognormvariate(4.5, 0.9) * speed
        self._sla(ev, tier, route, t0, now, "acknowledge", ack_h, ACK_SLA_H[tier])
        if rng.random() < 0.03 and t0 + timedelta(hours=6) < now:
            # the issue was deleted on the tracker: two confirmed reads, then a redirect
            why = "NotFound: 404 issue not found"
            ev(t0 + timedelta(hours=5), "issue_unreachable", strikes=1, reason=why)
            ev(t0 + timedelta(hours=5, minutes=1), "issue_unreachable", strikes=2, reason=why)
            return "redirected", ev(
                t0 + timedelta(hours=5, minutes=2),
                "redirect",
                kind="update_ticket",
                public=True,
                reason=why,
            )
        t_ack = t0 + timedelta(hours=ack_h)
        if t_ack > now:
            return "active", last
        last = ev(
            t_ack,
            rng.choice(("dev_comment", "dev_comment", "dev_priority_changed")),
            kind="add_comment",
            public=False,
        )
        contact = random.Random(f"contact:{link_id}")  # its own draws: the rest stays as seeded
        if contact.random() < 0.6:  # a developer writes to the customer through the ticket
            t_contact = t_ack + timedelta(hours=contact.lognormvariate(0.5, 1.0))
            if t_contact <= now:
                ev(t_contact, "dev_to_customer", kind="add_comment", public=True)
        t = t_ack
        while True:  # a conversation until the fix
            t += timedelta(hours=rng.lognormvariate(2.0, 1.0))
            if t >= t0 + timedelta(hours=resolve_h) or t > now or rng.random() < 0.35:
                break
            last = ev(
                t, rng.choice(("support_comment", "dev_comment")), kind="add_comment", public=False
            )
        self._sla(ev, tier, route, t0, now, "resolve", resolve_h, RESOLVE_SLA_H[tier])
        t_done = t0 + timedelta(hours=resolve_h)
        if t_done > now:
            return "active", last
        if rng.random() < 0.08:
            return "declined", ev(
                t_done, "wont_do", kind="update_ticket", public=False, status="open"
            )
        return "resolved", ev(
            t_done, "resolved", kind="update_ticket", public=True, status="solved"
        )

    @staticmethod
    def _sla(
        ev: Any,
        tier: str,
        route: str,
        t0: datetime,
        now: datetime,
        kind: str,
        took_h: float,
        limit_h: float,
    ) -> None:
        deadline = t0 + timedelta(hours=limit_h)
        if took_h >= limit_h * AT_RISK and (at := t0 + timedelta(hours=limit_h * AT_RISK)) <= now:
            ev(at, "sla_at_risk", kind=kind, deadline=deadline.isoformat(), route=route, tier=tier)
        if took_h >= limit_h and deadline <= now:
            ev(
                deadline,
                "sla_breached",
                kind=kind,
                deadline=deadline.isoformat(),
                route=route,
                tier=tier,
            )


def seed_sandbox(sb: Any, now: datetime | None = None, **params: Any) -> int:
    """Fill a running Sandbox's store with history naming its connectors; the last audit id."""
    hd, tr = sb.sides[sb.helpdesk_kind], sb.sides[sb.tracker_kind]
    history = History(
        helpdesk=hd.name,
        tracker=tr.name,
        project=sb.project,
        helpdesk_url=hd.url,
        tracker_url=tr.url,
        **params,
    )
    history.seed_store(sb.service.store, now)
    with sb.service.store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.max(audit.c.id))).scalar() or 0)
