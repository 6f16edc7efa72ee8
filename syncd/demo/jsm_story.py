"""The demo's Jira Service Management story: a customer's request of the request type the
``service-desk`` route names goes to the developers on GitHub, waits in "Pending" through the
request's workflow, a developer's comment reaches it as an internal comment the customer
does not see, and the fix resolves it with a public comment to the customer."""

from __future__ import annotations

from typing import Any

from syncd.demo.story import Report, Step, Steps, _issue_for
from syncd.model import IssueStatus
from syncd.testing.sandbox import Sandbox

PROBLEMS = "Report a system problem"


def route() -> dict[str, object]:
    """The demo config's route for the service desk: system problems to GitHub."""
    return {
        "name": "service-desk",
        "helpdesk": "jsm",
        "match": {"tags": ["escalate"], "group": [PROBLEMS]},
        "mode": "pending",
        "target": {"connector": "github", "project": "acme/widgets", "labels": ["from-jsm"]},
    }


def play_jsm(sb: Sandbox, report: Report, timeout: float = 20.0) -> bool:
    """Play the service desk's story; True when every step was observed."""
    desk, github = sb.actor("jsm"), sb.actor("github")
    step = Steps(sb, report, timeout)

    def customer_sees(ticket: Any, text: str) -> bool:
        return any(c.public and text in c.body for c in desk.comments(ticket))

    ticket = desk.create_ticket(
        "Invoices show the wrong VAT",
        "Since Monday every invoice shows 19 % instead of 7 %.",
        tags=["escalate"],
        requester="Grace Hopper",
        group=PROBLEMS,
    )
    report(Step(f"a customer request of type {PROBLEMS!r} on the service desk", True, str(ticket)))
    issue = step("a GitHub issue is created from the request", lambda: _issue_for(sb, ticket))
    step("the request waits in Pending", lambda: desk.status_name(ticket) == "Pending")
    if step.ok:
        github.comment(issue, "The VAT table is cached per tenant; clearing it fixes it.")
    step(
        "the developer's comment reaches the request as an internal comment only",
        lambda: (
            [c for c in desk.comments(ticket) if not c.public and "VAT table" in c.body]
            and not customer_sees(ticket, "VAT table")
        ),
    )
    if step.ok:
        github.set_status(issue, IssueStatus.DONE)
    step(
        "the issue is closed → the request is Resolved, the customer told",
        lambda: desk.status_name(ticket) == "Resolved" and customer_sees(ticket, "fixed"),
    )
    return step.ok
