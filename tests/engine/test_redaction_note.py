"""The agent's note on what was kept out of a public issue: its words, its key, and what the
recorder writes for it (once, however often the escalation is recorded)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from syncd.engine.actions import Action, ActionKind, LinkView
from syncd.engine.gate import Redactions
from syncd.engine.planner import Rules
from syncd.engine.record import Recorder
from syncd.engine.redaction_note import describe, plan_note
from syncd.model import Issue, IssueDraft, Ref, Ticket
from syncd.settings import Route
from syncd.store.repository import Store
from syncd.store.tables import outbox
from syncd.templates import Templates

ISSUE = Ref.issue("github", "acme/widgets#7")
TICKET = Ref.ticket("zendesk", "42")
ROUTE = Route.model_validate(
    {"name": "widgets", "target": {"connector": "github", "project": "acme/widgets"}}
)
RULES = Rules(routes=(ROUTE,), templates=Templates())
REDACTED = Redactions(
    counts={"email": 2, "phone": 1},
    fields=("draft.title", "draft.body", "draft.origin_title"),
    project="acme/widgets",
    public=True,
)


@pytest.mark.parametrize(
    "counts,words",
    [
        ({"email": 1}, "1 e-mail address"),
        ({"email": 2, "phone": 1}, "2 e-mail addresses and 1 phone number"),
        (
            {"card": 1, "phone": 3, "email": 1},
            "1 e-mail address, 3 phone numbers and 1 payment card number",
        ),
        ({"pattern": 2}, "2 matches of admin patterns"),
        ({"pattern:account number": 1, "email": 1}, "1 e-mail address and 1 account number"),
        ({"pattern:account number": 2}, "2 account numbers"),
        ({"pattern:IBANs": 2}, "2 IBANs"),
    ],
)
def test_kinds_and_counts_in_words(counts: dict[str, int], words: str) -> None:
    assert describe(counts) == words


def link() -> LinkView:
    issue = Issue(ref=ISSUE, url="https://github.example/acme/widgets/issues/7")
    return LinkView(
        id=3,
        ticket=TICKET,
        issue=ISSUE,
        route="widgets",
        mode="pending",
        state="active",
        ticket_snapshot=Ticket(ref=TICKET, subject="s"),
        issue_snapshot=issue,
    )


def test_the_note_says_what_and_where_never_the_values() -> None:
    (note,) = plan_note(link(), REDACTED, RULES, "create:zendesk:ticket:42")
    assert note.kind == ActionKind.ADD_COMMENT and note.target == TICKET and not note.public
    assert note.key == "redaction-note:create:zendesk:ticket:42"
    assert note.body == (
        "Personal data was kept out of the issue filed in the public project acme/widgets "
        "(https://github.example/acme/widgets/issues/7): 2 e-mail addresses and 1 phone number "
        "were replaced by [redacted] in its title and description. This ticket keeps the "
        "original text; the developers do not see it."
    )
    private = Redactions(counts={"card": 1}, fields=("body",), project="OPS", public=None)
    (note,) = plan_note(link(), private, RULES, "k")
    assert "in the project OPS" in (note.body or "") and "1 payment card number was" in (
        note.body or ""
    )


def test_a_route_may_word_the_note_its_own_way() -> None:
    route = ROUTE.model_copy(
        update={"templates": {"redaction_note": "Redacted: {{ redacted.summary }}."}}
    )
    rules = Rules(routes=(route,), templates=Templates())
    (note,) = plan_note(link(), REDACTED, rules, "k")
    assert note.body == "Redacted: 2 e-mail addresses and 1 phone number."


def test_the_recorder_writes_the_note_once_and_an_audit_row(store: Store) -> None:
    recorder = Recorder(store, RULES)
    create = Action(
        kind=ActionKind.CREATE_ISSUE,
        key="create:zendesk:ticket:42",
        lane=str(TICKET),
        target=Ref.project("github", "acme/widgets"),
        parent=TICKET,
        route="widgets",
        draft=IssueDraft(title="t", body="b"),
    )
    made = Issue(ref=ISSUE, url="https://x/7", updated_at=datetime(2026, 1, 1, tzinfo=UTC))
    with store.tx() as tx:
        recorder.record(tx, create, made, REDACTED)
    with store.tx() as tx:
        # the same escalation recorded again (as after a retry): the note's key holds
        view = link()
        recorder.enqueue(tx, plan_note(view, REDACTED, RULES, create.key))
    with store.tx() as tx:
        keys = [r.key for r in tx.execute(sa.select(outbox.c.key)).fetchall()]
    assert keys.count("redaction-note:create:zendesk:ticket:42") == 1
    assert {"linked-note:1", "handoff:1"} <= set(keys)
    rows = [r for r in store.audit_since(0, 100) if r.event == "redacted"]
    assert len(rows) == 1
    detail = rows[0].detail
    assert detail["counts"] == {"email": 2, "phone": 1} and detail["project"] == "acme/widgets"
    assert rows[0].issue_ref == str(ISSUE) and detail["kind"] == "create_issue"
