"""The ticket's conversation for developers, pure: when it is shared, what it shows, and how
(a collapsed comment on a private target, a signed link on a public one)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from syncd.connector import Capability
from syncd.engine.actions import ActionKind, LinkView
from syncd.engine.history import Transcript, entries, marker, plan_request, plan_shared
from syncd.engine.history_link import Signer, Verdict
from syncd.engine.planner import Rules, Situation, plan, plan_linked
from syncd.model import Change, ChangeKind, Comment, LinkState, Ref, Ticket
from syncd.settings import Route, Target
from syncd.templates import Templates
from syncd.workflow import HistoryPages, HistoryShare

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TICKET = Ref.ticket("zendesk", "101")
GITHUB = Ref.issue("github", "acme/widgets#7")
JIRA = Ref.issue("jira", "WID-7")
SIGNER = Signer(b"k" * 32, "https://syncd.example.com")


def route(**history: Any) -> Route:
    return Route(
        name="widgets",
        target=Target(connector="github", project="acme/widgets"),
        history=HistoryShare(**history),
    )


def rules(r: Route | None = None) -> Rules:
    return Rules(
        routes=(r or route(),),
        templates=Templates(),
        capabilities={"github": frozenset({Capability.COLLAPSIBLE}), "jira": frozenset()},
        history=HistoryPages(ttl=timedelta(days=7)),
        signer=SIGNER,
    )


def link(issue: Ref = GITHUB, state: LinkState = LinkState.ACTIVE) -> LinkView:
    return LinkView(
        id=5,
        ticket=TICKET,
        issue=issue,
        route="widgets",
        mode="pending",
        state=state,
        ticket_snapshot=Ticket(ref=TICKET, subject="Export crashes"),
    )


def comment(n: int, body: str, *, public: bool, **kw: Any) -> Comment:
    return Comment(
        ref=Ref.comment("zendesk", n),
        parent=TICKET,
        author=kw.pop("author", "Sam"),
        body=body,
        public=public,
        created_at=NOW - timedelta(minutes=60 - n),
        **kw,
    )


CONVERSATION = (
    comment(
        1,
        "Export crashes; write to ada@example.com",
        public=True,
        author="Ada",
        attachments=("crash.log",),
    ),
    comment(2, "/dev Customer runs 4.2 on Windows", public=False),
    comment(3, "private musing", public=False),
    comment(4, "Escalated to the developers", public=False, by_syncd=True),
    comment(5, "Thank you for your patience.", public=True, by_syncd=True, author="syncd"),
)


@pytest.mark.parametrize(
    "internal,bodies",
    [
        ("none", ["Export crashes", "Thank you"]),
        ("prefixed", ["Export crashes", "Customer runs 4.2", "Thank you"]),
        ("all", ["Export crashes", "Customer runs 4.2", "private musing", "Thank you"]),
    ],
)
def test_entries_show_replies_and_the_notes_the_route_allows(
    internal: str, bodies: list[str]
) -> None:
    shown = entries(list(reversed(CONVERSATION)), route(internal=internal))  # any order in
    assert [e["body"][: len(b)] for e, b in zip(shown, bodies, strict=True)] == bodies
    assert shown[0]["attachments"] == ["crash.log"] and shown[0]["author"] == "Ada"
    assert all("/dev" not in e["body"] for e in shown)  # the prefix is cut
    assert all("Escalated to the developers" not in e["body"] for e in shown)  # syncd's notes


def test_shared_once_the_link_is_made_unless_the_route_says_not() -> None:
    shares = [a for a in plan_linked(link(), rules()) if a.kind == ActionKind.SHARE_HISTORY]
    assert [(a.target, a.parent, a.route) for a in shares] == [(TICKET, GITHUB, "widgets")]
    for off in (route(mode="off"), route(at_escalation=False)):
        assert not [a for a in plan_linked(link(), rules(off)) if a.kind == "share_history"]


def dev_comment(body: str) -> Situation:
    c = Comment(ref=Ref.comment("github", "c9"), parent=GITHUB, author="dev", body=body)
    return Situation(change=Change(kind=ChangeKind.COMMENT, ref=GITHUB, comment=c), links=(link(),))


def test_a_developer_asks_again_with_the_prefix() -> None:
    (asked,) = plan(dev_comment("/history please"), rules())
    assert asked.kind == ActionKind.SHARE_HISTORY and asked.key == "history:5:github:comment:c9"
    # any other comment is copied to the ticket as before
    (copied,) = plan(dev_comment("Found it."), rules())
    assert copied.kind == ActionKind.ADD_COMMENT and copied.target == TICKET
    # a route that names another prefix, or none, or is off; a link no longer active
    c = dev_comment("/history").change.comment
    assert c is not None
    assert plan_request(link(), c, rules(route(request_prefix="/log"))) is None
    assert plan_request(link(), c, rules(route(request_prefix=None))) is None
    assert plan_request(link(), c, rules(route(mode="off"))) is None
    assert plan_request(link(state=LinkState.RESOLVED), c, rules()) is None


def test_private_target_gets_the_conversation_in_a_collapsed_comment() -> None:
    (up,), facts = plan_shared(
        link(), Transcript(comments=CONVERSATION, public=False), rules(), NOW
    )
    assert up.kind == ActionKind.UPSERT_COMMENT and up.target == GITHUB
    assert up.marker == marker(link()) == "ticket-history:zendesk:ticket:101"
    assert not up.public and up.route == "widgets"  # the gate applies the route's privacy
    body = up.body or ""
    assert body.startswith("<details>\n<summary>") and body.endswith("</details>")
    assert "Customer runs 4.2 on Windows" in body and "crash.log" in body
    assert "private musing" not in body and "/history" in body
    assert facts == {"mode": "comment", "entries": 3}


def test_jira_gets_a_plain_comment() -> None:
    (up,), _ = plan_shared(
        link(JIRA), Transcript(comments=CONVERSATION, public=False), rules(), NOW
    )
    assert "<details>" not in (up.body or "") and "**Support ticket 101" in (up.body or "")


@pytest.mark.parametrize("public,mode", [(True, "auto"), (False, "link")])
def test_public_target_or_link_mode_gets_a_signed_link(public: bool, mode: str) -> None:
    r = rules(route(mode=mode))
    (up,), facts = plan_shared(link(), Transcript(comments=CONVERSATION, public=public), r, NOW)
    body = up.body or ""
    assert "ada@example.com" not in body and "Customer runs" not in body
    url = body.split("page (personal data removed): ")[1].split()[0]
    parts = urlsplit(url)
    assert parts.netloc == "syncd.example.com" and parts.path == "/history/5"
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert int(q["exp"]) == int((NOW + timedelta(days=7)).timestamp())
    assert SIGNER.check(5, q["exp"], q["sig"], NOW) == Verdict.OK
    assert up.public and up.marker == marker(link())
    assert facts["mode"] == "link" and facts["entries"] == 3
    assert facts["expires"] == (NOW + timedelta(days=7)).isoformat()


def test_a_route_ttl_overrides_the_roots() -> None:
    r = rules(route(ttl="2d"))
    _, facts = plan_shared(link(), Transcript(public=True), r, NOW)
    assert facts["expires"] == (NOW + timedelta(days=2)).isoformat()


def test_the_same_conversation_is_the_same_write() -> None:
    read = Transcript(comments=CONVERSATION, public=False)
    (a,), _ = plan_shared(link(), read, rules(), NOW)
    (b,), _ = plan_shared(link(), read, rules(), NOW + timedelta(hours=1))
    assert a.key == b.key  # an unchanged conversation: one write (the outbox drops repeats)
    more = Transcript(comments=(*CONVERSATION, comment(9, "Any news?", public=True)), public=False)
    (c,), _ = plan_shared(link(), more, rules(), NOW)
    assert c.key != a.key and c.marker == a.marker  # the same comment, edited
