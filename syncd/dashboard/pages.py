"""A link's page and the links list, built from a link's facts (no I/O here)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from syncd.dashboard import schema as s
from syncd.dashboard.overview import ACK_EVENTS, hours_to, sla_state, stage
from syncd.store.analytics import LinkFacts

SideName = Literal["support", "dev", "syncd"]

# event -> (what a person reads, the side the change was written to, told the customer)
EVENTS: dict[str, tuple[str, SideName, bool]] = {
    "escalated": ("Escalated by support", "support", False),
    "issue_created": ("Developer issue created", "dev", False),
    "linked_by_hand": ("Linked by hand to an existing issue", "dev", False),
    "duplicate_linked": ("Joined an existing issue (duplicate)", "dev", False),
    "duplicate_suggested": ("Possible duplicate suggested", "support", False),
    "linked_note": ("Internal note to the agent with the issue link", "support", False),
    "handoff": ("Hand-off reply sent to the customer", "support", True),
    "dev_comment": ("Developer comment copied to the ticket", "support", False),
    "dev_comment_edited": ("Developer comment edited", "support", False),
    "support_comment": ("Support note copied to the issue", "dev", False),
    "redacted": ("Personal data kept out of a public project", "dev", False),
    "redaction_note": ("Internal note to the agent on what was redacted", "support", False),
    "dev_priority_changed": ("Developers changed the priority", "support", False),
    "resolved": ("Issue done: ticket solved, customer told", "support", True),
    "wont_do": ("Issue closed as won't do: agent told", "support", False),
    "reopened": ("Issue reopened: ticket back on hold", "support", False),
    "redirect": ("Redirect message sent to the customer", "support", True),
    "redirect_note": ("Redirect note to the agent", "support", False),
    "issue_unreachable": ("Issue unreachable", "syncd", False),
    "issue_reachable": ("Issue reachable again", "syncd", False),
    "issue_moved": ("Issue moved: link follows it", "syncd", False),
    "sla_at_risk": ("SLA at risk", "syncd", False),
    "sla_breached": ("SLA breached", "syncd", False),
    "dead_letter": ("Action failed for good (dead letter)", "syncd", False),
    "history_shared": ("Ticket conversation shared with the developers", "dev", False),
    "ticket_history": ("Conversation written on the issue", "dev", False),
    "ticket_history_link": ("Link to the conversation page written on the issue", "dev", False),
    "history_read": ("Conversation page read", "syncd", False),
    "history_refused": ("Conversation page refused: the link expired", "syncd", False),
}


def _title(snap: Mapping[str, Any] | None, key: str, ref: str) -> str:
    return str((snap or {}).get(key) or ref)


def summary(lf: LinkFacts) -> s.LinkSummary:
    """One row of the links list."""
    link = lf.link
    return s.LinkSummary(
        id=link.id,
        ticket_ref=link.ticket_ref,
        issue_ref=link.issue_ref,
        ticket_title=_title(lf.ticket, "subject", link.ticket_ref),
        issue_title=_title(lf.issue, "title", link.issue_ref),
        route=link.route,
        tier=link.tier,
        mode=link.mode,
        state=link.state,
        stage=stage(lf),
        sla=sla_state(lf),
        created_at=link.created_at,
        updated_at=link.updated_at,
    )


def _system(ref: str) -> str:
    return ref.split(":", 1)[0]


def _side(ref: str, snap: Mapping[str, Any] | None, *, ticket: bool, url: str = "") -> s.Side:
    snap = snap or {}
    if ticket:
        who = [str(snap[k]) for k in ("requester", "organization") if snap.get(k)]
        people = ", ".join(who) or None
    else:
        people = str(snap["assignee"]) if snap.get("assignee") else None
    return s.Side(
        ref=ref,
        system=_system(ref),
        url=str(snap.get("url") or url),
        title=str(snap.get("subject" if ticket else "title") or ref),
        status=snap.get("status"),
        priority=snap.get("priority"),
        people=people,
    )


def timeline(lf: LinkFacts) -> list[s.TimelineEntry]:
    """Every audit row of the link, oldest first, in words."""
    out = []
    for e in lf.events:
        label, side, public = EVENTS.get(e.event, (e.event.replace("_", " "), "syncd", False))
        # "public" on a copy to the tracker means a public issue comment, not the customer
        told = side == "support" and (
            bool(e.detail.get("public")) if "public" in e.detail else public
        )
        out.append(
            s.TimelineEntry(
                at=e.at, event=e.event, label=label, side=side, to_customer=told, detail=e.detail
            )
        )
    return out


def sla_deadlines(lf: LinkFacts) -> list[s.SlaDeadline]:
    """The latest SLA event of each kind, with its deadline."""
    latest: dict[tuple[str, str], s.SlaDeadline] = {}
    for e in lf.events:
        if e.event in ("sla_at_risk", "sla_breached"):
            kind = str(e.detail.get("kind") or "resolve")
            name = str(e.detail["helpdesk_sla"]) if e.detail.get("helpdesk_sla") else None
            latest[(kind, name or "")] = s.SlaDeadline(
                kind=kind,
                state="breached" if e.event == "sla_breached" else "at_risk",
                deadline=str(e.detail["deadline"]) if e.detail.get("deadline") else None,
                at=e.at,
                name=name,
            )
    return [latest[k] for k in sorted(latest)]


def helpdesk_slas(lf: LinkFacts) -> list[s.HelpdeskSla]:
    """The link's ticket's own SLAs recorded on the issue's clock."""
    held = ((lf.clock or {}).get("helpdesk") or {}).get(lf.link.ticket_ref) or []
    out = []
    for e in held:
        state: Literal["running", "paused", "met", "breached"] = "running"
        if e.get("breached"):
            state = "breached"
        elif e.get("completed"):
            state = "met"
        elif e.get("paused"):
            state = "paused"
        goal = e.get("goal_seconds")
        out.append(
            s.HelpdeskSla(
                name=str(e.get("name") or ""),
                state=state,
                goal_hours=round(goal / 3600, 2) if goal is not None else None,
                breach_at=(
                    datetime.fromisoformat(e["breach_at"]).astimezone(UTC)
                    if e.get("breach_at")
                    else None
                ),
            )
        )
    return out


def link_page(lf: LinkFacts) -> s.LinkPage:
    """Everything a link's page shows."""
    created = next((e for e in lf.events if e.event == "issue_created"), None)
    issue_url = str(created.detail.get("url") or "") if created else ""
    return s.LinkPage(
        link=summary(lf),
        ticket=_side(lf.link.ticket_ref, lf.ticket, ticket=True),
        issue=_side(lf.link.issue_ref, lf.issue, ticket=False, url=issue_url),
        acknowledge_hours=_r(hours_to(lf, ACK_EVENTS)),
        resolve_hours=_r(hours_to(lf, ("resolved",))),
        sla=sla_deadlines(lf),
        helpdesk_sla=helpdesk_slas(lf),
        timeline=timeline(lf),
    )


def _r(v: float | None) -> float | None:
    return None if v is None else round(v, 2)


def _dt(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value)
    return None


def connector_health(
    name: str,
    state: Mapping[str, Any],
    budget: tuple[int | None, int | None, datetime | None],
    lag: Mapping[str, float | int | None] | None,
) -> s.ConnectorHealth:
    """One connector's row of the sync health view."""
    lag = lag or {}
    return s.ConnectorHealth(
        name=name,
        healthy=bool(state.get("healthy")),
        reason=state.get("reason"),
        since=_dt(state.get("since")),
        last_success=_dt(state.get("last_success")),
        failures=int(state.get("failures") or 0),
        rate_limit=budget[0],
        rate_remaining=budget[1],
        rate_reset=budget[2],
        lag_count=int(lag.get("count") or 0),
        lag_median_seconds=_r(lag.get("median")),
        lag_p95_seconds=_r(lag.get("p95")),
    )
