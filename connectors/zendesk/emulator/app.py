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
from syncd.helpdesk_emulator import HelpdeskSeats
from syncd.testing.emulation import EmulatorControl, EmulatorMiddleware, RateBudget, control_routes

from ..webhooks import sign
from . import render as views
from .admin import Admin
from .humans import HumanActs
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


class ZendeskEmulator(HumanActs, HelpdeskSeats[State, User]):
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
        HelpdeskSeats.__init__(self)
        self.secret = webhook_secret or DEFAULT_SECRET
        self.control = EmulatorControl(self._sign, latency=latency, clock=clock)
        self.control.webhooks.configure(webhook_url)
        self.set_limits(limits or ZendeskLimits())
        self.public_url = "https://example.zendesk.com"
        self.webhook_id = WEBHOOK_ID
        # ticket fields and registered webhooks (kept by reset, like the accounts)
        self.admin = Admin(self)
        self.state = State()
        self.tokens: dict[str, int] = {}
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
