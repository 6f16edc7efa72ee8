"""A daemon driven by hand, for tests that need exact order: emulators and the daemon's HTTP
server as usual, but the worker and the runner work only when told (``Service.drain``), so a
test can place a change between any two steps. The ``driven`` fixture makes them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from syncd.daemon.app import create_app
from syncd.daemon.service import Service
from syncd.model import Ref
from syncd.settings import parse
from syncd.testing.sandbox import Sandbox
from syncd.testing.server import ServerThread
from tests.chaos.harness import copying_routes

PROJECT = "acme/widgets"
ROUTES = copying_routes()  # the route copies customers' public replies to the issue


class Driven:
    """Emulators over HTTP and a service that only works when told to."""

    def __init__(self, folder: Path, **sandbox: Any) -> None:
        options = {"webhooks": True, "poll_interval": 3600.0, "routes": ROUTES, **sandbox}
        self.sb = Sandbox(folder=folder, **options)
        conf = self.sb.start_emulators()
        self.service = Service(parse(conf, str(folder / "syncd.yaml")))
        self.sb.service = self.service
        self.server = ServerThread(create_app(self.service, manage=False), port=self.sb.port)
        self.server.start()
        self.sb.daemon = self.server

    @property
    def zendesk(self) -> Any:
        return self.sb.helpdesk.emulator

    def delivered(self) -> None:
        """Every webhook the emulators owe has reached the daemon's inbox."""
        for side in self.sb.sides.values():
            side.emulator.control.webhooks.flush()

    def work(self) -> None:
        """Process everything due, the way the daemon's threads would."""
        self.delivered()
        self.service.drain()

    def escalate(self) -> Ref:
        ticket = self.sb.helpdesk.create_ticket(
            "Export to CSV crashes", "Crashes every time.", tags=["escalate"]
        )
        self.delivered()
        return ticket

    def linked(self, ticket: Ref) -> Ref | None:
        with self.service.store.tx() as tx:
            link = self.service.store.link_for_ticket(tx, str(ticket))
        return Ref.parse(link.issue_ref) if link else None

    def issue(self, ticket: Ref) -> Ref:
        found = self.linked(ticket)
        assert found is not None, "no link"
        return found

    def requester(self, ticket: Ref) -> int:
        return int(self.zendesk.ticket(int(ticket.key))["requester_id"])

    def text(self, body: str) -> str:
        """``body`` with the emulators' addresses (their ports differ between runs) named, and
        the conversation page's link without its address, expiry and signature (each run
        signs with its own secret, a moment later)."""
        for side in self.sb.sides.values():
            body = body.replace(side.url, f"<{side.name}>")
        body = re.sub(r"http://\S+/history/(\d+)\?exp=\d+&sig=[0-9a-f]+", r"<page \1>", body)
        return re.sub(r"works until [0-9-]+ [0-9:]+ UTC", "works until <expiry>", body)

    def outcome(self, ticket: Ref) -> dict[str, Any]:
        """Both sides as people see them, without the addresses that differ between runs."""
        issue = self.issue(ticket)
        t, i = self.sb.helpdesk.ticket(ticket), self.sb.tracker.issue(issue)
        ticket_comments = self.sb.helpdesk.comments(ticket)
        return {
            "ticket": (t.status, t.priority, sorted(t.tags)),
            "ticket comments": sorted((c.public, self.text(c.body)) for c in ticket_comments),
            "issue": (i.title, i.status, i.priority, sorted(i.labels)),
            "issue comments": sorted(self.text(c.body) for c in self.sb.tracker.comments(issue)),
            "issues": len(self.sb.tracker.issues(PROJECT)),
            "dead": self.service.store.depth()["dead"],
        }

    def stop(self) -> None:
        self.server.stop()
        self.sb.stop()
        self.service.stop(grace=0)
        self.service.store.close()
