"""What reaches the trackers' stores, field by field: actions made by the planners, performed
through the real connectors against the emulators, public and private projects side by side
(escalations, copied comments and their edits, impact summaries, helpdesk writes)."""

from __future__ import annotations

import pytest

from syncd.engine.actions import Action, ActionKind, LinkView
from syncd.engine.impact import plan_impact
from syncd.engine.planner import Situation, plan
from syncd.model import Change, ChangeKind, Comment, Ref
from tests.engine import gate_writes_kit
from tests.engine.gate_writes_kit import (
    EMAIL,
    PHONE,
    SECRETS,
    TARGETS,
    World,
    escalate,
    linked,
    run,
    stored_texts,
    ticket,
)

world = gate_writes_kit.world  # the emulators and connectors, started once for this module


@pytest.mark.parametrize("route", list(TARGETS))
def test_escalation_title_body_and_link_back(world: World, route: str) -> None:
    issue, redacted = escalate(world, route, f"e-{route}")
    texts = " ".join(stored_texts(world, issue))
    public = TARGETS[route][2]
    for secret in SECRETS:
        assert (secret in texts) is not public, (route, secret)
    if not public:
        assert redacted is None
        return
    assert "redacted" in texts and "help.example/tickets/e-" in texts  # the link back stays
    assert redacted is not None and redacted.public is True
    assert redacted.project == TARGETS[route][1]
    assert dict(redacted.counts) == {
        "card": 1,
        "email": 1,
        "phone": 1,
        "pattern:account number": 1,
    }
    assert {"draft.title", "draft.body"} <= set(redacted.fields)


@pytest.mark.parametrize("route", ["gh-public", "cloud-public", "dc-public", "gh-private"])
def test_support_comment_copy_and_its_edit(world: World, route: str) -> None:
    key = f"c-{route}"
    issue, _ = escalate(world, route, key)
    link = linked(world, route, issue, key)
    reply = Comment(
        ref=Ref.comment("zendesk", f"{key}-1"),
        parent=link.ticket,
        author="Ada",
        body=f"Still broken, write to {EMAIL}",
        public=True,
    )
    change = Change(kind=ChangeKind.COMMENT, ref=link.ticket, comment=reply)
    (copy,) = plan(Situation(change=change, links=(link,)), world.rules)
    assert copy.kind == ActionKind.ADD_COMMENT
    made = run(world, copy).result
    edited_reply = reply.model_copy(update={"body": f"Now call {PHONE}"})
    change = Change(kind=ChangeKind.COMMENT, ref=link.ticket, comment=edited_reply)
    situation = Situation(
        change=change, links=(link,), comment_is_new=False, comment_copies=(made.ref,)
    )
    (edit,) = plan(situation, world.rules)
    assert edit.kind == ActionKind.EDIT_COMMENT
    run(world, edit)
    bodies = [c.body for c in world.actors[issue.ref.connector].comments(issue.ref)]
    assert len(bodies) == 1
    public = TARGETS[route][2]
    assert ("Now call" in bodies[0]) and ((PHONE in bodies[0]) is not public)
    assert ("redacted" in bodies[0]) is public


@pytest.mark.parametrize("route", ["gh-public", "cloud-public", "gh-private"])
def test_impact_summary(world: World, route: str) -> None:
    key = f"i-{route}"
    issue, _ = escalate(world, route, key)
    # two tickets: a summary is due; one customer's organization is named after an address
    orgs = ["Acme", f"Ada Lovelace ({EMAIL})"]
    links = [
        LinkView(
            **{
                **linked(world, route, issue, f"{key}-{n}").__dict__,
                "id": n + 1,
                "ticket_snapshot": ticket(f"{key}-{n}", org),
            }
        )
        for n, org in enumerate(orgs)
    ]
    summary = plan_impact(issue.ref, links, world.rules, "stamp")[0]
    assert summary.kind == ActionKind.UPSERT_COMMENT and EMAIL in (summary.body or "")
    run(world, summary)
    again = run(world, summary.model_copy(update={"key": summary.key + ":again"}))
    bodies = [c.body for c in world.actors[issue.ref.connector].comments(issue.ref)]
    assert len(bodies) == 1 and again.result is not None
    public = TARGETS[route][2]
    assert (EMAIL in bodies[0]) is not public and "Support impact" in bodies[0]


def test_helpdesk_writes_keep_the_customers_words(world: World) -> None:
    t = world.actors["zendesk"].create_ticket("Help", "Please", tags=["x"])
    note = Action(
        kind=ActionKind.UPDATE_TICKET,
        key="hd-note",
        lane=str(t),
        target=t,
        body=f"The customer wrote from {EMAIL}",
        route="gh-public",
    )
    assert run(world, note).redacted is None
    assert any(EMAIL in c.body for c in world.actors["zendesk"].comments(t))
