"""The support workflows in the planner, table-driven: routing on ticket fields and tiers,
manual links, dev priority, progress, third-party redirects, duplicates, impact, privacy."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from syncd import registry
from syncd.engine.actions import Action, ActionKind, LinkView
from syncd.engine.devside import ticket_priority
from syncd.engine.impact import bucket, plan_impact, summarize
from syncd.engine.linking import parse_issue
from syncd.engine.planner import Rules, Situation, plan, plan_searched
from syncd.engine.router import explain, match_route
from syncd.engine.similarity import Candidate
from syncd.model import (
    Change,
    ChangeKind,
    Comment,
    Issue,
    IssueStatus,
    Priority,
    Ref,
    Ticket,
    TicketStatus,
)
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


@pytest.mark.parametrize(
    "kw,expected",
    [
        ({"tags": ("escalate", "vendor")}, "vendor"),
        ({"fields": {"product": "billing"}, "group": "Escalations"}, "billing-l2"),
        ({"fields": {"product": "invoices"}, "group": "Engineering"}, "billing-l2"),
        ({"fields": {"product": "billing"}, "group": "Frontline"}, "widgets"),  # L1 not accepted
        (
            {"priority": Priority.URGENT, "organization": "Acme", "fields": {"plan": "enterprise"}},
            "enterprise-urgent",
        ),
        (
            {"priority": Priority.URGENT, "organization": "Acme", "fields": {"plan": "free"}},
            "widgets",
        ),
        (
            {
                "priority": Priority.URGENT,
                "organization": "Initech",
                "fields": {"plan": "enterprise"},
            },
            "widgets",
        ),
        ({"tags": ("question",)}, None),
    ],
)
def test_routing_on_ticket_fields_and_tiers(kw: dict[str, Any], expected: str | None) -> None:
    found = match_route(ticket(**kw), ROUTES, TIERS)
    assert (found.name if found else None) == expected


def test_explain_says_why_each_route_did_not_match() -> None:
    verdicts = explain(ticket(fields={"product": "billing"}), ROUTES, TIERS)
    assert [v.route for v in verdicts] == ["vendor", "billing-l2", "enterprise-urgent", "widgets"]
    assert "missing tags ['vendor']" in verdicts[0].reason
    assert "support tier 'L1'" in verdicts[1].reason
    assert "organization None" in verdicts[2].reason
    assert verdicts[3].matched and "github:acme/widgets" in verdicts[3].reason
    none = explain(ticket(tags=()), ROUTES, TIERS)
    assert not any(v.matched for v in none)


def upsert(t: Ticket, links: tuple[LinkView, ...] = (), delta: str = "tags") -> Situation:
    return Situation(
        change=Change(kind=ChangeKind.UPSERT, ref=t.ref, ticket=t),
        delta=frozenset({delta}),
        links=links,
    )


@pytest.mark.parametrize(
    "kw,kind,target,tier,labels",
    [
        (
            {"group": "Escalations", "fields": {"product": "billing"}},
            ActionKind.CREATE_ISSUE,
            "jira:project:BILL",
            "L2",
            {"team:payments"},
        ),
        ({}, ActionKind.SEARCH_DUPLICATES, "github:project:acme/widgets", "L1", set()),
    ],
)
def test_escalation_carries_tier_and_target(
    kw: dict[str, Any], kind: ActionKind, target: str, tier: str, labels: set[str]
) -> None:
    (a,) = plan(upsert(ticket(**kw)), rules())
    assert a.kind == kind and str(a.target) == target and a.tier == tier
    assert a.draft is not None and labels <= set(a.draft.labels)


def test_issue_body_states_the_sla() -> None:
    (a,) = plan(upsert(ticket(priority=Priority.URGENT)), rules())
    assert a.draft is not None and a.draft.priority == Priority.HIGH
    assert "acknowledge within 4h (by 2026-11-23 13:00 UTC)" in a.draft.body
    assert "resolve within 2d (by 2026-11-25 09:00 UTC)" in a.draft.body


def test_third_party_route_redirects_at_once() -> None:
    note, close = plan(upsert(ticket(tags=("escalate", "vendor"))), rules())
    assert not note.public and close.public
    assert close.status == TicketStatus.SOLVED.value and close.message == "redirect"
    assert "support@vendor.example" in (close.body or "")
    assert close.link_id is None


@pytest.mark.parametrize(
    "field,expected",
    [
        ("https://github.com/acme/widgets/issues/42", "github:issue:acme/widgets#42"),
        ("acme/widgets#42", "github:issue:acme/widgets#42"),
        ("https://acme.atlassian.net/browse/BILL-12", "jira:issue:BILL-12"),
        ("bill-12", "jira:issue:BILL-12"),
        ("see the other ticket", None),
    ],
)
def test_manual_link_by_field(field: str, expected: str | None) -> None:
    # a manual link needs no escalation tag: the agent asked for it
    actions = plan(upsert(ticket(tags=(), fields={"dev_issue": field})), rules())
    if expected is None:
        assert actions == []
        return
    (a,) = actions
    assert a.kind == ActionKind.LINK_ISSUE and str(a.target) == expected
    assert a.route == "widgets" and a.message == "linked_by_hand" and a.tier == "L1"


def test_manual_link_by_tag() -> None:
    (a,) = plan(upsert(ticket(tags=("link_BILL-7",))), rules())
    assert a.kind == ActionKind.LINK_ISSUE and str(a.target) == "jira:issue:BILL-7"
    # no Jira configured
    assert parse_issue("BILL-7", {"gh": "github"}, registry.references()) is None


def candidates() -> list[Candidate]:
    return [
        Candidate(
            Ref.issue("github", "acme/widgets#3"),
            "Export crashes on large files",
            "The export crashes",
            "https://gh/3",
        ),
        Candidate(
            Ref.issue("github", "acme/widgets#4"), "Login fails with SAML", "", "https://gh/4"
        ),
    ]


@pytest.mark.parametrize(
    "mode,kinds",
    [
        ("link", [ActionKind.LINK_ISSUE]),
        ("suggest", [ActionKind.CREATE_ISSUE, ActionKind.ADD_COMMENT]),
    ],
)
def test_duplicates_link_or_suggest(mode: str, kinds: list[ActionKind]) -> None:
    (search,) = plan(upsert(ticket()), rules())
    r = rules()
    routes = tuple(
        x.model_copy(update={"duplicates": x.duplicates.model_copy(update={"mode": mode})})
        for x in r.routes
    )
    follow = plan_searched(search, candidates(), Rules(**{**r.__dict__, "routes": routes}))
    assert [a.kind for a in follow] == kinds
    if mode == "link":
        assert str(follow[0].target) == "github:issue:acme/widgets#3"
        assert follow[0].message == "duplicate_linked"
    else:
        assert follow[0].key == f"create:{search.lane}"
        assert not follow[1].public and "https://gh/3" in (follow[1].body or "")
        assert "https://gh/4" not in (follow[1].body or "")


def test_no_candidates_files_a_new_issue() -> None:
    (search,) = plan(upsert(ticket()), rules())
    (create,) = plan_searched(search, [], rules())
    assert create.kind == ActionKind.CREATE_ISSUE and create.draft == search.draft


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
