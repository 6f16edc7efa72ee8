"""Jira's JSON shapes for the emulated objects: users, statuses, comments and issues, for
REST v2 (wiki markup) and v3 (ADF) alike. Mixed into :class:`~.state.Store`."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from connectors.jira import adf, wiki
from connectors.jira.mapping import format_time

from . import fields as field_values
from .records import (
    CATEGORIES,
    ISSUE_TYPES,
    PRIORITIES,
    RESOLUTIONS,
    STATUSES,
    TRANSITIONS,
    Json,
    StoredIssue,
    User,
)


class Render:
    """The shapes of one store's objects at its base URL."""

    flavour: str
    base_url: str
    users: dict[str, User]
    projects: dict[str, str]
    attachment_field: Callable[[StoredIssue, str], list[Json]]

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
            "attachment": self.attachment_field(issue, api),
            **field_values.render(issue, r, self.projects[issue.project]),
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


def text_to_adf(text: str) -> Json:
    """A plain paragraph document (what a human types in the Cloud editor)."""
    return adf.from_markdown(text)
