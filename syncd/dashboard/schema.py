"""The shapes of the dashboard's JSON API; the HTML pages render the very same objects."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Stage = Literal["new", "in_progress", "on_hold", "closed"]
SlaState = Literal["ok", "at_risk", "breached"]


class FilterEcho(BaseModel):
    """The filters a view was computed with, as the URL gives them."""

    start: datetime | None
    end: datetime | None
    tier: str | None
    route: str | None


class Options(BaseModel):
    tiers: list[str]
    routes: list[str]


class StageCounts(BaseModel):
    new: int = 0
    in_progress: int = 0
    on_hold: int = 0
    closed: int = Field(default=0, description="fixed + wont_do + redirected")
    fixed: int = 0  # the issue was done: ticket solved, customer told
    wont_do: int = 0  # closed without a fix: back to the agent
    redirected: int = 0  # closed with a pointer to where the work is followed
    total: int = 0


class StageRow(BaseModel):
    key: str = Field(description="the tier or route")
    counts: StageCounts


class Duration(BaseModel):
    key: str = Field(description="all, a tier or a route")
    count: int
    median_hours: float | None
    p90_hours: float | None
    buckets: list[int] = Field(description="counts per bucket of DurationStats.buckets")


class DurationStats(BaseModel):
    buckets: list[str]
    overall: Duration
    by_tier: list[Duration]
    by_route: list[Duration]


class SlaKey(BaseModel):
    key: str
    at_risk: int
    breached: int


class SlaNow(BaseModel):
    at_risk: int
    breached: int
    by_tier: list[SlaKey]
    by_route: list[SlaKey]


class Week(BaseModel):
    week: str = Field(description="the Monday the week starts on (ISO date, UTC)")
    opened: int
    closed: int
    at_risk: int = Field(description="sla_at_risk events in the week")
    breached: int = Field(description="sla_breached events in the week")


class ImpactRow(BaseModel):
    issue_ref: str
    title: str
    url: str
    tickets: int
    open_tickets: int
    organizations: int
    highest_tier: str | None
    link_id: int = Field(description="the first link of the issue, for its page")


class RedirectRow(BaseModel):
    reason: str
    route: str
    count: int


class Overview(BaseModel):
    filters: FilterEcho
    options: Options
    total: int
    stages: StageCounts
    by_tier: list[StageRow]
    by_route: list[StageRow]
    acknowledge: DurationStats
    resolve: DurationStats
    first_contact: DurationStats = Field(
        description="link created -> first reply a developer wrote to the customer"
    )
    sla: SlaNow
    weeks: list[Week]
    impact: list[ImpactRow]
    redirects: list[RedirectRow]


class LinkSummary(BaseModel):
    id: int
    ticket_ref: str
    issue_ref: str
    ticket_title: str
    issue_title: str
    route: str
    tier: str | None
    mode: str
    state: str
    stage: Stage
    sla: SlaState
    created_at: datetime
    updated_at: datetime


class LinkList(BaseModel):
    total: int
    offset: int
    items: list[LinkSummary]


class Side(BaseModel):
    """One side of a link as syncd last saw it."""

    ref: str
    system: str
    url: str
    title: str
    status: str | None
    priority: str | None
    people: str | None = Field(description="requester and organization, or assignee")


class TimelineEntry(BaseModel):
    at: datetime
    event: str
    label: str
    side: Literal["support", "dev", "syncd"]
    to_customer: bool
    detail: dict[str, Any]


class SlaDeadline(BaseModel):
    kind: str
    state: Literal["at_risk", "breached"]
    deadline: str | None
    at: datetime
    name: str | None = Field(default=None, description="kind helpdesk: the helpdesk SLA")


class HelpdeskSla(BaseModel):
    """One of the ticket's own SLAs in the helpdesk, as the SLA check last read it."""

    name: str
    state: Literal["running", "paused", "met", "breached"]
    goal_hours: float | None
    breach_at: datetime | None = Field(description="when it breaches (or would have)")


class LinkPage(BaseModel):
    link: LinkSummary
    ticket: Side
    issue: Side
    acknowledge_hours: float | None
    resolve_hours: float | None
    sla: list[SlaDeadline]
    helpdesk_sla: list[HelpdeskSla] = Field(
        default_factory=list, description="the ticket's own SLAs the route follows"
    )
    timeline: list[TimelineEntry]


class ConnectorHealth(BaseModel):
    name: str
    healthy: bool
    reason: str | None
    since: datetime | None
    last_success: datetime | None
    failures: int
    rate_limit: int | None
    rate_remaining: int | None
    rate_reset: datetime | None
    lag_count: int
    lag_median_seconds: float | None
    lag_p95_seconds: float | None


class DeadLetterRow(BaseModel):
    id: int
    kind: str
    key: str
    reason: str
    created_at: datetime


class ReplicaRow(BaseModel):
    """One replica serving the store: its state, the roles it leads and the claims it holds."""

    id: str
    state: str
    alive: bool
    seen_at: str | None = None
    leads: list[str] = []
    inbox_claims: int = 0
    outbox_claims: int = 0


class SyncHealth(BaseModel):
    connectors: list[ConnectorHealth]
    inbox: int
    outbox: int
    dead: int
    oldest_inbox_seconds: float | None
    dead_letters: list[DeadLetterRow]
    replicas: list[ReplicaRow] = []
