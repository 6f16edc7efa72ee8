"""What the Freshdesk and Zendesk connector tests share beyond the contract: the emulator's
fixtures, the harness's common part, and the failures both emulators stage the same way, each
at its own API's paths, with what syncd's connector makes of them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any, ClassVar, Generic, NamedTuple, TypeVar

import httpx
import pytest

from syncd.connector import Connector, HelpdeskConnector
from syncd.errors import NotFound, RateLimited, TransientError
from syncd.model import Ref, TicketStatus
from syncd.testing.server import ServerThread

from .kit import Emulator, last_delivery

C = TypeVar("C", bound=Connector)
E = TypeVar("E", bound=Emulator)


class EmulatedHelpdesk(Generic[C]):
    """The contract's harness on a helpdesk's emulator served at ``url``: syncd's connector
    on it and an ``agent``'s client; a subclass builds connectors (:meth:`connect`) and acts
    as the agent in the vendor's words."""

    project = ""
    instance: ClassVar[str]
    wrong_credential: ClassVar[dict[str, str]]  # the settings a refused connector has

    def __init__(self, emu: Any, url: str, http: httpx.Client, agent: httpx.Client) -> None:
        self.emu = emu
        self.url = url
        self.http = http
        self.connector: C = self.connect(http)
        self.agent = agent
        self._spare: list[C] = []

    def connect(self, http: httpx.Client | None, **over: Any) -> C:
        """syncd's connector on the emulator, its settings changed by ``over``."""
        raise NotImplementedError

    def bad_auth(self) -> C:
        conn = self.connect(None, **self.wrong_credential)
        self._spare.append(conn)
        return conn

    def last_webhook(self) -> tuple[dict[str, str], bytes] | None:
        return last_delivery(self.emu.control.webhooks)

    def missing(self) -> Ref:
        return Ref.ticket(self.instance, 987654321)

    def close(self) -> None:
        self.connector.close()
        self.http.close()
        self.agent.close()
        for conn in self._spare:
            conn.close()


class HelpdeskFixtures(NamedTuple):
    """The fixtures of a helpdesk's tests, for its conftest to unpack under these names."""

    served: Any
    harness: Any


def _nothing(emu: Any, url: str) -> None:
    return None


def helpdesk_fixtures(
    start: Callable[[], E],
    harness: Callable[[E, str], EmulatedHelpdesk[Any]],
    served_at: Callable[[E, str], None] = _nothing,
) -> HelpdeskFixtures:
    """``served`` (module): the emulator ``start`` builds, served on 127.0.0.1 (``served_at``
    tells it its URL, where it needs it); ``harness``: a fresh harness on it, the emulator's
    faults cleared after the test."""

    @pytest.fixture(scope="module")
    def served() -> Iterator[tuple[E, str]]:
        """One emulator per module, served over real HTTP on loopback."""
        emu = start()
        with ServerThread(emu.app) as srv:
            served_at(emu, srv.url)
            yield emu, srv.url
        emu.control.webhooks.close()

    @pytest.fixture(name="harness")
    def harness_fixture(served: tuple[E, str]) -> Iterator[EmulatedHelpdesk[Any]]:
        """A fresh connector and human clients; faults cleared afterwards."""
        emu, url = served
        h = harness(emu, url)
        yield h
        emu.control.faults.clear()
        h.close()

    return HelpdeskFixtures(served, harness_fixture)


class HelpdeskFaults:
    """A subclass names where its emulator's API answers: ``check_path``, the account call
    ``check()`` makes; ``ticket_path``, one ticket's; ``update_method``, the method of the
    write that adds a note. The ``harness`` fixture is the helpdesk's (``emu``, ``connector``,
    ``human_create``, ``missing``)."""

    check_path: ClassVar[str]
    ticket_path: ClassVar[str]
    update_method: ClassVar[str]

    def test_429_carries_retry_after(self, harness: Any) -> None:
        harness.emu.control.faults.add("rate_limit", path=self.check_path, seconds=7)
        with pytest.raises(RateLimited) as err:
            harness.connector.check()
        assert err.value.retry_after == 7

    def test_server_error_is_transient(self, harness: Any) -> None:
        ref = harness.human_create("flaky")
        harness.emu.control.faults.add("status", status=503, path=self.ticket_path)
        with pytest.raises(TransientError) as err:
            harness.connector.get_ticket(ref)
        assert err.value.status == 503
        assert harness.connector.get_ticket(ref).ref == ref

    def test_timeout_is_transient(self, harness: Any) -> None:
        ref = harness.human_create("slow")
        harness.emu.control.faults.add("latency", path=self.ticket_path, seconds=1.5)
        with pytest.raises(TransientError):
            harness.connector.get_ticket(ref)

    def test_reset_is_transient(self, harness: Any) -> None:
        harness.emu.control.faults.add("reset", path=self.check_path)
        with pytest.raises(TransientError):
            harness.connector.check()

    def test_lost_update_is_found_by_its_key(self, harness: Any) -> None:
        """The note lands but its answer is lost: the retry finds it instead of doubling it."""
        conn: HelpdeskConnector = harness.connector
        ref = harness.human_create("lost answer")
        key = f"k-{uuid.uuid4().hex}"
        # the update reaches the helpdesk; the answer is held past the client's timeout
        harness.emu.delay_answer(self.update_method, seconds=1.5)
        with pytest.raises(TransientError):
            conn.update_ticket(ref, status=TicketStatus.PENDING, comment="filed as JIRA-1", key=key)
        found = conn.find_comment(ref, key)
        assert found is not None and found.marker == key and found.by_syncd and not found.public
        assert "JIRA-1" in found.body
        assert len([c for c in conn.comments(ref) if c.marker == key]) == 1

    def test_missing_ticket_on_update(self, harness: Any) -> None:
        with pytest.raises(NotFound):
            harness.connector.update_ticket(harness.missing(), status=TicketStatus.OPEN)
