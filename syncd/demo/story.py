"""The demo's story, step by step, each step observed in the emulators' own state.

Escalate → hand-off (issue created, internal note with its URL, public reply, on-hold) →
comments both ways → developer closes as fixed → ticket solved with the customer told; and a
``vendor`` ticket closed at once with a redirect message. On Jira, a ticket field reaches the
issue and the fix version the developers set comes back to the ticket and the customer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from syncd.model import IssueStatus, Priority, Ref, TicketStatus
from syncd.testing.sandbox import Sandbox

# the demo's Zendesk ticket fields (name -> field id), mapped to and from the trackers
FIELD_IDS = {"Product version": 360020000001, "Fix version": 360020000002}


@dataclass
class Step:
    title: str
    ok: bool
    detail: str


Report = Callable[[Step], None]


def _issue_for(sb: Sandbox, ticket: Ref) -> Ref:
    assert sb.service is not None
    with sb.service.store.tx() as tx:
        link = sb.service.store.link_for_ticket(tx, str(ticket))
    return Ref.parse(link.issue_ref) if link else None  # type: ignore[return-value]


@dataclass
class Steps:
    """Runs a story's steps in order; once one is not observed, the rest are skipped."""

    sb: Sandbox
    report: Report
    timeout: float = 20.0
    ok: bool = True

    def __call__(self, title: str, probe: Callable[[], Any]) -> Any:
        """Wait until ``probe`` observes the step; report it either way."""
        if not self.ok:
            self.report(Step(title, False, "skipped: an earlier step failed"))
            return None
        try:
            value = self.sb.wait(title, probe, timeout=self.timeout)
        except TimeoutError as exc:
            self.ok = False
            self.report(Step(title, False, str(exc)))
            return None
        self.report(Step(title, True, _short(value)))
        return value


def play(sb: Sandbox, report: Report, timeout: float = 20.0) -> bool:
    """Play the whole story; return True when every step was observed."""
    hd, tr = sb.helpdesk, sb.tracker
    step = Steps(sb, report, timeout)

    ticket = hd.create_ticket(
        "Export to CSV crashes",
        "Clicking Export crashes the app.",
        tags=["escalate"],
        requester="Ada Lovelace",
    )
    report(Step("customer opens a ticket, agent tags it `escalate`", True, str(ticket)))
    issue = step("a GitHub issue is created for it", lambda: _issue_for(sb, ticket))
    if issue is not None:
        made = tr.issue(issue)
        report(
            Step("  the issue", True, f"{made.url} — {made.title!r}, labels {sorted(made.labels)}")
        )
    step(
        "ticket gets an internal note with the issue URL",
        lambda: [
            c
            for c in hd.comments(ticket)
            if not c.public and issue and tr.issue(issue).url in c.body
        ],
    )
    step(
        "customer gets the hand-off reply, ticket on-hold",
        lambda: (
            hd.ticket(ticket).status == TicketStatus.ON_HOLD
            and [c for c in hd.comments(ticket) if c.public and "developers" in c.body]
        ),
    )
    if step.ok:
        hd.comment(ticket, "/dev Customer runs version 4.2 on Windows.", public=False)
    step(
        "agent's /dev note appears on the issue",
        lambda: [c for c in tr.comments(issue) if "version 4.2 on Windows" in c.body],
    )
    if step.ok:
        tr.comment(issue, "Found it: a null check in the CSV writer.")
    step(
        "developer's comment reaches the ticket as an internal note",
        lambda: [
            c
            for c in hd.comments(ticket)
            if not c.public and "null check in the CSV writer" in c.body
        ],
    )
    if step.ok:
        tr.set_status(issue, IssueStatus.DONE)
    step(
        "developer closes the issue as fixed → ticket solved, customer told",
        lambda: (
            hd.ticket(ticket).status == TicketStatus.SOLVED
            and [c for c in hd.comments(ticket) if c.public and "fixed" in c.body]
        ),
    )

    vendor = hd.create_ticket(
        "Payment provider rejects cards",
        "Third-party problem.",
        tags=["escalate", "vendor"],
        requester="Grace Hopper",
    )
    report(Step("a ticket tagged `escalate` + `vendor` (redirect route)", True, str(vendor)))
    ok_before, step.ok = step.ok, True
    step(
        "it is closed with a redirect message pointing at its issue",
        lambda: (
            hd.ticket(vendor).status in (TicketStatus.SOLVED, TicketStatus.CLOSED)
            and [c for c in hd.comments(vendor) if c.public and "follow" in c.body]
        ),
    )
    return step.ok and ok_before


def play_jira(sb: Sandbox, report: Report, timeout: float = 20.0) -> bool:
    """The same hand-off to a Jira team: workflow transitions and a restricted comment."""
    hd, jira = sb.helpdesk, sb.actor("jira")
    step = Steps(sb, report, timeout)

    ticket = hd.create_ticket(
        "API returns 500 on /orders",
        "Since this morning's deploy.",
        tags=["escalate", "backend"],
        requester="Alan Turing",
    )
    report(
        Step(
            "a ticket tagged `escalate` + `backend` (route to Jira project WID)", True, str(ticket)
        )
    )
    issue = step("a Jira issue is created in WID", lambda: _issue_for(sb, ticket))
    step("ticket on-hold, customer told", lambda: hd.ticket(ticket).status == TicketStatus.ON_HOLD)
    if step.ok:  # the agent fills the ticket's product version
        product = [{"id": FIELD_IDS["Product version"], "value": "2.3"}]
        hd.emulator.update(int(ticket.key), custom_fields=product)
    step(
        "ticket field Product version 2.3 → the Jira issue's Affects Version",
        lambda: jira.raw_fields(issue)["versions"][0]["name"] == "2.3",
    )
    if step.ok:
        jira.set_fields(issue, {"fixVersions": [{"name": "2.4"}]})
    step(
        "developers set Fix Version 2.4 → the ticket's Fix version, customer told the date",
        lambda: [c for c in hd.comments(ticket) if c.public and "2.4 (due 14 Jan" in c.body],
    )
    if step.ok:
        jira.set_status(issue, IssueStatus.IN_PROGRESS)
        jira.restricted_comment(issue, "Root cause: the connection pool is exhausted.")
    step(
        "a restricted Jira comment reaches the ticket as an internal note only",
        lambda: (
            [c for c in hd.comments(ticket) if not c.public and "connection pool" in c.body]
            and not [c for c in hd.comments(ticket) if c.public and "connection pool" in c.body]
        ),
    )
    if step.ok:
        hd.emulator.update(int(ticket.key), priority="urgent")  # the agent raises urgency
    step(
        "agent raises the ticket to urgent → the Jira issue's priority follows, reason noted",
        lambda: (
            jira.issue(issue).priority == Priority.URGENT
            and [c for c in jira.comments(issue) if "the urgency of ticket" in c.body]
        ),
    )
    if step.ok:
        jira.comment(issue, "/customer We found the cause and deploy a fix within the hour.")
    step(
        "a developer writes to the customer through the ticket (a signed public reply)",
        lambda: [c for c in hd.comments(ticket) if c.public and "(engineering)" in c.body],
    )
    if step.ok:
        jira.set_status(issue, IssueStatus.DONE)
    step(
        "developer resolves the Jira issue → ticket solved, customer told",
        lambda: (
            hd.ticket(ticket).status == TicketStatus.SOLVED
            and [c for c in hd.comments(ticket) if c.public and "fixed" in c.body]
        ),
    )
    if step.ok:
        hd.set_status(ticket, "open")  # the customer writes back: it still fails
    step(
        "the customer reopens the ticket → the Jira issue is reopened and told",
        lambda: (
            not jira.issue(issue).status.is_closed
            and [c for c in jira.comments(issue) if "was reopened" in c.body]
        ),
    )
    return step.ok


def _short(value: Any) -> str:
    if isinstance(value, list) and value:
        value = value[0]
    body = getattr(value, "body", None)
    if body:
        return _clip(body.splitlines()[0])
    text = str(value)
    return "" if text == "True" else _clip(text)


def _clip(line: str, width: int = 90) -> str:
    """``line`` cut to about ``width`` characters between words, never inside a URL."""
    if len(line) <= width:
        return line
    kept: list[str] = []
    for word in line.split(" "):
        if kept and len(" ".join([*kept, word])) > width and "://" not in word:
            return " ".join(kept) + " …"
        kept.append(word)
    return " ".join(kept)
