"""An in-process emulator of the part of Freshdesk's API v2 syncd uses.

``build()`` returns a :class:`FreshdeskEmulator` whose ``.app`` answers ``/api/v2`` with
Freshdesk's shapes (:mod:`.render`), errors, paging and rate headers (:mod:`.limits`), and
for every ticket change, whoever made it, posts the webhook of the automation rule the docs
ask admins to create: ``{"ticket_id": N, "event": "..."}`` with the secret in the custom
header (or as basic credentials, ``webhook_auth="basic"``). Several agents are accepted
(:data:`AGENTS`), so tests act as humans through the API too.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Literal

from starlette.applications import Starlette
from starlette.routing import Route

from syncd.emulator_kit import Clock, Latency, Quotas, retry_after
from syncd.helpdesk_emulator import CUSTOMER_EMAIL, HelpdeskSeats, given
from syncd.testing.emulation import EmulatorControl, EmulatorMiddleware, control_routes

from ..settings import WEBHOOK_HEADER
from . import render
from .limits import Credits, FreshdeskLimits
from .records import ConversationRec, Person
from .state import State

DEFAULT_SECRET = "freshdesk-rule-secret"
# (name, email, API key)
AGENTS = (
    ("syncd", "syncd@example.com", "syncd-key"),
    ("Alice Agent", "agent@example.com", "agent-key"),
)
CUSTOMER = ("Carol Customer", CUSTOMER_EMAIL)
GROUPS = {5000000101: "Support", 5000000102: "Escalations"}
COMPANIES = {5000000201: "Acme Corp"}


def retry_headers(seconds: float) -> dict[str, str]:
    """The headers of an injected 429."""
    return retry_after(seconds) | {"X-RateLimit-Remaining": "0"}


class FreshdeskEmulator(HelpdeskSeats[State, Person]):
    """State, control and the ASGI app of one emulated Freshdesk account."""

    def __init__(
        self,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        *,
        webhook_auth: Literal["header", "basic"] = "header",
        limits: FreshdeskLimits | None = None,
        latency: Latency | None = None,
        clock: Clock = time.time,
    ) -> None:
        HelpdeskSeats.__init__(self)
        self.secret = webhook_secret or DEFAULT_SECRET
        self.webhook_auth = webhook_auth
        self.control = EmulatorControl(self._sign, latency=latency, clock=clock)
        self.control.webhooks.configure(webhook_url)
        self.set_limits(limits or FreshdeskLimits())
        self.state = State(clock)
        self.keys: dict[str, int] = {}
        self.reset()
        inner = Starlette(routes=[*self._routes(), *control_routes(self.control, self.reset)])
        self.app = EmulatorMiddleware(inner, self.control, render.errors, retry_headers)

    # -- setup ----------------------------------------------------------------------------

    def set_limits(self, limits: FreshdeskLimits) -> None:
        """Hold the account to ``limits`` from now on, every window fresh."""
        self.limits = limits
        self.credits = Credits(limits, Quotas(self.control.clock))

    def reset(self) -> None:
        """Forget every ticket; keep the agents, the customer, groups and companies."""
        self.state = State(self.control.clock)
        self.state.on_change = self._send_hook
        self.keys.clear()
        for name, email, key in AGENTS:
            agent = self.state.add_person(name, email, "agent", key)
            self.accounts[email] = agent
            self.keys[key] = agent.id
        self.accounts[CUSTOMER[1]] = self.state.contact(CUSTOMER[1], CUSTOMER[0])
        self.state.groups.update(GROUPS)
        self.state.companies.update(COMPANIES)
        self.accounts[CUSTOMER[1]].company_id = next(iter(COMPANIES))

    def caller(self, key: str | None) -> Person | None:
        """The agent an API key belongs to."""
        ident = self.keys.get(key or "")
        return self.state.people.get(ident) if ident else None

    def rate_headers(self, used: int) -> dict[str, str]:
        """The rate headers every answer carries."""
        return {
            "X-RateLimit-Total": str(self.credits.requests.count),
            "X-RateLimit-Remaining": str(self.credits.left()),
            "X-RateLimit-Used-CurrentRequest": str(used),
        }

    # -- webhooks -------------------------------------------------------------------------

    def _sign(self, body: bytes) -> dict[str, str]:
        # Freshdesk signs nothing: the rule sends the header or the credentials it was given
        if self.webhook_auth == "basic":
            raw = base64.b64encode(f"syncd:{self.secret}".encode()).decode()
            return {"Authorization": f"Basic {raw}"}
        return {WEBHOOK_HEADER: self.secret}

    def _send_hook(self, ticket_id: int, event: str) -> None:
        payload = {"ticket_id": ticket_id, "event": event}
        self.control.webhooks.send(event, {"User-Agent": "Freshdesk"}, payload, key=ticket_id)

    # -- answers held past the client's timeout (the write lands, the answer is late) -------

    async def hold_answer(self, method: str) -> None:
        """Wait as a ``delay_answer`` rule for ``method`` says."""
        seconds = self.take_answer_delay(method)
        if seconds:
            await asyncio.sleep(seconds)

    # -- in-process helpers: act as humans without HTTP --------------------------------------

    def create_ticket(
        self,
        subject: str,
        description: str = "",
        *,
        tags: list[str] | tuple[str, ...] = (),
        requester: int | None = None,
        group_id: int | None = None,
        priority: int | None = None,
        custom_fields: dict[str, Any] | None = None,
    ) -> int:
        """Create a ticket (as the customer's e-mail would); returns its id."""
        data: dict[str, Any] = {
            "subject": subject,
            "description": self.state.text(description or subject),
            "requester_id": requester or self.customer.id,
            "tags": list(tags),
        }
        data |= given(group_id=group_id, priority=priority, custom_fields=custom_fields)
        return self.state.create_ticket(data).id

    def update(self, ticket_id: int, **data: Any) -> None:
        """Change a ticket as an agent (``status=``, ``tags=``, ...)."""
        self.state.update_ticket(ticket_id, data)

    def add_conversation(
        self,
        ticket_id: int,
        body: str,
        *,
        public: bool,
        author: Person | None = None,
        files: tuple[str, ...] = (),
    ) -> ConversationRec:
        """A reply (public) or a private note by an agent (``author``: another person)."""
        who = author or self.agent
        return self.state.add_conversation(
            ticket_id, who, self.state.text(body), note=not public, files=files
        )

    def edit_conversation(
        self, conversation_id: int, body: str, *, author: Person | None = None
    ) -> ConversationRec:
        """An agent (``author``: another person) edits a note's body."""
        who = author or self.agent
        return self.state.edit_conversation(conversation_id, who, {"body": self.state.text(body)})

    def delete_conversation(self, conversation_id: int) -> None:
        """An agent deletes a reply or a note."""
        self.state.delete_conversation(conversation_id)

    def ticket(self, ticket_id: int) -> dict[str, Any]:
        """The ticket as the API shows it (with the requester and the company)."""
        with self.state.lock:
            return render.ticket(self.state, self.state.ticket(ticket_id), ("requester", "company"))

    def conversations(self, ticket_id: int) -> list[dict[str, Any]]:
        """The ticket's conversations as the API lists them."""
        return [render.conversation(c) for c in self.state.conversations_of(ticket_id)]

    def _routes(self) -> list[Route]:
        from .routes import routes

        return routes(self)


def build(
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    *,
    webhook_auth: Literal["header", "basic"] = "header",
    rate_limit: int | None = None,
    limits: FreshdeskLimits | Mapping[str, Any] | None = None,
    latency: Latency | Mapping[str, Any] | None = None,
    clock: Clock = time.time,
) -> FreshdeskEmulator:
    """A fresh emulator held to the Pro plan's limits (``limits``: other figures;
    ``rate_limit``: the credits a minute alone), answering after ``latency`` (none by
    default); ``syncd emulate freshdesk`` serves its ``.app``."""
    figures = FreshdeskLimits.of(limits)
    if rate_limit is not None:
        figures = replace(figures, requests_per_minute=rate_limit)
    return FreshdeskEmulator(
        webhook_url,
        webhook_secret,
        webhook_auth=webhook_auth,
        limits=figures,
        latency=Latency.of(latency),
        clock=clock,
    )
