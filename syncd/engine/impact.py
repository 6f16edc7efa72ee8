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
from syncd.engine.router import customer_tier
from syncd.engine.rules import KEEP_FOLLOWING, Rules, ctx, h
from syncd.model import Ref

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
        "open": sum(1 for link in following if link.state == "active"),
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
    if figures["tickets"] < 2 and not had:
        return []  # one ticket, one issue: no summary until a second ticket joins
    first = min(links, key=lambda link: link.id)
    route = rules.route(first.route)
    overrides = route.templates if route else None
    body = rules.templates.render(
        "impact_summary", overrides, **ctx(first, route, rules), impact=figures
    )
    label = figures["label"]
    lane = str(first.ticket)
    key = f"impact:{issue}:{h(stamp)}"
    return [
        Action(
            kind=ActionKind.UPSERT_COMMENT,
            key=f"{key}:summary:{h(body)}",
            lane=lane,
            target=issue,
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
    ]
