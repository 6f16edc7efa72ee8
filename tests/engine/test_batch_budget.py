"""Batch writes and the rate-limit budget: each batch request spends it once, the looks at a
job are spent from it too, and a look it does not allow is not made."""

from __future__ import annotations

from pathlib import Path

from connectors.zendesk.emulator import ZendeskEmulator
from syncd.ratelimit import Budget, Limit, Operation
from syncd.store import outbox
from tests.engine import batch_writes_kit
from tests.engine.batch_writes_kit import LOOKS, MANY, RESOLVED, make_world, owed, settle, tickets

served = batch_writes_kit.served  # the emulator, once for this module


def test_each_request_spends_the_budget_once(
    served: tuple[ZendeskEmulator, str], tmp_path: Path
) -> None:
    batches = frozenset({"update_tickets"})
    budget = Budget([Limit(name="batches", count=1, seconds=3600, operations=batches)])
    world = make_world(served, tmp_path, {"zendesk": budget})
    try:
        refs = tickets(world, 150)
        owed(world, refs, note=False)
        many = world.requests(MANY)
        world.runner.drain()
        assert world.requests(MANY) - many == 1  # 100 and 50 tickets: one went, one waits
        with world.store.tx() as tx:
            counts = outbox.counts(tx)
        assert (counts.get("done"), counts.get("pending")) in ((100, 50), (50, 100))
    finally:
        world.runner.close()
        world.store.close()
        world.conn.close()


def left_in(budget: Budget, op: Operation = "read") -> int:
    """How many more requests of ``op`` the budget lets go now (spending them)."""
    n = 0
    while budget.take(op).seconds == 0:
        n += 1
    return n


def test_the_looks_at_a_job_are_spent_from_the_budget(
    served: tuple[ZendeskEmulator, str], tmp_path: Path
) -> None:
    budget = Budget([Limit(name="requests", count=500, seconds=3600)])
    world = make_world(served, tmp_path, {"zendesk": budget})
    try:
        refs = tickets(world, 3)
        owed(world, refs, note=False)
        many, looks = world.requests(MANY), world.emu.control.total(LOOKS)
        assert settle(world) == {"done": 3}
        many, looks = world.requests(MANY) - many, world.emu.control.total(LOOKS) - looks
        assert (many, looks) >= (1, 1)
        assert left_in(budget) == 500 - many - looks  # every request the batch made
    finally:
        world.runner.close()
        world.store.close()
        world.conn.close()


def test_a_look_the_budget_does_not_allow_is_not_made(
    served: tuple[ZendeskEmulator, str], tmp_path: Path
) -> None:
    # the batch may go, but no read is left this hour: the job is not looked at, its
    # tickets count as unknown until the job's time is up, and a retry finds each
    # ticket's comment and writes only what is left (nothing twice)
    reads = Limit(name="reads", count=1, seconds=3600, operations=frozenset({"read"}))
    budget = Budget([reads])
    world = make_world(served, tmp_path, {"zendesk": budget}, job_timeout=0.3)
    try:
        assert budget.take("read").seconds == 0  # a read just went: none is left
        refs = tickets(world, 3)
        owed(world, refs, note=False)
        many, looks = world.requests(MANY), world.emu.control.total(LOOKS)
        world.runner.drain()
        assert world.requests(MANY) - many == 1
        assert world.emu.control.total(LOOKS) == looks  # not looked at
        with world.store.tx() as tx:
            assert outbox.counts(tx) == {"pending": 3}  # to be retried
        assert settle(world) == {"done": 3}
        assert world.emu.control.total(LOOKS) == looks
        assert world.requests(MANY) - many == 1
        assert all(len(world.comments(r, RESOLVED)) == 1 for r in refs)
        assert {world.status(r) for r in refs} == {"solved"}
    finally:
        world.runner.close()
        world.store.close()
        world.conn.close()
