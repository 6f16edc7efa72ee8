"""Turns: within one round of claimed actions, a slot of a rate limit that frees while the
lanes run goes to the action earlier in the claim's order, never to a later one that asked
after the earlier one was held."""

from __future__ import annotations

from typing import Any, NamedTuple

from syncd.engine.actions import BOOKKEEPING, PEOPLE
from syncd.engine.turns import Turns
from syncd.ratelimit import Budget, Limit


class Row(NamedTuple):
    """The two columns of an outbox row that Turns reads."""

    action: dict[str, Any]
    priority: int


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def row(kind: str, key: str, priority: int) -> Row:
    target = {"connector": "github", "kind": "issue", "key": key}
    return Row({"kind": kind, "target": target}, priority)


def turns_with(*limits: Limit) -> tuple[Turns, Clock]:
    clock = Clock()
    return Turns({"github": Budget(limits, clock=clock)}, clock=clock), clock


WRITES = Limit(name="writes", count=1, seconds=10, operations=frozenset({"update_issue"}))


def test_a_slot_freed_mid_round_is_not_taken_by_a_later_action() -> None:
    turns, clock = turns_with(WRITES)
    turns.new_round()
    assert turns.spend("github", row("update_issue", "a#1", PEOPLE)).seconds == 0
    held = turns.spend("github", row("update_issue", "a#2", PEOPLE))
    assert held.seconds > 0 and held.limit == "writes"
    clock.now += held.seconds + 0.01  # the window has room again, the round still runs
    late = turns.spend("github", row("update_issue", "a#3", BOOKKEEPING))
    assert late.seconds > 0 and late.limit == "writes"
    turns.new_round()  # the next claim, in order: the held hand-off asks first and goes
    assert turns.spend("github", row("update_issue", "a#2", PEOPLE)).seconds == 0


def test_an_action_earlier_in_the_order_still_asks() -> None:
    turns, clock = turns_with(WRITES)
    turns.new_round()
    turns.spend("github", row("update_issue", "a#1", BOOKKEEPING))
    held = turns.spend("github", row("update_issue", "a#2", BOOKKEEPING))
    clock.now += held.seconds + 0.01
    # a write people read (lower priority number) is not behind the bookkeeping held
    assert turns.spend("github", row("update_issue", "a#3", PEOPLE)).seconds == 0


def test_other_limits_and_other_records_are_not_held() -> None:
    per_issue = Limit(
        name="per issue",
        count=1,
        seconds=10,
        operations=frozenset({"update_issue"}),
        per_record=True,
    )
    turns, _ = turns_with(per_issue)
    turns.new_round()
    assert turns.spend("github", row("update_issue", "a#1", PEOPLE)).seconds == 0
    assert turns.spend("github", row("update_issue", "a#1", PEOPLE)).seconds > 0
    # another issue's window is its own; a read counts against no write limit
    assert turns.spend("github", row("update_issue", "a#2", BOOKKEEPING)).seconds == 0
    assert turns.spend("github", row("verify_issue", "a#1", BOOKKEEPING)).seconds == 0
