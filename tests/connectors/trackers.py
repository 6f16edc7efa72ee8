"""What the GitHub and GitLab connector tests set up alike, from what differs between them:
the emulator's fixtures (served on 127.0.0.1), and the contract's harness, a developer
acting over the emulator's REST API."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, NamedTuple, Protocol, TypeVar

import httpx
import pytest

from syncd.connector import Connector
from syncd.model import Ref
from syncd.testing.emulation import EmulatorControl
from syncd.testing.server import ServerThread

from .kit import last_delivery


class Emulator(Protocol):
    app: Any
    control: EmulatorControl


E = TypeVar("E", bound=Emulator)


class TrackerFixtures(NamedTuple):
    """The fixtures of a tracker's tests, for its conftest to unpack under these names."""

    emulator_server: Any
    emu: Any
    base_url: Any
    connector: Any
    dev: Any
    served: Any


def tracker_fixtures(
    start: Callable[[], E],
    fresh: Callable[[], E],
    connect: Callable[[str], Connector],
    dev_client: Callable[[str], httpx.Client],
) -> TrackerFixtures:
    """The fixtures of a tracker's tests:

    - ``emulator_server`` (session): the emulator ``start`` gives, with its project, served;
    - ``emu``: that emulator, its faults and spent budgets cleared after each test;
    - ``base_url``: where it is served;
    - ``connector``: syncd's connector on it, as ``connect(base_url)`` builds it;
    - ``dev``: a developer's client on its REST API, as ``dev_client(base_url)`` opens it;
    - ``served`` (module): a fresh emulator, as ``fresh`` builds it, for tests that reset it.
    """

    @pytest.fixture(scope="session")
    def emulator_server() -> Iterator[tuple[E, ServerThread]]:
        """One emulator per test session, served over real HTTP on 127.0.0.1."""
        emu = start()
        with ServerThread(emu.app) as srv:
            yield emu, srv

    @pytest.fixture
    def emu(emulator_server: tuple[E, ServerThread]) -> Iterator[E]:
        """The shared emulator with faults and spent budgets cleared after each test."""
        emulator, _ = emulator_server
        yield emulator
        emulator.control.faults.clear()
        emulator.control.budget.used.clear()

    @pytest.fixture
    def base_url(emulator_server: tuple[E, ServerThread]) -> str:
        return emulator_server[1].url

    @pytest.fixture
    def connector(base_url: str) -> Iterator[Connector]:
        conn = connect(base_url)
        yield conn
        conn.close()

    @pytest.fixture
    def dev(base_url: str) -> Iterator[httpx.Client]:
        """A developer's own HTTP client on the emulator's REST API."""
        with dev_client(base_url) as client:
            yield client

    @pytest.fixture(scope="module")
    def served() -> Iterator[tuple[E, str]]:
        """An emulator of this test module's own, served on 127.0.0.1."""
        emu = fresh()
        with ServerThread(emu.app) as srv:
            yield emu, srv.url

    return TrackerFixtures(emulator_server, emu, base_url, connector, dev, served)


class DevHarness:
    """The contract's harness on a tracker's emulator, acting as a developer through ``http``
    (the developer's client on the REST API); a subclass creates issues and comments in the
    vendor's words. ``connect(base_url, **settings)`` builds another connector of syncd's."""

    project: str

    def __init__(
        self,
        emu: Emulator,
        base_url: str,
        connector: Connector,
        http: httpx.Client,
        connect: Callable[..., Connector],
    ) -> None:
        self.emu = emu
        self.base_url = base_url
        self.connector = connector
        self.http = http
        self._connect = connect
        self._spare: list[Connector] = []

    def bad_auth(self) -> Connector:
        conn = self._connect(self.base_url, token="wrong-token")
        self._spare.append(conn)
        return conn

    def last_webhook(self) -> tuple[dict[str, str], bytes] | None:
        return last_delivery(self.emu.control.webhooks)

    def missing(self) -> Ref:
        return Ref.issue(self.connector.name, f"{self.project}#999999")

    def close(self) -> None:
        for conn in self._spare:
            conn.close()
