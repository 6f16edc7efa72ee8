"""The Request Tracker helpdesk connector: tickets, replies, notes, poll and Scrip notices."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Unpack

import httpx

from syncd import cursors
from syncd.connector import (
    HELPDESK_BASICS,
    Capability,
    ConnectorBase,
    DiagnoseContext,
    Finding,
    PollPage,
    TicketChange,
    WebhookResult,
)
from syncd.errors import ConfigError, Forbidden, NotFound, PermanentError
from syncd.model import Priority, Ref, Ticket

from . import mapping, webhooks
from .client import RTClient, token_user_id
from .comments import CommentMethods
from .diagnose import diagnose
from .files import FileMethods
from .poll import TransactionPoller
from .settings import RTSettings

CAPABILITIES = HELPDESK_BASICS | {Capability.TRANSITIONS, Capability.ATTACHMENTS}

_TICKET_LOOKUP = "RT::Queue-RT::Ticket"
_TXN_LOOKUP = "RT::Queue-RT::Ticket-RT::Transaction"


class RTConnector(CommentMethods, FileMethods, ConnectorBase):
    """A ``HelpdeskConnector`` over REST2. RT has no tags: LABELS is not offered."""

    settings: RTSettings

    def __init__(self, name: str, settings: RTSettings, http: httpx.Client | None = None) -> None:
        self.name = name
        self.settings = settings
        self.capabilities = CAPABILITIES
        self.client = RTClient(name, settings, http)
        self._statuses = settings.statuses()
        self._writes = settings.write_statuses()
        self._priorities = settings.priorities()
        self._me: str | None = settings.username
        # the first message and user names never change: read them once
        self._descriptions: dict[int, str] = {}
        self._names: dict[str, str] = {}
        self._poller = TransactionPoller(self)

    # -- account -------------------------------------------------------------------------

    def check(self) -> str:
        """Verify credentials and the custom fields syncd needs; return the account name."""
        self.client.get("/rt")
        me = self._whoami()
        wanted = [
            (self.settings.key_custom_field, _TXN_LOOKUP, "transaction"),
            (self.settings.link_custom_field, _TICKET_LOOKUP, "ticket"),
        ]
        problems = [
            (
                "",
                f"connectors.{self.name}",
                f"Request Tracker has no {kind} custom field {name!r} that {me!r} can see; "
                "create it (see the RT set-up steps) or change key_custom_field / "
                "link_custom_field",
            )
            for name, lookup, kind in wanted
            if not self._custom_field_exists(name, lookup)
        ]
        if problems:
            raise ConfigError(problems)
        return me

    def _whoami(self) -> str:
        if self._me:
            return self._me
        uid = token_user_id(self.client.token or "")
        if uid is None:
            raise ConfigError(
                [("", f"connectors.{self.name}.username", "set username: the token has no user id")]
            )
        user = self.client.get(f"/user/{uid}")
        self._me = str(user.get("Name") or uid)
        return self._me

    def diagnose(self, context: DiagnoseContext) -> list[Finding]:
        """Check credentials, custom fields, the rights in each queue and the notify Scrip."""
        return diagnose(self, context)

    @property
    def me(self) -> str | None:
        """The RT user name syncd writes as (discovered on first use)."""
        if self._me is None:
            try:
                self._whoami()
            except ConfigError:
                return None
        return self._me

    def _custom_field_exists(self, name: str, lookup: str) -> bool:
        query = json.dumps([{"field": "Name", "value": name}])
        data = self.client.get("/customfields", query=query, fields="Name,LookupType")
        return any(
            i.get("Name") == name and i.get("LookupType") == lookup
            for i in (data or {}).get("items") or []
        )

    # -- tickets -------------------------------------------------------------------------

    def get_ticket(self, ref: Ref) -> Ticket:
        """Read one ticket; ``NotFound`` if it is gone."""
        tid = self._tid(ref)
        raw = self.client.get(f"/ticket/{tid}", **{"fields[Queue]": "Name"})
        return self._ticket(raw)

    def _ticket(self, raw: Mapping[str, Any]) -> Ticket:
        tid = mapping.as_int(raw.get("id"))
        requestors = raw.get("Requestor") or []
        first = mapping.nested_id(requestors[0]) if requestors else None
        return mapping.ticket_from_rt(
            raw,
            connector=self.name,
            base_url=self.settings.base_url,
            statuses=self._statuses,
            priorities=self._priorities,
            requester=self._display_name(first) if first else None,
            description=self._description(tid),
        )

    def _display_name(self, user: str) -> str:
        if user not in self._names:
            try:
                data = self.client.get(f"/user/{user}")
            except (NotFound, Forbidden):
                data = {"Name": user}
            self._names[user] = mapping.display_name(data)
        return self._names[user]

    def _description(self, tid: int) -> str:
        if tid not in self._descriptions:
            first = next(self.client.collection(f"/ticket/{tid}/history", {"per_page": 1}), None)
            if first is None:
                return ""
            self._descriptions[tid] = self.message_of(mapping.as_int(first.get("id")))
        return self._descriptions[tid]

    def create_ticket(
        self,
        subject: str,
        body: str = "",
        *,
        queue: str | None = None,
        requester: str | None = None,
        fields: Mapping[str, str] | None = None,
        priority: Priority | None = None,
    ) -> Ticket:
        """Create a ticket in ``queue`` (default: ``default_queue``)."""
        payload: dict[str, Any] = {
            "Queue": queue or self.settings.default_queue,
            "Subject": subject,
            "Content": body,
            "ContentType": "text/plain",
        }
        if requester:
            payload["Requestor"] = requester
        if fields:
            payload["CustomFields"] = dict(fields)
        if priority is not None:
            payload["Priority"] = mapping.priority_to_rt(priority, self._priorities)
        resp, data = self.client.post("/ticket", payload)
        tid = mapping.id_from_location(resp.headers.get("Location")) or mapping.as_int(
            (data or {}).get("id")
        )
        if not tid:
            raise PermanentError(f"{self.name}: ticket created but RT named no id")
        return self.get_ticket(Ref.ticket(self.name, tid))

    def find_tickets(self, ticket_sql: str, limit: int = 100) -> list[Ref]:
        """Refs of the tickets a TicketSQL query finds (at most ``limit``)."""
        refs: list[Ref] = []
        params = {"query": ticket_sql, "per_page": min(limit, 100), "orderby": "id"}
        for item in self.client.collection("/tickets", params):
            refs.append(Ref.ticket(self.name, mapping.as_int(item.get("id"))))
            if len(refs) >= limit:
                break
        return refs

    def find_by_link(self, url: str) -> list[Ref]:
        """Tickets whose link custom field holds ``url``: what syncd linked before a crash."""
        field = self.settings.link_custom_field.replace("}", "")
        return self.find_tickets(f"'CF.{{{field}}}' = {mapping.ticket_sql_quote(url)}")

    def update_ticket(self, ref: Ref, **change: Unpack[TicketChange]) -> Ticket:
        """Change a ticket; status, custom fields and the comment go in one call when possible.

        RT has no tags, so ``add_tags``/``remove_tags`` are ignored (LABELS is not offered).
        REST2's reply and note calls can set Status and CustomFields but not Priority, so a
        priority change costs one PUT before the message.
        """
        tid = self._tid(ref)
        status, priority, fields = (
            change.get("status"),
            change.get("priority"),
            change.get("fields"),
        )
        comment = change.get("comment")
        along: dict[str, Any] = {}  # what the reply or note call can set too
        if status is not None:
            along["Status"] = mapping.status_to_rt(status, self._writes)
        if fields:
            along["CustomFields"] = dict(fields)
        put: dict[str, Any] = {} if comment is not None else dict(along)
        if priority is not None:
            put["Priority"] = mapping.priority_to_rt(priority, self._priorities)
        if put:
            messages = self.client.put(f"/ticket/{tid}", put)
            self.client.check_refusals(f"update of ticket {tid}", messages)
        if comment is not None:
            public, key = change.get("public", False), change.get("key")
            self._post_message(tid, comment, public=public, key=key, extra=along)
        return self.get_ticket(ref)

    # -- changes -------------------------------------------------------------------------

    def poll(self, cursor: str | None) -> PollPage:
        """Ticket transactions after the cursor (a transaction id): exact, no overlap."""
        return self._poller.poll(cursor)

    def cursor_since(self, moment: datetime) -> str:
        """The id of the last transaction before ``moment``: polls go on from there."""
        return str(self._poller.last_transaction(before=moment))

    def check_cursor(self, cursor: str) -> None:
        """``CursorError`` if ``poll`` could not read ``cursor``; no request."""
        cursors.counter(self.name, cursor, what="transaction id")

    def webhooks_offline(self) -> bool:
        """Verifying and parsing a notice never calls Request Tracker."""
        return True

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> None:
        """Check the Scrip notice's HMAC signature in constant time."""
        webhooks.verify(headers, body, self.settings.secret("webhook_secret", required=False))

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookResult:
        """A notice -> one TOUCHED change; the delivery id is the transaction id."""
        delivery, event, changes = webhooks.parse(self.name, headers, body, self.settings.queues)
        return WebhookResult(delivery_id=delivery or None, event=event, changes=changes)

    def close(self) -> None:
        """Release HTTP connections."""
        self.client.close()

    def _tid(self, ref: Ref) -> int:
        tid = mapping.as_int(ref.key, default=0)
        if tid <= 0:
            raise NotFound(f"{self.name}: {ref} is not an RT ticket id", status=404)
        return tid
