"""The helpdesk's own SLA on the dev team's clock: which promise binds, at risk, breached,
paused and met, and the labels, notes and events it plans, with the time passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from syncd.connector_sla import HelpdeskSla
from syncd.engine.actions import ActionKind, LinkView
from syncd.engine.calendar import span_for
from syncd.engine.sla import (
    AT_RISK_LABEL,
    BREACHED_LABEL,
    Reading,
    SlaPlan,
    new_clock,
    observe,
    plan_sla,
    readings,
)
from syncd.engine.sla_helpdesk import forget, helpdesk_readings, level_of, record
from syncd.model import Issue, IssueStatus, LinkState, Priority, Ref
from syncd.workflow import SlaPolicy, SlaTimes

ISSUE = Ref.issue("github", "acme/widgets#7")
TICKET = "jsm:ticket:HELP-1"
OTHER = "jsm:ticket:HELP-2"
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
POLICY = SlaPolicy(
    by_priority={Priority.HIGH: SlaTimes(acknowledge="4h", resolve="2d")},
    helpdesk_sla=["Time to resolution"],
)


def goal(
    breach_in: timedelta | None = 8 * H,
    *,
    name: str = "Time to resolution",
    length: timedelta = 8 * H,
    breached: bool = False,
    paused: bool = False,
    completed: bool = False,
) -> HelpdeskSla:
    """A goal of ``length`` that breaches ``breach_in`` after START."""
    return HelpdeskSla(
        name=name,
        goal=length,
        breach_at=START + breach_in if breach_in is not None else None,
        breached=breached,
        paused=paused,
        completed=completed,
        remaining=length / 2 if paused else None,
    )


def clock_with(
    *goals: HelpdeskSla, ticket: str = TICKET, policy: SlaPolicy = POLICY
) -> dict[str, Any]:
    # picked up at once: the dev team's time to acknowledge is met, only the resolve runs
    issue = Issue(ref=ISSUE, status=IssueStatus.TODO, priority=Priority.HIGH, assignee="dev")
    c = observe(new_clock(START, "widgets"), issue, policy, START)
    return record(c, ticket, list(goals), policy)


def judge(clock: dict[str, Any], at: datetime, policy: SlaPolicy = POLICY) -> list[Reading]:
    dev = readings(clock, policy, span_for(None, {}), at)
    return helpdesk_readings(clock, policy, at, dev)


def test_only_followed_slas_are_recorded_and_forgotten_with_their_ticket() -> None:
    c = clock_with(goal(), goal(name="Time to first response"))
    assert [e["name"] for e in c["helpdesk"][TICKET]] == ["Time to resolution"]
    assert record(c, TICKET, [], POLICY).get("helpdesk") is None  # none any more
    both = record(c, OTHER, [goal(name="TIME TO RESOLUTION")], POLICY)  # any case
    assert set(both["helpdesk"]) == {TICKET, OTHER}
    assert set(forget(both, [OTHER])["helpdesk"]) == {OTHER}
    assert "helpdesk" not in forget(both, [])


@pytest.mark.parametrize(
    "at,level",
    [
        (START + 5 * H, "ok"),  # 5 of 8 hours
        (START + 6 * H + 30 * timedelta(minutes=1), "at_risk"),  # 81%
        (START + 8 * H, "breached"),  # its breach time, before the dev team's 2 days
    ],
)
def test_the_customers_promise_goes_at_risk_then_breached(at: datetime, level: str) -> None:
    found = judge(clock_with(goal()), at)
    assert [(r.kind, r.name, r.ticket, r.level) for r in found] == [
        ("helpdesk", "Time to resolution", TICKET, level)
    ]
    assert found[0].deadline == START + 8 * H and found[0].limit == 8 * H


def test_a_promise_due_after_the_dev_teams_own_deadline_is_left_to_that_deadline() -> None:
    late = clock_with(goal(breach_in=72 * H, length=72 * H))
    assert judge(late, START + 47 * H) == []  # the dev team's 2 days warn first
    # with no time to resolve of its own, the customer's promise is the deadline
    no_resolve = SlaPolicy(default=SlaTimes(acknowledge="4h"), helpdesk_sla=["time to resolution"])
    c = clock_with(goal(breach_in=72 * H, length=72 * H), policy=no_resolve)
    assert [r.level for r in judge(c, START + 60 * H, no_resolve)] == ["at_risk"]


def test_paused_and_met_promises_raise_nothing() -> None:
    paused = clock_with(goal(breach_in=None, paused=True))
    no_resolve = SlaPolicy(default=SlaTimes(acknowledge="4h"), helpdesk_sla=["Time to resolution"])
    assert [r.level for r in judge(paused, START + 30 * H, no_resolve)] == ["paused"]
    assert judge(paused, START + 30 * H) == []  # no breach time: never before the dev's
    met = clock_with(goal(completed=True))
    assert [r.level for r in judge(met, START + 9 * H)] == ["met"]
    broken = clock_with(goal(completed=True, breached=True))
    assert [r.level for r in judge(broken, START + 9 * H)] == ["breached"]


def test_a_resolved_issue_is_done_with_the_customers_promise() -> None:
    c = clock_with(goal())
    c["resolved_at"] = (START + 2 * H).isoformat()
    assert judge(c, START + 9 * H) == []


def test_levels_of_recorded_goals() -> None:
    (e,) = clock_with(goal(breached=True))["helpdesk"][TICKET]
    assert level_of(e, POLICY, START) == "breached"  # the helpdesk says so
    (e,) = clock_with(goal(breach_in=None, paused=True))["helpdesk"][TICKET]
    assert e["remaining_seconds"] == 4 * 3600 and level_of(e, POLICY, START + 99 * H) == "paused"


def test_of_several_tickets_the_promise_closest_to_breaking_counts() -> None:
    c = clock_with(goal(breach_in=20 * H, length=20 * H))
    c = record(c, OTHER, [goal(breach_in=8 * H)], POLICY)
    (r,) = judge(c, START + 7 * H)
    assert (r.ticket, r.level) == (OTHER, "at_risk")


def _plan(clock: dict[str, Any], at: datetime) -> SlaPlan:
    links = [
        LinkView(
            id=1,
            ticket=Ref.parse(TICKET),
            issue=ISSUE,
            route="widgets",
            mode="pending",
            state=LinkState.ACTIVE,
        )
    ]
    found = judge(clock, at) + readings(clock, POLICY, span_for(None, {}), at)
    notes = {f"{r.key}:{r.level}": f"note {r.key} {r.level}" for r in found}
    return plan_sla(ISSUE, links, clock, found, notes)


def test_the_plan_names_the_helpdesk_sla_and_fires_once() -> None:
    c = clock_with(goal())
    risk = _plan(c, START + 7 * H)
    assert [e for e, _ in risk.events] == ["sla_at_risk"]
    detail = risk.events[0][1]
    assert detail["kind"] == "helpdesk" and detail["helpdesk_sla"] == "Time to resolution"
    assert detail["ticket"] == TICKET and detail["deadline"] == (START + 8 * H).isoformat()
    label, note = risk.actions
    assert label.kind == ActionKind.UPDATE_ISSUE and label.add_tags == (AT_RISK_LABEL,)
    assert note.kind == ActionKind.ADD_COMMENT and not note.public
    assert note.body == "note helpdesk:time-to-resolution at_risk"
    assert risk.clock["fired"] == {"helpdesk:time-to-resolution": "at_risk"}
    assert not _plan(risk.clock, START + 7 * H + H / 2).events  # raised once
    breach = _plan(risk.clock, START + 8 * H)
    assert [e for e, _ in breach.events] == ["sla_breached"]
    assert breach.actions[0].add_tags == (BREACHED_LABEL,)
    assert breach.actions[0].remove_tags == (AT_RISK_LABEL,)
