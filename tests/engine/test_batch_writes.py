"""The runner sends the same ticket update due for many tickets as batch writes: through the
real Zendesk connector against its emulator, each action recorded as if performed alone."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from connectors.zendesk import ZendeskConnector, factory
from connectors.zendesk.emulator import ZendeskEmulator, build
from syncd.engine.actions import Action, ActionKind
from syncd.engine.batch import batch_key
from syncd.engine.health import Health
from syncd.engine.planner import Rules
from syncd.engine.runner import Runner
from syncd.model import Priority, Ref, TicketStatus
from syncd.ratelimit import Budget, Limit, Operation
from syncd.store import outbox
from syncd.store.repository import Store
from syncd.templates import Templates
from syncd.testing.server import ServerThread
from tests.connectors.zendesk.conftest import settings_for

RESOLVED = "Good news: the problem you reported has been fixed by our developers."
NOTE = "The developers closed the issue as done."
MANY = "PUT /api/v2/tickets/update_many.json"
LOOKS = "GET /api/v2/job_statuses/"
ONE = "PUT /api/v2/tickets/{n}.json"
ISSUE = "github:issue:acme/widgets#7"


@dataclass
class World:
    emu: ZendeskEmulator
    conn: ZendeskConnector
    store: Store
    runner: Runner

    def requests(self, endpoint: str) -> int:
        return self.emu.control.requests[endpoint]

    def comments(self, ref: Ref, body: str) -> list[Any]:
        return [c for c in self.conn.comments(ref) if c.body == body]

    def status(self, ref: Ref) -> str:
        return str(self.emu.ticket(int(ref.key))["status"])


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[ZendeskEmulator, str]]:
    emu = build(incremental_limit=10_000)
    with ServerThread(emu.app) as srv:
        yield emu, srv.url
    emu.control.webhooks.close()


def make_world(
    served: tuple[ZendeskEmulator, str],
    folder: Path,
    budgets: dict[str, Budget] | None = None,
    **settings: Any,
) -> World:
    emu, url = served
    conn = factory("zendesk", settings_for(url, **settings), None)
    rules = Rules(routes=(), templates=Templates(), capabilities={"zendesk": conn.capabilities})
    store = Store.open(f"sqlite:///{folder / 'syncd.db'}")
    runner = Runner(
        store,
        {"zendesk": conn},
        rules,
        Health(["zendesk"]),
        backoff_base=0.01,
        backoff_cap=0.05,
        max_attempts=4,
        budgets=budgets,
    )
    return World(emu, conn, store, runner)


@pytest.fixture
def world(served: tuple[ZendeskEmulator, str], tmp_path: Path) -> Iterator[World]:
    w = make_world(served, tmp_path)
    yield w
    w.emu.control.faults.clear()
    w.runner.close()
    w.store.close()
    w.conn.close()


def tickets(world: World, n: int) -> list[Ref]:
    return [Ref.ticket("zendesk", world.emu.create_ticket(f"Crash {i}")) for i in range(n)]


def owed(world: World, refs: list[Ref], *, note: bool = True, body: str = RESOLVED) -> None:
    """What the planner owes each ticket when its issue is done: a note, then the message
    with the solved status (as ``devside`` plans them)."""
    rows = []
    with world.store.tx() as tx:
        for ref in refs:
            link = world.store.create_link(
                tx, ticket_ref=str(ref), issue_ref=ISSUE, route="widgets", mode="pending"
            )
            common: dict[str, Any] = {
                "kind": ActionKind.UPDATE_TICKET,
                "lane": str(ref),
                "target": ref,
                "link_id": link.id,
            }
            key = f"status:{link.id}:done:t1"
            if note:
                rows.append(
                    Action(**common, key=f"{key}:note", body=NOTE, message="resolved_note").row()
                )
            rows.append(
                Action(
                    **common,
                    key=key,
                    status="solved",
                    public=True,
                    message="resolved",
                    body=body,
                ).row()
            )
        outbox.add(tx, rows)


def settle(world: World, rounds: int = 200) -> dict[str, int]:
    """Drain until nothing is pending or running (retries come due after their backoff)."""
    for _ in range(rounds):
        world.runner.drain()
        with world.store.tx() as tx:
            counts = outbox.counts(tx)
        if not counts.get("pending") and not counts.get("running"):
            return counts
        time.sleep(0.02)
    raise AssertionError(f"outbox not settled: {counts}")


def key_of(world: World, ref: Ref) -> str:
    with world.store.tx() as tx:
        link = world.store.link_for_ticket(tx, str(ref))
    assert link is not None
    return f"status:{link.id}:done:t1"


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
