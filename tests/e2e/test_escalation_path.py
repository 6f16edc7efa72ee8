"""The escalation path from end to end: daemon + Zendesk and GitHub emulators over HTTP,
with webhooks and again polling only. Every check reads the emulators' own state."""

from __future__ import annotations

from syncd.model import IssueStatus, Ref, TicketStatus
from syncd.testing.sandbox import Sandbox


def issue_of(sb: Sandbox, ticket: Ref) -> Ref | None:
    assert sb.service is not None
    with sb.service.store.tx() as tx:
        link = sb.service.store.link_for_ticket(tx, str(ticket))
    return Ref.parse(link.issue_ref) if link else None


def escalate(
    sb: Sandbox, tags: list[str], subject: str = "Export to CSV crashes"
) -> tuple[Ref, Ref]:
    ticket = sb.helpdesk.create_ticket(
        subject, "Crashes every time.", tags=tags, requester="Ada Lovelace"
    )
    issue = sb.wait("issue created", lambda: issue_of(sb, ticket))
    return ticket, issue


def notes(sb: Sandbox, ticket: Ref, *, public: bool, text: str) -> list[object]:
    return [c for c in sb.helpdesk.comments(ticket) if c.public is public and text in c.body]


def test_whole_pending_path(sandbox: Sandbox) -> None:
    sb = sandbox
    hd, tr = sb.helpdesk, sb.tracker
    ticket, issue_ref = escalate(sb, ["escalate"])

    # 1. the issue: title and body from templates, labels, link back, no requester e-mail
    issue = tr.issue(issue_ref)
    assert issue.title == "Export to CSV crashes"
    assert "from-support" in issue.labels
    assert hd.ticket(ticket).url in issue.body
    assert "@" not in issue.body  # never the requester's e-mail address
    assert issue_ref.key.startswith("acme/widgets#")
    assert len(tr.issues("acme/widgets")) == 1

    # 2. internal note with the issue URL, public hand-off, on-hold
    sb.wait("note with issue URL", lambda: notes(sb, ticket, public=False, text=issue.url))
    sb.wait(
        "hand-off reply and on-hold",
        lambda: (
            hd.ticket(ticket).status == TicketStatus.ON_HOLD
            and notes(sb, ticket, public=True, text="developers")
        ),
    )

    # 3. comments: /dev note -> issue; public reply stays; developer comment -> internal note
    hd.comment(ticket, "Dear Ada, we are on it.", public=True)
    hd.comment(ticket, "/dev Customer runs 4.2 on Windows", public=False)
    hd.comment(ticket, "private musing, not for devs", public=False)
    sb.wait(
        "/dev note on the issue",
        lambda: [c for c in tr.comments(issue_ref) if "4.2 on Windows" in c.body],
    )
    dev = tr.comment(issue_ref, "Found it: null check in the CSV writer.")
    sb.wait(
        "developer comment as internal note",
        lambda: notes(sb, ticket, public=False, text="null check in the CSV writer"),
    )
    tr.edit_comment(issue_ref, dev, "Found it: null check in the CSV exporter.")
    sb.wait("edit follows", lambda: notes(sb, ticket, public=False, text="CSV exporter"))
    bodies = " ".join(c.body for c in tr.comments(issue_ref))
    assert "we are on it" not in bodies and "private musing" not in bodies
    assert not notes(sb, ticket, public=True, text="null check")

    # 4. closed as not planned -> agent told, ticket open; reopened -> on-hold; done -> solved
    tr.set_status(issue_ref, IssueStatus.WONT_DO)
    sb.wait(
        "won't do: ticket open with a note",
        lambda: (
            hd.ticket(ticket).status == TicketStatus.OPEN
            and notes(sb, ticket, public=False, text="will not be fixed")
        ),
    )
    tr.set_status(issue_ref, IssueStatus.TODO)
    sb.wait("reopened: on-hold", lambda: hd.ticket(ticket).status == TicketStatus.ON_HOLD)
    tr.set_status(issue_ref, IssueStatus.DONE)
    sb.wait(
        "done: solved and customer told",
        lambda: (
            hd.ticket(ticket).status == TicketStatus.SOLVED
            and notes(sb, ticket, public=True, text="fixed")
        ),
    )

    # nothing was written twice
    assert len(tr.issues("acme/widgets")) == 1
    assert len([c for c in tr.comments(issue_ref) if "4.2 on Windows" in c.body]) == 1
    assert len(notes(sb, ticket, public=True, text="developers are now working")) == 1
    assert len(notes(sb, ticket, public=True, text="has been fixed")) == 1


def test_redirect_mode(sandbox: Sandbox) -> None:
    sb = sandbox
    ticket, issue_ref = escalate(sb, ["escalate", "vendor"], "Payment provider rejects cards")
    url = sb.tracker.issue(issue_ref).url
    sb.wait(
        "closed with redirect",
        lambda: (
            sb.helpdesk.ticket(ticket).status == TicketStatus.SOLVED
            and notes(sb, ticket, public=True, text=url)
        ),
    )
    # a redirected link no longer syncs
    sb.tracker.comment(issue_ref, "dev chatter")
    sb.tracker.set_status(issue_ref, IssueStatus.DONE)
    sb.settle()
    assert not notes(sb, ticket, public=False, text="dev chatter")


def test_unrelated_ticket_is_left_alone(sandbox: Sandbox) -> None:
    sb = sandbox
    ticket = sb.helpdesk.create_ticket("Password reset", "How?", tags=["howto"])
    first = sb.helpdesk.create_ticket("Crash", "x", tags=["escalate"])
    sb.wait("the escalated one is linked", lambda: issue_of(sb, first))
    assert issue_of(sb, ticket) is None
    assert sb.helpdesk.ticket(ticket).status in (TicketStatus.NEW, TicketStatus.OPEN)
    assert len(sb.tracker.issues("acme/widgets")) == 1
