"""The link's catch-up, table-driven: which of a ticket's comments, read once its link is
made, are copied to the issue (those a change would have copied and no change brought)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from syncd.engine.actions import ActionKind
from syncd.engine.supportside import plan_catch_up
from syncd.model import Comment, Ref
from tests.engine.planner_kit import ISSUE, T0, TICKET, link, rules

SINCE = T0 - timedelta(hours=1)


def comment(n: int, body: str, *, public: bool, minutes: int = 10, **kw: object) -> Comment:
    return Comment(
        ref=Ref.comment("zendesk", n),
        parent=TICKET,
        body=body,
        public=public,
        created_at=T0 + timedelta(minutes=minutes),
        **kw,  # type: ignore[arg-type]
    )


DESCRIPTION = comment(1, "Crash on export", public=True, minutes=0)


@pytest.mark.parametrize(
    ("given", "copied", "why"),
    [
        (comment(2, "/dev logs attached", public=False), True, "a /dev note"),
        (comment(3, "private musing", public=False), False, "an internal note without /dev"),
        (comment(4, "It still fails", public=True), False, "the route keeps replies"),
        (comment(5, "/dev old", public=False, minutes=-120), False, "before the window"),
        (comment(6, "/dev mine", public=False, by_syncd=True), False, "syncd wrote it"),
        (comment(7, "/dev marked", public=False, marker="k-1"), False, "syncd's marker"),
        (DESCRIPTION, False, "the ticket's first message"),
    ],
)
def test_what_the_catch_up_copies(given: Comment, copied: bool, why: str) -> None:
    actions, taken = plan_catch_up(link(), [DESCRIPTION, given], rules(), since=SINCE, copied=())
    assert bool(actions) is copied, why
    assert (taken == [given]) is copied
    for a in actions:
        assert a.kind == ActionKind.ADD_COMMENT and a.target == ISSUE
        assert a.key == f"copy:{given.ref}:{ISSUE}"  # the key a live change would have used


def test_a_comment_seen_with_the_link_is_not_copied_again() -> None:
    note = comment(2, "/dev logs attached", public=False)
    actions, _ = plan_catch_up(link(), [note], rules(), since=SINCE, copied={str(note.ref)})
    assert actions == []


def test_replies_are_copied_when_the_route_copies_them() -> None:
    r = rules()
    routes = tuple(route.model_copy(update={"copy_public_replies": True}) for route in r.routes)
    reply = comment(4, "It still fails", public=True)
    actions, _ = plan_catch_up(
        link(), [DESCRIPTION, reply], replace(r, routes=routes), since=SINCE, copied=()
    )
    assert [a.source for a in actions] == [reply.ref]  # the first message stays out


def test_nothing_for_a_link_that_no_longer_syncs() -> None:
    note = comment(2, "/dev logs attached", public=False)
    actions, _ = plan_catch_up(link(state="redirected"), [note], rules(), since=SINCE, copied=())
    assert actions == []


def test_urgency_puts_what_people_read_first() -> None:
    from syncd.engine.actions import BOOKKEEPING, PEOPLE, WORK, Action, urgency
    from syncd.model import Priority

    def a(**kw: object) -> Action:
        return Action(key="k", lane=str(TICKET), **kw)  # type: ignore[arg-type]

    assert (
        urgency(a(kind=ActionKind.UPDATE_TICKET, target=TICKET, body="hi", public=True)) == PEOPLE
    )
    assert urgency(a(kind=ActionKind.ADD_COMMENT, target=ISSUE, body="note")) == PEOPLE
    assert urgency(a(kind=ActionKind.UPDATE_ISSUE, target=ISSUE, priority=Priority.HIGH)) == WORK
    assert urgency(a(kind=ActionKind.UPDATE_ISSUE, target=ISSUE, add_tags=("sla:breached",))) == (
        BOOKKEEPING
    )
    assert urgency(a(kind=ActionKind.UPSERT_COMMENT, target=ISSUE, body="impact")) == BOOKKEEPING
