"""The rate budget: no window of a limit's length ever holds more than its count, per
record where the limit says so, holds from the vendor's own word, and one wait that names
the limit that holds a call."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncd.ratelimit import WRITES, Budget, Limit, guard, operation_of


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_goes_up_to_the_limit_and_the_rest_waits_its_turn() -> None:
    clock = Clock()
    budget = Budget([Limit(name="writes", count=3, seconds=60)], clock=clock)
    assert [budget.take("create_issue").seconds for _ in range(3)] == [0, 0, 0]
    wait = budget.take("create_issue")
    # the window, kept a little longer than the vendor's (a late arrival stays in its window)
    assert wait.seconds == 60 + guard(60) and wait.limit == "writes"
    clock.now += 30
    assert budget.take("create_issue").seconds == 30 + guard(60)  # asking spends nothing
    clock.now += 30 + guard(60)
    assert budget.take("create_issue").seconds == 0


def test_a_limit_counts_only_its_operations_and_its_points() -> None:
    clock = Clock()
    budget = Budget(
        [
            Limit(name="writes", count=2, seconds=60, operations=WRITES),
            Limit(name="points", count=10, seconds=60, points=dict.fromkeys(WRITES, 5)),
        ],
        clock=clock,
    )
    for _ in range(5):
        assert budget.take("read").seconds == 0  # reads: 1 point each, no write counted
    assert budget.take("add_comment").seconds == 0  # 5 points: 10 spent
    wait = budget.take("add_comment")
    assert wait.limit == "points" and wait.seconds == 60 + guard(60)


def test_a_per_record_limit_counts_each_record_alone() -> None:
    clock = Clock()
    budget = Budget([Limit(name="one ticket", count=2, seconds=600, per_record=True)], clock=clock)
    assert budget.take("update_ticket", "1").seconds == 0
    assert budget.take("update_ticket", "1").seconds == 0
    assert budget.take("update_ticket", "1").seconds == 600 + guard(600)
    assert budget.take("update_ticket", "2").seconds == 0  # another ticket: its own window


def test_the_vendor_holds_the_budget_until_its_reset() -> None:
    budget = Budget([])
    budget.hold_until_reset(5, datetime.now(UTC) + timedelta(seconds=30))
    assert budget.take("read").seconds == 0  # budget left: nothing held
    budget.hold_until_reset(0, datetime.now(UTC) + timedelta(seconds=30))
    wait = budget.take("read")
    assert 25 < wait.seconds <= 30 and wait.limit == "the vendor's budget is spent"


@settings(max_examples=200, derandomize=True, deadline=None)
@given(
    count=st.integers(1, 20),
    seconds=st.floats(1, 100),
    gaps=st.lists(st.floats(0, 30), min_size=1, max_size=200),
)
def test_no_window_ever_holds_more_than_the_count(
    count: int, seconds: float, gaps: list[float]
) -> None:
    clock = Clock()
    budget = Budget([Limit(name="l", count=count, seconds=seconds)], clock=clock)
    sent: list[float] = []
    for gap in gaps:
        clock.now += gap
        if budget.take("read").seconds == 0:
            sent.append(clock.now)
    for i, start in enumerate(sent):
        inside = [t for t in sent[i:] if t < start + seconds]
        assert len(inside) <= count


@pytest.mark.parametrize(
    ("kind", "op"),
    [("create_issue", "create_issue"), ("upsert_comment", "edit_comment"), ("set_link", None)],
)
def test_actions_map_to_operations(kind: str, op: str | None) -> None:
    assert operation_of(kind) == op
