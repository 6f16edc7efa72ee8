"""Freshdesk's JSON shapes, as API v2 answers them (checked against the vendor samples of
python-freshdesk: ticket, conversation, agent, group, company)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..text import from_html
from .records import ConversationRec, Person, TicketRec, iso
from .state import CUSTOM_FIELDS, PRIORITIES, STATUSES, State

SUPPORT_EMAIL = "support@example.freshdesk.com"


def ticket(
    state: State, t: TicketRec, include: Iterable[str] = (), *, description: bool = True
) -> dict[str, Any]:
    """A ticket; the list leaves the description out unless ``include=description``."""
    wanted = set(include)
    body: dict[str, Any] = {
        "cc_emails": [], "fwd_emails": [], "reply_cc_emails": [], "ticket_cc_emails": [],
        "fr_escalated": False, "spam": False, "email_config_id": None,
        "group_id": t.group_id, "priority": t.priority, "requester_id": t.requester_id,
        "responder_id": t.responder_id, "source": t.source, "company_id": t.company_id,
        "status": t.status, "priority_name": PRIORITIES[t.priority], "subject": t.subject,
        "association_type": None,
        "support_email": None, "to_emails": None, "product_id": None, "id": t.id,
        "type": t.type, "due_by": iso(t.created_at + 3 * 86400),
        "fr_due_by": iso(t.created_at + 86400), "is_escalated": False,
        "custom_fields": dict(t.custom_fields), "created_at": iso(t.created_at),
        "updated_at": iso(t.updated_at), "associated_tickets_count": None,
        "tags": list(t.tags),
    }  # fmt: skip
    if description or "description" in wanted:
        body["description"] = t.description
        body["description_text"] = from_html(t.description)[0]
    if description:
        body["attachments"] = []
    if "requester" in wanted:
        who = state.people[t.requester_id]
        body["requester"] = {
            "id": who.id,
            "name": who.name,
            "email": who.email,
            "mobile": None,
            "phone": None,
        }
    if "company" in wanted and t.company_id:
        body["company"] = {"id": t.company_id, "name": state.companies.get(t.company_id)}
    if "stats" in wanted:
        body["stats"] = {
            "agent_responded_at": None, "requester_responded_at": None,
            "first_responded_at": None, "status_updated_at": iso(t.status_updated_at),
            "reopened_at": None,
            "resolved_at": iso(t.resolved_at) if t.resolved_at else None,
            "closed_at": iso(t.closed_at) if t.closed_at else None, "pending_since": None,
        }  # fmt: skip
    return body


def conversation(c: ConversationRec) -> dict[str, Any]:
    """A reply or a note, as the conversations list and the reply/note answers show it."""
    return {
        "body": c.body,
        "body_text": from_html(c.body)[0],
        "id": c.id,
        "incoming": c.incoming,
        "private": c.private,
        "user_id": c.user_id,
        "support_email": None if c.source == 2 else SUPPORT_EMAIL,
        "source": c.source,
        "category": 2 if c.source == 2 else 3,
        "ticket_id": c.ticket_id,
        "to_emails": list(c.to_emails),
        "from_email": c.from_email,
        "cc_emails": [],
        "bcc_emails": None,
        "email_failure_count": None,
        "outgoing_failures": None,
        "created_at": iso(c.created_at),
        "updated_at": iso(c.updated_at),
        "attachments": [_attachment(c, n, name) for n, name in enumerate(c.attachments, 1)],
        "last_edited_at": iso(c.last_edited_at) if c.last_edited_at is not None else None,
        "last_edited_user_id": c.last_edited_user_id,
    }


def _attachment(c: ConversationRec, n: int, name: str) -> dict[str, Any]:
    return {
        "id": c.id * 100 + n,
        "content_type": "application/octet-stream",
        "size": 1024,
        "name": name,
        "attachment_url": f"https://example.freshdesk.com/attachments/{c.id}/{name}",
        "created_at": iso(c.created_at),
        "updated_at": iso(c.created_at),
    }


def agent(p: Person) -> dict[str, Any]:
    """An agent, with its contact (as ``/agents/me`` and ``/agents`` show it)."""
    return {
        "available": True, "occasional": False, "id": p.id, "ticket_scope": 1,
        "signature": None, "group_ids": [], "role_ids": [], "skill_ids": [],
        "available_since": None, "type": "support_agent",
        "created_at": iso(p.created_at), "updated_at": iso(p.created_at),
        "contact": {
            "active": True, "email": p.email, "job_title": None, "language": "en",
            "last_login_at": None, "mobile": None, "name": p.name, "phone": None,
            "time_zone": "UTC", "created_at": iso(p.created_at), "updated_at": iso(p.created_at),
        },
    }  # fmt: skip


def contact(p: Person) -> dict[str, Any]:
    """A contact (``/contacts/{id}``)."""
    return {
        "active": True, "address": None, "company_id": p.company_id, "description": None,
        "email": p.email, "id": p.id, "job_title": None, "language": "en", "mobile": None,
        "name": p.name, "phone": None, "time_zone": "UTC", "twitter_id": None,
        "other_emails": [], "tags": [], "custom_fields": {},
        "created_at": iso(p.created_at), "updated_at": iso(p.created_at),
    }  # fmt: skip


def group(ident: int, name: str) -> dict[str, Any]:
    """A group (``/groups``)."""
    return {
        "id": ident, "name": name, "description": name, "business_hour_id": None,
        "escalate_to": None, "unassigned_for": "30m", "auto_ticket_assign": False,
        "agent_ids": [],
        "created_at": "2024-01-08T07:53:41Z", "updated_at": "2024-01-08T07:53:41Z",
    }  # fmt: skip


def company(ident: int, name: str) -> dict[str, Any]:
    """A company (``/companies/{id}``)."""
    return {
        "id": ident, "name": name, "description": None, "domains": [], "note": None,
        "custom_fields": {}, "health_score": None, "account_tier": None,
        "renewal_date": None, "industry": None,
        "created_at": "2024-01-08T09:08:53Z", "updated_at": "2024-01-08T09:08:53Z",
    }  # fmt: skip


def ticket_fields() -> list[dict[str, Any]]:
    """``/ticket_fields``: the status field with its choices, priority, the custom fields."""
    status = {str(k): [v, v] for k, v in STATUSES.items()}
    priority = {v: k for k, v in PRIORITIES.items()}
    fields: list[dict[str, Any]] = [
        {"id": 1, "name": "status", "label": "Status", "type": "default_status",
         "default": True, "choices": status},
        {"id": 2, "name": "priority", "label": "Priority", "type": "default_priority",
         "default": True, "choices": priority},
    ]  # fmt: skip
    for n, (name, label) in enumerate(CUSTOM_FIELDS.items(), start=3):
        fields.append(
            {"id": n, "name": name, "label": label, "type": "custom_text", "default": False}
        )
    return fields


def errors(status: int, message: str) -> Any:
    """Freshdesk's body for an error the emulator injects."""
    if status == 401:
        return {
            "code": "invalid_credentials",
            "message": "You have to be logged in to perform this action.",
        }
    if status == 403:
        return {
            "code": "access_denied",
            "message": "You are not authorized to perform this action.",
        }
    if status == 429:
        return {"message": "You have exceeded the limit of requests per minute."}
    return {"code": "internal_error", "message": message}
