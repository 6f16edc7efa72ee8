"""An in-process, stateful Jira (Cloud or Data Center) for tests, benchmarks and the demo.

``build(flavour="cloud"|"datacenter", webhook_url=None, webhook_secret=None)`` returns a
:class:`JiraEmulator`: ``.app`` (ASGI), ``.control`` (counters, faults, webhooks) and helpers
that act as a developer (create, transition, comment with visibility, change priority, move,
delete) and fire the same webhooks as the REST API does, plus an admin's switches: which
projects anyone may browse (``set_public``) and who may read permission schemes
(``set_admin``). Cloud answers REST v3 (ADF) and v2, with ``/search/jql``; Data Center
answers REST v2 (wiki markup) with ``/search``.

Accounts (basic auth ``<e-mail or username>:<secret>``, or ``Bearer <secret>`` on Data Center):
``syncd-bot`` / ``bot-token`` (syncd), ``alice`` / ``alice-token`` and ``bob`` / ``bob-token``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import Any

from starlette.applications import Starlette

from connectors.jira import webhooks
from connectors.jira.emulator import fields as values
from connectors.jira.emulator.admin import AdminState
from connectors.jira.emulator.attachments import Attachments
from connectors.jira.emulator.limits import JiraLimits
from connectors.jira.emulator.records import (
    GROUPS,
    ISSUE_TYPES,
    PRIORITIES,
    RESOLUTIONS,
    ROLES,
    STATUSES,
    TRANSITIONS,
    Json,
    OpError,
    StoredIssue,
    User,
    ms,
)
from connectors.jira.emulator.routes import Api
from connectors.jira.emulator.servicedesk import INITIAL_STATUS, ServiceDesk
from connectors.jira.emulator.servicedesk_api import ServiceDeskApi
from connectors.jira.emulator.state import Store
from syncd.emulator_kit import Clock, Latency, retry_after
from syncd.testing.emulation import EmulatorControl, EmulatorMiddleware, control_routes

NOT_ON_SCREEN = "Field 'resolution' cannot be set. It is not on the appropriate screen, or unknown."


def error_body(status: int, message: str) -> Json:
    """Jira's error shape: ``errorMessages`` plus field ``errors``."""
    return {"errorMessages": [message], "errors": {}}


def rate_headers(seconds: float) -> dict[str, str]:
    """What Jira sends with a 429."""
    return {**retry_after(seconds), "X-RateLimit-NearLimit": "true"}


class JiraEmulator:
    """The emulated Jira: state, operations shared by the API and the human helpers."""

    def __init__(
        self,
        flavour: str = "cloud",
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        *,
        limits: JiraLimits | None = None,
        latency: Latency | None = None,
        clock: Clock = time.time,
    ) -> None:
        if flavour not in ("cloud", "datacenter"):
            raise ValueError("flavour is 'cloud' or 'datacenter'")
        self.flavour = flavour
        self.webhook_secret = webhook_secret
        self.store = Store(flavour)
        self.store.emit = self._emit
        # permissions, issue types, roles and webhooks (kept by reset, like the accounts)
        self.admin = AdminState()
        self.limits = limits = limits or JiraLimits()
        self.control = EmulatorControl(
            self._sign,
            rate_limit=limits.requests,
            rate_window=limits.seconds,
            latency=latency,
            clock=clock,
        )
        self.control.webhooks.configure(webhook_url)
        self.files = Attachments(self)
        self.store.attachment_field = self.files.of
        self.api = Api(self)
        self.servicedesk = ServiceDesk(self)  # Jira Service Management on the same site
        routes = [
            *control_routes(self.control, self.reset),
            *self.api.routes(),
            *self.files.routes(),
            *ServiceDeskApi(self, self.servicedesk).routes(),
        ]
        inner = Starlette(routes=routes)
        self.app = EmulatorMiddleware(inner, self.control, error_body, rate_headers)

    def reset(self) -> None:
        """Back to the seeded state (issues, requests and their participants gone)."""
        self.store.reset()
        self.servicedesk.reset()

    @property
    def bot(self) -> User:
        return self.store.users["syncd-bot"]

    def set_base_url(self, url: str) -> None:
        """The URL the emulator is served at, for ``self`` links and browse URLs."""
        self.store.base_url = url.rstrip("/")

    # -- webhooks ------------------------------------------------------------------------

    def _sign(self, body: bytes) -> dict[str, str]:
        if not self.webhook_secret:
            return {}
        return {"X-Hub-Signature": webhooks.sign(self.webhook_secret, body)}

    def _emit(self, event: str, payload: Json, issue: StoredIssue) -> None:
        headers = {"User-Agent": "Atlassian Webhook HTTP Client"}
        if self.flavour == "cloud":
            headers["X-Atlassian-Webhook-Identifier"] = str(uuid.uuid4())
        self.control.webhooks.send(event, headers, payload, key=issue.id)

    def _issue_event(
        self, event: str, issue: StoredIssue, who: str, type_name: str | None, **extra: Any
    ) -> None:
        payload: Json = {
            "timestamp": ms(issue.updated),
            "webhookEvent": event,
            "user": self.store.render_user(who, "2"),
            "issue": self.store.render_issue(issue, "2"),
        }
        if type_name:
            payload["issue_event_type_name"] = type_name
        payload |= extra
        self._emit(event, payload, issue)

    def _comment_events(self, event: str, issue: StoredIssue, comment: Json, who: str) -> None:
        rendered = self.store.render_comment(issue, comment, "2")
        payload: Json = {"timestamp": ms(comment["updated"]), "webhookEvent": event}
        payload["comment"] = rendered
        if self.flavour == "cloud":
            # Cloud names the issue in comment events; Server/DC does not
            payload["issue"] = {
                "id": issue.id,
                "self": f"{self.store.rest('2')}/issue/{issue.id}",
                "key": issue.key,
                "fields": {
                    k: v
                    for k, v in self.store.render_issue(issue, "2")["fields"].items()
                    if k in ("summary", "status", "priority", "issuetype", "project", "assignee")
                },
            }
        self._emit(event, payload, issue)
        type_name = {
            "comment_created": "issue_commented",
            "comment_updated": "issue_comment_edited",
            "comment_deleted": "issue_comment_deleted",
        }[event]
        extra = {"comment": rendered} if event != "comment_deleted" else {}
        self._issue_event("jira:issue_updated", issue, who, type_name, **extra)

    # -- operations (the API and the helpers both call these) -----------------------------

    def _get(self, key: str, user: User | None = None) -> StoredIssue:
        issue = self.store.find(key, user)
        if issue is None:
            raise OpError(404, ["Issue does not exist or you do not have permission to see it."])
        return issue

    def create(self, who: str, fields: Json, properties: list[Json] | None = None) -> StoredIssue:
        """Create an issue from REST ``fields``."""
        s = self.store
        with s.lock:
            errors: dict[str, str] = {}
            project = str((fields.get("project") or {}).get("key") or "").upper()
            pid = (fields.get("project") or {}).get("id")
            project = project or next((k for k, v in s.projects.items() if v == pid), "")
            if project not in s.projects:
                errors["project"] = "valid project is required"
            itype = fields.get("issuetype") or {}
            type_id = itype.get("id") or next(
                (i for i, n in _issue_types().items() if n == itype.get("name")), None
            )
            if type_id not in _issue_types():
                errors["issuetype"] = "The issue type selected is invalid."
            if not fields.get("summary"):
                errors["summary"] = "You must specify a summary of the issue."
            priority = _pick(PRIORITIES, fields.get("priority"), "3", "priority", errors)
            if errors:
                raise OpError(400, [], errors)
            s.counters[project] += 1
            s.next_issue += 1
            issue = StoredIssue(
                id=str(s.next_issue),
                key=f"{project}-{s.counters[project]}",
                project=project,
                issuetype=str(type_id),
                summary=str(fields["summary"]),
                description=s.native_body(fields.get("description")),
                reporter=who,
                status=INITIAL_STATUS.get(project, "10000"),
                priority=priority,
                labels=list(fields.get("labels") or []),
                components=[c.get("name", "") for c in fields.get("components") or []],
                assignee=s.user_ref(fields.get("assignee")),
            )
            for prop in properties or []:
                issue.properties[str(prop["key"])] = prop.get("value")
            values.apply(issue, fields, errors)
            if errors:
                raise OpError(400, [], errors)
            s.issues[issue.id] = issue
            s.keys[issue.key] = issue.id
            self._issue_event(
                "jira:issue_created",
                issue,
                who,
                "issue_created",
                changelog=s.changelog(
                    {k: (None, None) for k in s.snapshot(issue)}, s.snapshot(issue)
                ),
            )
            return issue

    def edit(self, who: str, key: str, fields: Json, update: Json | None = None) -> StoredIssue:
        """Edit fields (``PUT /issue``): summary, description, priority, labels, assignee,
        versions, components, custom fields."""
        s = self.store
        with s.lock:
            issue = self._get(key, s.users[who])
            before = s.snapshot(issue)
            errors: dict[str, str] = {}
            if "summary" in fields:
                issue.summary = str(fields["summary"])
            if "description" in fields:
                issue.description = s.native_body(fields["description"])
            if "priority" in fields:
                issue.priority = _pick(
                    PRIORITIES, fields["priority"], issue.priority, "priority", errors
                )
            if "resolution" in fields:
                if STATUSES[issue.status][1] != "done":
                    errors["resolution"] = NOT_ON_SCREEN
                else:
                    issue.resolution = _pick(
                        RESOLUTIONS, fields["resolution"], None, "resolution", errors
                    )
            if "labels" in fields:
                issue.labels = list(fields["labels"] or [])
            if "assignee" in fields:
                issue.assignee = s.user_ref(fields["assignee"])
            for op in (update or {}).get("labels", []):
                if "add" in op and op["add"] not in issue.labels:
                    issue.labels.append(op["add"])
                if "remove" in op and op["remove"] in issue.labels:
                    issue.labels.remove(op["remove"])
                if "set" in op:
                    issue.labels = list(op["set"])
            values.apply(issue, fields, errors)
            if errors:
                raise OpError(400, [], errors)
            self._touch(issue, who, before)
            return issue

    def _touch(
        self, issue: StoredIssue, who: str, before: Json, type_name: str | None = None
    ) -> None:
        s = self.store
        issue.updated = s.now()
        log = s.changelog(before, s.snapshot(issue))
        if not log["items"]:
            return
        if type_name is None:
            fields = {i["field"] for i in log["items"]}
            type_name = "issue_assigned" if fields == {"assignee"} else "issue_updated"
        self._issue_event("jira:issue_updated", issue, who, type_name, changelog=log)

    def transition(
        self, who: str, key: str, transition_id: str, fields: Json | None = None
    ) -> StoredIssue:
        """Apply a workflow transition; one that needs a resolution refuses to go without."""
        s = self.store
        with s.lock:
            issue = self._get(key, s.users[who])
            spec = TRANSITIONS.get(str(transition_id))
            if spec is None or issue.status not in spec[2]:
                raise OpError(
                    400, [f"Transition id '{transition_id}' is not valid for this issue."]
                )
            _, target, _, needs_res = spec
            before = s.snapshot(issue)
            errors: dict[str, str] = {}
            resolution = None
            if needs_res:
                resolution = _pick(
                    RESOLUTIONS, (fields or {}).get("resolution"), None, "resolution", errors
                )
                if resolution is None and not errors:
                    errors["resolution"] = "Resolution is required."
            elif (fields or {}).get("resolution"):
                errors["resolution"] = NOT_ON_SCREEN
            if errors:
                raise OpError(400, [], errors)
            issue.status = target
            issue.resolution = resolution if STATUSES[target][1] == "done" else None
            self._touch(issue, who, before, "issue_generic")
            return issue

    def move(self, key: str, project: str, who: str = "alice") -> StoredIssue:
        """Move an issue to another project: it gets a new key, the old one still resolves."""
        s = self.store
        with s.lock:
            issue = self._get(key)
            before = s.snapshot(issue)
            s.counters[project] += 1
            issue.project = project
            issue.key = f"{project}-{s.counters[project]}"
            s.keys[issue.key] = issue.id
            self._touch(issue, who, before, "issue_moved")
            return issue

    def delete(self, key: str, who: str = "alice") -> None:
        """Delete an issue (its keys stop resolving)."""
        s = self.store
        with s.lock:
            issue = self._get(key, s.users[who])
            self._issue_event("jira:issue_deleted", issue, who, "issue_deleted")
            del s.issues[issue.id]
            for k in [k for k, v in s.keys.items() if v == issue.id]:
                del s.keys[k]

    def add_comment(
        self,
        who: str,
        key: str,
        body: Any,
        visibility: Json | None = None,
        properties: list[Json] | None = None,
    ) -> tuple[StoredIssue, Json]:
        """Add a comment; ``visibility`` restricts it to a role or group."""
        s = self.store
        with s.lock:
            issue = self._get(key, s.users[who])
            _check_visibility(visibility)
            s.next_comment += 1
            now = s.now()
            comment: Json = {
                "id": str(s.next_comment),
                "author": who,
                "update_author": who,
                "body": s.native_body(body),
                "created": now,
                "updated": now,
                "visibility": dict(visibility) if visibility else None,
                "properties": {str(p["key"]): p.get("value") for p in properties or []},
            }
            issue.comments.append(comment)
            issue.updated = now
            self._comment_events("comment_created", issue, comment, who)
            return issue, comment

    def find_comment(self, issue: StoredIssue, comment_id: str) -> Json:
        for c in issue.comments:
            if c["id"] == str(comment_id):
                return c
        raise OpError(404, ["Can not find a comment for the id: " + str(comment_id) + "."])

    def edit_comment(
        self, who: str, key: str, comment_id: str, body: Any, visibility: Json | None = None
    ) -> tuple[StoredIssue, Json]:
        """Replace a comment's body; the restriction changes only when one is given."""
        s = self.store
        with s.lock:
            issue = self._get(key, s.users[who])
            comment = self.find_comment(issue, comment_id)
            if visibility:
                _check_visibility(visibility)
                comment["visibility"] = dict(visibility)
            comment["body"] = s.native_body(body)
            comment["update_author"] = who
            comment["updated"] = issue.updated = s.now()
            self._comment_events("comment_updated", issue, comment, who)
            return issue, comment

    def delete_comment(self, who: str, key: str, comment_id: str) -> None:
        """Delete a comment."""
        s = self.store
        with s.lock:
            issue = self._get(key, s.users[who])
            comment = self.find_comment(issue, comment_id)
            issue.comments.remove(comment)
            comment["updated"] = issue.updated = s.now()
            self._comment_events("comment_deleted", issue, comment, who)

    # -- helpers for tests acting as developers ------------------------------------------

    def human_create(
        self,
        summary: str,
        description: str = "",
        *,
        project: str = "WID",
        who: str = "alice",
        **fields: Any,
    ) -> str:
        """Create an issue as a developer; ``description`` is wiki markup. Returns the key."""
        body: Json = {"project": {"key": project}, "issuetype": {"name": "Task"}}
        body["summary"] = summary
        body["description"] = description or None
        return self.create(who, body | fields).key

    def human_transition(
        self, key: str, to_status: str, resolution: str | None = None, who: str = "alice"
    ) -> None:
        """Move an issue to the status named ``to_status`` through the workflow."""
        issue = self._get(key)
        for tid, (_, target, sources, _) in TRANSITIONS.items():
            if issue.status in sources and STATUSES[target][0] == to_status:
                fields = {"resolution": {"name": resolution}} if resolution else None
                self.transition(who, key, tid, fields)
                return
        raise ValueError(f"no transition from {STATUSES[issue.status][0]} to {to_status}")

    def human_comment(
        self,
        key: str,
        body: str,
        *,
        visibility: Json | None = None,
        internal: bool = False,
        who: str = "alice",
    ) -> str:
        """Comment as a developer (wiki markup); returns the comment id."""
        props = [{"key": "sd.public.comment", "value": {"internal": True}}] if internal else None
        return str(self.add_comment(who, key, body, visibility, props)[1]["id"])

    def human_priority(self, key: str, name: str, who: str = "alice") -> None:
        """Change the priority by name as a developer."""
        self.edit(who, key, {"priority": {"name": name}})

    def set_public(self, project: str, public: bool = True) -> None:
        """Let anyone browse ``project`` (its permission scheme grants it to ``anyone``)."""
        with self.store.lock:
            if project not in self.store.projects:
                raise ValueError(f"no project {project!r}")
            (self.store.public_projects.add if public else self.store.public_projects.discard)(
                project
            )

    def set_admin(self, user: str, admin: bool = True) -> None:
        """Give ``user`` Administer Projects (reading permission schemes), or take it away."""
        with self.store.lock:
            (self.store.admins.add if admin else self.store.admins.discard)(user)

    def hide_from_bot(self, key: str) -> None:
        """Take the bot's permission to see an issue away (Jira then answers 404)."""
        self.bot.hidden.add(key.upper())

    def issue(self, key: str) -> StoredIssue:
        """The stored issue, for assertions."""
        return self._get(key)


def _issue_types() -> dict[str, str]:
    return ISSUE_TYPES


def _pick(
    table: dict[str, str], ref: Any, default: str | None, field: str, errors: dict[str, str]
) -> Any:
    if not ref:
        return default
    if ref.get("id") in table:
        return ref["id"]
    for tid, name in table.items():
        if name.casefold() == str(ref.get("name", "")).casefold():
            return tid
    errors[field] = f"Specify a valid '{field}' id or name"
    return default


def _check_visibility(visibility: Json | None) -> None:
    if not visibility:
        return
    kind, value = visibility.get("type"), visibility.get("value")
    if (kind == "role" and value in ROLES) or (kind == "group" and value in GROUPS):
        return
    raise OpError(
        400,
        [],
        {"commentLevel": f"You are currently not a member of the project role or group: {value}."},
    )


def build(
    flavour: str = "cloud",
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    *,
    limits: JiraLimits | Mapping[str, Any] | None = None,
    latency: Latency | Mapping[str, Any] | None = None,
    clock: Clock = time.time,
) -> JiraEmulator:
    """A fresh emulated Jira of the given flavour, each user held to ``limits`` (a thousand
    requests a minute by default), answering after ``latency`` (none by default)."""
    return JiraEmulator(
        flavour,
        webhook_url,
        webhook_secret,
        limits=JiraLimits.of(limits),
        latency=Latency.of(latency),
        clock=clock,
    )
