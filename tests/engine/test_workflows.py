"""The support workflows in the planner, table-driven, on the ticket's side: routing on ticket
fields and tiers, escalation targets and the SLA, third-party redirects, manual links and
duplicates."""

from __future__ import annotations

from typing import Any

import pytest

from syncd import registry
from syncd.engine.actions import ActionKind
from syncd.engine.linking import parse_issue
from syncd.engine.planner import Rules, plan, plan_searched
from syncd.engine.router import explain, match_route
from syncd.engine.similarity import Candidate
from syncd.model import Priority, Ref, TicketStatus
from tests.engine.workflows_kit import ROUTES, TIERS, rules, ticket, upsert


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
