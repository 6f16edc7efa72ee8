"""The objects a Zendesk emulator holds: users, tickets and their audits.

Every write goes through :meth:`State.create_ticket` or :meth:`State.update_ticket`, which
record one audit with its ``Create``/``Change``/``Comment`` events, as Zendesk does, and hand
the ticket events to ``on_events`` so the emulator can send its webhooks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from markdown_it import MarkdownIt

from .jobs import JobQueue
from .records import PRIORITIES, STATUSES, Audit, Invalid, TicketRec, User, iso
from .uploads import Uploads

_md = MarkdownIt("commonmark")

EventSink = Callable[[TicketRec, Audit, list[tuple[str, dict[str, Any]]]], None]


class State:
    """All objects of one emulated Zendesk account."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.users: dict[int, User] = {}
        self.groups: dict[int, str] = {}
        self.organizations: dict[int, str] = {}
        self.tickets: dict[int, TicketRec] = {}
        self.audits: list[Audit] = []
        self.on_events: EventSink | None = None
        self._ids = 1000
        self.seq = 0
        self.jobs = JobQueue(self)  # update_many's background jobs
        self.uploads = Uploads(self.next_id)  # files, and the tokens that attach them

    def now(self) -> int:
        return int(self.clock())

    def next_id(self) -> int:
        with self.lock:
            self._ids += 1
            return self._ids

    def add_user(self, name: str, email: str, role: str, user_id: int | None = None) -> User:
        """Add a user; ``role`` is admin, agent or end-user."""
        user = User(user_id or self.next_id(), name, email, role)
        self.users[user.id] = user
        return user

    def ticket(self, ticket_id: int) -> TicketRec | None:
        return self.tickets.get(ticket_id)

    def audits_of(self, ticket_id: int) -> list[Audit]:
        return [a for a in self.audits if a.ticket_id == ticket_id]

    # -- writes ---------------------------------------------------------------------------

    def create_ticket(self, actor: User, data: dict[str, Any]) -> tuple[TicketRec, Audit]:
        """``POST /api/v2/tickets.json``: the first comment becomes the description."""
        comment = data.get("comment") or {}
        body = comment.get("body") or comment.get("html_body") or data.get("description")
        if not body:
            raise Invalid("description", "Description: cannot be blank", "BlankValue")
        with self.lock:
            now = self.now()
            requester = int(data.get("requester_id") or actor.id)
            if requester not in self.users:
                raise Invalid("requester", "Requester: is invalid")
            ticket = TicketRec(
                id=self.next_id(),
                subject=str(data.get("subject") or str(body)[:60]),
                description=str(body),
                requester_id=requester,
                submitter_id=actor.id,
                created_at=now,
                updated_at=now,
            )
            self.tickets[ticket.id] = ticket
            events: list[dict[str, Any]] = []
            hooks: list[tuple[str, dict[str, Any]]] = [("created", {})]
            self._apply(ticket, data, events, hooks, created=True)
            public = bool(comment.get("public", True))
            events.insert(0, self._comment_event(actor, str(body), public, comment))
            return ticket, self._record(ticket, actor, events, data, hooks, now)

    def update_ticket(
        self, ticket_id: int, actor: User, data: dict[str, Any]
    ) -> tuple[TicketRec, Audit]:
        """``PUT /api/v2/tickets/{id}.json``; raises ``KeyError`` for a missing ticket."""
        with self.lock:
            ticket = self.tickets[ticket_id]
            if ticket.status == "closed":
                raise Invalid("status", "Status: closed prevents ticket update")
            events: list[dict[str, Any]] = []
            hooks: list[tuple[str, dict[str, Any]]] = []
            comment = data.get("comment")
            if comment:
                body = comment.get("body") or comment.get("html_body") or ""
                if not body.strip():
                    raise Invalid("comment", "Comment: cannot be blank", "BlankValue")
                public = bool(comment.get("public", True))
                author = self.users.get(int(comment.get("author_id") or actor.id), actor)
                event = self._comment_event(author, body, public, comment)
                events.append(event)
                hooks.append(("comment_added", {"comment": self._hook_comment(event, author)}))
            self._apply(ticket, data, events, hooks, created=False)
            now = self.now()
            ticket.updated_at = now
            return ticket, self._record(ticket, actor, events, data, hooks, now)

    def _record(
        self,
        ticket: TicketRec,
        actor: User,
        events: list[dict[str, Any]],
        data: dict[str, Any],
        hooks: list[tuple[str, dict[str, Any]]],
        now: int,
    ) -> Audit:
        self.seq += 1
        ticket.seq = self.seq
        metadata = data.get("metadata")
        audit = Audit(
            id=self.next_id(),
            ticket_id=ticket.id,
            author_id=actor.id,
            created_at=now,
            events=events,
            custom=dict(metadata) if isinstance(metadata, dict) else {},
        )
        for event in events:
            event.setdefault("id", self.next_id())
            if event["type"] == "Comment":
                event["audit_id"] = audit.id
                event["created_at"] = iso(now)
        self.audits.append(audit)
        if self.on_events is not None and hooks:
            self.on_events(ticket, audit, hooks)
        return audit

    def _comment_event(
        self, author: User, body: str, public: bool, raw: dict[str, Any]
    ) -> dict[str, Any]:
        html = raw.get("html_body") or _md.render(body).strip()
        return {
            "id": self.next_id(),
            "type": "Comment",
            "author_id": author.id,
            "body": body,
            "html_body": html,
            "plain_body": body,
            "public": public,
            "attachments": self.uploads.take(raw.get("uploads")),
        }

    @staticmethod
    def _hook_comment(event: dict[str, Any], author: User) -> dict[str, Any]:
        return {
            "id": str(event["id"]),
            "body": event["body"],
            "is_public": event["public"],
            "author": {"id": str(author.id), "is_staff": author.is_staff, "name": author.name},
        }

    def _apply(
        self,
        ticket: TicketRec,
        data: dict[str, Any],
        events: list[dict[str, Any]],
        hooks: list[tuple[str, dict[str, Any]]],
        *,
        created: bool,
    ) -> None:
        def change(name: str, old: Any, new: Any, hook: str | None, upper: bool = True) -> None:
            if old == new and not created:
                return
            if created:
                events.append({"type": "Create", "field_name": name, "value": new})
                return
            events.append(
                {"type": "Change", "field_name": name, "value": new, "previous_value": old}
            )
            if hook:
                up = (lambda v: v.upper() if isinstance(v, str) else v) if upper else (lambda v: v)
                hooks.append((hook, {"current": up(new), "previous": up(old)}))

        if "status" in data:
            status = data["status"]
            if status not in STATUSES:
                raise Invalid("status", f"Status: {status} is not valid")
            if status == "new" and not created and ticket.status != "new":
                raise Invalid("status", "Status: cannot be set back to new")
            change("status", ticket.status, status, "status_changed")
            ticket.status = status
        elif created:
            change("status", None, ticket.status, None)
        if "priority" in data:
            prio = data["priority"] or None
            if prio is not None and prio not in PRIORITIES:
                raise Invalid("priority", f"Priority: {prio} is not valid")
            change("priority", ticket.priority, prio, "priority_changed")
            ticket.priority = prio
        if "subject" in data and data["subject"] and not created:
            change("subject", ticket.subject, data["subject"], "subject_changed", upper=False)
            ticket.subject = data["subject"]
        for key in ("group_id", "organization_id", "assignee_id"):
            if key in data:
                value = int(data[key]) if data[key] is not None else None
                hook = {"group_id": "group_assignment_changed"}.get(key)
                change(key, getattr(ticket, key), value, hook, upper=False)
                setattr(ticket, key, value)
        old_tags, new_tags = list(ticket.tags), self._tags_after(ticket.tags, data)
        if new_tags != old_tags:
            ticket.tags = new_tags
            change("tags", old_tags, new_tags, None)
            if not created:
                added = [t for t in new_tags if t not in old_tags]
                removed = [t for t in old_tags if t not in new_tags]
                hooks.append(("tags_changed", {"tags_added": added, "tags_removed": removed}))
        for item in data.get("custom_fields") or ():
            fid, value = int(item["id"]), item.get("value")
            old = ticket.custom_fields.get(fid)
            if old != value:
                change(str(fid), old, value, "custom_field_changed", upper=False)
                ticket.custom_fields[fid] = value

    @staticmethod
    def _tags_after(tags: list[str], data: dict[str, Any]) -> list[str]:
        """The tags once ``data`` (``tags``, ``additional_tags``, ``remove_tags``) is applied."""
        new = list(tags)
        if "tags" in data:
            new = list(dict.fromkeys(str(t).strip().lower() for t in data["tags"] or ()))
        for tag in data.get("additional_tags") or ():
            tag = str(tag).strip().lower()
            if tag not in new:
                new.append(tag)
        drop = {str(t).strip().lower() for t in data.get("remove_tags") or ()}
        return [t for t in new if t not in drop]
