"""The batch writes' test world: a Zendesk emulator served once a module, the real connector, a
store and a runner on them (the served and world fixtures), and the helpers that make tickets,
queue what the planner owes them when their issue is done, and drain until all settled."""

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
from syncd.engine.health import Health
from syncd.engine.planner import Rules
from syncd.engine.runner import Runner
from syncd.model import Ref
from syncd.ratelimit import Budget
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
