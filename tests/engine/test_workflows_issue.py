"""The support workflows in the planner when the issue changes: dev priority back on the ticket,
progress, done and reopened, a route's sync switched off; and the agent closing a ticket."""

from __future__ import annotations

import pytest

from syncd.engine.actions import ActionKind
from syncd.engine.devside import ticket_priority
from syncd.engine.planner import Rules, plan
from syncd.model import Issue, IssueStatus, Priority, TicketStatus
from tests.engine.workflows_kit import ISSUE, T0, issue_change, link, route, rules, ticket, upsert


def test_dev_priority_comes_back_as_note_tag_and_priority() -> None:
    before = Issue(ref=ISSUE, priority=Priority.NORMAL)
    after = Issue(ref=ISSUE, priority=Priority.HIGH, updated_at=T0)
    (a,) = plan(issue_change(before, after, {"priority"}), rules())
    assert a.kind == ActionKind.UPDATE_TICKET and not a.public
    assert a.add_tags == ("dev_priority_high",) and "dev_priority_low" in a.remove_tags
    # the route says the ticket follows, mapped back through urgent -> high
    assert a.priority == Priority.URGENT
    assert a.message == "dev_priority_changed" and "high" in (a.body or "")


@pytest.mark.parametrize(
    "forward,back,dev,expected",
    [
        ({}, {}, Priority.HIGH, Priority.HIGH),
        ({Priority.URGENT: Priority.HIGH}, {}, Priority.HIGH, Priority.URGENT),
        ({}, {Priority.LOW: Priority.NORMAL}, Priority.LOW, Priority.NORMAL),
    ],
)
def test_priority_maps_back(
    forward: dict[Priority, Priority],
    back: dict[Priority, Priority],
    dev: Priority,
    expected: Priority,
) -> None:
    r = route("x", priority_map=forward, dev_priority={"map": back})
    assert ticket_priority(r, dev) == expected


def test_route_without_priority_follow_only_notes() -> None:
    r = rules()
    routes = tuple(
        x.model_copy(
            update={
                "dev_priority": x.dev_priority.model_copy(update={"set_ticket_priority": False})
            }
        )
        for x in r.routes
    )
    before = Issue(ref=ISSUE, priority=Priority.NORMAL)
    after = Issue(ref=ISSUE, priority=Priority.LOW, updated_at=T0)
    (a,) = plan(
        issue_change(before, after, {"priority"}), Rules(**{**r.__dict__, "routes": routes})
    )
    assert a.priority is None and a.add_tags == ("dev_priority_low",)


@pytest.mark.parametrize(
    "before,after,delta,expect",
    [
        (Issue(ref=ISSUE), Issue(ref=ISSUE, status=IssueStatus.IN_PROGRESS), {"status"}, "started"),
        (Issue(ref=ISSUE), Issue(ref=ISSUE, milestone="4.3"), {"milestone"}, "4.3"),
        (Issue(ref=ISSUE), Issue(ref=ISSUE, labels=frozenset({"x"})), {"labels"}, None),
    ],
)
def test_progress_messages(
    before: Issue, after: Issue, delta: set[str], expect: str | None
) -> None:
    out = plan(issue_change(before, after, delta), rules())
    if expect is None:
        assert out == []
        return
    (a,) = out
    assert a.public and a.message == "progress" and a.kind == ActionKind.ADD_COMMENT
    assert (expect in (a.body or "")) or expect == "started"


def test_done_tells_every_linked_ticket_and_reopen_takes_them_back() -> None:
    links = (link(1), link(2), link(3, state="detached"))
    done = plan(
        issue_change(
            Issue(ref=ISSUE), Issue(ref=ISSUE, status=IssueStatus.DONE), {"status"}, *links
        ),
        rules(),
    )
    solved = [a for a in done if a.message == "resolved"]
    assert [a.target.key for a in solved] == ["1", "2"]
    again = plan(
        issue_change(
            Issue(ref=ISSUE, status=IssueStatus.DONE),
            Issue(ref=ISSUE, status=IssueStatus.TODO),
            {"status"},
            link(1, state="resolved"),
            link(2, state="resolved"),
        ),
        rules(),
    )
    assert [a.status for a in again] == ["on_hold", "on_hold"]


def test_sync_disabled_switches_links_to_redirect() -> None:
    r = rules()
    routes = tuple(x.model_copy(update={"sync": False}) for x in r.routes)
    out = plan(
        issue_change(
            Issue(ref=ISSUE), Issue(ref=ISSUE, status=IssueStatus.IN_PROGRESS), {"status"}
        ),
        Rules(**{**r.__dict__, "routes": routes}),
    )
    assert [a.message for a in out] == ["redirect_note", "redirect"]
    assert out[1].link_state == "redirected" and "disabled" in (out[1].reason or "")


def test_agent_closing_a_ticket_detaches_it() -> None:
    t = ticket(status=TicketStatus.SOLVED)
    (a,) = plan(upsert(t, (link(),), delta="status"), rules())
    assert a.kind == ActionKind.SET_LINK and a.link_state == "detached"
    assert plan(upsert(t, (link(state="resolved"),), delta="status"), rules()) == []
