"""The admin side of the Zendesk emulator: ticket fields and webhooks.

What ``syncd connectors test`` reads: ``GET /api/v2/ticket_fields/{id}.json`` (any agent),
``GET /api/v2/webhooks`` and ``GET /api/v2/webhooks/{id}/signing_secret`` (admins only, 403
for agents, as on Zendesk). Both survive :meth:`ZendeskEmulator.reset`, like the accounts.
Unless a test registers webhooks itself, the account has one webhook to the URL the
emulator delivers to, active and subscribed to every ticket event, signed with its secret.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .state import User, iso

if TYPE_CHECKING:
    from .app import ZendeskEmulator

Handler = Callable[[Request, User], Awaitable[Response]]
Wrap = Callable[[Handler], Callable[..., Any]]

# the ticket events an event-subscribed webhook can carry (Zendesk's "Webhook event types")
TICKET_EVENTS = tuple(
    f"zen:event-type:ticket.{name}"
    for name in (
        "created",
        "comment_added",
        "status_changed",
        "priority_changed",
        "subject_changed",
        "tags_changed",
        "custom_field_changed",
        "group_assignment_changed",
        "agent_assignment_changed",
        "organization_changed",
        "soft_deleted",
        "permanently_deleted",
        "marked_as_spam",
    )
)
FORBIDDEN = {"error": "Forbidden", "description": "You do not have access to this page."}
CREATED = 1_700_000_000


@dataclass
class TicketField:
    """A ticket field (Admin Center → Objects and rules → Tickets → Fields)."""

    id: int
    title: str
    type: str = "text"
    active: bool = True


@dataclass
class Webhook:
    """A webhook (Admin Center → Apps and integrations → Webhooks)."""

    id: str
    name: str
    endpoint: str
    status: str = "active"
    subscriptions: list[str] = field(default_factory=lambda: list(TICKET_EVENTS))
    http_method: str = "POST"
    request_format: str = "json"
    signing_secret: str = ""


class Admin:
    """Ticket fields and webhooks of one emulated account."""

    def __init__(self, emu: ZendeskEmulator) -> None:
        self.emu = emu
        self.fields: dict[int, TicketField] = {}
        self.registered: list[Webhook] | None = None  # None: the one the emulator delivers to

    def clear(self) -> None:
        """No custom field, and only the implicit webhook."""
        self.fields.clear()
        self.registered = None

    def add_field(self, field_id: int, title: str, kind: str = "text", active: bool = True) -> None:
        """Create (or replace) a custom ticket field."""
        self.fields[field_id] = TicketField(field_id, title, kind, active)

    def register(self, endpoint: str, **kw: Any) -> Webhook:
        """Add a webhook; the first call replaces the implicit one."""
        kw.setdefault("signing_secret", self.emu.secret)
        hooks = self.registered if self.registered is not None else []
        name = str(kw.pop("name", "syncd"))
        hook = Webhook(id=f"01HZSYNCD{len(hooks):017d}", name=name, endpoint=endpoint, **kw)
        self.registered = [*hooks, hook]
        return hook

    def webhooks(self) -> list[Webhook]:
        """The webhooks the account has."""
        if self.registered is not None:
            return list(self.registered)
        url = self.emu.control.webhooks.url
        if not url:
            return []
        return [Webhook(self.emu.webhook_id, "syncd", url, signing_secret=self.emu.secret)]

    # -- shapes ---------------------------------------------------------------------------

    def field_json(self, f: TicketField, base: str) -> dict[str, Any]:
        """A ticket field as ``GET /api/v2/ticket_fields/{id}.json`` shows it."""
        stamp = iso(CREATED)
        return {
            "url": f"{base}/api/v2/ticket_fields/{f.id}.json",
            "id": f.id,
            "type": f.type,
            "title": f.title,
            "raw_title": f.title,
            "description": f.title,
            "raw_description": f.title,
            "position": 9999,
            "active": f.active,
            "required": False,
            "collapsed_for_agents": False,
            "regexp_for_validation": None,
            "title_in_portal": f.title,
            "raw_title_in_portal": f.title,
            "visible_in_portal": False,
            "editable_in_portal": False,
            "required_in_portal": False,
            "tag": None,
            "created_at": stamp,
            "updated_at": stamp,
            "removable": True,
            "agent_description": None,
        }

    @staticmethod
    def webhook_json(w: Webhook) -> dict[str, Any]:
        """A webhook as the Webhooks API lists it (never with its secret)."""
        stamp = iso(CREATED)
        return {
            "id": w.id,
            "name": w.name,
            "status": w.status,
            "subscriptions": list(w.subscriptions),
            "created_at": stamp,
            "created_by": "-1",
            "updated_at": stamp,
            "updated_by": "-1",
            "endpoint": w.endpoint,
            "http_method": w.http_method,
            "request_format": w.request_format,
        }

    # -- routes ---------------------------------------------------------------------------

    def routes(self, wrap: Wrap) -> list[Route]:
        """The endpoints, wrapped with the emulator's auth and rate budget."""
        emu = self.emu

        async def show_field(request: Request, who: User) -> Response:
            found = self.fields.get(int(request.path_params["field_id"]))
            if found is None:
                return JSONResponse(
                    {"error": "RecordNotFound", "description": "Not found"}, status_code=404
                )
            body = {"ticket_field": self.field_json(found, emu._base(request))}
            return emu._json(request, who, body)

        async def list_hooks(request: Request, who: User) -> Response:
            if who.role != "admin":
                return JSONResponse(FORBIDDEN, status_code=403)
            try:
                size = max(1, min(100, int(request.query_params.get("page[size]", 100))))
                after = int(request.query_params.get("page[after]", 0))
            except ValueError:
                return JSONResponse(
                    {"errors": [{"code": "InvalidPaginationParameter"}]}, status_code=400
                )
            hooks = self.webhooks()
            chunk = hooks[after : after + size]
            more = after + size < len(hooks)
            url = f"{emu._base(request)}/api/v2/webhooks"
            nxt = f"{url}?{urlencode({'page[size]': size, 'page[after]': after + size})}"
            body = {
                "webhooks": [self.webhook_json(w) for w in chunk],
                "meta": {
                    "has_more": more,
                    "after_cursor": str(after + size) if more else None,
                    "before_cursor": str(after) if after else None,
                },
                "links": {"next": nxt if more else None, "prev": None},
            }
            return emu._json(request, who, body)

        async def signing_secret(request: Request, who: User) -> Response:
            if who.role != "admin":
                return JSONResponse(FORBIDDEN, status_code=403)
            wanted = request.path_params["webhook_id"]
            for hook in self.webhooks():
                if hook.id == wanted:
                    secret = {"algorithm": "SHA256", "secret": hook.signing_secret}
                    return emu._json(request, who, {"signing_secret": secret})
            return JSONResponse(
                {"errors": [{"code": "WebhookNotFound", "title": "Webhook not found"}]},
                status_code=404,
            )

        p = "/api/v2"
        return [
            Route(f"{p}/ticket_fields/{{field_id:int}}.json", wrap(show_field), methods=["GET"]),
            Route(f"{p}/webhooks", wrap(list_hooks), methods=["GET"]),
            Route(
                f"{p}/webhooks/{{webhook_id}}/signing_secret",
                wrap(signing_secret),
                methods=["GET"],
            ),
        ]
