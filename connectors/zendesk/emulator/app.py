"""An in-process emulator of the part of Zendesk's Support API syncd uses.

``build()`` returns a :class:`ZendeskEmulator` whose ``.app`` answers ``/api/v2`` with
Zendesk's shapes, errors, pagination and rate-limit headers, and sends event-subscribed
webhooks signed Zendesk's way for every ticket change, whoever made it. Several accounts
are accepted (see :data:`ACCOUNTS`) so tests act as humans through the API too.
"""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from syncd.emulator_kit import Clock, Latency, Quotas, retry_after
from syncd.testing.emulation import EmulatorControl, EmulatorMiddleware, RateBudget, control_routes

from ..webhooks import sign
from . import render as views
from .admin import Admin
from .limits import TicketUpdates, ZendeskLimits
from .state import Audit, Invalid, State, TicketRec, User

DEFAULT_SECRET = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="
WEBHOOK_ID = "01GZ8S8WJZ0K4T2V9Q1N3M5R7P"
# (name, email, role, api token, oauth token)
ACCOUNTS = (
    ("syncd", "syncd@example.com", "admin", "syncd-token", "syncd-oauth"),
    ("Alice Agent", "agent@example.com", "agent", "agent-token", "agent-oauth"),
    ("Carol Customer", "customer@example.com", "end-user", "customer-token", None),
)
GROUPS = {360001: "Support", 360002: "Escalations"}
ORGANIZATIONS = {370001: "Acme Corp"}


def error_body(status: int, message: str) -> dict[str, Any]:
    """Zendesk's error shapes by status."""
    if status == 401:
        return {"error": "Couldn't authenticate you"}
    if status == 404:
        return {"error": "RecordNotFound", "description": "Not found"}
    if status == 403:
        return {"error": "Forbidden", "description": "You do not have access to this page."}
    if status == 429:
        return {"error": "APIRateLimitExceeded", "description": message}
    if status >= 500:
        return {"error": "InternalServerError", "description": message}
    return {"error": "InvalidEndpoint", "description": message}


class ZendeskEmulator:
    """State, control and the ASGI app of one emulated Zendesk account."""

    def __init__(
        self,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        *,
        limits: ZendeskLimits | None = None,
        latency: Latency | None = None,
        clock: Clock = time.time,
    ) -> None:
        self.secret = webhook_secret or DEFAULT_SECRET
        self.control = EmulatorControl(self._sign, latency=latency, clock=clock)
        self.control.webhooks.configure(webhook_url)
        self.set_limits(limits or ZendeskLimits())
        self.public_url = "https://example.zendesk.com"
        self.webhook_id = WEBHOOK_ID
        # ticket fields and registered webhooks (kept by reset, like the accounts)
        self.admin = Admin(self)
        self.state = State()
        self._answer_delays: list[list[Any]] = []
        self.tokens: dict[str, int] = {}
        self.accounts: dict[str, User] = {}
        self.reset()
        app = Starlette(routes=[*self._routes(), *control_routes(self.control, self.reset)])
        self.app = EmulatorMiddleware(
            app,
            self.control,
            error_body,
            retry_after,
        )

    # -- setup ----------------------------------------------------------------------------

    def set_limits(self, limits: ZendeskLimits) -> None:
        """Hold the account to ``limits`` from now on, every window fresh."""
        clock = self.control.clock
        window = 60.0 * limits.window_scale
        self.limits = limits
        self.control.budget = RateBudget(limits.requests_per_minute, window, clock=clock)
        # Zendesk's own budget for incremental exports: 10 calls a minute
        self.incremental = RateBudget(limits.exports_per_minute, window, clock=clock)
        self.updates = TicketUpdates(limits, Quotas(clock))

    def reset(self) -> None:
        """Forget every ticket; keep the accounts (and where files are served from)."""
        served = self.state.uploads.base_url if hasattr(self, "state") else None
        self.state = State()
        self.state.uploads.base_url = served or self.state.uploads.base_url
        self.state.on_events = self._send_hooks
        self.tokens.clear()
        for name, email, role, api_token, oauth in ACCOUNTS:
            user = self.state.add_user(name, email, role)
            self.accounts[email] = user
            basic = base64.b64encode(f"{email}/token:{api_token}".encode()).decode()
            self.tokens[f"Basic {basic}"] = user.id
            if oauth:
                self.tokens[f"Bearer {oauth}"] = user.id
        self.state.groups.update(GROUPS)
        self.state.organizations.update(ORGANIZATIONS)

    def state_ref(self) -> State:
        """The current state (``reset`` replaces it)."""
        return self.state

    @property
    def bot(self) -> User:
        return self.accounts["syncd@example.com"]

    @property
    def agent(self) -> User:
        return self.accounts["agent@example.com"]

    @property
    def customer(self) -> User:
        return self.accounts["customer@example.com"]

    def _sign(self, body: bytes) -> dict[str, str]:
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "X-Zendesk-Webhook-Id": WEBHOOK_ID,
            "X-Zendesk-Webhook-Invocation-Id": str(uuid.uuid4().int)[:19],
            "X-Zendesk-Webhook-Signature-Timestamp": stamp,
            "X-Zendesk-Webhook-Signature": sign(self.secret, stamp, body),
        }

    def _send_hooks(
        self, ticket: TicketRec, audit: Audit, hooks: list[tuple[str, dict[str, Any]]]
    ) -> None:
        sequence = uuid.uuid4().hex.upper()
        for pos, (name, event) in enumerate(hooks, start=1):
            payload = views.hook_payload(
                name, ticket, audit.author_id, event, sequence, pos, len(hooks)
            )
            self.control.webhooks.send(payload["type"], {}, payload, key=ticket.id)

    def delay_answer(self, method: str = "PUT", seconds: float = 1.0, times: int = 1) -> None:
        """Apply the next ``times`` writes of ``method`` but hold their answers ``seconds``."""
        self._answer_delays.append([method.upper(), seconds, times])

    def take_answer_delay(self, method: str) -> float:
        """The hold owed to this request, if a ``delay_answer`` rule matches."""
        for rule in self._answer_delays:
            if rule[0] == method and rule[2] > 0:
                rule[2] -= 1
                return float(rule[1])
        return 0.0

    # -- in-process helpers: act as humans without HTTP --------------------------------------

    def _user(self, who: str | int | User | None, default: User) -> User:
        if who is None:
            return default
        if isinstance(who, User):
            return who
        if isinstance(who, int):
            return self.state.users[who]
        return self.accounts[who]

    def create_ticket(
        self,
        subject: str,
        description: str = "",
        *,
        tags: list[str] | tuple[str, ...] = (),
        requester: str | int | None = None,
        group_id: int | None = None,
        organization_id: int | None = None,
        priority: str | None = None,
        custom_fields: dict[int, Any] | None = None,
        author: str | int | None = None,
        files: tuple[str | tuple[str, bytes], ...] = (),
    ) -> int:
        """Create a ticket as an agent (or ``author``) with ``files``; returns its id."""
        uploads = self.state.uploads.by_hand(files)
        data: dict[str, Any] = {
            "subject": subject,
            "comment": {"body": description or subject, "uploads": uploads},
            "requester_id": self._user(requester, self.customer).id,
            "tags": list(tags),
        }
        for key, value in (
            ("group_id", group_id),
            ("organization_id", organization_id),
            ("priority", priority),
        ):
            if value is not None:
                data[key] = value
        if custom_fields:
            data["custom_fields"] = [{"id": k, "value": v} for k, v in custom_fields.items()]
        ticket, _ = self.state.create_ticket(self._user(author, self.agent), data)
        return ticket.id

    def update(self, ticket_id: int, author: str | int | None = None, **data: Any) -> None:
        """Apply a ticket update as a human (``status=``, ``tags=``, ``comment=`` ...)."""
        self.state.update_ticket(ticket_id, self._user(author, self.agent), data)

    def add_comment(
        self,
        ticket_id: int,
        body: str,
        public: bool = True,
        author: str | int | None = None,
        files: tuple[str | tuple[str, bytes], ...] = (),
    ) -> int:
        """Add a comment as a human with ``files`` (see ``Uploads.by_hand``); returns its id."""
        who = self._user(author, self.agent)
        comment = {"body": body, "public": public, "uploads": self.state.uploads.by_hand(files)}
        _, audit = self.state.update_ticket(ticket_id, who, {"comment": comment})
        return int(next(e["id"] for e in audit.events if e["type"] == "Comment"))

    def set_status(self, ticket_id: int, status: str, author: str | int | None = None) -> None:
        """Change the status as a human (Zendesk names: new, open, pending, hold, ...)."""
        self.update(ticket_id, author, status=status)

    def ticket(self, ticket_id: int) -> dict[str, Any]:
        """The ticket as the API shows it."""
        return views.ticket_json(self.state.tickets[ticket_id], self.public_url)

    def comments(self, ticket_id: int) -> list[dict[str, Any]]:
        """The ticket's comments as the API lists them."""
        return [
            views.comment_json(e, a)
            for a in self.state.audits_of(ticket_id)
            for e in a.events
            if e["type"] == "Comment"
        ]

    def audits(self, ticket_id: int) -> list[dict[str, Any]]:
        """The ticket's audits as the API lists them."""
        return [views.audit_json(a) for a in self.state.audits_of(ticket_id)]

    # -- HTTP -----------------------------------------------------------------------------

    def _caller(self, request: Request) -> User | None:
        user_id = self.tokens.get(request.headers.get("authorization", ""))
        return self.state.users.get(user_id) if user_id else None

    def _json(self, request: Request, who: User, body: Any, status: int = 200) -> Response:
        budget = self.control.budget
        key = str(who.id)
        headers = {
            "X-Rate-Limit": str(budget.limit),
            "X-Rate-Limit-Remaining": str(budget.remaining(key)),
            "ratelimit-limit": str(budget.limit),
            "ratelimit-remaining": str(budget.remaining(key)),
            "ratelimit-reset": str(int(budget.wait())),
        }
        return JSONResponse(body, status_code=status, headers=headers)

    def _base(self, request: Request) -> str:
        return str(request.base_url).rstrip("/")

    def _routes(self) -> list[Route]:
        from .routes import routes

        return routes(self)


def build(
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    *,
    rate_limit: int | None = None,
    incremental_limit: int | None = None,
    limits: ZendeskLimits | Mapping[str, Any] | None = None,
    latency: Latency | Mapping[str, Any] | None = None,
    clock: Clock = time.time,
) -> ZendeskEmulator:
    """A fresh emulator held to Zendesk's limits (``limits``: other figures; ``rate_limit``
    and ``incremental_limit`` set the plan's requests and the exports a minute alone),
    answering after ``latency`` (none by default); ``syncd emulate zendesk`` serves its
    ``.app``."""
    figures = ZendeskLimits.of(limits)
    if rate_limit is not None:
        figures = replace(figures, requests_per_minute=rate_limit)
    if incremental_limit is not None:
        figures = replace(figures, exports_per_minute=incremental_limit)
    return ZendeskEmulator(
        webhook_url, webhook_secret, limits=figures, latency=Latency.of(latency), clock=clock
    )


__all__ = ["ACCOUNTS", "DEFAULT_SECRET", "Invalid", "ZendeskEmulator", "ZendeskLimits", "build"]
