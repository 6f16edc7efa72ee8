"""The support workflows in the planner: impact buckets and the summary on the issue, comments
copied by route (privacy), and an organization's change refreshing the summary."""

from __future__ import annotations

import pytest

from syncd.engine.actions import Action, ActionKind
from syncd.engine.impact import bucket, plan_impact, summarize
from syncd.engine.planner import Situation, plan
from syncd.model import Change, ChangeKind, Comment, Ref
from tests.engine.workflows_kit import ISSUE, link, rules, ticket, upsert


@pytest.mark.parametrize(
    "n,label",
    [
        (0, None),
        (1, "impact:1"),
        (2, "impact:2-5"),
        (5, "impact:2-5"),
        (6, "impact:6-20"),
        (21, "impact:21+"),
    ],
)
def test_impact_buckets(n: int, label: str | None) -> None:
    assert bucket(n) == label


def test_impact_summary_counts_following_tickets() -> None:
    links = [
        link(1, organization="Acme", fields={"plan": "business"}),
        link(2, organization="Globex", fields={"plan": "enterprise"}),
        link(3, organization="Acme", state="resolved"),
        link(4, organization="Initech", state="detached"),
    ]
    fig = summarize(links, rules())
    assert fig["tickets"] == 3 and fig["open"] == 2
    assert fig["organizations"] == ["Acme", "Globex"]
    assert fig["highest_customer_tier"] == "enterprise"
    assert fig["label"] == "impact:2-5"
    summary, label = plan_impact(ISSUE, links, rules(), "k")
    assert summary.kind == ActionKind.UPSERT_COMMENT and summary.marker == f"impact-summary:{ISSUE}"
    assert "Linked tickets: 3 (2 waiting)" in (summary.body or "")
    assert label.add_tags == ("impact:2-5",) and "impact:1" in label.remove_tags
    # one ticket and no summary yet: nothing to say
    assert plan_impact(ISSUE, links[:1], rules(), "k") == []


def comment(public: bool, body: str) -> Situation:
    t = ticket()
    c = Comment(ref=Ref.comment("zendesk", "c1"), parent=t.ref, body=body, public=public)
    return Situation(change=Change(kind=ChangeKind.COMMENT, ref=t.ref, comment=c), links=(link(),))


@pytest.mark.parametrize(
    "public,body,copied",
    [
        (True, "It fails for ada@example.com, ACCT-991", True),
        (False, "/dev stack trace attached", True),
        (False, "private: the customer is angry", False),
    ],
)
def test_ticket_comments_copied_name_their_route(public: bool, body: str, copied: bool) -> None:
    out = plan(comment(public, body), rules())
    if not copied:
        assert out == []
        return
    (a,) = out
    # the planner copies the text as it is: the gate redacts it on the way out, by the route
    assert a.target == ISSUE and a.route == "widgets"
    assert rules().privacy_of(a.route).patterns == [r"ACCT-\d+"]


def test_developer_comments_are_internal_notes_only() -> None:
    c = Comment(ref=Ref.comment("github", "x"), parent=ISSUE, body="root cause: db", public=True)
    s = Situation(change=Change(kind=ChangeKind.COMMENT, ref=ISSUE, comment=c), links=(link(),))
    out: list[Action] = plan(s, rules())
    assert out and all(not a.public for a in out)


def test_a_changed_organization_refreshes_the_summary() -> None:
    s = upsert(ticket(organization="Acme"), (link(),), delta="organization")
    assert plan(s, rules()) == []  # nothing known before: nothing to compare
    s = Situation(change=s.change, delta=s.delta, before=ticket(), links=s.links)
    (a,) = plan(s, rules())
    assert a.kind == ActionKind.SET_LINK and a.link_state == "active"
    assert a.message == "impact_changed"
    assert plan(upsert(ticket(), (link(),), delta="subject"), rules()) == []
