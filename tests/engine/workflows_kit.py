"""The support workflows' test world: four routes (a vendor redirect, billing for L2 and up,
urgent enterprise customers, the widgets project with every option), the support tiers, and
the tickets, links and situations the workflow tests hand to the planner."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from syncd import registry
from syncd.engine.actions import LinkView
from syncd.engine.planner import Rules, Situation
from syncd.model import Change, ChangeKind, Issue, Priority, Ref, Ticket, TicketStatus
from syncd.settings import Route
from syncd.templates import Templates
from syncd.workflow import Linking, Tiers

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ISSUE = Ref.issue("github", "acme/widgets#7")
TIERS = Tiers(
    groups={"Frontline": "L1", "Escalations": "L2", "Engineering": "L3"},
    customer_tier_field="plan",
    customer_tier_order=["enterprise", "business", "free"],
)


def route(name: str, **kw: Any) -> Route:
    data: dict[str, Any] = {
        "name": name,
        "target": {"connector": "github", "project": "acme/widgets"},
    } | kw
    return Route.model_validate(data)


ROUTES = (
    route(
        "vendor",
        match={"tags": ["escalate", "vendor"]},
        mode="redirect",
        target={"connector": None},
        redirect_to="support@vendor.example",
    ),
    route(
        "billing-l2",
        match={
            "tags": ["escalate"],
            "fields": {"product": ["billing", "invoices"]},
            "tiers": ["L2", "L3"],
        },
        target={"connector": "jira", "project": "BILL", "team": "payments"},
    ),
    route(
        "enterprise-urgent",
        match={
            "tags": ["escalate"],
            "priority": ["urgent"],
            "customer_tier": ["enterprise"],
            "organization": ["Acme"],
        },
        target={"connector": "github", "project": "acme/hotline"},
    ),
    route(
        "widgets",
        match={"tags": ["escalate"]},
        priority_map={"urgent": "high"},
        dev_priority={"set_ticket_priority": True},
        notify_progress=True,
        copy_public_replies=True,
        privacy={"patterns": [r"ACCT-\d+"]},
        duplicates={"mode": "link"},
        sla={"by_priority": {"high": {"acknowledge": "4h", "resolve": "2d"}}},
    ),
)


def rules(**kw: Any) -> Rules:
    return Rules(
        routes=ROUTES,
        templates=Templates(),
        tiers=TIERS,
        kinds={"zendesk": "zendesk", "github": "github", "jira": "jira"},
        references=registry.references(),
        linking=Linking(field="dev_issue", route="widgets"),
        **kw,
    )


def ticket(
    key: str = "1",
    tags: tuple[str, ...] = ("escalate",),
    group: str | None = "Frontline",
    organization: str | None = None,
    priority: Priority | None = Priority.NORMAL,
    fields: dict[str, str] | None = None,
    status: TicketStatus = TicketStatus.OPEN,
) -> Ticket:
    return Ticket(
        ref=Ref.ticket("zendesk", key),
        subject="Export crashes",
        description="Crashes on export; call me at +44 20 7946 0958",
        tags=frozenset(tags),
        group=group,
        organization=organization,
        priority=priority,
        fields=fields or {},
        status=status,
        url=f"https://help.example/{key}",
        created_at=T0,
        updated_at=T0,
    )


def upsert(t: Ticket, links: tuple[LinkView, ...] = (), delta: str = "tags") -> Situation:
    return Situation(
        change=Change(kind=ChangeKind.UPSERT, ref=t.ref, ticket=t),
        delta=frozenset({delta}),
        links=links,
    )


def link(n: int = 1, state: str = "active", **kw: Any) -> LinkView:
    t = ticket(str(n), **kw)
    return LinkView(
        id=n,
        ticket=t.ref,
        issue=ISSUE,
        route="widgets",
        mode="pending",
        state=state,
        tier="L1",
        ticket_snapshot=t,
        issue_snapshot=Issue(ref=ISSUE, url="https://gh/7"),
    )


def issue_change(before: Issue, after: Issue, delta: set[str], *links: LinkView) -> Situation:
    return Situation(
        change=Change(kind=ChangeKind.UPSERT, ref=ISSUE, issue=after),
        delta=frozenset(delta),
        before=before,
        links=links or (link(),),
    )
