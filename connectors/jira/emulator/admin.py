"""The admin side of the emulated Jira, for ``syncd connectors test``.

``GET project/{key}`` (issue types and roles), ``GET mypermissions``, ``GET project/{key}/role/
{id}`` (needs *Administer Projects*), ``GET groups/picker`` and the admin REST API's
``GET /rest/webhooks/1.0/webhook`` (needs *Administer Jira*: others get 403). What an
account may do is held in :class:`AdminState`, which survives a reset like the accounts:
every project permission is granted unless :meth:`AdminState.deny` took it away, and the
refusals hold for writes too (create, edit, transition, comment, remote link: 403).
Unless a test registers webhooks, Jira has one to the URL the emulator delivers to, with
the issue and comment events and no JQL filter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.jira.emulator import servicedesk_records
from connectors.jira.emulator.records import GROUPS, ISSUE_TYPES, ROLES, Json, OpError, User

if TYPE_CHECKING:
    from connectors.jira.emulator.app import JiraEmulator
    from connectors.jira.emulator.state import Store

PERMISSIONS = {  # key -> (id, name)
    "BROWSE_PROJECTS": ("10", "Browse Projects"),
    "CREATE_ISSUES": ("11", "Create Issues"),
    "EDIT_ISSUES": ("12", "Edit Issues"),
    "ASSIGN_ISSUES": ("13", "Assign Issues"),
    "RESOLVE_ISSUES": ("14", "Resolve Issues"),
    "ADD_COMMENTS": ("15", "Add Comments"),
    "LINK_ISSUES": ("21", "Link Issues"),
    "ADMINISTER_PROJECTS": ("23", "Administer Projects"),
    "EDIT_OWN_COMMENTS": ("35", "Edit Own Comments"),
    "DELETE_OWN_COMMENTS": ("37", "Delete Own Comments"),
    "TRANSITION_ISSUES": ("46", "Transition Issues"),
}
ROLE_IDS = {"Developers": "10001", "Administrators": "10002", "Service Desk Team": "10003"}
EVENTS = (
    "jira:issue_created",
    "jira:issue_updated",
    "jira:issue_deleted",
    "comment_created",
    "comment_updated",
    "comment_deleted",
)


@dataclass
class Hook:
    """A webhook of Jira's admin REST API (System → WebHooks)."""

    url: str
    name: str = "syncd"
    events: list[str] = field(default_factory=lambda: list(EVENTS))
    enabled: bool = True
    jql: str = ""


@dataclass
class AdminState:
    """What accounts may do in projects, and the webhooks Jira has."""

    denied: set[tuple[str, str, str]] = field(default_factory=set)  # (user, project, key)
    types: dict[str, list[str]] = field(default_factory=dict)  # project -> issue type ids
    roles: dict[str, list[str]] = field(default_factory=dict)  # project -> role names
    members: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (project, role)
    groups: dict[str, set[str]] = field(default_factory=dict)  # group -> its users
    jira_admins: set[str] = field(default_factory=lambda: {"syncd-bot", "bob"})
    hooks: list[Hook] | None = None  # None: the one the emulator delivers to

    def deny(self, user: str, project: str, key: str) -> None:
        """Take one project permission (``TRANSITION_ISSUES``, ...) away from ``user``."""
        if key not in PERMISSIONS:
            raise ValueError(f"unknown permission {key}")
        self.denied.add((user, project.upper(), key))

    def has(self, user: str, project: str, key: str) -> bool:
        return (user, project.upper(), key) not in self.denied

    def need(self, user: User, project: str, key: str) -> None:
        """403 as Jira answers a write the account may not make."""
        if not self.has(user.name, project, key):
            name = PERMISSIONS[key][1]
            raise OpError(403, [f"You do not have the permission '{name}' in project {project}."])

    def set_issue_types(self, project: str, *names: str) -> None:
        """Give ``project`` only these issue types (Task, Bug, Story)."""
        ids = {name: tid for tid, name in ISSUE_TYPES.items()}
        self.types[project.upper()] = [ids[n] for n in names]

    def type_ids(self, project: str) -> list[str]:
        return self.types.get(project, servicedesk_records.issue_type_ids(project))

    def role_names(self, project: str) -> list[str]:
        return self.roles.get(project, list(ROLES))

    def role_members(self, project: str, role: str) -> set[str]:
        return self.members.get((project, role), {"syncd-bot", "alice", "bob"})

    def group_members(self, group: str) -> set[str]:
        return self.groups.get(group, {"syncd-bot", "alice", "bob"})

    def add_hook(self, url: str, **kw: Any) -> Hook:
        """Register a webhook; the first call replaces the implicit one."""
        hook = Hook(url, **kw)
        self.hooks = [*(self.hooks or []), hook]
        return hook


class AdminHandlers:
    """Handlers mixed into the emulator's ``Api``."""

    store: Store
    emu: JiraEmulator

    @property
    def admin(self) -> AdminState:
        return self.emu.admin

    def _known_project(self, user: User, key: str) -> str:
        for project, pid in self.store.projects.items():
            if key.upper() in (project, pid) and self.admin.has(
                user.name, project, "BROWSE_PROJECTS"
            ):
                return project
        raise OpError(404, [f"No project could be found with key '{key}'."])

    def project(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        """``GET project/{key}``."""
        key = self._known_project(user, m["key"])
        pid = self.store.projects[key]
        rest = self.store.rest(api)
        base = self.store.base_url
        out: Json = {
            "expand": "description,lead,issueTypes,url,projectKeys,permissions,insight",
            "self": f"{rest}/project/{pid}",
            "id": pid,
            "key": key,
            "description": "",
            "lead": self.store.render_user("bob", api),
            "components": [],
            "issueTypes": [
                {
                    "self": f"{rest}/issuetype/{tid}",
                    "id": tid,
                    "description": "",
                    "iconUrl": f"{base}/images/icons/issuetypes/{tid}.svg",
                    "name": ISSUE_TYPES[tid],
                    "subtask": False,
                }
                for tid in self.admin.type_ids(key)
            ],
            "assigneeType": "UNASSIGNED",
            "versions": [],
            "name": key.title(),
            "roles": {
                n: f"{rest}/project/{pid}/role/{ROLE_IDS[n]}" for n in self.admin.role_names(key)
            },
            "avatarUrls": {"48x48": f"{base}/secure/projectavatar?pid={pid}"},
            "projectTypeKey": "software",
        }
        if self.store.flavour == "cloud":
            out |= {"simplified": False, "style": "classic", "isPrivate": False, "properties": {}}
        return 200, out

    def my_permissions(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        """``GET mypermissions?projectKey=...&permissions=...``."""
        raw = r.query_params.get("permissions", "")
        wanted = [k.strip() for k in raw.split(",") if k.strip()]
        if not wanted and self.store.flavour == "cloud":
            raise OpError(400, ["The 'permissions' query parameter is required."])
        unknown = [k for k in wanted if k not in PERMISSIONS]
        if unknown:
            raise OpError(400, [f"Permission keys are not valid: {', '.join(unknown)}"])
        key = r.query_params.get("projectKey")
        project = self._known_project(user, key) if key else None
        out: Json = {}
        for perm in wanted or list(PERMISSIONS):
            pid, name = PERMISSIONS[perm]
            have = project is None or self.admin.has(user.name, project, perm)
            out[perm] = {
                "id": pid,
                "key": perm,
                "name": name,
                "type": "PROJECT",
                "description": f"Ability to {name.lower()}.",
                "havePermission": have,
            }
        return 200, {"permissions": out}

    def project_role(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        """``GET project/{key}/role/{id}``: needs Administer Projects."""
        key = self._known_project(user, m["key"])
        names = {rid: n for n, rid in ROLE_IDS.items() if n in self.admin.role_names(key)}
        if m["rid"] not in names:
            raise OpError(404, [f"Project role with id '{m['rid']}' does not exist."])
        if user.name not in self.store.admins:
            raise OpError(403, ["You cannot edit the configuration of this project."])
        name = names[m["rid"]]
        actors = []
        for n, login in enumerate(sorted(self.admin.role_members(key, name))):
            who = self.store.users[login]
            actor: Json = {
                "id": 10200 + n,
                "displayName": who.display,
                "type": "atlassian-user-role-actor",
            }
            if self.store.flavour == "cloud":
                actor["actorUser"] = {"accountId": who.account_id}
            else:
                actor["name"] = who.name
            actors.append(actor)
        pid = self.store.projects[key]
        return 200, {
            "self": f"{self.store.rest(api)}/project/{pid}/role/{m['rid']}",
            "name": name,
            "id": int(m["rid"]),
            "description": f"A project role that represents {name.lower()} in a project",
            "actors": actors,
        }

    def groups_picker(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        """``GET groups/picker?query=...``."""
        query = r.query_params.get("query", "").lower()
        found = [g for g in GROUPS if query in g.lower()]
        groups = []
        for g in found:
            item: Json = {"name": g, "html": g, "labels": []}
            if self.store.flavour == "cloud":
                item["groupId"] = f"5b10ac8d-{GROUPS.index(g):04d}-4fb5-9b1f-0c1b2e3d4f5a"
            groups.append(item)
        return 200, {
            "header": f"Showing {len(found)} of {len(found)} matching groups",
            "total": len(found),
            "groups": groups,
        }

    def user_groups(self, user: User) -> list[str]:
        """The groups ``user`` belongs to (``myself?expand=groups``)."""
        return [g for g in GROUPS if user.name in self.admin.group_members(g)]

    # -- the admin REST API ----------------------------------------------------------------

    def hooks(self) -> list[Hook]:
        if self.admin.hooks is not None:
            return list(self.admin.hooks)
        url = self.emu.control.webhooks.url
        return [Hook(url)] if url else []

    async def list_webhooks(self, request: Request) -> Response:
        """``GET /rest/webhooks/1.0/webhook``: for Jira administrators."""
        user = self._user(request)  # type: ignore[attr-defined]
        if user is None:
            return JSONResponse({"errorMessages": ["Unauthorized"], "errors": {}}, status_code=401)
        if user.name not in self.admin.jira_admins:
            denied = {
                "errorMessages": ["You are not authorized to perform this action."],
                "errors": {},
            }
            return JSONResponse(denied, status_code=403)
        base = self.store.base_url
        return JSONResponse(
            [
                {
                    "name": h.name,
                    "url": h.url,
                    "excludeBody": False,
                    "filters": {"issue-related-events-section": h.jql},
                    "events": list(h.events),
                    "enabled": h.enabled,
                    "self": f"{base}/rest/webhooks/1.0/webhook/{n}",
                    "lastUpdatedUser": "bob",
                    "lastUpdatedDisplayName": "Bob Lead",
                    "lastUpdated": 1_700_000_000_000,
                }
                for n, h in enumerate(self.hooks(), start=1)
            ]
        )

    def admin_routes(self) -> list[Route]:
        """The routes outside ``/rest/api``."""
        return [Route("/rest/webhooks/1.0/webhook", self.list_webhooks, methods=["GET"])]
