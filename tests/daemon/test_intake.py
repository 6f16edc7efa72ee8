"""Group commit of webhook deliveries, through the real app over a real store.

The app is called in-process (httpx's ASGI transport) with its lifespan entered directly, so
the intake runs as in ``syncd run``. To make a batch form without relying on timing, the
first transaction of the intake's thread waits at a gate (a SQLAlchemy ``begin`` listener)
until the test has seen the other deliveries queue up behind it. On SQLite a batch commits on
the event loop when the write lock is free, so there the gate first has another thread hold
the lock, as a worker in the middle of its transaction would: the first batch goes to the
intake's thread.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from structlog.testing import capture_logs

from connectors.github.emulator_actor import config as github_config
from connectors.github.webhooks import sign
from syncd.daemon import metrics
from syncd.daemon.app import create_app
from syncd.daemon.intake import BURST, WINDOW, Intake
from syncd.daemon.service import Service
from syncd.settings import parse
from syncd.store.db import writer_lock
from syncd.store.repository import Store
from tests.conftest import SAMPLES

SECRET = "intake-test-secret"
BODY = (
    SAMPLES / "github" / "payload-examples" / "api.github.com" / "issues" / "opened.payload.json"
).read_bytes()
WAIT = 30.0  # a bound on waiting for a condition, never a delay the test relies on


def headers(delivery: str) -> dict[str, str]:
    """A signed GitHub ``issues`` delivery with id ``delivery``."""
    return {
        "Content-Type": "application/json",
        "X-GitHub-Event": "issues",
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": sign(SECRET, BODY),
    }


@pytest.fixture
def service(store: Store) -> Iterator[Service]:
    """A service with a GitHub connector (never contacted) over the test's store."""
    settings = parse({"connectors": {"github": github_config("http://127.0.0.1:9", SECRET)}})
    svc = Service(settings, store=store)
    yield svc
    for conn in svc.connectors.values():
        conn.close()


class OtherWriter:
    """Another thread holding this process's SQLite write lock until :meth:`release`."""

    def __init__(self, engine: sa.Engine) -> None:
        lock = writer_lock(engine)
        assert lock is not None
        taken, self._done = threading.Event(), threading.Event()

        def hold() -> None:
            with lock:
                taken.set()
                self._done.wait(WAIT)

        self._thread = threading.Thread(target=hold, name="other-writer")
        self._thread.start()
        assert taken.wait(WAIT)

    def release(self) -> None:
        self._done.set()
        self._thread.join(WAIT)


class Gate:
    """Holds the intake thread's first transaction until :meth:`open`; counts commits and
    the threads they ran on."""

    def __init__(self, engine: sa.Engine, *, hold: bool = True) -> None:
        self.engine = engine
        self.commits = 0
        self.threads: list[str] = []
        self._held = not hold
        self._open = threading.Event()
        self.reached = threading.Event()
        # on SQLite: the first batch must find the lock taken, or it commits in place
        self.other = OtherWriter(engine) if hold and writer_lock(engine) else None
        sa.event.listen(engine, "begin", self._begin)
        sa.event.listen(engine, "commit", self._commit)

    def _begin(self, _conn: sa.Connection) -> None:
        if not self._held and threading.current_thread().name.startswith("intake"):
            self._held = True
            self.reached.set()
            self._open.wait(WAIT)

    def _commit(self, _conn: sa.Connection) -> None:
        self.commits += 1
        self.threads.append(threading.current_thread().name)

    def open(self) -> None:
        self._open.set()

    def remove(self) -> None:
        self.open()
        if self.other is not None:
            self.other.release()
        sa.event.remove(self.engine, "begin", self._begin)
        sa.event.remove(self.engine, "commit", self._commit)


def intake_of(app: FastAPI) -> Intake:
    intake = app.state.intake
    assert isinstance(intake, Intake)
    return intake


async def until(what: str, probe: Any) -> None:
    """Let the event loop run until ``probe()`` holds (bounded by WAIT seconds)."""
    async with asyncio.timeout(WAIT):
        while not probe():
            await asyncio.sleep(0)
    assert probe(), what


def run(scenario: Any) -> Any:
    """Run a scenario on a fresh event loop; a hang fails the test instead of stalling it."""
    return asyncio.run(asyncio.wait_for(scenario, 2 * WAIT))


async def reached(gate: Gate) -> None:
    if gate.other is not None:
        await until("the batch went to the intake's thread", intake_thread_started)
        gate.other.release()
    await until("the intake reached the gate", gate.reached.is_set)


def intake_thread_started() -> bool:
    return any(t.name.startswith("intake") for t in threading.enumerate())


@asynccontextmanager
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://syncd") as c:
        yield c


def post(c: httpx.AsyncClient, delivery: str) -> Any:
    return c.post("/webhooks/github", content=BODY, headers=headers(delivery))


def webhooks_counted(outcome: str) -> float:
    labels = {"connector": "github", "outcome": outcome}
    return metrics.REGISTRY.get_sample_value("syncd_webhooks_total", labels) or 0.0


def count(store: Store, sql: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.text(sql)).scalar_one())


def test_concurrent_deliveries_are_committed_together(service: Service, store: Store) -> None:
    app = create_app(service, manage=False)
    intake = intake_of(app)
    # 40 deliveries, 10 of them sent twice in the same burst
    ids = [f"d-{n}" for n in range(40)]
    burst = ids + ids[:10]
    gate = Gate(store.engine)

    async def scenario() -> tuple[list[httpx.Response], int, list[httpx.Response]]:
        async with app.router.lifespan_context(app), client(app) as c:
            first = asyncio.create_task(post(c, burst[0]))
            await reached(gate)  # the first delivery's transaction is open and waits
            rest = [asyncio.create_task(post(c, d)) for d in burst[1:]]
            await until("the rest queued", lambda: intake.waiting == len(rest))
            gate.open()
            answers = [await first, *await asyncio.gather(*rest)]
            commits = gate.commits
            again = await asyncio.gather(*(post(c, d) for d in ids))
            return answers, commits, list(again)

    try:
        answers, commits, again = run(scenario())
    finally:
        gate.remove()
    by_id: dict[str, list[int]] = {}
    for delivery, r in zip(burst, answers, strict=True):
        by_id.setdefault(delivery, []).append(r.status_code)
    assert all(sorted(s) == [200, 202] for d, s in by_id.items() if d in ids[:10])
    assert all(s == [202] for d, s in by_id.items() if d not in ids[:10])
    assert {r.json()["status"] for r in answers} == {"accepted", "duplicate"}
    # one commit for the gated delivery, one for all 49 that queued behind it
    assert commits == 2
    assert [r.status_code for r in again] == [200] * len(ids)
    assert count(store, "SELECT count(*) FROM deliveries") == len(ids)
    assert count(store, "SELECT count(*) FROM inbox") == len(ids)
    # the deliveries never entered the framework: its middleware stack was never built
    assert app.middleware_stack is None


def test_a_batch_commits_in_place_when_the_store_is_free(service: Service, store: Store) -> None:
    app = create_app(service, manage=False)
    gate = Gate(store.engine, hold=False)

    async def scenario() -> list[int]:
        async with app.router.lifespan_context(app), client(app) as c:
            return [(await post(c, d)).status_code for d in ("p-1", "p-2", "p-1")]

    try:
        statuses = run(scenario())
    finally:
        gate.remove()
    assert statuses == [202, 202, 200]
    loop_thread = threading.current_thread().name  # asyncio.run runs the loop here
    if writer_lock(store.engine) is not None:
        # SQLite, lock free: no hop to a thread and back
        assert gate.threads == [loop_thread] * 3
    else:
        # PostgreSQL: every statement is a round trip, never on the loop
        assert gate.threads and all(t.startswith("intake") for t in gate.threads)


def test_a_batch_waits_for_a_busy_store_on_the_intake_thread(
    service: Service, store: Store
) -> None:
    app = create_app(service, manage=False)
    gate = Gate(store.engine)  # on SQLite another writer holds the lock at first

    async def scenario() -> tuple[int, bool]:
        async with app.router.lifespan_context(app), client(app) as c:
            first = asyncio.create_task(post(c, "w-1"))
            await reached(gate)
            # the loop is free meanwhile: another request is answered
            health = await c.get("/healthz")
            pending = not first.done()
            gate.open()
            return (await first).status_code, pending and health.status_code == 200

    try:
        status, loop_was_free = run(scenario())
    finally:
        gate.remove()
    assert status == 202 and loop_was_free
    assert gate.threads == ["intake_0"]


class StoreDown:
    """Fails the inbox insert of every transaction, after its delivery ids were inserted."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.active = True
        sa.event.listen(engine, "before_cursor_execute", self._fail)

    def _fail(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO INBOX"):
            raise sa.exc.OperationalError(statement, None, Exception("disk I/O error"))

    def remove(self) -> None:
        if self.active:
            self.active = False
            sa.event.remove(self.engine, "before_cursor_execute", self._fail)


def test_a_failed_batch_answers_503_and_writes_nothing(service: Service, store: Store) -> None:
    app = create_app(service, manage=False)
    ids = [f"f-{n}" for n in range(6)]
    before = webhooks_counted("rejected_503")
    down = StoreDown(store.engine)

    async def scenario() -> tuple[list[httpx.Response], list[httpx.Response]]:
        async with app.router.lifespan_context(app), client(app) as c:
            failed = await asyncio.gather(*(post(c, d) for d in ids))
            down.remove()  # the store is back: the vendor's retries are new deliveries
            retried = await asyncio.gather(*(post(c, d) for d in ids))
            return list(failed), list(retried)

    try:
        with capture_logs() as logs:
            failed, retried = run(scenario())
    finally:
        down.remove()
    assert [r.status_code for r in failed] == [503] * len(ids)
    assert all("store unavailable" in r.json()["error"] for r in failed)
    assert webhooks_counted("rejected_503") - before == len(ids)
    commit_failures = [e for e in logs if e["event"] == "intake.commit_failed"]
    assert commit_failures and all("disk I/O error" in e["error"] for e in commit_failures)
    assert sum(e["deliveries"] for e in commit_failures) == len(ids)
    assert SECRET not in repr(logs) and "Codertocat" not in repr(logs)  # no secret, no body
    # nothing of the failed batches was kept: the retries were new, each persisted once
    assert [r.status_code for r in retried] == [202] * len(ids)
    assert count(store, "SELECT count(*) FROM deliveries") == len(ids)
    assert count(store, "SELECT count(*) FROM inbox") == len(ids)


def test_stopping_commits_and_answers_what_is_queued(service: Service, store: Store) -> None:
    app = create_app(service, manage=False)
    intake = intake_of(app)
    ids = [f"s-{n}" for n in range(20)]
    gate = Gate(store.engine)

    async def scenario() -> tuple[list[httpx.Response], bool, httpx.Response]:
        lifespan: AbstractAsyncContextManager[Any] = app.router.lifespan_context(app)
        await lifespan.__aenter__()
        async with client(app) as c:
            first = asyncio.create_task(post(c, ids[0]))
            await reached(gate)
            rest = [asyncio.create_task(post(c, d)) for d in ids[1:]]
            await until("the rest queued", lambda: intake.waiting == len(rest))
            stopping = asyncio.create_task(lifespan.__aexit__(None, None, None))
            await until("the intake closed", lambda: not intake.running)
            pending = not any(t.done() for t in [first, *rest])
            gate.open()
            await stopping
            answers = [await first, *await asyncio.gather(*rest)]
            # after stop a late delivery is still persisted, on its own
            late = await post(c, "s-late")
        return answers, pending, late

    try:
        answers, pending, late = run(scenario())
    finally:
        gate.remove()
    assert pending  # stop began while every delivery still waited for its answer
    assert [r.status_code for r in answers] == [202] * len(ids)
    assert late.status_code == 202
    assert count(store, "SELECT count(*) FROM deliveries") == len(ids) + 1
    assert count(store, "SELECT count(*) FROM inbox") == len(ids) + 1


def test_without_a_lifespan_each_delivery_is_persisted_alone(
    service: Service, store: Store
) -> None:
    app = create_app(service, manage=False)

    async def scenario() -> list[int]:
        async with client(app) as c:
            return [(await post(c, d)).status_code for d in ("a-1", "a-2", "a-1")]

    assert run(scenario()) == [202, 202, 200]
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


def test_the_intake_is_busy_while_a_burst_queues_up(service: Service) -> None:
    now = [100.0]
    intake = Intake(service, clock=lambda: now[0])
    assert not intake.busy()
    intake._committed(BURST - 1)
    assert not intake.busy()  # a few deliveries are not a burst
    intake._committed(1)
    assert intake.busy()  # 8 deliveries in 2 commits: they queued up for the store
    now[0] += WINDOW  # the next window still sees the last one's deliveries
    assert intake.busy()
    now[0] += WINDOW
    assert not intake.busy()  # two windows without a commit: quiet
    intake._committed(BURST // 2)
    now[0] += WINDOW
    intake._committed(BURST - BURST // 2)
    assert intake.busy()  # spread over two windows in a row
    now[0] += 5 * WINDOW
    for _ in range(3 * BURST):
        intake._committed(1)
    assert not intake.busy()  # a fast stream committed as it comes is no burst


def worker_waits(store: Store, busy: Any, longest: float) -> float:
    """Seconds ``Service._intake_first`` held the worker back with ``busy`` as the signal."""
    conf = github_config("http://127.0.0.1:9", SECRET)
    svc = Service(
        parse({"connectors": {"github": conf}, "engine": {"intake_first": longest}}), store=store
    )
    svc.intake_busy = busy
    try:
        began = time.monotonic()
        svc._intake_first()
        return time.monotonic() - began
    finally:
        for conn in svc.connectors.values():
            conn.close()


def test_the_worker_lets_a_burst_go_first_for_a_bounded_time(store: Store) -> None:
    asked: list[int] = []

    def quiet() -> bool:
        asked.append(1)
        return False

    worker_waits(store, quiet, 5.0)
    assert len(asked) == 1  # no burst: the worker goes on at once

    answers = iter([True, True, True, False])
    asked.clear()

    def burst_then_quiet() -> bool:
        asked.append(1)
        return next(answers)

    assert worker_waits(store, burst_then_quiet, 5.0) < 5.0
    assert len(asked) == 4  # it waited until the burst was over, and no longer

    held = worker_waits(store, lambda: True, 0.05)
    assert 0.05 <= held < 5.0  # an endless burst holds it back only ``intake_first``

    asked.clear()
    assert worker_waits(store, burst_then_quiet, 0.0) < 5.0
    assert asked == []  # 0 turns it off
