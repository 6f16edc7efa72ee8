"""Escalation rules: a ticket a route takes gets an issue (or joins one), pure.

- a ticket whose agent pasted an issue URL or key joins that issue (``LINK_ISSUE``);
- a route with no connector closes the ticket at once with a pointer to ``redirect_to``;
- a route that searches for duplicates reads the open issues first (``SEARCH_DUPLICATES``),
  then ``plan_searched`` links to the best one above the threshold or files a new issue and
  suggests the candidates to the agent;
- otherwise a new issue is filed (``CREATE_ISSUE``), carrying the support tier.
"""

from __future__ import annotations

from collections.abc import Sequence

from syncd.engine.actions import Action, ActionKind
from syncd.engine.router import customer_tier
from syncd.engine.rules import Rules, Situation, ctx, h, sla_preview
from syncd.engine.similarity import Candidate, rank
from syncd.model import IssueDraft, LinkState, Ref, Ticket, TicketStatus
from syncd.settings import Route

OPEN_TICKET = {TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.ON_HOLD}


def target_project(route: Route) -> Ref:
    """The tracker project a route files its issues in."""
    assert route.target.connector is not None
    return Ref.project(route.target.connector, route.target.project)


def draft_for(ticket: Ticket, route: Route, rules: Rules) -> IssueDraft:
    """The issue a route files for a ticket."""
    c = ctx(None, route) | {"ticket": ticket.model_dump()}
    prio = route.priority_map.get(ticket.priority, ticket.priority) if ticket.priority else None
    c["sla"] = sla_preview(route, prio, ticket.updated_at, rules)
    c["tier"] = rules.tiers.of(ticket.group)
    labels = set(route.target.labels)
    if route.target.team:
        labels.add(f"team:{route.target.team}")
    return IssueDraft(
        title=rules.templates.render("issue_title", route.templates, **c),
        body=rules.templates.render("issue_body", route.templates, **c),
        labels=frozenset(labels),
        priority=prio,
        issue_type=route.target.issue_type,
        components=tuple(route.target.components),
        assignee=route.target.assignee,
        origin_url=ticket.url,
        origin_title=ticket.subject,
    )


def ticket_upsert(s: Situation, ticket: Ticket, rules: Rules) -> list[Action]:
    """A ticket seen anew: escalate it, or follow what the agent did to a linked one."""
    if s.links:
        return _linked_ticket(s, ticket, rules)
    if ticket.status not in OPEN_TICKET:
        return []
    lane = str(ticket.ref)
    tier = rules.tiers.of(ticket.group)
    asked = rules.requested(ticket)
    route = rules.match(ticket)
    if asked is not None:
        by_hand = route or rules.route(rules.linking.route or "")
        if by_hand is None:
            return []
        return [
            Action(
                kind=ActionKind.LINK_ISSUE,
                key=f"link:{ticket.ref}:{asked}",
                lane=lane,
                target=asked,
                parent=ticket.ref,
                route=by_hand.name,
                tier=tier,
                message="linked_by_hand",
            )
        ]
    if route is None:
        return []
    if route.target.connector is None:
        return _third_party(ticket, route, rules)
    draft = draft_for(ticket, route, rules)
    project = target_project(route)
    kind = ActionKind.CREATE_ISSUE
    if route.duplicates.mode != "off":
        kind = ActionKind.SEARCH_DUPLICATES
    return [
        Action(
            kind=kind,
            key=f"{'search' if kind == ActionKind.SEARCH_DUPLICATES else 'create'}:{ticket.ref}",
            lane=lane,
            target=project,
            parent=ticket.ref,
            route=route.name,
            draft=draft,
            tier=tier,
            message="escalated",
        )
    ]


def _third_party(ticket: Ticket, route: Route, rules: Rules) -> list[Action]:
    """A route to a vendor syncd cannot reach: close with a pointer, tell the agent."""
    c = ctx(None, route, rules, reason="the route targets a third party") | {
        "ticket": ticket.model_dump()
    }
    common = {"lane": str(ticket.ref), "target": ticket.ref, "kind": ActionKind.UPDATE_TICKET}
    return [
        Action(
            **common,
            key=f"redirect-note:{ticket.ref}",
            public=False,
            message="redirect_note",
            reason="third party",
            body=rules.templates.render("redirect_note", route.templates, **c),
        ),
        Action(
            **common,
            key=f"redirect:{ticket.ref}",
            status=TicketStatus.SOLVED.value,
            public=True,
            message="redirect",
            reason="third party",
            route=route.name,
            body=rules.templates.render("redirect", route.templates, **c),
        ),
    ]


def _linked_ticket(s: Situation, ticket: Ticket, rules: Rules) -> list[Action]:
    """The agent closed a linked ticket while the issue is still worked on: it leaves the
    issue's impact summary (it no longer waits on the developers). A changed organization or
    field refreshes the summary."""
    link = s.links[0]
    if link.state != LinkState.ACTIVE:
        return []
    if "status" not in s.delta or ticket.status not in (TicketStatus.SOLVED, TicketStatus.CLOSED):
        if {"organization", "fields", "tags"} & s.delta:
            seen = f"{ticket.organization}|{customer_tier(ticket, rules.tiers)}"
            if not isinstance(s.before, Ticket):
                return []
            was = f"{s.before.organization}|{customer_tier(s.before, rules.tiers)}"
            if was == seen:
                return []
            # what the impact summary shows changed: refresh it (the state stays as it is)
            return [
                Action(
                    kind=ActionKind.SET_LINK,
                    key=f"refresh:{link.id}:{h(str(ticket.updated_at))}:{h(seen)}",
                    lane=str(link.ticket),
                    target=link.ticket,
                    link_id=link.id,
                    link_state=link.state,
                    message="impact_changed",
                )
            ]
        return []
    return [
        Action(
            kind=ActionKind.SET_LINK,
            key=f"detach:{link.id}:{h(str(ticket.updated_at))}",
            lane=str(link.ticket),
            target=link.ticket,
            link_id=link.id,
            link_state=LinkState.DETACHED,
            message="ticket_closed",
        )
    ]


def plan_searched(search: Action, found: Sequence[Candidate], rules: Rules) -> list[Action]:
    """After reading the open issues: link to the best match, or file and suggest."""
    route = rules.route(search.route or "")
    assert search.draft is not None and search.parent is not None
    if route is None:
        return []
    d = route.duplicates
    ranked = rank(search.draft.title, search.draft.body, found)
    best = ranked[0] if ranked else None
    lane = search.lane
    if d.mode == "link" and best is not None and best[1] >= d.threshold:
        return [
            Action(
                kind=ActionKind.LINK_ISSUE,
                key=f"dup-link:{search.parent}:{best[0].ref}",
                lane=lane,
                target=best[0].ref,
                parent=search.parent,
                route=route.name,
                tier=search.tier,
                message="duplicate_linked",
                reason=f"similarity {best[1]:.2f}",
            )
        ]
    out = [search.model_copy(update={"kind": ActionKind.CREATE_ISSUE, "key": f"create:{lane}"})]
    shown = [(c, score) for c, score in ranked if score >= d.suggest_threshold]
    shown = shown[: d.max_candidates]
    if shown:
        body = rules.templates.render(
            "duplicate_suggested",
            route.templates,
            **ctx(None, route),
            candidates=[
                {"url": c.url, "title": c.title, "key": c.ref.key, "score": round(s, 2)}
                for c, s in shown
            ],
        )
        out.append(
            Action(
                kind=ActionKind.ADD_COMMENT,
                key=f"dup-suggest:{lane}",
                lane=lane,
                target=search.parent,
                public=False,
                body=body,
                message="duplicate_suggested",
            )
        )
    return out
