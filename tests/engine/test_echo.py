"""What really changed: snapshots against the shadow, minus syncd's own echoes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syncd.engine.echo import (
    ISSUE_FIELDS,
    TICKET_FIELDS,
    comment_is_echo,
    diff,
    not_own,
    not_own_update,
    own_comment,
)
from syncd.model import Change, ChangeKind, Comment, Ref, Ticket

T = datetime(2026, 11, 1, tzinfo=UTC)
LATER = T + timedelta(seconds=5)
BASE = {"status": "open", "priority": "high", "tags": ["a", "b"], "subject": "s"}


@pytest.mark.parametrize(
    "before,after,written,delta,echoes,left",
    [
        # first sighting: everything is new
        (None, BASE, {}, set(TICKET_FIELDS), set(), {}),
        # nothing changed
        (BASE, BASE, {}, set(), set(), {}),
        # tag order is not a change
        (BASE, {**BASE, "tags": ["b", "a"]}, {}, set(), set(), {}),
        # a human change
        (BASE, {**BASE, "priority": "low"}, {}, {"priority"}, set(), {}),
        # syncd's own write coming back: an echo, and the expectation is cleared
        (BASE, {**BASE, "status": "on_hold"}, {"status": "on_hold"}, set(), {"status"}, {}),
        # the echo and a human change in the same snapshot: only the human change remains
        (
            BASE,
            {**BASE, "status": "on_hold", "priority": "low"},
            {"status": "on_hold"},
            {"priority"},
            {"status"},
            {},
        ),
        # syncd's write not seen yet: kept
        (
            BASE,
            {**BASE, "priority": "low"},
            {"status": "on_hold"},
            {"priority"},
            set(),
            {"status": "on_hold"},
        ),
    ],
)
def test_diff(
    before: dict[str, object] | None,
    after: dict[str, object],
    written: dict[str, object],
    delta: set[str],
    echoes: set[str],
    left: dict[str, object],
) -> None:
    full_after = {f: after.get(f) for f in TICKET_FIELDS}
    full_before = None if before is None else {f: before.get(f) for f in TICKET_FIELDS}
    d = diff(full_before, T, full_after, LATER, written, TICKET_FIELDS)
    assert set(d.delta) == delta
    assert set(d.echoes) == echoes
    assert d.written == left
    assert not d.stale


def test_older_snapshot_is_stale() -> None:
    d = diff({"status": "done"}, LATER, {"status": "todo"}, T, {}, ISSUE_FIELDS)
    assert d.stale and not d.delta


@pytest.mark.parametrize(
    "by_syncd,marker,is_copy,echo",
    [
        (False, None, False, False),
        (True, None, False, True),
        (False, "k-1", False, True),
        (False, None, True, True),
    ],
)
def test_comment_echo(by_syncd: bool, marker: str | None, is_copy: bool, echo: bool) -> None:
    assert comment_is_echo(_comment(by_syncd, marker), is_copy) is echo


def _comment(by_syncd: bool = False, marker: str | None = None) -> Comment:
    return Comment(
        ref=Ref.comment("gh", "1"),
        parent=Ref.issue("gh", "a#1"),
        body="x",
        by_syncd=by_syncd,
        marker=marker,
    )


def _comment_change(
    kind: ChangeKind, *, by_syncd: bool = False, marker: str | None = None
) -> Change:
    comment = _comment(by_syncd, marker)
    return Change(kind=kind, ref=comment.parent, comment=comment)


def test_syncd_own_comments_are_known_from_the_change_alone() -> None:
    human = _comment_change(ChangeKind.COMMENT)
    by_bot = _comment_change(ChangeKind.COMMENT, by_syncd=True)
    marked = _comment_change(ChangeKind.COMMENT, marker="copy:zd:1")
    deleted = _comment_change(ChangeKind.COMMENT_DELETED, marker="copy:zd:1")
    touched = Change(kind=ChangeKind.TOUCHED, ref=Ref.issue("gh", "a#1"))
    assert [own_comment(c) for c in (human, by_bot, marked, deleted, touched)] == [
        False,
        True,
        True,
        True,
        False,
    ]
    # what is queued keeps its order; a copy recorded only in the store is the worker's to see
    assert not_own([by_bot, human, marked, touched, deleted]) == [human, touched]


def _snapshot(ref: Ref) -> Change:
    return Change(kind=ChangeKind.UPSERT, ref=ref, ticket=Ticket(ref=ref, subject="s"))


def test_a_delivery_of_syncd_s_own_comment_drops_the_snapshot_it_carries() -> None:
    ticket = Ref.ticket("zd", 7)
    other = Ref.ticket("zd", 8)
    own = Change(
        kind=ChangeKind.COMMENT,
        ref=ticket,
        comment=Comment(ref=Ref.comment("zd", "1"), parent=ticket, body="x", by_syncd=True),
    )
    human = Change(
        kind=ChangeKind.COMMENT,
        ref=ticket,
        comment=Comment(ref=Ref.comment("zd", "2"), parent=ticket, body="y"),
    )
    moved = Change(kind=ChangeKind.MOVED, ref=ticket, new_ref=other)
    snap, other_snap = _snapshot(ticket), _snapshot(other)
    # syncd's update: its comment and the record's snapshot are both echoes
    assert not_own_update([snap, own]) == []
    # a person's update: kept whole, in order
    assert not_own_update([snap, human]) == [snap, human]
    # only the snapshot of the record syncd commented on, and only snapshots
    assert not_own_update([snap, other_snap, moved, own]) == [other_snap, moved]
    # nothing of syncd's: the same list
    assert not_own_update([snap]) == [snap]
