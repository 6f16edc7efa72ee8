"""The issue operations of the emulated Jira, which the REST API and the in-process helpers
both call: create, edit (fields and labels), workflow transitions, move and delete, each
firing the webhooks Jira fires (``jira:issue_*`` with the changelog), signed as Jira signs.
"""

from __future__ import annotations

import uuid
from typing import Any

from connectors.jira import webhooks
from connectors.jira.emulator import fields as values
from connectors.jira.emulator.records import (
    ISSUE_TYPES,
    PRIORITIES,
    RESOLUTIONS,
    STATUSES,
    TRANSITIONS,
    Json,
    OpError,
    StoredIssue,
    User,
    ms,
)
from connectors.jira.emulator.servicedesk import INITIAL_STATUS
from connectors.jira.emulator.state import Store
from syncd.testing.emulation import EmulatorControl

NOT_ON_SCREEN = "Field 'resolution' cannot be set. It is not on the appropriate screen, or unknown."


class IssueOperations:
    """Issue writes and the webhooks they fire, mixed into the emulator."""

    flavour: str
    webhook_secret: str | None
    store: Store
    control: EmulatorControl

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
