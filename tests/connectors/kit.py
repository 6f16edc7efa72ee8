"""What the connector tests share besides the contract: a vendor sample's JSON, the last
delivery an emulator captured, the fixtures of a real server, the self-test run and its rows,
the webhook fuzz's loop, and OpenAPI's ``nullable`` read as JSON Schema."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any, NamedTuple, Protocol, TypeVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncd.connector import Connector, DiagnoseContext, Finding
from syncd.selftest import run
from syncd.testing.emulation import EmulatorControl
from syncd.testing.webhook_sender import WebhookSender
from tests.webhook_fuzz import FUZZ, delivery_ids, door, mutated


class Emulator(Protocol):
    """An emulator as the fixtures serve it: its ASGI app and its control."""

    app: Any
    control: EmulatorControl


def load(path: Path) -> Any:
    """A JSON file of the vendor samples."""
    return json.loads(path.read_text())


def last_delivery(webhooks: WebhookSender) -> tuple[dict[str, str], bytes] | None:
    """The headers and body of the last delivery an emulator signed (None: none yet)."""
    if not webhooks.captured:
        return None
    _, headers, body = webhooks.captured[-1]
    return headers, body


class RealServer(Protocol):
    """A real server started for the tests (``tests/realservers``)."""

    info: dict[str, Any]

    def stop(self) -> None: ...


class Closable(Protocol):
    def close(self) -> None: ...


S = TypeVar("S", bound=RealServer)


class RealServerFixtures(NamedTuple):
    """The fixtures of a real server's tests, for its conftest to unpack under these names."""

    real_server: Any
    info: Any
    harness: Any


def real_server_fixtures(
    start: Callable[[], S], harness: Callable[[dict[str, Any]], Closable]
) -> RealServerFixtures:
    """``real_server`` (session): what ``start`` gives, a started server or a loud skip (a
    failure where its ``SYNCD_..._REQUIRED`` variable says so), stopped at the end; ``info``:
    what its ``info.json`` says; ``harness``: ``harness(info)``, closed after the test."""

    @pytest.fixture(scope="session")
    def real_server() -> Iterator[S]:
        server = start()
        yield server
        server.stop()

    @pytest.fixture
    def info(real_server: S) -> dict[str, Any]:
        return real_server.info

    @pytest.fixture(name="harness")
    def harness_fixture(info: dict[str, Any]) -> Iterator[Closable]:
        with closing(harness(info)) as h:
            yield h

    return RealServerFixtures(real_server, info, harness_fixture)


def self_test(conn: Connector, context: DiagnoseContext, url: str) -> list[Finding]:
    """The rows ``syncd connectors test`` shows for ``conn``, which is closed afterwards."""
    try:
        return run(conn, context, url)
    finally:
        conn.close()


def row(findings: list[Finding], check: str) -> Finding:
    """The first row of ``check``, which must be there."""
    found = [f for f in findings if f.check == check]
    assert found, f"no row {check!r} in {[f.check for f in findings]}"
    return found[0]


Headers = Callable[[str, bytes, str], dict[str, str]]
"""A vendor's headers for one delivery, from its event name, its body and its delivery id."""


def fuzz(
    store_url: str,
    name: str,
    config: dict[str, Any],
    payloads: Sequence[tuple[str, dict[str, Any]]],
    headers: Headers,
) -> None:
    """Post mutations of ``payloads`` (each with its event name, "" where the vendor names
    none) to connector ``name`` of ``config``, with the vendor's ``headers``: never a 5xx,
    nothing stored from a refused one, and the daemon healthy afterwards."""
    deliveries = st.sampled_from(payloads).flatmap(
        lambda pair: mutated(pair[1]).map(lambda body: (pair[0], body))
    )
    with door(store_url, name, config) as daemon:

        @FUZZ
        @given(deliveries, delivery_ids)
        def deliver(payload: tuple[str, bytes], delivery: str) -> None:
            event, body = payload
            sent = {"Content-Type": "application/json", **headers(event, body, delivery)}
            daemon.post(body, sent)

        deliver()
        assert daemon.healthy()


def unnamed(payloads: Sequence[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Payloads of a vendor whose deliveries name no event, for :func:`fuzz`."""
    return [("", payload) for payload in payloads]


def nullable(node: Any) -> Any:
    """An OpenAPI 3.0 schema with ``nullable: true`` turned into JSON Schema's
    ``anyOf: [schema, {type: null}]``, so that a JSON Schema validator reads it."""
    if isinstance(node, dict):
        out = {k: nullable(v) for k, v in node.items()}
        if out.pop("nullable", False):
            return {"anyOf": [out, {"type": "null"}]}
        return out
    if isinstance(node, list):
        return [nullable(v) for v in node]
    return node
