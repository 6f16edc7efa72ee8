"""Group commit of webhook deliveries, through the real app over a real store.

The app is called in-process (httpx's ASGI transport) with its lifespan entered directly, so
the intake runs as in ``syncd run``. To make a batch form without relying on timing, the
first transaction of the intake's thread waits at a gate (a SQLAlchemy ``begin`` listener)
until the test has seen the other deliveries queue up behind it. On SQLite the gate first has
another thread hold the write lock, as a worker in the middle of its transaction would.
"""

from __future__ import annotations

import asyncio

import httpx

from connectors.github.emulator.actor import config as github_config
from syncd.daemon.app import create_app
from syncd.daemon.intake import Intake
from syncd.daemon.service import Service
from syncd.settings import parse
from syncd.store.repository import Store
from tests.daemon.conftest import BODY, SECRET, headers
from tests.daemon.intake_kit import (
    Commits,
    Gate,
    client,
    count,
    intake_of,
    post,
    reached,
    run,
    until,
    webhooks_counted,
)


def test_concurrent_deliveries_are_committed_together(service: Service, store: Store) -> None:
    app = create_app(service, manage=False)
    intake = intake_of(app)
    # 40 deliveries, 10 of them sent twice in the same burst
    ids = [f"d-{n}" for n in range(40)]
    burst = ids + ids[:10]
    gate = Gate(store.engine)
    commits = Commits()

    async def scenario() -> tuple[list[httpx.Response], int, list[httpx.Response]]:
        async with app.router.lifespan_context(app), client(app) as c:
            first = asyncio.create_task(post(c, burst[0]))
            await reached(gate)  # the first delivery's transaction is open and waits
            rest = [asyncio.create_task(post(c, d)) for d in burst[1:]]
            await until("the rest queued", lambda: intake.waiting == len(rest))
            gate.open()
            answers = [await first, *await asyncio.gather(*rest)]
            batches = sum(commits.since())
            again = await asyncio.gather(*(post(c, d) for d in ids))
            return answers, batches, list(again)

    try:
        answers, batches, again = run(scenario())
    finally:
        gate.remove()
    by_id: dict[str, list[int]] = {}
    for delivery, r in zip(burst, answers, strict=True):
        by_id.setdefault(delivery, []).append(r.status_code)
    assert all(sorted(s) == [200, 202] for d, s in by_id.items() if d in ids[:10])
    assert all(s == [202] for d, s in by_id.items() if d not in ids[:10])
    assert {r.json()["status"] for r in answers} == {"accepted", "duplicate"}
    # one commit for the gated delivery, one for all 49 that queued behind it
    assert batches == 2
    assert [r.status_code for r in again] == [200] * len(ids)
    assert count(store, "SELECT count(*) FROM deliveries") == len(ids)
    assert count(store, "SELECT count(*) FROM inbox") == len(ids)


def test_every_batch_commits_on_the_intake_thread(service: Service, store: Store) -> None:
    app = create_app(service, manage=False)
    commits = Commits()

    async def scenario() -> list[int]:
        async with app.router.lifespan_context(app), client(app) as c:
            return [(await post(c, d)).status_code for d in ("p-1", "p-2", "p-1")]

    assert run(scenario()) == [202, 202, 200]
    assert commits.since() == (0, 3)  # never on the loop: it never waits for a lock there
    assert count(store, "SELECT count(*) FROM deliveries") == 2
    assert count(store, "SELECT count(*) FROM inbox") == 2


def test_a_batch_waits_for_a_busy_store_on_the_intake_thread(
    service: Service, store: Store
) -> None:
    app = create_app(service, manage=False)
    intake_of(app)
    gate = Gate(store.engine)  # on SQLite another writer holds the lock at first
    commits = Commits()

    async def scenario() -> tuple[int, bool]:
        async with app.router.lifespan_context(app), client(app) as c:
            first = asyncio.create_task(post(c, "w-1"))
            await reached(gate)
            # the loop is free meanwhile: another request is answered
            health = await c.get("/healthz")
            pending = not first.done()
            gate.open()
            status = (await first).status_code
            return status, pending and health.status_code == 200

    try:
        status, loop_was_free = run(scenario())
    finally:
        gate.remove()
    assert status == 202 and loop_was_free
    assert commits.since() == (0, 1)


def test_a_delivery_one_turn_of_the_loop_behind_joins_the_batch(
    service: Service, store: Store
) -> None:
    # the second delivery reaches the intake one turn after the first woke it, as a request
    # still being verified does: it is committed with the first, not after it
    intake = Intake(service)
    first, second = (service.receive("github", headers(d), BODY) for d in ("j-1", "j-2"))
    commits = Commits()

    async def behind() -> bool:
        await asyncio.sleep(0)
        return await intake.submit("github", second)

    async def scenario() -> list[bool]:
        intake.start()
        try:
            return list(await asyncio.gather(intake.submit("github", first), behind()))
        finally:
            await intake.stop()

    assert run(scenario()) == [True, True]
    assert sum(commits.since()) == 1
    assert count(store, "SELECT count(*) FROM inbox") == 2


def test_ingest_webhook_still_persists_one_delivery(service: Service, store: Store) -> None:
    a, d = webhooks_counted("accepted"), webhooks_counted("duplicate")
    assert service.ingest_webhook("github", headers("i-1"), BODY) == (202, "accepted")
    assert service.ingest_webhook("github", headers("i-1"), BODY) == (200, "duplicate")
    assert (webhooks_counted("accepted") - a, webhooks_counted("duplicate") - d) == (1, 1)
    assert count(store, "SELECT count(*) FROM inbox") == 1


def test_a_repeat_within_one_batch_is_a_duplicate(service: Service, store: Store) -> None:
    result = service.receive("github", headers("b-1"), BODY)
    other = service.receive("github", headers("b-2"), BODY)
    fresh = service.persist([("github", result), ("github", other), ("github", result)])
    assert fresh == [True, True, False]
    assert service.persist([("github", other)]) == [False]
    assert count(store, "SELECT count(*) FROM inbox") == 2


def test_parsing_stays_off_the_event_loop_while_it_may_call_the_vendor(store: Store) -> None:
    conf = github_config("http://127.0.0.1:9", SECRET)
    known = Service(parse({"connectors": {"github": conf}}), store=store)
    unknown = Service(parse({"connectors": {"github": {**conf, "bot_login": None}}}), store=store)
    try:
        # the bot's login is known: verify and parse are CPU only
        assert known.receives_offline("github")
        # unknown, parse_webhook asks GitHub for it first: a worker thread runs it
        assert not unknown.receives_offline("github")
        # no such connector: receive() refuses at once
        assert known.receives_offline("nosuch")
    finally:
        for conn in [*known.connectors.values(), *unknown.connectors.values()]:
            conn.close()


def test_the_service_checkpoints_a_sqlite_store_in_the_background(
    service: Service, store: Store
) -> None:
    assert ("checkpoint" in service.poller.jobs) is store.is_sqlite
    if not store.is_sqlite:
        assert store.checkpoint() is None
