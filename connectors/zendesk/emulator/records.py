"""What the Zendesk emulator holds: users, tickets and their audits, and Zendesk's refusals."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request

STATUSES = ("new", "open", "pending", "hold", "solved", "closed")
PRIORITIES = ("urgent", "high", "normal", "low")


def iso(ts: int) -> str:
    """Zendesk's timestamps: UTC, one-second resolution."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Invalid(Exception):
    """A 422 RecordInvalid with Zendesk's ``details``."""

    def __init__(self, field_name: str, message: str, error: str = "InvalidValue") -> None:
        self.details = {field_name: [{"description": message, "error": error}]}
        super().__init__(message)


class Fail(Exception):
    """A refusal the routes answer as it is: status, body and headers."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None):
        self.status, self.body, self.headers = status, body, headers or {}


def not_found() -> Fail:
    """Zendesk's 404."""
    return Fail(404, {"error": "RecordNotFound", "description": "Not found"})


def int_param(request: Request, name: str, default: int, top: int) -> int:
    """A page-size or page-number parameter, held to ``1..top``; 400 when unreadable."""
    try:
        return max(1, min(top, int(request.query_params.get(name, default))))
    except ValueError:
        raise Fail(400, {"error": "InvalidPaginationParameter", "description": name}) from None


def forbidden() -> dict[str, str]:
    """Zendesk's 403 body."""
    return {"error": "Forbidden", "description": "You do not have access to this page."}


@dataclass
class User:
    id: int
    name: str
    email: str
    role: str  # "admin", "agent" or "end-user"

    @property
    def is_staff(self) -> bool:
        return self.role != "end-user"


@dataclass
class TicketRec:
    id: int
    subject: str
    description: str
    requester_id: int
    submitter_id: int
    status: str = "new"
    priority: str | None = None
    tags: list[str] = field(default_factory=list)
    group_id: int | None = None
    organization_id: int | None = None
    assignee_id: int | None = None
    custom_fields: dict[int, Any] = field(default_factory=dict)
    created_at: int = 0
    updated_at: int = 0
    seq: int = 0  # position in the incremental ticket export
    channel: str = "api"


@dataclass
class Audit:
    id: int
    ticket_id: int
    author_id: int
    created_at: int
    events: list[dict[str, Any]]
    custom: dict[str, Any]
    channel: str = "api"
