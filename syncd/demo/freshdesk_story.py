"""The demo's Freshdesk story: a ticket on the Freshdesk desk tagged ``escalate`` goes to the
developers on GitHub, waits as "Waiting on Third Party" with a private note naming the issue,
a developer's comment reaches it as a private note the customer does not see, and the fix
resolves it with a reply to the customer."""

from __future__ import annotations

from typing import Any

from syncd.demo.story import Report, Step, Steps, _issue_for
from syncd.model import IssueStatus, TicketStatus
from syncd.testing.sandbox import Sandbox


def route() -> dict[str, object]:
    """The demo config's route for the Freshdesk desk: its escalations to GitHub."""
    return {
        "name": "freshdesk-desk",
        "helpdesk": "freshdesk",
        "match": {"tags": ["escalate"]},
        "mode": "pending",
        "target": {"connector": "github", "project": "acme/widgets", "labels": ["from-freshdesk"]},
    }


def play_freshdesk(sb: Sandbox, report: Report, timeout: float = 20.0) -> bool:
    """Play the Freshdesk desk's story; True when every step was observed."""
    desk, github = sb.actor("freshdesk"), sb.actor("github")
    step = Steps(sb, report, timeout)

    def said(ticket: Any, text: str, *, public: bool) -> bool:
        return any(c.public == public and text in c.body for c in desk.comments(ticket))

    ticket = desk.create_ticket(
        "Reports time out after 30 s",
        "Monthly reports with more than 10,000 rows never finish.",
        tags=["escalate"],
        requester="Barbara Liskov",
    )
    report(Step("a ticket tagged escalate on the Freshdesk desk", True, str(ticket)))
    issue = step("a GitHub issue is created from the ticket", lambda: _issue_for(sb, ticket))
    step(
        "the ticket waits (Waiting on Third Party) with a private note naming the issue",
        lambda: (
            desk.ticket(ticket).status == TicketStatus.ON_HOLD
            and said(ticket, github.issue(issue).url, public=False)
        ),
    )
    if step.ok:
        github.comment(issue, "The report query misses an index on created_at.")
    step(
        "the developer's comment reaches the ticket as a private note only",
        lambda: (
            said(ticket, "an index on created_at", public=False)
            and not said(ticket, "an index on created_at", public=True)
        ),
    )
    if step.ok:
        github.set_status(issue, IssueStatus.DONE)
    step(
        "the issue is closed → the ticket is resolved, the customer told",
        lambda: (
            desk.ticket(ticket).status == TicketStatus.SOLVED and said(ticket, "fixed", public=True)
        ),
    )
    return step.ok
