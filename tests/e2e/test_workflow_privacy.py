"""Privacy and broken links through the emulators: public and internal kept apart both ways,
customer replies redacted on their way to a public repository, a private note that stays
private, an escalation's title and description redacted toward public projects (GitHub and
Jira) with the agent told what was removed, and a link that breaks switching to redirect."""

from __future__ import annotations

from pathlib import Path

from syncd.model import TicketStatus

from .workflow_helpers import audit, issue_of, link_of, notes, sandbox

EMAIL, PHONE, CARD = "ada@customer.example", "+44 20 7946 0958", "4111 1111 1111 1111"

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
        sb.wait("redirect audited", lambda: audit(sb, "redirect"))


def _none() -> object:
    raise AssertionError("no link")


def _route(name: str, tag: str, connector: str, project: str) -> dict[str, object]:
    return {
        "name": name,
        "match": {"tags": ["escalate", tag]},
        "target": {"connector": connector, "project": project},
    }


ESCALATIONS = [
    _route("gh-public", "gh", "github", "acme/widgets"),
    _route("gh-private", "ghp", "github", "acme/secret"),
    _route("jira-public", "jira", "jira", "WID"),
    _route("jira-private", "jirap", "jira", "OPS"),
]


def test_escalations_to_public_projects_keep_personal_data_out(tmp_path: Path) -> None:
    with sandbox(tmp_path, ESCALATIONS, more=("jira",)) as sb:
        sb.sides["github"].emulator.set_private("acme/secret")
        sb.sides["jira"].emulator.set_public("WID")
        hd = sb.helpdesk
        tickets = {
            tag: hd.create_ticket(
                f"Refund to card {CARD} fails for {EMAIL}",
                f"Please call me on {PHONE} or write to {EMAIL}.",
                tags=["escalate", tag],
            )
            for tag in ("gh", "ghp", "jira", "jirap")
        }
        for tag, public in (("gh", True), ("ghp", False), ("jira", True), ("jirap", False)):
            t = tickets[tag]
            issue = sb.wait(f"issue for {tag}", lambda t=t: issue_of(sb, t))
            tracker = sb.actor(issue.connector)
            stored = tracker.issue(issue)
            texts = f"{stored.title}\n{stored.body}"
            if issue.connector == "jira":
                raw = sb.sides["jira"].emulator.issue(issue.key)
                texts += "".join(str(link["object"]) for link in raw.remotelinks)
            for secret in (EMAIL, PHONE, CARD):
                assert (secret in texts) is not public, (tag, secret, texts)
            sb.wait(
                f"linked note for {tag}", lambda t=t: notes(sb, t, "Escalated to", public=False)
            )
            if public:
                note = sb.wait(
                    f"note on what was redacted for {tag}",
                    lambda t=t: notes(sb, t, "kept out of the issue", public=False),
                )[0]
                assert "1 e-mail address, 1 phone number and 1 payment card number" in note.body
                assert "public project" in note.body and stored.url in note.body
                assert not any(s in note.body for s in (EMAIL, PHONE, CARD))
                assert not notes(sb, t, "kept out of the issue", public=True)
        sb.settle()
        for tag in ("ghp", "jirap"):
            assert not notes(sb, tickets[tag], "kept out of the issue")
        # one note per escalation, whatever was retried; an audit row for each redaction
        for tag in ("gh", "jira"):
            assert len(notes(sb, tickets[tag], "kept out of the issue")) == 1
        rows = audit(sb, "redacted")
        assert {r.detail["project"] for r in rows} == {"acme/widgets", "WID"}
        assert all(r.detail["counts"] == {"card": 1, "email": 1, "phone": 1} for r in rows)
        assert not any(EMAIL in str(r.detail) for r in rows)
