"""What the GitHub and GitLab connector tests set up alike, from what differs between them:
the emulator's fixtures (served on 127.0.0.1), the contract's harness (a developer acting
over the emulator's REST API), and the failures both emulators stage the same way."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any, ClassVar, NamedTuple, TypeVar

import httpx
import pytest

from syncd.connector import Connector, TrackerConnector
from syncd.errors import AuthError, RateLimited, TransientError
from syncd.model import IssueDraft, Ref
from syncd.testing.server import ServerThread

from .kit import Emulator, last_delivery

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
    fresh: Callable[[], E],
    add_project: Callable[[E], object],
    connect: Callable[[str], Connector],
    dev_client: Callable[[str], httpx.Client],
) -> TrackerFixtures:
    """The fixtures of a tracker's tests:

    - ``emulator_server`` (session): an emulator as ``fresh`` builds it, with the project
      ``add_project`` adds, served;
    - ``emu``: that emulator, its faults and spent budgets cleared after each test;
    - ``base_url``: where it is served;
    - ``connector``: syncd's connector on it, as ``connect(base_url)`` builds it;
    - ``dev``: a developer's client on its REST API, as ``dev_client(base_url)`` opens it;
    - ``served`` (module): a fresh emulator, as ``fresh`` builds it, for tests that reset it.
    """

    @pytest.fixture(scope="session")
    def emulator_server() -> Iterator[tuple[E, ServerThread]]:
        """One emulator per test session, served over real HTTP on 127.0.0.1."""
        emu = fresh()
        add_project(emu)
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


class TrackerFaults:
    """Failures the GitHub and GitLab emulators stage alike, and what syncd's connector makes
    of them. A subclass names the tracker's ``project`` and its conftest's ``connect``."""

    project: ClassVar[str]
    connect: ClassVar[Callable[..., Connector]]

    @pytest.mark.parametrize("status", [500, 502, 503])
    def test_server_errors_are_transient(self, emu: Any, connector: Any, status: int) -> None:
        assert isinstance(connector, TrackerConnector)
        draft = IssueDraft(title="t", body="b")
        made = connector.create_issue(self.project, draft, key=f"k-{uuid.uuid4().hex}")
        emu.control.faults.add("status", status=status, path=r"/issues/\d+$", method="GET")
        with pytest.raises(TransientError) as err:
            connector.get_issue(made.ref)
        assert not isinstance(err.value, RateLimited)
        assert connector.get_issue(made.ref).ref == made.ref

    def test_connection_reset_and_timeout_are_transient(self, emu: Any, base_url: str) -> None:
        conn = self.connect(base_url, timeout=1)
        assert isinstance(conn, TrackerConnector)
        ref = Ref.issue(conn.name, f"{self.project}#1")
        try:
            emu.control.faults.add("reset", path=r"/issues/1$")
            with pytest.raises(TransientError):
                conn.get_issue(ref)
            emu.control.faults.add("latency", seconds=1.5, path=r"/issues/1$")
            with pytest.raises(TransientError):
                conn.get_issue(ref)
        finally:
            conn.close()

    def test_revoked_token_is_auth_error(self, emu: Any, base_url: str) -> None:
        emu.add_user("temp-bot", "temp-token")
        conn = self.connect(base_url, token="temp-token")
        try:
            assert conn.check() == "temp-bot"
            emu.revoke("temp-token")
            with pytest.raises(AuthError):
                conn.check()
        finally:
            conn.close()
