"""Repeats and duplicates through the emulators: five tickets joining one issue with the
impact summary kept right as they come and go, and a duplicate found at escalation."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from syncd.model import IssueStatus, Ref, TicketStatus
from syncd.testing.sandbox import Sandbox

from .workflow_helpers import audit, issue_of, link_of, notes, sandbox

DEV_ISSUE = 360001
ORGS = {5001: "Acme", 5002: "Globex", 5003: "Initech", 5004: "Umbrella"}
ROUTES: list[dict[str, Any]] = [
    {
        "name": "widgets",
        "match": {"tags": ["escalate"]},
        "target": {"connector": "github", "project": "acme/widgets"},
        "sla": {"by_priority": {"normal": {"resolve": "3d"}}, "default": {"resolve": "5d"}},
    }
]
EXTRA = {
    "linking": {"field": "dev_issue", "route": "widgets"},
    # customer tier by tag: Zendesk webhooks carry tags, custom fields only come with polls
    "tiers": {
        "customer_tier_tag_prefix": "plan_",
        "customer_tier_order": ["enterprise", "business"],
    },
}
OVERRIDES = {"zendesk": {"custom_fields": {"dev_issue": DEV_ISSUE}}}


def ticket(
    sb: Sandbox, n: int, org: int, plan: str, *, tags: tuple[str, ...] = (), link: str = ""
) -> Ref:
    emu = sb.helpdesk.emulator
    emu.state.organizations.update(ORGS)
    fields: dict[int, Any] = {DEV_ISSUE: link} if link else {}
    tid = emu.create_ticket(
        f"Export fails ({n})",
        "The export stops half way.",
        tags=[*tags, f"plan_{plan}"],
        organization_id=org,
        custom_fields=fields,
    )
    return Ref.ticket("zendesk", tid)


def summaries(sb: Sandbox, issue: Ref) -> list[str]:
    return [c.body for c in sb.tracker.comments(issue) if "Support impact" in c.body]


def summary_says(sb: Sandbox, issue: Ref, *texts: str) -> bool:
    found = summaries(sb, issue)
    assert len(found) <= 1, found  # one summary, edited in place
    missing = [t for t in texts if not found or t not in found[0]]
    if missing:
        raise AssertionError(f"summary lacks {missing}: {found}")
    return True


def test_five_tickets_one_issue_summary_kept_in_place(tmp_path: Path) -> None:
    # polling on: it brings organization names that webhooks only carry as ids
    with sandbox(tmp_path, ROUTES, poll=0.5, extra=EXTRA, overrides=OVERRIDES) as sb:
        hd, tr = sb.helpdesk, sb.tracker
        first = ticket(sb, 1, 5001, "business", tags=("escalate",))
        issue = sb.wait("issue", lambda: issue_of(sb, first))
        url = tr.issue(issue).url
        assert summaries(sb, issue) == []  # one ticket, one issue: no summary yet
        sb.settle()
        joined = [
            ticket(sb, n, org, plan, link=url)
            for n, org, plan in (
                (2, 5002, "business"),
                (3, 5003, "enterprise"),
                (4, 5001, "free"),
                (5, 5004, "business"),
            )
        ]
        for t in joined:
            sb.wait("joined the issue", lambda t=t: issue_of(sb, t) == issue)
        tickets = [first, *joined]
        sb.wait(
            "summary with five tickets",
            lambda: summary_says(
                sb,
                issue,
                "Linked tickets: 5 (5 waiting)",
                "Organizations: 4",
                "Highest customer tier: enterprise",
                "resolve within 5d",
            ),
        )
        sb.wait("impact label", lambda: "impact:2-5" in tr.issue(issue).labels)
        assert len(tr.issues("acme/widgets")) == 1  # no issue made for the joiners
        for t in joined:
            sb.wait("hand-off", lambda t=t: hd.ticket(t).status == TicketStatus.ON_HOLD)
            assert notes(sb, t, url, public=False)
        sb.wait("hand links audited", lambda: len(audit(sb, "linked_by_hand")) == 4)
        assert {(link_of(sb, t) or _no()).issue_ref for t in tickets} == {str(issue)}

        # the agent solves ticket 4 on their own: it leaves the count
        hd.set_status(joined[2], "solved")
        sb.wait(
            "summary with four tickets",
            lambda: summary_says(sb, issue, "Linked tickets: 4 (4 waiting)", "Organizations: 4"),
        )
        sb.settle()

        # done: every following ticket gets its resolved message; reopened: they all follow
        tr.set_status(issue, IssueStatus.DONE)
        following = [first, joined[0], joined[1], joined[3]]
        for t in following:
            sb.wait(
                "solved and told",
                lambda t=t: (
                    hd.ticket(t).status == TicketStatus.SOLVED
                    and notes(sb, t, "has been fixed", public=True)
                ),
            )
        assert not notes(sb, joined[2], "has been fixed")
        sb.settle()
        tr.set_status(issue, IssueStatus.TODO)
        for t in following:
            sb.wait("waiting again", lambda t=t: hd.ticket(t).status == TicketStatus.ON_HOLD)
        sb.settle()
        assert len(summaries(sb, issue)) == 1  # one summary, edited in place throughout
        assert "Linked tickets: 4 (4 waiting)" in summaries(sb, issue)[0]


DUP_ROUTES: list[dict[str, Any]] = [
    {
        "name": "widgets",
        "match": {"tags": ["escalate"]},
        "target": {"connector": "github", "project": "acme/widgets"},
        "duplicates": {"mode": "link", "threshold": 0.4},
    }
]


def test_duplicate_found_at_escalation(tmp_path: Path) -> None:
    with sandbox(tmp_path, DUP_ROUTES) as sb:
        hd, tr = sb.helpdesk, sb.tracker
        emu = tr.emulator
        known = emu.create_issue_as(
            tr.login,
            "acme/widgets",
            "CSV export crashes when a column contains a newline",
            "ExportWriter throws IndexError when a cell value has an embedded line break.",
        )
        emu.create_issue_as(tr.login, "acme/widgets", "Login fails with SAML", "Clock skew.")
        t = hd.create_ticket(
            "Export to CSV breaks",
            "Whenever I export contacts to CSV it crashes. Some notes have several lines.",
            tags=["escalate"],
        )
        linked = sb.wait("linked to the known issue", lambda: issue_of(sb, t))
        assert linked.key == f"acme/widgets#{known}"
        assert len(tr.issues("acme/widgets")) == 2  # no new issue
        sb.wait("hand-off", lambda: hd.ticket(t).status == TicketStatus.ON_HOLD)
        (row,) = audit(sb, "duplicate_linked")
        assert re.match(r"similarity 0\.\d\d", row.detail["reason"])
        # the agent is told which issue the ticket joined, and why
        told = sb.wait(
            "agent told",
            lambda: [c for c in hd.comments(t) if not c.public and "joined" in c.body],
        )
        assert linked.key.split("#")[1] in told[0].body and "similarity 0." in told[0].body

        # something new is filed as a new issue
        other = hd.create_ticket(
            "Dark mode colours", "Borders vanish in dark mode.", tags=["escalate"]
        )
        made = sb.wait("new issue", lambda: issue_of(sb, other))
        assert made.key not in (linked.key,) and len(tr.issues("acme/widgets")) == 3


def _no() -> Any:
    raise AssertionError("no link")
