"""The mapped fields' test world: one route with the field maps a test names, a ticket and an
issue with fields, their link, and the planner's field actions when either side changes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from syncd.engine.actions import Action, LinkView
from syncd.engine.fieldmap import MESSAGE
from syncd.engine.planner import Rules, Situation, plan
from syncd.field_settings import FieldMap
from syncd.model import Change, ChangeKind, Issue, LinkState, Ref, Ticket
from syncd.settings import Match, Route, Target
from syncd.templates import Templates

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
TICKET = Ref.ticket("helpdesk", "101")
ISSUE = Ref.issue("tracker", "WID-7")


def rules(*maps: dict[str, Any], **route: Any) -> Rules:
    r = Route(
        name="widgets",
        match=Match(tags=["escalate"]),
        target=Target(connector="tracker", project="WID"),
        fields=[FieldMap.model_validate(m) for m in maps],
        **route,
    )
    return Rules(routes=(r,), templates=Templates(), capabilities={})


def ticket(at: datetime = T0, tags: frozenset[str] = frozenset(), **fields: str) -> Ticket:
    return Ticket(ref=TICKET, updated_at=at, tags=tags, fields=fields, organization="Acme")


def issue(at: datetime = T0, **fields: Any) -> Issue:
    extra = {k: fields.pop(k) for k in ("milestone", "labels", "dates") if k in fields}
    return Issue(ref=ISSUE, updated_at=at, fields=fields, **extra)


def link(t: Ticket | None, i: Issue | None, state: LinkState = LinkState.ACTIVE) -> LinkView:
    return LinkView(
        id=1,
        ticket=TICKET,
        issue=ISSUE,
        route="widgets",
        mode="pending",
        state=state,
        ticket_snapshot=t,
        issue_snapshot=i,
    )


def ticket_changed(r: Rules, before: Ticket, after: Ticket, i: Issue) -> list[Action]:
    s = Situation(
        change=Change(kind=ChangeKind.UPSERT, ref=TICKET, ticket=after),
        delta=frozenset({"fields", "tags"}),
        before=before,
        links=(link(before, i),),
        seq=3,
    )
    return [a for a in plan(s, r) if a.message in (MESSAGE, "field_refused")]


def issue_changed(r: Rules, before: Issue, after: Issue, t: Ticket) -> list[Action]:
    s = Situation(
        change=Change(kind=ChangeKind.UPSERT, ref=ISSUE, issue=after),
        delta=frozenset({"fields", "milestone", "labels"}),
        before=before,
        links=(link(t, before),),
        seq=4,
    )
    return [a for a in plan(s, r) if a.message in (MESSAGE, "field_refused")]
