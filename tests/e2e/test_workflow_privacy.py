"""Privacy and broken links through the emulators: public and internal kept apart both ways,
customer replies redacted on their way to a public repository, a private note that stays
private, and a link that breaks switching to redirect."""

from __future__ import annotations

from pathlib import Path

from syncd.model import TicketStatus

from .workflow_helpers import audit, issue_of, link_of, notes, sandbox

ROUTES = [
    {
        "name": "widgets",
        "match": {"tags": ["escalate"]},
        "target": {"connector": "github", "project": "acme/widgets"},
        "copy_public_replies": True,
        "privacy": {"redact": "auto", "patterns": [r"ACCT-\d+"]},
    }
]


def test_private_notes_stay_private_and_public_text_is_redacted(tmp_path: Path) -> None:
    with sandbox(tmp_path, ROUTES) as sb:
        hd, tr = sb.helpdesk, sb.tracker
        t = hd.create_ticket("Sync fails", "It fails.", tags=["escalate"])
        issue = sb.wait("issue", lambda: issue_of(sb, t))
        sb.settle()
        hd.comment(
            t,
            "Still broken. Call me on +1 415 555 0100 or ada@customer.example (ACCT-4471).",
            public=True,
        )
        hd.comment(t, "Customer is on a legacy contract, discount 40%.", public=False)
        hd.comment(t, "/dev logs sent by bob@customer.example attached to the ticket", public=False)
        dev = sb.wait(
            "customer reply on the issue, redacted",
            lambda: [c for c in tr.comments(issue) if "Still broken" in c.body],
        )[0]
        assert "[redacted]" in dev.body
        for secret in ("415 555 0100", "ada@customer.example", "ACCT-4471"):
            assert secret not in dev.body
        sb.wait(
            "/dev note on the issue",
            lambda: [c for c in tr.comments(issue) if "logs sent" in c.body],
        )
        sb.settle()
        bodies = " ".join(c.body for c in tr.comments(issue))
        assert "legacy contract" not in bodies  # a private note stays private
        assert "bob@customer.example" not in bodies

        tr.comment(issue, "Root cause: the customer's proxy strips headers.")
        sb.wait(
            "developer comment as internal note", lambda: notes(sb, t, "proxy strips", public=False)
        )
        sb.settle()
        assert not notes(sb, t, "proxy strips", public=True)  # never shown to the customer
        # syncd's own notes never reach the customer either
        public = [c.body for c in hd.comments(t) if c.public]
        assert not any("Escalated to the developers" in b for b in public)


def test_a_link_that_breaks_switches_to_redirect(tmp_path: Path) -> None:
    with sandbox(tmp_path, ROUTES) as sb:
        hd, tr = sb.helpdesk, sb.tracker
        t = hd.create_ticket("Export slow", "Slow.", tags=["escalate"])
        issue = sb.wait("issue", lambda: issue_of(sb, t))
        sb.wait("on hold", lambda: hd.ticket(t).status == TicketStatus.ON_HOLD)
        sb.settle()
        url = tr.issue(issue).url
        tr.delete(issue)  # confirmed gone after two reads
        sb.wait(
            "redirected: solved with a pointer, agent told",
            lambda: (
                hd.ticket(t).status == TicketStatus.SOLVED
                and notes(sb, t, url, public=True)
                and notes(sb, t, "closed with a redirect", public=False)
            ),
            timeout=30,
        )
        sb.wait("link redirected", lambda: (link_of(sb, t) or _none()).state == "redirected")
        assert audit(sb, "redirect")


def _none() -> object:
    raise AssertionError("no link")
