"""The emulated Jira's objects: users, the WID project, its workflow, issues and comments.

Bodies are stored in the flavour's native format (ADF on Cloud, wiki markup on Data Center)
and rendered for REST v2 (wiki) or v3 (ADF) as Jira does. Every change goes through
:meth:`Store.emit` so webhooks fire whoever made it, syncd's bot included.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from connectors.jira import adf, wiki
from connectors.jira.mapping import format_time

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
    assignee: str | None = None
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated: datetime = field(default_factory=lambda: datetime.now(UTC))
    properties: dict[str, Any] = field(default_factory=dict)
    comments: list[Json] = field(default_factory=list)
    remotelinks: list[Json] = field(default_factory=list)


class Store:
    """All emulated state, guarded by one lock (the API and in-process helpers share it)."""

    def __init__(self, flavour: str) -> None:
        self.flavour = flavour
        self.lock = threading.RLock()
        self.base_url = "http://127.0.0.1"
        self.emit: Callable[[str, Json, Any], None] = lambda event, payload, issue: None
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

    def render_body(self, value: Any, api: str) -> Any:
        """A stored body as REST ``api`` renders it: ADF for v3, wiki markup for v2."""
        if value is None:
            return None
        if api == "3":
            return value if isinstance(value, dict) else wiki.to_adf(value)
        return value if isinstance(value, str) else wiki.from_adf(value)

    # -- rendering -----------------------------------------------------------------------

    def rest(self, api: str) -> str:
        return f"{self.base_url}/rest/api/{api}"

    def render_user(self, name: str | None, api: str) -> Json | None:
        if name is None or name not in self.users:
            return None
        u = self.users[name]
        out: Json = {
            "displayName": u.display,
            "active": True,
            "timeZone": u.tz,
            "emailAddress": u.email,
            "avatarUrls": {"48x48": f"{self.base_url}/avatar/{u.name}.png"},
        }
        if self.flavour == "cloud":
            out |= {"accountId": u.account_id, "accountType": "atlassian"}
            out["self"] = f"{self.rest(api)}/user?accountId={u.account_id}"
        else:
            out |= {"name": u.name, "key": u.name}
            out["self"] = f"{self.rest(api)}/user?username={u.name}"
        return out

    def user_ref(self, ref: Json | None) -> str | None:
        """The username an API user reference (accountId, name or key) points at."""
        if not ref:
            return None
        for u in self.users.values():
            if ref.get("accountId") == u.account_id or ref.get("name") in (u.name,):
                return u.name
            if ref.get("key") == u.name:
                return u.name
        return None

    def render_status(self, status_id: str, api: str) -> Json:
        name, cat = STATUSES[status_id]
        category = CATEGORIES[cat] | {
            "self": f"{self.rest(api)}/statuscategory/{CATEGORIES[cat]['id']}"
        }
        return {
            "self": f"{self.rest(api)}/status/{status_id}",
            "description": "",
            "iconUrl": f"{self.base_url}/images/icons/status.png",
            "name": name,
            "id": status_id,
            "statusCategory": category,
        }

    def render_comment(self, issue: StoredIssue, c: Json, api: str, props: bool = False) -> Json:
        out: Json = {
            "self": f"{self.rest(api)}/issue/{issue.id}/comment/{c['id']}",
            "id": c["id"],
            "author": self.render_user(c["author"], api),
            "body": self.render_body(c["body"], api),
            "updateAuthor": self.render_user(c["update_author"], api),
            "created": format_time(c["created"]),
            "updated": format_time(c["updated"]),
        }
        if c.get("visibility"):
            out["visibility"] = dict(c["visibility"])
        if self.flavour == "cloud":
            sd = c["properties"].get("sd.public.comment") or {}
            out["jsdPublic"] = not c.get("visibility") and not sd.get("internal")
        if props:
            out["properties"] = [{"key": k, "value": v} for k, v in c["properties"].items()]
        return out

    def render_issue(
        self,
        issue: StoredIssue,
        api: str,
        fields: list[str] | None = None,
        properties: list[str] | None = None,
    ) -> Json:
        """An issue as ``GET /rest/api/{api}/issue/{key}`` answers it."""
        r = self.rest(api)
        res = issue.resolution
        all_fields: Json = {
            "summary": issue.summary,
            "description": self.render_body(issue.description, api),
            "status": self.render_status(issue.status, api),
            "resolution": (
                {
                    "self": f"{r}/resolution/{res}",
                    "id": res,
                    "description": "",
                    "name": RESOLUTIONS[res],
                }
                if res
                else None
            ),
            "resolutiondate": format_time(issue.updated) if res else None,
            "priority": {
                "self": f"{r}/priority/{issue.priority}",
                "iconUrl": f"{self.base_url}/images/icons/priorities/p{issue.priority}.svg",
                "name": PRIORITIES[issue.priority],
                "id": issue.priority,
            },
            "labels": sorted(issue.labels),
            "components": [
                {"self": f"{r}/component/{n}", "id": str(10000 + n), "name": c}
                for n, c in enumerate(issue.components)
            ],
            "fixVersions": [],
            "assignee": self.render_user(issue.assignee, api),
            "reporter": self.render_user(issue.reporter, api),
            "creator": self.render_user(issue.reporter, api),
            "created": format_time(issue.created),
            "updated": format_time(issue.updated),
            "project": {
                "self": f"{r}/project/{self.projects[issue.project]}",
                "id": self.projects[issue.project],
                "key": issue.project,
                "name": issue.project.title(),
                "projectTypeKey": "software",
            },
            "issuetype": {
                "self": f"{r}/issuetype/{issue.issuetype}",
                "id": issue.issuetype,
                "description": "",
                "iconUrl": f"{self.base_url}/images/icons/issuetypes/{issue.issuetype}.svg",
                "name": ISSUE_TYPES[issue.issuetype],
                "subtask": False,
            },
            "comment": {
                "comments": [self.render_comment(issue, c, api) for c in issue.comments],
                "maxResults": len(issue.comments),
                "total": len(issue.comments),
                "startAt": 0,
                "self": f"{r}/issue/{issue.id}/comment",
            },
        }
        wanted = fields or ["*all"]
        if "*all" not in wanted and "*navigable" not in wanted:
            all_fields = {k: v for k, v in all_fields.items() if k in wanted}
        out: Json = {
            "expand": "renderedFields,names,schema,operations,editmeta,changelog",
            "id": issue.id,
            "self": f"{r}/issue/{issue.id}",
            "key": issue.key,
            "fields": all_fields,
        }
        if properties:
            props = (
                issue.properties
                if "*all" in properties
                else {k: v for k, v in issue.properties.items() if k in properties}
            )
            out["properties"] = copy.deepcopy(props)
        return out

    def transitions_for(self, issue: StoredIssue, api: str, with_fields: bool) -> list[Json]:
        out = []
        for tid, (name, target, sources, needs_res) in TRANSITIONS.items():
            if issue.status not in sources:
                continue
            t: Json = {
                "id": tid,
                "name": name,
                "to": self.render_status(target, api),
                "hasScreen": needs_res,
                "isGlobal": False,
                "isInitial": False,
                "isAvailable": True,
                "isConditional": False,
                "isLooped": False,
            }
            if with_fields:
                t["fields"] = {}
                if needs_res:
                    t["fields"]["resolution"] = {
                        "required": True,
                        "schema": {"type": "resolution", "system": "resolution"},
                        "name": "Resolution",
                        "key": "resolution",
                        "hasDefaultValue": False,
                        "operations": ["set"],
                        "allowedValues": [
                            {"self": f"{self.rest(api)}/resolution/{rid}", "id": rid, "name": n}
                            for rid, n in RESOLUTIONS.items()
                        ],
                    }
            out.append(t)
        return out

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


def ms(at: datetime) -> int:
    """Epoch milliseconds, as webhooks carry them."""
    return int(at.timestamp() * 1000)


def text_to_adf(text: str) -> Json:
    """A plain paragraph document (what a human types in the Cloud editor)."""
    return adf.from_markdown(text)
