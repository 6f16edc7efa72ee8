"""The Zendesk helpdesk connector: tickets, replies and internal notes over ``/api/v2``."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Unpack

import httpx

from syncd.connector import (
    HELPDESK_BASICS,
    BatchResult,
    Capability,
    ConnectorBase,
    DiagnoseContext,
    Finding,
    Pace,
    TicketChange,
    WebhookResult,
)
from syncd.connector_kit import PolledConnector
from syncd.errors import AuthError, ConfigError, NotFound, PermanentError, RemoteError
from syncd.model import Ref, RefKind, Ticket, TicketStatus
from syncd.webhooks import NeedsThread, on_event_loop

from . import webhooks
from .client import ZendeskClient
from .comments import CommentMethods
from .diagnose import diagnose
from .files import FileMethods
from .jobs import MAX_IDS, Jobs
from .mapping import Context, Names, names_from_sideloads, ticket_from_raw, update_body
from .poll import CURSOR, Poller, cursor_since
from .settings import ZendeskSettings

CAPABILITIES = HELPDESK_BASICS | {
    Capability.LABELS,
    Capability.BATCH_UPDATE,
    Capability.ATTACHMENTS,
}
SIDELOADS = "users,groups,organizations"


class ZendeskConnector(CommentMethods, FileMethods, PolledConnector, ConnectorBase):
    """One Zendesk account, as the engine sees it (a ``HelpdeskConnector``)."""

    settings: ZendeskSettings
    client: ZendeskClient
    poller: Poller

    capabilities = CAPABILITIES
    cursor_format = CURSOR

    def __init__(
        self, name: str, settings: ZendeskSettings, http: httpx.Client | None = None
    ) -> None:
        self.name = name
        self.settings = settings
        self.client = ZendeskClient(settings, http)
        self._bot: tuple[int, str] | None = None
        self._lock = threading.Lock()
        # names seen in sideloads; ids never get renamed often enough to need expiry
        self._users: dict[int, str] = {}
        self._groups: dict[int, str] = {}
        self._orgs: dict[int, str] = {}
        self.poller = Poller(self)
        self.jobs = Jobs(self.client, timeout=settings.job_timeout)

    # -- identity and names ---------------------------------------------------------------

    @property
    def ctx(self) -> Context:
        """The mapping context, with the bot id once known."""
        return Context(
            connector=self.name,
            ticket_url_template=self.settings.ticket_url_template,
            base_url=self.settings.root,
            custom_fields=self.settings.custom_fields,
            bot_id=self._bot[0] if self._bot else None,
        )

    def check(self) -> str:
        """Read ``/users/me`` and return who syncd acts as."""
        body = self.client.get("/api/v2/users/me.json")
        user = body["user"]
        if not user.get("id"):
            # Zendesk answers anonymous callers with a user of id null instead of a 401
            raise AuthError("Zendesk did not accept the credentials (anonymous user)")
        with self._lock:
            self._bot = (int(user["id"]), str(user.get("name") or user["id"]))
            self._users[int(user["id"])] = str(user.get("name") or user["id"])
        return f"{user.get('name')} <{user.get('email')}> (id {user['id']})"

    def bot_id(self) -> int:
        """The id of the user syncd writes as (read once)."""
        if self._bot is None:
            self.check()
        assert self._bot is not None
        return self._bot[0]

    def remember(self, body: Mapping[str, Any]) -> None:
        """Keep names from a response's sideloads."""
        found = names_from_sideloads(body)
        with self._lock:
            self._users.update(found.users)
            self._groups.update(found.groups)
            self._orgs.update(found.organizations)

    def names(self) -> Names:
        """A snapshot of the names known so far."""
        with self._lock:
            return Names(dict(self._users), dict(self._groups), dict(self._orgs))

    def resolve_users(self, ids: Sequence[Any]) -> None:
        """Learn the names of users not seen yet (one call each, then cached)."""
        for raw in ids:
            if self._knows(raw):
                continue
            ident = int(raw)
            try:
                body = self.client.get(f"/api/v2/users/{ident}.json")
            except NotFound:
                continue
            with self._lock:
                self._users[ident] = str(body["user"].get("name") or ident)

    def ticket(self, raw: Mapping[str, Any]) -> Ticket:
        """Map a ticket object, learning the requester's name first if needed."""
        self.resolve_users([raw.get("requester_id")])
        return ticket_from_raw(raw, self.ctx, self.names())

    # -- tickets --------------------------------------------------------------------------

    @staticmethod
    def _id(ref: Ref) -> int:
        if ref.kind not in (RefKind.TICKET, RefKind.COMMENT):
            raise PermanentError(f"{ref} is not a Zendesk ticket or comment")
        try:
            return int(ref.key)
        except ValueError:
            raise NotFound(f"{ref}: Zendesk ids are numbers") from None

    def get_ticket(self, ref: Ref) -> Ticket:
        """Read one ticket with its requester, group and organization names."""
        body = self.client.get(f"/api/v2/tickets/{self._id(ref)}.json", {"include": SIDELOADS})
        self.remember(body)
        return self.ticket(body["ticket"])

    def update_ticket(self, ref: Ref, **change: Unpack[TicketChange]) -> Ticket:
        """Change a ticket in one ``PUT``; the key rides in the audit's metadata."""
        answer = self._update(ref, **change)
        return self.ticket(answer["ticket"])

    def batch_limit(self) -> int:
        """Zendesk's update_many takes up to 100 tickets."""
        return MAX_IDS

    def update_tickets(
        self,
        keys: Mapping[Ref, str],
        *,
        status: TicketStatus | None = None,
        comment: str | None = None,
        public: bool = False,
        pace: Pace | None = None,
    ) -> BatchResult:
        """One ``update_many`` job per 100 tickets, each followed to its end (every look
        at a job paced by ``pace``); every ticket's key rides in the audit's metadata,
        found by its id."""
        return self.jobs.update(keys, status=status, comment=comment, public=public, pace=pace)

    def _update(self, ref: Ref, **changes: Any) -> dict[str, Any]:
        """``PUT`` one update; the answer holds the ticket and the update's own audit."""
        try:
            body = update_body(field_ids=self.settings.custom_fields, **changes)
        except KeyError as exc:
            raise ConfigError([("", "custom_fields", str(exc.args[0]))]) from None
        answer = self.client.request("PUT", f"/api/v2/tickets/{self._id(ref)}.json", json=body)
        return dict(answer)

    # -- changes --------------------------------------------------------------------------

    def cursor_since(self, moment: datetime) -> str:
        """A cursor whose polls return what changed at or after ``moment``."""
        return cursor_since(moment)

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> None:
        """Check Zendesk's signature and timestamp."""
        secret = self.settings.secret("webhook_secret")
        assert secret is not None
        webhooks.verify(headers, body, secret, max_age=self.settings.max_webhook_age)

    def webhooks_offline(self) -> bool:
        """Parsing a delivery calls Zendesk only while the bot's id is unknown, or for a
        requester not seen yet (then :meth:`parse_webhook` asks for a thread)."""
        return self._bot is not None

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookResult:
        """Turn a verified delivery into changes, naming the requester when we can."""
        delivery = webhooks.read(body)  # decoded once: for the requester, then for the changes
        requester = webhooks.requester_id(delivery)
        if on_event_loop() and not self._knows(requester):
            raise NeedsThread(f"requester {requester} not seen yet")
        with contextlib.suppress(RemoteError):
            # one call per process and per unseen requester; a failure only costs the name
            self.bot_id()
            self.resolve_users([requester])
        return webhooks.parse_delivery(headers, delivery, self.ctx, self.names())

    def _knows(self, user: Any) -> bool:
        """Whether naming ``user`` needs no call: no one to name, or a name already known."""
        if user in (None, "", "0", 0):
            return True
        ident = int(user)
        with self._lock:
            return ident in self._users

    def diagnose(self, context: DiagnoseContext) -> list[Finding]:
        """Check credentials, custom fields, the incremental export and the webhook."""
        return diagnose(self, context)
