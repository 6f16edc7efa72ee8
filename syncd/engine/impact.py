"""Many tickets, one issue: the impact summary developers see on the issue. Pure.

The summary is one comment edited in place (found again by its marker): how many tickets
follow the issue, from how many organizations, the highest customer tier, the oldest
ticket's date and the SLA. The issue also carries one ``impact:`` label by bucket.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from syncd.engine.actions import Action, ActionKind, LinkView
from syncd.engine.ownership import owner
from syncd.engine.router import customer_tier
from syncd.engine.rules import KEEP_FOLLOWING, Rules, ctx, h
from syncd.model import Issue, LinkState, Priority, Ref
from syncd.route_settings import Route

# the label buckets: a handful of tickets is the normal case, twenty and more is an outage
BUCKETS: tuple[tuple[int, int | None, str], ...] = (
    (1, 1, "impact:1"),
    (2, 5, "impact:2-5"),
    (6, 20, "impact:6-20"),
    (21, None, "impact:21+"),
)
ALL_LABELS = tuple(b[2] for b in BUCKETS)


def bucket(count: int) -> str | None:
    """The ``impact:`` label for ``count`` linked tickets (None for none)."""
    for lo, hi, label in BUCKETS:
        if count >= lo and (hi is None or count <= hi):
            return label
    return None


def summarize(links: Sequence[LinkView], rules: Rules) -> dict[str, Any]:
    """The figures of the summary (what templates see as ``impact``)."""
    following = [link for link in links if link.state in KEEP_FOLLOWING]
    tickets = [link.ticket_snapshot for link in following if link.ticket_snapshot]
    orgs = sorted({t.organization for t in tickets if t.organization})
    order = rules.tiers.customer_tier_order
    tiers = {c for t in tickets if (c := customer_tier(t, rules.tiers))}
    ranked = [t for t in order if t in tiers] or sorted(tiers)
    support = sorted({link.tier for link in following if link.tier})
    dates = [t.created_at for t in tickets if t.created_at is not None]
    oldest: datetime | None = min(dates) if dates else None
    return {
        "tickets": len(following),
        "open": sum(1 for link in following if link.state == LinkState.ACTIVE),
        "organizations": orgs,
        "highest_customer_tier": ranked[0] if ranked else None,
        "support_tiers": support,
        "oldest": oldest.strftime("%Y-%m-%d") if oldest else None,
        "refs": [str(link.ticket) for link in following],
        "label": bucket(len(following)),
    }


def plan_impact(issue: Ref, links: Sequence[LinkView], rules: Rules, stamp: str) -> list[Action]:
    """Edit the summary in place and move the ``impact:`` label; ``stamp`` names the change
    that called for it (so the same figures after another change are written again)."""
    if not links:
        return []
    figures = summarize(links, rules)
    snapshot = next((x.issue_snapshot for x in links if x.issue_snapshot), None)
    had = bool(snapshot and set(snapshot.labels) & set(ALL_LABELS))
    first = min(links, key=lambda link: link.id)
    route = rules.route(first.route)
    raised = plan_raise(first, snapshot, figures, route, rules)
    if figures["tickets"] < 2 and not had:
        return raised  # one ticket, one issue: no summary until a second ticket joins
    overrides = route.templates if route else None
    body = rules.templates.render(
        "impact_summary", overrides, **ctx(first, route, rules), impact=figures
    )
    label = figures["label"]
    # the issue's own lane: bookkeeping never queues ahead of a ticket's own writes (an
    # agent's note behind the summary its ticket happened to trigger)
    lane = str(issue)
    key = f"impact:{issue}:{h(stamp)}"
    return [
        Action(
            kind=ActionKind.UPSERT_COMMENT,
            key=f"{key}:summary:{h(body)}",
            lane=lane,
            target=issue,
            route=first.route,
            public=True,
            marker=f"impact-summary:{issue}",
            body=body,
            message="impact_summary",
        ),
        Action(
            kind=ActionKind.UPDATE_ISSUE,
            key=f"{key}:label:{label}",
            lane=lane,
            target=issue,
            add_tags=(label,) if label else (),
            remove_tags=tuple(x for x in ALL_LABELS if x != label),
            message="impact_label",
        ),
        *raised,
    ]


def plan_raise(
    first: LinkView,
    issue: Issue | None,
    figures: dict[str, Any],
    route: Route | None,
    rules: Rules,
) -> list[Action]:
    """Raise the issue's priority to the highest the route's ``raise_priority`` rules reach
    for this impact, when support may set priority; never lower it."""
    if route is None or owner(route.ownership, "priority") == "dev":
        return []
    order = list(rules.tiers.customer_tier_order)
    top = figures["highest_customer_tier"]
    wanted: tuple[Priority, str] | None = None
    for rule in route.support_changes.raise_priority:
        why = None
        if rule.tickets is not None and figures["tickets"] >= rule.tickets:
            why = f"{figures['tickets']} tickets (the route raises it at {rule.tickets})"
        elif rule.customer_tier and top and _at_least(top, rule.customer_tier, order):
            why = f"a {top} customer (the route raises it from {rule.customer_tier})"
        if why and (wanted is None or rule.priority.rank > wanted[0].rank):
            wanted = (rule.priority, why)
    has = issue.priority if issue else None
    if wanted is None or (has is not None and has.rank >= wanted[0].rank):
        return []
    prio, why = wanted
    key = f"impact-priority:{first.issue}:{prio.value}"
    body = rules.templates.render(
        "impact_priority",
        route.templates,
        **ctx(first, route),
        change={"priority": prio.value, "why": why},
    )
    common: dict[str, Any] = {"lane": str(first.ticket), "target": first.issue}
    return [
        Action(
            **common,
            kind=ActionKind.UPDATE_ISSUE,
            key=key,
            priority=prio,
            link_id=first.id,
            message="impact_priority",
        ),
        Action(
            **common,
            kind=ActionKind.ADD_COMMENT,
            key=f"{key}:note",
            route=route.name,
            public=True,
            body=body,
            message="impact_priority_note",
        ),
    ]


def _at_least(tier: str, threshold: str, order: list[str]) -> bool:
    """Whether customer tier ``tier`` ranks at ``threshold`` or above (order: highest first)."""
    if tier not in order or threshold not in order:
        return tier == threshold
    return order.index(tier) <= order.index(threshold)
