"""What the emulated Jira holds: its constants (statuses, workflow, priorities, issue types),
users, issues, and Jira's error answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Json = dict[str, Any]

CATEGORIES: dict[str, Json] = {
    "new": {"id": 2, "key": "new", "colorName": "blue-gray", "name": "To Do"},
    "indeterminate": {
        "id": 4,
        "key": "indeterminate",
        "colorName": "yellow",
        "name": "In Progress",
    },
    "done": {"id": 3, "key": "done", "colorName": "green", "name": "Done"},
}
STATUSES: dict[str, tuple[str, str]] = {  # id -> (name, category)
    "10000": ("To Do", "new"),
    "3": ("In Progress", "indeterminate"),
    "10001": ("In Review", "indeterminate"),
    "10002": ("Done", "done"),
}
# id -> (name, target status, from statuses, needs a resolution)
TRANSITIONS: dict[str, tuple[str, str, tuple[str, ...], bool]] = {
    "11": ("Stop Progress", "10000", ("3", "10001"), False),
    "21": ("Start Progress", "3", ("10000", "10001"), False),
    "25": ("Request Review", "10001", ("3",), False),
    "31": ("Resolve", "10002", ("10000", "3", "10001"), True),
    "41": ("Reopen", "10000", ("10002",), False),
}
RESOLUTIONS = {
    "10000": "Done",
    "10001": "Won't Do",
    "10002": "Duplicate",
    "10003": "Cannot Reproduce",
}
PRIORITIES = {"1": "Highest", "2": "High", "3": "Medium", "4": "Low", "5": "Lowest"}
ISSUE_TYPES = {"10001": "Task", "10002": "Bug", "10003": "Story"}
ROLES = ("Developers", "Administrators", "Service Desk Team")
GROUPS = ("jira-software-users", "jira-administrators", "developers")


class OpError(Exception):
    """A refused operation, answered as a Jira error body."""

    def __init__(self, status: int, messages: list[str], errors: dict[str, str] | None = None):
        self.status = status
        self.body = {"errorMessages": messages, "errors": errors or {}}
        super().__init__(f"{status}: {messages or errors}")


@dataclass
class User:
    """An account; ``secret`` is its API token (Cloud), PAT or password (Data Center)."""

    name: str
    display: str
    secret: str
    account_id: str
    tz: str = "UTC"
    email: str = ""
    hidden: set[str] = field(default_factory=set)  # issue keys this user may not see


@dataclass
class StoredIssue:
    id: str
    key: str
    project: str
    issuetype: str
    summary: str
    description: Any
    reporter: str
    status: str = "10000"
    resolution: str | None = None
    priority: str = "3"
    labels: list[str] = field(default_factory=list)
    components: list[str] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)  # affects versions, by name
    fix_versions: list[str] = field(default_factory=list)
    custom: dict[str, Any] = field(default_factory=dict)  # custom field id -> value
    assignee: str | None = None
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated: datetime = field(default_factory=lambda: datetime.now(UTC))
    properties: dict[str, Any] = field(default_factory=dict)
    comments: list[Json] = field(default_factory=list)
    remotelinks: list[Json] = field(default_factory=list)


def ms(at: datetime) -> int:
    """Epoch milliseconds, as webhooks carry them."""
    return int(at.timestamp() * 1000)
