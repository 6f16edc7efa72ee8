"""Records the GitLab emulator holds, the webhook events it owes, and GitLab's error answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# GitLab's access levels (members API): what a role may do with issues
GUEST, REPORTER, DEVELOPER, MAINTAINER, OWNER = 10, 20, 30, 40, 50
VISIBILITIES = ("private", "internal", "public")


def now_iso() -> str:
    """The current time as GitLab's REST API writes it: milliseconds, UTC, ``Z``."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class ApiError(Exception):
    """An error answer. GitLab's bodies: ``{"message": "404 Issue Not Found"}``,
    ``{"message": {"title": ["can't be blank"]}}`` for a record that fails validation,
    and ``{"error": "title is missing"}`` for a parameter the endpoint requires."""

    def __init__(self, status: int, message: Any = None, *, error: str | None = None) -> None:
        super().__init__(f"{status} {message or error}")
        self.status = status
        self.message = message
        self.error = error

    def body(self) -> dict[str, Any]:
        """The JSON body GitLab sends with this status."""
        if self.error is not None:
            return {"error": self.error}
        return {"message": self.message}


def not_found(what: str = "") -> ApiError:
    """``404 Project Not Found``, ``404 Issue Not Found``, ``404 Not found``."""
    return ApiError(404, f"404 {what} Not Found" if what else "404 Not found")


def forbidden() -> ApiError:
    return ApiError(403, "403 Forbidden")


def missing(param: str) -> ApiError:
    """Grape's answer for a required parameter left out."""
    return ApiError(400, error=f"{param} is missing")


def invalid(param: str) -> ApiError:
    """Grape's answer for a parameter outside the values the endpoint declares."""
    return ApiError(400, error=f"{param} does not have a valid value")


@dataclass
class UserRec:
    id: int
    username: str
    name: str
    bot: bool = False


@dataclass
class ProjectRec:
    id: int
    path_with_namespace: str
    visibility: str = "private"
    archived: bool = False
    issues_enabled: bool = True
    next_iid: int = 1
    # username -> access level; a user missing here is not a member
    members: dict[str, int] = field(default_factory=dict)
    hooks: list[dict[str, Any]] = field(default_factory=list)
    labels: dict[str, int] = field(default_factory=dict)  # label title -> id
    created_at: str = field(default_factory=now_iso)

    @property
    def name(self) -> str:
        return self.path_with_namespace.rsplit("/", 1)[-1]

    @property
    def namespace(self) -> str:
        return self.path_with_namespace.rsplit("/", 1)[0]


@dataclass
class IssueRec:
    id: int
    iid: int
    project_id: int
    title: str
    description: str | None
    author: str
    created_at: str
    updated_at: str
    state: str = "opened"  # "opened" or "closed", as REST and webhooks spell it
    closed_at: str | None = None
    closed_by: str | None = None
    labels: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    confidential: bool = False
    user_notes_count: int = 0


@dataclass
class NoteRec:
    id: int
    project_id: int
    issue_iid: int
    issue_id: int
    body: str
    author: str
    created_at: str
    updated_at: str
    internal: bool = False
    system: bool = False


@dataclass(frozen=True)
class Event:
    """One webhook GitLab owes: an Issue Hook (``action`` open / update / close / reopen)
    or a Note Hook (``action`` create / update), with the issue's previous values."""

    hook: str  # "issue" or "note"
    action: str
    project_id: int
    iid: int
    user: str
    note_id: int | None = None
    changes: dict[str, Any] = field(default_factory=dict)
