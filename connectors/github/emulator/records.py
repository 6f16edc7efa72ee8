"""Records the GitHub emulator holds, the webhook events it owes, and GitHub's error answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

STATES = ("open", "closed")
STATE_REASONS = ("completed", "not_planned", "duplicate", "reopened")


def now_iso() -> str:
    """The current time as GitHub writes it: whole seconds, UTC."""
    return datetime.now(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


class ApiError(Exception):
    """An error answer: GitHub's status, ``message`` and optional validation ``errors``."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra or {}


def missing_field(resource: str, name: str) -> ApiError:
    """GitHub's 422 for a required field."""
    errors = [{"resource": resource, "code": "missing_field", "field": name}]
    return ApiError(422, "Validation Failed", errors=errors)


def invalid_field(resource: str, name: str, value: Any) -> ApiError:
    """GitHub's 422 for a field with a value it does not accept."""
    errors = [{"resource": resource, "code": "invalid", "field": name, "value": value}]
    return ApiError(422, "Validation Failed", errors=errors)


@dataclass
class UserRec:
    login: str
    id: int
    bot: bool = False


@dataclass
class LabelRec:
    id: int
    name: str
    color: str = "ededed"
    description: str | None = None


@dataclass
class MilestoneRec:
    id: int
    number: int
    title: str
    creator: str
    created_at: str
    due_on: str | None = None  # "2027-01-14T08:00:00Z", as GitHub writes it
    description: str | None = None
    state: str = "open"


@dataclass
class IssueRec:
    id: int
    number: int
    repo: str
    title: str
    body: str | None
    user: str
    created_at: str
    updated_at: str
    state: str = "open"
    state_reason: str | None = None
    closed_at: str | None = None
    labels: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    milestone: int | None = None  # the milestone's number
    pull_request: bool = False
    comment_count: int = 0
    deleted: bool = False
    moved_to: tuple[str, int] | None = None

    @property
    def visible(self) -> bool:
        return not self.deleted and self.moved_to is None


@dataclass
class CommentRec:
    id: int
    repo: str
    number: int
    user: str
    body: str
    created_at: str
    updated_at: str


@dataclass
class RepoRec:
    id: int
    owner: str
    name: str
    created_at: str
    archived: bool = False
    private: bool = False
    has_issues: bool = True
    next_number: int = 1
    labels: dict[str, LabelRec] = field(default_factory=dict)
    issues: dict[int, IssueRec] = field(default_factory=dict)
    milestones: dict[int, MilestoneRec] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


@dataclass(frozen=True)
class Event:
    """A webhook GitHub owes: ``issues`` or ``issue_comment`` with an action."""

    name: str
    action: str
    repo: str
    number: int
    sender: str
    comment: CommentRec | None = None
    extra: dict[str, Any] = field(default_factory=dict)
