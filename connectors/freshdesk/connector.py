"""The Freshdesk helpdesk connector: tickets, replies and private notes over API v2."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Unpack

import httpx

from syncd.connector import (
    COMMENT_CHANGES,
    HELPDESK_BASICS,
    Capability,
    ConnectorBase,
    DiagnoseContext,
    Finding,
    TicketChange,
    WebhookResult,
)
from syncd.connector_kit import PolledConnector
from syncd.errors import ConfigError, NotFound, PermanentError, RemoteError
from syncd.model import Comment, Ref, RefKind, Ticket

from . import webhooks
from .client import FreshdeskClient
from .diagnose import diagnose
from .mapping import Context, Names, comment_body, comments_from_raw, ticket_from_raw, update_body
from .people import Directory
from .poll import CURSOR, Poller, cursor_since
from .settings import FreshdeskSettings
from .text import to_html

CAPABILITIES = HELPDESK_BASICS | COMMENT_CHANGES | {Capability.LABELS}
VIEW_INCLUDE = "requester,company"


class FreshdeskConnector(PolledConnector, ConnectorBase):
    """One Freshdesk account, as the engine sees it (a ``HelpdeskConnector``)."""

    settings: FreshdeskSettings
    client: FreshdeskClient
    poller: Poller

    capabilities = CAPABILITIES
    cursor_format = CURSOR

    def __init__(
        self, name: str, settings: FreshdeskSettings, http: httpx.Client | None = None
    ) -> None:
        self.name = name
        self.settings = settings
        self.client = FreshdeskClient(settings, http)
        self._bot: int | None = None
        self.people = Directory(self.client)
        self.poller = Poller(self)

    # -- identity and names ---------------------------------------------------------------

    @property
    def ctx(self) -> Context:
        """The mapping context, with the bot's id once known."""
        return Context(
            connector=self.name,
            base_url=self.settings.root,
            ticket_url_template=self.settings.ticket_url_template,
            custom_statuses=self.settings.custom_statuses,
            custom_fields=self.settings.custom_fields,
            bot_id=self._bot,
        )

    def check(self) -> str:
        """Read ``/agents/me`` and return who syncd acts as."""
        me = self.client.get("/api/v2/agents/me")
        contact = me.get("contact") or {}
        self._bot = int(me["id"])
        self.people.name_user(self._bot, str(contact.get("name") or me["id"]))
        return f"{contact.get('name')} <{contact.get('email')}> (agent {me['id']})"

    def bot_id(self) -> int:
        """The id of the agent syncd writes as (read once)."""
        if self._bot is None:
            self.check()
        assert self._bot is not None
        return self._bot

    def names(self) -> Names:
        """A snapshot of the names known so far."""
        return self.people.names()

    def learn(self, raws: Iterable[Mapping[str, Any]]) -> None:
        """Learn the names the tickets ``raws`` need."""
        self.people.learn(raws)

    def ticket(self, raw: Mapping[str, Any]) -> Ticket:
        """Map a ticket object whose names were learnt (:meth:`learn`)."""
        return ticket_from_raw(raw, self.ctx, self.names())

    # -- tickets --------------------------------------------------------------------------

    @staticmethod
    def _id(ref: Ref) -> int:
        if ref.kind not in (RefKind.TICKET, RefKind.COMMENT):
            raise PermanentError(f"{ref} is not a Freshdesk ticket or conversation")
        if not ref.key.isascii() or not ref.key.isdigit():
            raise NotFound(f"{ref}: Freshdesk ids are numbers")
        return int(ref.key)

    def _read(self, ref: Ref) -> dict[str, Any]:
        raw = self.client.get(f"/api/v2/tickets/{self._id(ref)}", {"include": VIEW_INCLUDE})
        self.learn([raw])
        return dict(raw)

    def get_ticket(self, ref: Ref) -> Ticket:
        """Read one ticket with its requester, group and company names."""
        return self.ticket(self._read(ref))

    def update_ticket(self, ref: Ref, **change: Unpack[TicketChange]) -> Ticket:
        """The comment first (a reply or a private note carrying ``key``), then one ``PUT``
        of the fields: Freshdesk takes no conversation in a ticket update. A retry looks for
        the comment by its key before writing it again (the runner's ``find_comment``)."""
        comment, key = change.get("comment"), change.get("key") or ""
        if comment is not None:
            self.add_comment(ref, comment, public=change.get("public", False), key=key)
        add, gone = change.get("add_tags", ()), set(change.get("remove_tags", ()))
        tags: list[str] | None = None
        if add or gone:
            # Freshdesk replaces the whole list: read it, change only the named tags
            current = [str(t) for t in self._read(ref).get("tags") or ()]
            tags = [t for t in current if t not in gone]
            tags += [t for t in add if t not in tags]
        try:
            body = update_body(
                status=change.get("status"),
                priority=change.get("priority"),
                tags=tags,
                fields=change.get("fields"),
                ctx=self.ctx,
            )
        except KeyError as exc:
            raise ConfigError([("", "custom_fields", str(exc.args[0]))]) from None
        if not body:
            return self.get_ticket(ref)
        answer = self.client.request("PUT", f"/api/v2/tickets/{self._id(ref)}", json=body)
        self.learn([answer])
        return self.ticket(answer)

    # -- comments -------------------------------------------------------------------------

    def comments(self, parent: Ref) -> list[Comment]:
        """All replies and notes of a ticket, oldest first, each with its marker."""
        path = f"/api/v2/tickets/{self._id(parent)}/conversations"
        raws = [c for page in self.client.pages(path, {"per_page": 100}) for c in page]
        self.bot_id()
        self.people.users([c.get("user_id") for c in raws])
        return comments_from_raw(raws, parent, self.ctx, self.names())

    def add_comment(self, parent: Ref, body: str, *, public: bool, key: str) -> Comment:
        """A reply (public: the requester is e-mailed) or a private note, carrying ``key``."""
        ticket_id = self._id(parent)
        kind = "reply" if public else "notes"
        made = self.client.request(
            "POST",
            f"/api/v2/tickets/{ticket_id}/{kind}",
            json=comment_body(body, public=public, key=key or None),
        )
        if not isinstance(made, dict) or "id" not in made:
            found = self.find_comment(parent, key)
            if found is None:
                raise RemoteError(f"{parent}: Freshdesk accepted the {kind} but does not list it")
            return found
        self.bot_id()
        return comments_from_raw([made], parent, self.ctx, self.names())[0]

    def edit_comment(self, ref: Ref, parent: Ref, body: str) -> Comment:
        """A note's new body (``PUT /conversations/{id}``), keeping its key. The ticket's
        conversations are read first for that key (Freshdesk shows no single conversation);
        one not among them is ``NotFound``. Freshdesk edits notes only: a reply (already
        e-mailed) answers 405, a ``PermanentError`` saying so."""
        conversation = self._id(ref)
        current = next((c for c in self.comments(parent) if c.ref == ref), None)
        if current is None:
            raise NotFound(f"{ref}: no such conversation on Freshdesk ticket {parent.key}")
        path = f"/api/v2/conversations/{conversation}"
        try:
            answer = self.client.request("PUT", path, json={"body": to_html(body, current.marker)})
        except PermanentError as exc:
            if exc.status != 405:
                raise
            raise PermanentError(
                f"{ref} is a reply, already e-mailed to the requester: Freshdesk edits only "
                f"notes ({exc})",
                status=405,
            ) from exc
        if not isinstance(answer, dict) or "id" not in answer:
            raise RemoteError(f"Freshdesk PUT {path}: the answer is not a conversation")
        return comments_from_raw([answer], parent, self.ctx, self.names())[0]

    def delete_comment(self, ref: Ref, parent: Ref) -> None:
        """Delete a reply or a note (``DELETE /conversations/{id}``, 204); one already gone
        is ``NotFound`` (the runner counts that as done)."""
        self.client.request("DELETE", f"/api/v2/conversations/{self._id(ref)}")

    # -- changes --------------------------------------------------------------------------

    def cursor_since(self, moment: datetime) -> str:
        """A cursor whose polls return what changed at or after ``moment``."""
        return cursor_since(moment)

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> None:
        """Check the secret header or the basic credentials the automation rule sends."""
        secret = self.settings.secret("webhook_secret")
        assert secret is not None
        if self.settings.webhook_auth == "basic":
            webhooks.verify_basic(headers, self.settings.webhook_username, secret)
        else:
            webhooks.verify_header(headers, self.settings.webhook_header, secret)

    def webhooks_offline(self) -> bool:
        """A delivery is read without any call: it only names the ticket."""
        return True

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookResult:
        """A verified delivery: the ticket it names is to be read again."""
        return webhooks.parse(body, self.name)

    def diagnose(self, context: DiagnoseContext) -> list[Finding]:
        """Check the API key, the statuses and fields syncd names, and the ticket list."""
        return diagnose(self, context)
