"""What the Freshdesk emulator holds: people, tickets, conversations, and its refusals."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal


def iso(seconds: float) -> str:
    """Freshdesk's timestamp form: whole seconds, UTC, ``Z``."""
    return datetime.fromtimestamp(int(seconds), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ApiError(Exception):
    """An answer other than success, in Freshdesk's shape."""

    def __init__(self, status: int, body: Any = None, headers: dict[str, str] | None = None):
        self.status, self.body, self.headers = status, body, headers or {}
        super().__init__(f"{status}: {body}")


def invalid(field_name: str, message: str, code: str = "invalid_value") -> ApiError:
    """Freshdesk's 400: ``Validation failed`` with the field, a message and a code."""
    error = {"field": field_name, "message": message, "code": code}
    return ApiError(400, {"description": "Validation failed", "errors": [error]})


def not_found() -> ApiError:
    """Freshdesk answers a missing record with a bare 404."""
    return ApiError(404, None)


def not_allowed(fired: str, allowed: str) -> ApiError:
    """Freshdesk's 405: the method is not allowed on this record (a reply is not edited)."""
    message = f"{fired} method is not allowed. It should be either of these: {allowed}"
    return ApiError(405, {"code": "method_not_allowed", "message": message})


@dataclass
class Person:
    """An agent (with an API key) or a contact (a requester)."""

    id: int
    name: str
    email: str
    kind: Literal["agent", "contact"]
    api_key: str | None = None
    created_at: float = 0.0
    company_id: int | None = None


@dataclass
class TicketRec:
    """A ticket; ``description`` is HTML as Freshdesk keeps it."""

    id: int
    subject: str
    description: str
    requester_id: int
    status: int = 2
    priority: int = 1
    source: int = 2
    type: str | None = None
    responder_id: int | None = None
    group_id: int | None = None
    company_id: int | None = None
    tags: list[str] = field(default_factory=list)
    custom_fields: dict[str, Any] = field(default_factory=dict)
    created_at: float = 0.0
    updated_at: float = 0.0
    status_updated_at: float = 0.0
    resolved_at: float | None = None
    closed_at: float | None = None


@dataclass
class ConversationRec:
    """A reply (``source`` 0) or a note (``source`` 2, ``private`` or not)."""

    id: int
    ticket_id: int
    user_id: int
    body: str
    private: bool
    source: int
    incoming: bool = False
    to_emails: list[str] = field(default_factory=list)
    from_email: str | None = None
    attachments: list[str] = field(default_factory=list)
    created_at: float = 0.0
    updated_at: float = 0.0
    last_edited_at: float | None = None
    last_edited_user_id: int | None = None
