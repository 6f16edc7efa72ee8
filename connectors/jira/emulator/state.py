"""The emulated Jira's objects: users, the WID project, its workflow, issues and comments.

Bodies are stored in the flavour's native format (ADF on Cloud, wiki markup on Data Center)
and rendered for REST v2 (wiki) or v3 (ADF) as Jira does. Every change goes through
:meth:`Store.emit` so webhooks fire whoever made it, syncd's bot included.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from connectors.jira import wiki

from . import fields as field_values
from .records import PRIORITIES, RESOLUTIONS, STATUSES, Json, StoredIssue, User
from .render import Render


class Store(Render):
    """All emulated state, guarded by one lock (the API and in-process helpers share it)."""

    def __init__(self, flavour: str) -> None:
        self.flavour = flavour
        self.lock = threading.RLock()
        self.base_url = "http://127.0.0.1"
        self.emit: Callable[[str, Json, Any], None] = lambda event, payload, issue: None
        # an issue's ``attachment`` field (the emulator's attachments fill it)
        self.attachment_field: Callable[[StoredIssue, str], list[Json]] = lambda issue, api: []
        self.reset()

    def reset(self) -> None:
        """Back to the seeded state: users, projects WID and OPS, no issues."""
        with self.lock:
            self.users: dict[str, User] = {}
            for u in (
                User(
                    "syncd-bot", "syncd", "bot-token", "5b10ac8d82e05b22cc7d4ef5", "Europe/Berlin"
                ),
                User("alice", "Alice Developer", "alice-token", "5b10a2844c20165700ede21g"),
                User(
                    "bob", "Bob Lead", "bob-token", "5b109f2e9729b51b54dc274d", "America/New_York"
                ),
            ):
                u.email = f"{u.name}@example.com"
                self.users[u.name] = u
            self.projects = {"WID": "10000", "OPS": "10001"}
            self.public_projects: set[str] = set()  # anyone may browse these
            self.admins = {"syncd-bot", "bob"}  # hold Administer Projects
            self.counters = {"WID": 0, "OPS": 0}
            self.issues: dict[str, StoredIssue] = {}  # id -> issue
            self.keys: dict[str, str] = {}  # key (old keys too) -> id
            self.next_issue = 10000
            self.next_comment = 10000
            self.next_link = 10000
            self.next_change = 10000

    # -- lookups -------------------------------------------------------------------------

    def user_by_auth(self, login: str | None, secret: str) -> User | None:
        """The user whose credential this is (``login`` is e-mail or username for basic)."""
        for u in self.users.values():
            if u.secret != secret:
                continue
            if login is None or login in (u.email, u.name):
                return u
        return None

    def find(self, key_or_id: str, user: User | None = None) -> StoredIssue | None:
        """An issue by key (current or old) or id, if ``user`` may see it."""
        issue_id = self.keys.get(key_or_id.upper(), key_or_id)
        issue = self.issues.get(issue_id)
        if issue is None or (user is not None and issue.key in user.hidden):
            return None
        return issue

    def now(self) -> datetime:
        return datetime.now(UTC)

    # -- native bodies -------------------------------------------------------------------

    def native_body(self, value: Any) -> Any:
        """A body received from any API version in this flavour's storage format."""
        if value is None:
            return None
        if self.flavour == "cloud":
            return value if isinstance(value, dict) else wiki.to_adf(str(value))
        return value if isinstance(value, str) else wiki.from_adf(value)

    def snapshot(self, issue: StoredIssue) -> Json:
        """What a changelog compares."""
        return {
            "summary": (issue.summary, issue.summary),
            "description": (
                None,
                wiki.from_adf(issue.description)
                if isinstance(issue.description, dict)
                else issue.description,
            ),
            "priority": (issue.priority, PRIORITIES[issue.priority]),
            "status": (issue.status, STATUSES[issue.status][0]),
            "resolution": (issue.resolution, RESOLUTIONS.get(issue.resolution or "")),
            "labels": (None, " ".join(sorted(issue.labels)) or None),
            "assignee": (
                issue.assignee,
                self.users[issue.assignee].display if issue.assignee else None,
            ),
            "Key": (None, issue.key),
            "project": (self.projects[issue.project], issue.project),
            **field_values.snapshot(issue),
        }

    def changelog(self, before: Json, after: Json) -> Json:
        items = []
        for name, (frm, frm_s) in before.items():
            to, to_s = after[name]
            if (frm, frm_s) == (to, to_s):
                continue
            items.append(
                {
                    "field": name,
                    "fieldtype": "jira",
                    "fieldId": name if name not in ("Key",) else "key",
                    "from": frm,
                    "fromString": frm_s,
                    "to": to,
                    "toString": to_s,
                }
            )
        self.next_change += 1
        return {"id": str(self.next_change), "items": items}
