"""The daemon's ASGI app over a store, called in-process with a chosen client address."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from syncd.daemon.app import create_app
from syncd.daemon.service import Service
from syncd.settings import parse
from syncd.store.repository import Store
from tests.dashboard import known

LOOPBACK = ("127.0.0.1", 40000)
REMOTE = ("10.1.2.3", 1234)  # never contacted: the address only goes into the ASGI scope


def make_app(store: Store, dashboard: dict[str, Any] | None = None) -> FastAPI:
    """The real app over ``store``, with no connectors and nothing started."""
    settings = parse({"dashboard": dashboard or {}})
    return create_app(Service(settings, store=store, connectors={}), manage=False)


def call(
    app: FastAPI,
    path: str,
    *,
    client: tuple[str, int] = LOOPBACK,
    headers: dict[str, str] | None = None,
    params: dict[str, Any] | None = None,
) -> httpx.Response:
    """One GET through httpx's ASGI transport, as if it came from ``client``."""

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=client)
        async with httpx.AsyncClient(transport=transport, base_url="http://syncd") as c:
            return await c.get(path, headers=headers, params=params)

    return asyncio.run(go())


@pytest.fixture
def filled(store: Store) -> Iterator[tuple[FastAPI, dict[str, int]]]:
    """The app over a store holding ``known.LINKS``."""
    ids = known.fill(store)
    yield make_app(store), ids
