"""SLA clocks and business calendars, table-driven, with the time passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syncd.engine.actions import ActionKind, LinkView
from syncd.engine.calendar import BusinessSpan, Span, span_for
from syncd.engine.sla import (
    AT_RISK_LABEL,
    BREACHED_LABEL,
    new_clock,
    observe,
    plan_sla,
    readings,
)
from syncd.model import Issue, IssueStatus, Priority, Ref
from syncd.workflow import Calendar, SlaPolicy, SlaTimes, parse_duration

ISSUE = Ref.issue("github", "acme/widgets#7")
MON = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday, 09:00 UTC
CAL = Calendar(timezone="UTC", days=["mon", "tue", "wed", "thu", "fri"], start="09:00", end="17:00")
POLICY = SlaPolicy(
    by_priority={Priority.HIGH: SlaTimes(acknowledge="4h", resolve="16h")},
    default=SlaTimes(resolve="40h"),
    pause_labels=["waiting-for-support"],
)


def issue(
    status: IssueStatus = IssueStatus.TODO,
    labels: frozenset[str] = frozenset(),
    assignee: str | None = None,
    priority: Priority | None = Priority.HIGH,
) -> Issue:
    return Issue(ref=ISSUE, status=status, labels=labels, assignee=assignee, priority=priority)


@pytest.mark.parametrize(
    "text,hours",
    [("4h", 4), ("2d", 48), ("1d 4h", 28), ("90m", 1.5), (3, 3), ("1.5h", 1.5)],
)
def test_durations(text: object, hours: float) -> None:
    assert parse_duration(text) == timedelta(hours=hours)


def test_bad_duration_is_refused() -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("soon")


@pytest.mark.parametrize(
    "start,end,hours",
    [
        (MON, MON + timedelta(hours=3), 3),  # within one day
        (MON, MON + timedelta(days=1), 8),  # Monday 9:00 -> Tuesday 9:00
        (MON + timedelta(hours=-12), MON + timedelta(hours=1), 1),  # Sunday night counts nothing
        (MON + timedelta(days=4, hours=6), MON + timedelta(days=7, hours=2), 4),  # over a weekend
        (MON + timedelta(hours=10), MON + timedelta(hours=20), 0),  # Monday evening to night
    ],
)
def test_business_time_between(start: datetime, end: datetime, hours: float) -> None:
    assert BusinessSpan(CAL).elapsed(start, end) == timedelta(hours=hours)


@pytest.mark.parametrize(
    "start,add,expect",
    [
        (MON, 4, MON + timedelta(hours=4)),
        (MON + timedelta(hours=6), 4, MON + timedelta(days=1, hours=2)),  # spills to Tuesday
        (MON + timedelta(days=4, hours=6), 4, MON + timedelta(days=7, hours=2)),  # Fri -> Mon
        (MON + timedelta(hours=-20), 1, MON + timedelta(hours=1)),  # from Sunday
    ],
)
def test_business_deadline(start: datetime, add: float, expect: datetime) -> None:
    assert BusinessSpan(CAL).add(start, timedelta(hours=add)) == expect


def test_holidays_and_time_zones() -> None:
    cal = Calendar(timezone="Europe/Berlin", holidays=[MON.date()])
    span = BusinessSpan(cal)
    # Monday is a holiday; Tuesday 09:00 Berlin is 08:00 UTC in November
    assert span.add(MON, timedelta(hours=1)) == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert span_for("x", {"x": cal}).elapsed(MON, MON + timedelta(hours=8)) == timedelta(0)
    assert isinstance(span_for(None, {}), Span)


def clock_at(*steps: tuple[float, Issue], cal: bool = False) -> dict[str, object]:
    c = new_clock(MON, "widgets")
    for hours, snap in steps:
        c = observe(c, snap, POLICY, MON + timedelta(hours=hours))
    return c


@pytest.mark.parametrize(
    "steps,now_h,levels",
    [
        ([(0, issue())], 1, {"acknowledge": "ok", "resolve": "ok"}),
        ([(0, issue())], 3.3, {"acknowledge": "at_risk", "resolve": "ok"}),
        ([(0, issue())], 4, {"acknowledge": "breached", "resolve": "ok"}),
        ([(0, issue()), (1, issue(assignee="dev"))], 5, {"acknowledge": "met", "resolve": "ok"}),
        (
            [(0, issue()), (1, issue(IssueStatus.IN_PROGRESS))],
            13,
            {"acknowledge": "met", "resolve": "at_risk"},
        ),
        # waiting on support for 10 hours: the clock stands still meanwhile
        (
            [(0, issue(assignee="d")), (2, issue(labels=frozenset({"waiting-for-support"})))],
            11,
            {"acknowledge": "met", "resolve": "paused"},
        ),
        (
            [
                (0, issue(assignee="d")),
                (2, issue(labels=frozenset({"waiting-for-support"}))),
                (12, issue(assignee="d")),
            ],
            20,
            {"acknowledge": "met", "resolve": "ok"},
        ),
        (
            [(0, issue(assignee="d")), (10, issue(IssueStatus.DONE, assignee="d"))],
            30,
            {"acknowledge": "met", "resolve": "met"},
        ),
        # no priority: the default (resolve only)
        ([(0, issue(priority=None))], 33, {"resolve": "at_risk"}),
    ],
)
def test_levels(steps: list[tuple[float, Issue]], now_h: float, levels: dict[str, str]) -> None:
    found = readings(clock_at(*steps), POLICY, Span(), MON + timedelta(hours=now_h))
    assert {r.kind: r.level for r in found} == levels


def test_pause_moves_the_deadline() -> None:
    steps = [
        (0, issue(assignee="d")),
        (2, issue(labels=frozenset({"waiting-for-support"}))),
        (12, issue(assignee="d")),
    ]
    (_, res) = readings(clock_at(*steps), POLICY, Span(), MON + timedelta(hours=13))
    assert res.elapsed == timedelta(hours=3)
    assert res.deadline == MON + timedelta(hours=26)  # 16 h + 10 h paused


def test_reopened_issue_does_not_count_its_closed_time() -> None:
    steps = [
        (0, issue(assignee="d")),
        (2, issue(IssueStatus.DONE, assignee="d")),
        (50, issue(assignee="d")),
    ]
    (_, res) = readings(clock_at(*steps), POLICY, Span(), MON + timedelta(hours=51))
    assert res.level == "ok" and res.elapsed == timedelta(hours=3)


def test_business_hours_clock() -> None:
    c = observe(new_clock(MON, "widgets"), issue(), POLICY, MON)
    # Monday 09:00 + 16 business hours = Tuesday 17:00; Monday night counts nothing
    found = readings(c, POLICY, BusinessSpan(CAL), MON + timedelta(hours=20))
    res = next(r for r in found if r.kind == "resolve")
    assert res.elapsed == timedelta(hours=8) and res.level == "ok"
    assert res.deadline == MON + timedelta(days=1, hours=8)


def link(n: int) -> LinkView:
    return LinkView(
        id=n,
        ticket=Ref.ticket("zendesk", str(n)),
        issue=ISSUE,
        route="widgets",
        mode="pending",
        state="active",
    )


def test_at_risk_then_breached_each_once() -> None:
    c = observe(new_clock(MON, "widgets"), issue(), POLICY, MON)
    notes = {"acknowledge:at_risk": "risk!", "acknowledge:breached": "late!"}
    links = [link(1), link(2)]
    risk = plan_sla(ISSUE, links, c, readings(c, POLICY, Span(), MON + timedelta(hours=3.5)), notes)
    assert [e for e, _ in risk.events] == ["sla_at_risk"]
    detail = risk.events[0][1]
    assert detail["kind"] == "acknowledge" and detail["route"] == "widgets"
    assert detail["deadline"] == (MON + timedelta(hours=4)).isoformat()
    label, *ns = risk.actions
    assert label.kind == ActionKind.UPDATE_ISSUE and label.add_tags == (AT_RISK_LABEL,)
    assert [n.target for n in ns] == [x.ticket for x in links]
    assert all(not n.public and n.body == "risk!" for n in ns)
    # the same reading again raises nothing
    again = plan_sla(
        ISSUE, links, risk.clock, readings(c, POLICY, Span(), MON + timedelta(hours=3.6)), notes
    )
    assert again.actions == [] and again.events == []
    late = plan_sla(
        ISSUE, links, risk.clock, readings(c, POLICY, Span(), MON + timedelta(hours=5)), notes
    )
    assert [e for e, _ in late.events] == ["sla_breached"]
    assert late.actions[0].add_tags == (BREACHED_LABEL,)
    assert late.actions[0].remove_tags == (AT_RISK_LABEL,)
    assert all(not a.public for a in late.actions)


def test_an_issue_never_carries_at_risk_and_breached_at_once() -> None:
    # acknowledge breached (4h), then resolve at risk (0.8 of 16h): the label stays breached
    c = observe(new_clock(MON, "widgets"), issue(), POLICY, MON)
    links = [link(1)]
    first = plan_sla(ISSUE, links, c, readings(c, POLICY, Span(), MON + timedelta(hours=5)), {})
    assert [a.add_tags for a in first.actions if a.kind == ActionKind.UPDATE_ISSUE] == [
        (BREACHED_LABEL,)
    ]
    later = readings(c, POLICY, Span(), MON + timedelta(hours=13))
    assert any(r.kind == "resolve" and r.level == "at_risk" for r in later)
    then = plan_sla(ISSUE, links, first.clock, later, {})
    assert [e for e, _ in then.events] == ["sla_at_risk"]  # still told to the agent
    assert not [a for a in then.actions if a.kind == ActionKind.UPDATE_ISSUE]
    # both at once in one check: breached goes first and at-risk adds no label
    both = plan_sla(ISSUE, links, c, readings(c, POLICY, Span(), MON + timedelta(hours=16.5)), {})
    labels = [a.add_tags for a in both.actions if a.kind == ActionKind.UPDATE_ISSUE]
    assert AT_RISK_LABEL not in {t for tags in labels for t in tags}
