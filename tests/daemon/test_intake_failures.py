"""The intake when the store fails, when it stops with deliveries queued, and without a
lifespan: nothing half-written, every delivery answered."""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import sqlalchemy as sa
from structlog.testing import capture_logs

from syncd.daemon.app import create_app
from syncd.daemon.service import Service
from syncd.store.repository import Store
from tests.daemon.conftest import SECRET
from tests.daemon.intake_kit import (
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


class StoreDown:
    """Fails every insert into the inbox, after the delivery ids of its transaction were
    inserted: a trigger in the database, so it fails whichever connection writes."""

    SQLITE = (
        "CREATE TRIGGER store_down BEFORE INSERT ON inbox "
        "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END",
    )
    POSTGRES = (
        "CREATE FUNCTION store_down() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'disk I/O error'; END $$",
        "CREATE TRIGGER store_down BEFORE INSERT ON inbox "
        "FOR EACH ROW EXECUTE FUNCTION store_down()",
    )

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.active = True
        sqlite = engine.dialect.name == "sqlite"
        self._undo = (
            ["DROP TRIGGER store_down"]
            if sqlite
            else [
                "DROP TRIGGER store_down ON inbox",
                "DROP FUNCTION store_down()",
            ]
        )
        with engine.begin() as conn:
            for sql in self.SQLITE if sqlite else self.POSTGRES:
                conn.exec_driver_sql(sql)

    def remove(self) -> None:
        if self.active:
            self.active = False
            with self.engine.begin() as conn:
                for sql in self._undo:
                    conn.exec_driver_sql(sql)


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
