"""Tools for the intake's tests: another writer holding the lock, a gate that holds the
intake thread's first transaction, the commit counter, and an in-process client whose
lifespan the test enters itself."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import sqlalchemy as sa
from fastapi import FastAPI

from syncd import metrics
from syncd.daemon.intake import Intake
from syncd.store.db import writer_lock
from syncd.store.repository import Store
from tests.daemon.conftest import BODY, WAIT, headers


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
    """Holds the intake thread's first transaction until :meth:`open`."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._held = False
        self._open = threading.Event()
        self.reached = threading.Event()
        # on SQLite: the first batch must find the lock taken, or it commits in place
        self.other = OtherWriter(engine) if writer_lock(engine) else None
        sa.event.listen(engine, "begin", self._begin)

    def _begin(self, _conn: sa.Connection) -> None:
        if not self._held and threading.current_thread().name.startswith("intake"):
            self._held = True
            self.reached.set()
            self._open.wait(WAIT)

    def open(self) -> None:
        self._open.set()

    def remove(self) -> None:
        self.open()
        if self.other is not None:
            self.other.release()
        sa.event.remove(self.engine, "begin", self._begin)


class Commits:
    """Intake commits since it was made, on the event loop and on a thread (the metric)."""

    def __init__(self) -> None:
        self._before = self._now()

    @staticmethod
    def _now() -> tuple[float, float]:
        def value(on: str) -> float:
            sample = metrics.REGISTRY.get_sample_value("syncd_intake_commits_total", {"on": on})
            return sample or 0.0

        return value("loop"), value("thread")

    def since(self) -> tuple[int, int]:
        """(on the loop, on a thread) since this was made."""
        (l0, t0), (l1, t1) = self._before, self._now()
        return int(l1 - l0), int(t1 - t0)


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
