"""The runner sends the same ticket update due for many tickets as batch writes: through the
real Zendesk connector against its emulator, each action recorded as if performed alone, and
each failure (a ticket that cannot be updated, a job failed part way or unseen, a crash)
writing nothing twice."""

from __future__ import annotations

from connectors.zendesk import factory
from connectors.zendesk.emulator import build
from syncd.engine.actions import Action, ActionKind
from syncd.engine.batch import batch_key
from syncd.model import Priority, Ref, TicketStatus
from syncd.store import outbox
from tests.connectors.zendesk.conftest import settings_for
from tests.engine import batch_writes_kit
from tests.engine.batch_writes_kit import (
    MANY,
    NOTE,
    ONE,
    RESOLVED,
    World,
    key_of,
    owed,
    settle,
    tickets,
)

# the emulator (once for this module) and a fresh store and runner for each test
served, world = batch_writes_kit.served, batch_writes_kit.world


def test_what_may_share_a_batch() -> None:
    emu = build()
    conn = factory("zendesk", settings_for("http://127.0.0.1:9"), None)
    ref = Ref.ticket("zendesk", 1)
    base = Action(kind=ActionKind.UPDATE_TICKET, key="k", lane=str(ref), target=ref, body="b")
    conns = {"zendesk": conn}
    assert batch_key(base, conns) == ("zendesk", None, "b", False)
    assert batch_key(base.model_copy(update={"key": "other"}), conns) == batch_key(base, conns)
    for alone in (
        base.model_copy(update={"priority": Priority.HIGH}),
        base.model_copy(update={"add_tags": ("x",)}),
        base.model_copy(update={"status": "solved", "status_over": ("hold",)}),
        base.model_copy(update={"message": "dev_to_customer", "public": True}),
        base.model_copy(update={"body": None}),
    ):
        assert batch_key(alone, conns) is None
    assert batch_key(base, {}) is None
    emu.control.webhooks.close()
    conn.close()


def test_identical_writes_to_many_tickets_go_as_batches(world: World) -> None:
    refs = tickets(world, 5)
    owed(world, refs)
    many, one = world.requests(MANY), world.requests(ONE)
    assert settle(world) == {"done": 10}
    assert world.requests(MANY) - many == 2  # the notes, then the messages with the status
    assert world.requests(ONE) == one
    for ref in refs:
        assert world.status(ref) == "solved"
        (told,) = world.comments(ref, RESOLVED)
        assert told.public and told.marker == key_of(world, ref)
        (note,) = world.comments(ref, NOTE)
        assert not note.public and note.marker == f"{key_of(world, ref)}:note"
    audit = [r for r in world.store.audit_since(0, 100) if r.event == "resolved"]
    assert sorted(r.ticket_ref for r in audit) == sorted(str(r) for r in refs)
    with world.store.tx() as tx:  # the values written are expected back as echoes
        assert all(world.store.shadow(tx, str(r)).written["status"] == "solved" for r in refs)


def test_different_writes_and_a_lone_write_go_singly(world: World) -> None:
    refs = tickets(world, 3)
    for n, ref in enumerate(refs):
        owed(world, [ref], note=False, body=f"{RESOLVED} ({n})")
    many, one = world.requests(MANY), world.requests(ONE)
    assert settle(world) == {"done": 3}
    assert world.requests(MANY) == many
    assert world.requests(ONE) - one == 3
    assert all(world.status(r) == "solved" for r in refs)


def test_a_ticket_that_cannot_be_updated_fails_alone(world: World) -> None:
    closed, *fine = tickets(world, 4)
    world.emu.set_status(int(closed.key), "closed")
    owed(world, [closed, *fine], note=False)
    many = world.requests(MANY)
    assert settle(world) == {"done": 3, "dead": 1}
    assert world.requests(MANY) - many == 1
    assert all(world.status(r) == "solved" and world.comments(r, RESOLVED) for r in fine)
    with world.store.tx() as tx:
        (dead,) = outbox.list_dead(tx)
    assert dead.lane == str(closed) and "closed" in dead.reason


def test_a_job_that_failed_part_way_retries_only_the_tickets_it_did_not_reach(
    world: World,
) -> None:
    refs = tickets(world, 4)
    owed(world, refs, note=False)
    world.emu.state.jobs.fail_after = 2
    many = world.requests(MANY)
    world.runner.drain()
    with world.store.tx() as tx:
        assert outbox.counts(tx) == {"done": 2, "pending": 2}
    assert settle(world) == {"done": 4}
    assert world.requests(MANY) - many == 2  # the second batch: the two left
    assert all(len(world.comments(r, RESOLVED)) == 1 for r in refs)
    assert all(world.status(r) == "solved" for r in refs)


def test_a_failed_batch_is_retried_and_writes_once(world: World) -> None:
    refs = tickets(world, 3)
    owed(world, refs, note=False)
    world.emu.control.faults.add("status", status=503, path="update_many")
    many = world.requests(MANY)
    assert settle(world) == {"done": 3}
    assert world.requests(MANY) - many == 2  # refused, then again on the retry
    assert all(len(world.comments(r, RESOLVED)) == 1 for r in refs)


def test_a_job_whose_end_was_not_seen_is_not_written_twice(world: World) -> None:
    # the job runs, but syncd cannot read how it ended: each action is retried, finds its
    # comment by its key and sets only what is left, one request each
    refs = tickets(world, 3)
    owed(world, refs, note=False)
    world.emu.control.faults.add("status", status=500, path="job_statuses", times=None)
    world.runner.drain()
    world.emu.control.faults.clear()
    many = world.requests(MANY)
    assert settle(world) == {"done": 3}
    assert world.requests(MANY) == many
    for ref in refs:
        assert world.status(ref) == "solved"
        assert len(world.comments(ref, RESOLVED)) == 1


def test_a_crash_between_the_batch_and_its_record_duplicates_nothing(world: World) -> None:
    refs = tickets(world, 4)
    owed(world, refs, note=False)
    # a runner claims the actions, its batch write lands, and it dies before recording
    with world.store.tx() as tx:
        claimed, _ = outbox.claim(tx, outbox.due(tx, 100))
    assert len(claimed) == 4
    keys = {Ref.parse(str(row.lane)): str(row.key) for row, _ in claimed}
    landed = {ref: keys[ref] for ref in refs[:3]}  # the fourth ticket's write never left
    written = world.conn.update_tickets(
        landed, status=TicketStatus.SOLVED, comment=RESOLVED, public=True
    )
    assert written.done == frozenset(refs[:3])
    with world.store.tx() as tx:  # its lease ran out: the actions are due again
        for row, _ in claimed:
            outbox.retry(tx, row.id, "runner died", 0.0)
    many = world.requests(MANY)
    assert settle(world) == {"done": 4}
    assert world.requests(MANY) == many
    assert all(len(world.comments(r, RESOLVED)) == 1 for r in refs)


def test_a_retry_joins_a_batch_when_its_comment_is_not_there(world: World) -> None:
    refs = tickets(world, 3)
    owed(world, refs, note=False)
    with world.store.tx() as tx:  # claimed once, and the runner died before any write
        claimed, _ = outbox.claim(tx, outbox.due(tx, 100))
        for row, _ in claimed:
            outbox.retry(tx, row.id, "runner died", 0.0)
    many = world.requests(MANY)
    assert settle(world) == {"done": 3}
    assert world.requests(MANY) - many == 1
    assert all(len(world.comments(r, RESOLVED)) == 1 for r in refs)
