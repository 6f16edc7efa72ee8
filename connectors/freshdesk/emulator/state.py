"""The Freshdesk emulator's objects and the rules that change them.

Every change stamps the ticket's ``updated_at`` (a reply or a note too, as on Freshdesk) and
tells ``on_change(ticket_id, event)``, which sends the automation rule's webhook. A note's edit
stamps the note (``updated_at``, ``last_edited_at``) and its ticket but sends no webhook:
automation rules have no event for an edited note. A deleted conversation leaves no trace.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from ..text import to_html
from .records import ConversationRec, Person, TicketRec, invalid, not_allowed, not_found

# status id -> its name in the agent's view; 6 and 7 are the custom statuses new accounts have
STATUSES = {
    2: "Open",
    3: "Pending",
    4: "Resolved",
    5: "Closed",
    6: "Waiting on Customer",
    7: "Waiting on Third Party",
}
PRIORITIES = {1: "Low", 2: "Medium", 3: "High", 4: "Urgent"}
CUSTOM_FIELDS = {"cf_dev_issue": "Developer issue", "cf_impact": "Impact"}
TICKET_KEYS = frozenset(
    {
        "subject", "description", "status", "priority", "tags", "group_id", "custom_fields",
        "type", "responder_id", "company_id", "source", "requester_id", "email", "name",
    }
)  # fmt: skip


class State:
    """People, groups, companies, tickets and conversations of one account."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.people: dict[int, Person] = {}
        self.groups: dict[int, str] = {}
        self.companies: dict[int, str] = {}
        self.tickets: dict[int, TicketRec] = {}
        self.conversations: dict[int, ConversationRec] = {}
        self.on_change: Callable[[int, str], None] | None = None
        self._ids = {"person": 43_000_000_000, "ticket": 0, "conversation": 6_000_000_000}

    def _next(self, kind: str) -> int:
        self._ids[kind] += 1
        return self._ids[kind]

    def _tell(self, ticket_id: int, event: str) -> None:
        if self.on_change is not None:
            self.on_change(ticket_id, event)

    def add_person(self, name: str, email: str, kind: str, api_key: str | None = None) -> Person:
        """An agent or a contact."""
        with self.lock:
            person = Person(self._next("person"), name, email, kind, api_key, self.clock())  # type: ignore[arg-type]
            self.people[person.id] = person
            return person

    def contact(self, email: str, name: str | None = None) -> Person:
        """The contact with ``email``, created when new (as Freshdesk does for a requester)."""
        with self.lock:
            for person in self.people.values():
                if person.email == email:
                    return person
            return self.add_person(name or email.split("@")[0], email, "contact")

    def ticket(self, ticket_id: int) -> TicketRec:
        found = self.tickets.get(ticket_id)
        if found is None:
            raise not_found()
        return found

    # -- rules ----------------------------------------------------------------------------

    def _check(self, data: dict[str, Any]) -> None:
        for key in data:
            if key not in TICKET_KEYS:
                raise invalid(key, "Unexpected/invalid field in request", "invalid_field")
        if "status" in data and data["status"] not in STATUSES:
            allowed = ",".join(str(s) for s in STATUSES)
            raise invalid("status", f"It should be one of these values: '{allowed}'")
        if "priority" in data and data["priority"] not in PRIORITIES:
            raise invalid("priority", "It should be one of these values: '1,2,3,4'")
        tags = data.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise invalid("tags", "It should be an Array of String", "datatype_mismatch")
        group = data.get("group_id")
        if group is not None and group not in self.groups:
            raise invalid("group_id", "There is no group matching the given group_id")
        fields = data.get("custom_fields", {})
        if not isinstance(fields, dict):
            raise invalid("custom_fields", "It should be a/an key/value pair", "datatype_mismatch")
        for name in fields:
            if name not in CUSTOM_FIELDS:
                raise invalid(name, "Unexpected/invalid field in request", "invalid_field")
        for key in ("subject", "description"):
            if key in data and not isinstance(data[key], str):
                raise invalid(key, "It should be a/an String", "datatype_mismatch")

    def create_ticket(self, data: dict[str, Any]) -> TicketRec:
        """A ticket from ``POST /api/v2/tickets``'s body."""
        with self.lock:
            self._check(data)
            requester = data.get("requester_id")
            if requester is None and data.get("email"):
                requester = self.contact(str(data["email"]), data.get("name")).id
            if requester not in self.people:
                raise invalid(
                    "requester_id",
                    "There is no contact matching the given requester_id",
                    "missing_field",
                )
            if not data.get("subject"):
                raise invalid(
                    "subject",
                    "It should not be blank as this is a mandatory field",
                    "missing_field",
                )
            now = self.clock()
            ticket = TicketRec(
                id=self._next("ticket"),
                subject=data["subject"],
                description=data.get("description") or "",
                requester_id=requester,
                status=data.get("status", 2),
                priority=data.get("priority", 1),
                source=data.get("source", 2),
                type=data.get("type"),
                group_id=data.get("group_id"),
                company_id=self.people[requester].company_id,
                tags=list(dict.fromkeys(data.get("tags", []))),
                custom_fields={n: data.get("custom_fields", {}).get(n) for n in CUSTOM_FIELDS},
                created_at=now,
                updated_at=now,
                status_updated_at=now,
            )
            self.tickets[ticket.id] = ticket
        self._tell(ticket.id, "ticket created")
        return ticket

    def update_ticket(self, ticket_id: int, data: dict[str, Any]) -> TicketRec:
        """``PUT /api/v2/tickets/{id}``: tags are replaced, custom fields merged."""
        with self.lock:
            ticket = self.ticket(ticket_id)
            self._check(data)
            now = self.clock()
            for key in ("subject", "description", "priority", "type", "group_id", "responder_id"):
                if key in data:
                    setattr(ticket, key, data[key])
            if "tags" in data:
                ticket.tags = list(dict.fromkeys(data["tags"]))
            ticket.custom_fields.update(data.get("custom_fields", {}))
            if "status" in data and data["status"] != ticket.status:
                ticket.status = data["status"]
                ticket.status_updated_at = now
                ticket.resolved_at = now if ticket.status == 4 else ticket.resolved_at
                ticket.closed_at = now if ticket.status == 5 else ticket.closed_at
            ticket.updated_at = now
        self._tell(ticket_id, "ticket updated")
        return ticket

    def add_conversation(
        self,
        ticket_id: int,
        author: Person,
        body: Any,
        *,
        note: bool,
        private: bool = True,
        files: tuple[str, ...] = (),
    ) -> ConversationRec:
        """A reply (to the requester) or a note on a ticket."""
        with self.lock:
            ticket = self.ticket(ticket_id)
            if not isinstance(body, str) or not body.strip():
                raise invalid(
                    "body", "It should not be blank as this is a mandatory field", "missing_field"
                )
            now = self.clock()
            requester = self.people[ticket.requester_id]
            made = ConversationRec(
                id=self._next("conversation"),
                ticket_id=ticket_id,
                user_id=author.id,
                body=body,
                private=private if note else False,
                source=2 if note else 0,
                incoming=author.kind == "contact",
                to_emails=[] if note else [requester.email],
                from_email=None if note else "support@example.freshdesk.com",
                attachments=list(files),
                created_at=now,
                updated_at=now,
            )
            self.conversations[made.id] = made
            ticket.updated_at = now
        self._tell(ticket_id, "note added" if note else "reply sent")
        return made

    def conversation(self, conversation_id: int) -> ConversationRec:
        found = self.conversations.get(conversation_id)
        if found is None:
            raise not_found()
        return found

    def edit_conversation(self, conversation_id: int, editor: Person, data: Any) -> ConversationRec:
        """``PUT /api/v2/conversations/{id}``: a note's new body. Only notes (``source`` 2,
        private or public) can be edited; a reply answers 405 (only DELETE is allowed)."""
        with self.lock:
            made = self.conversation(conversation_id)
            if made.source != 2:
                raise not_allowed("PUT", "DELETE")
            for key in data:
                if key not in ("body", "attachments"):
                    raise invalid(key, "Unexpected/invalid field in request", "invalid_field")
            body = data.get("body")
            if "body" in data and (not isinstance(body, str) or not body.strip()):
                raise invalid("body", "It should be a/an String", "datatype_mismatch")
            now = self.clock()
            if isinstance(body, str):
                made.body = body
            made.updated_at = made.last_edited_at = now
            made.last_edited_user_id = editor.id
            self.ticket(made.ticket_id).updated_at = now
            return made

    def delete_conversation(self, conversation_id: int) -> None:
        """``DELETE /api/v2/conversations/{id}``: a reply or a note, gone from every list."""
        with self.lock:
            self.conversation(conversation_id)
            del self.conversations[conversation_id]

    def conversations_of(self, ticket_id: int) -> list[ConversationRec]:
        """A ticket's conversations, oldest first."""
        with self.lock:
            self.ticket(ticket_id)
            return sorted(
                (c for c in self.conversations.values() if c.ticket_id == ticket_id),
                key=lambda c: c.id,
            )

    def text(self, text: str) -> str:
        """What a human types, as the HTML Freshdesk keeps."""
        return to_html(text)
