"""Where a delivery is parsed: on the event loop while its connector needs no remote call,
on a thread when one delivery needs one after all (``NeedsThread``), and the answer and the
inbox row are the same either way. Zendesk names a requester it has not seen by reading the
user: the first delivery of a new requester takes the thread, the next ones the loop."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from connectors.zendesk.emulator import ZendeskEmulator, build
from connectors.zendesk.emulator.actor import ZendeskActor, config
from syncd.daemon.app import create_app
from syncd.daemon.service import Service
from syncd.model import Change
from syncd.settings import parse
from syncd.store.repository import Store
from syncd.testing.server import ServerThread
from tests.daemon.intake_kit import client

SECRET = "zendesk-intake-secret"


@pytest.fixture
def zendesk() -> Iterator[tuple[ZendeskEmulator, str]]:
    emu = build(webhook_secret=SECRET)
    with ServerThread(emu.app) as srv:
        yield emu, srv.url


def _signed_deliveries(emu: ZendeskEmulator, event: str) -> list[tuple[dict[str, str], bytes]]:
    return [(h, b) for name, h, b in emu.control.webhooks.captured if name.endswith(event)]


def test_a_new_requester_is_named_on_a_thread_then_on_the_loop(
    store: Store, zendesk: tuple[ZendeskEmulator, str]
) -> None:
    emu, url = zendesk
    settings = parse({"connectors": {"zd": config(url, SECRET)}})
    service = Service(settings, store=store)
    service.check()  # as `syncd run` does at start: the bot's id is known from here on
    actor = ZendeskActor(emu, "zd", url)
    first = actor.create_ticket("Export fails", "It crashes.", tags=[], requester="Ada Lovelace")
    second = actor.create_ticket("Import fails", "Same.", tags=[], requester="Ada Lovelace")
    created = _signed_deliveries(emu, "ticket.created")[-2:]
    app = create_app(service, manage=False)

    async def deliver() -> list[int]:
        async with app.router.lifespan_context(app), client(app) as c:
            answers = []
            for headers, body in created:
                resp = await c.post("/webhooks/zd", content=body, headers=headers)
                answers.append(resp.status_code)
            return answers

    users = emu.control.total("GET /api/v2/users/")
    assert asyncio.run(deliver()) == [202, 202]
    # the requester was read once, for the first delivery; the second was parsed on the loop
    assert emu.control.total("GET /api/v2/users/") == users + 1
    with store.tx() as tx:
        rows = tx.exec_driver_sql("SELECT change FROM inbox ORDER BY id").fetchall()
    snapshots = [_ticket(r[0]) for r in rows]
    named = {str(c.ref): c.ticket.requester for c in snapshots if c.ticket is not None}
    assert named == {str(first): "Ada Lovelace", str(second): "Ada Lovelace"}


def _ticket(doc: Any) -> Change:
    return Change.model_validate_json(doc) if isinstance(doc, str) else Change.model_validate(doc)
