"""The REST endpoints of the emulated Jira (``/rest/api/2`` and, on Cloud, ``/rest/api/3``):
the route table, and the handlers of the server, account, fields, issues, their properties,
transitions and remote links. Authentication and dispatch are :mod:`.rest_dispatch`'s,
comments :mod:`.comment_routes`', search :mod:`.search`'s."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.routing import Route

from connectors.jira.emulator.admin import AdminHandlers
from connectors.jira.emulator.comment_routes import CommentHandlers, read_property, write_property
from connectors.jira.emulator.fields import catalog, project_versions
from connectors.jira.emulator.permissions import PermissionHandlers
from connectors.jira.emulator.records import PRIORITIES, RESOLUTIONS, STATUSES, Json, OpError, User
from connectors.jira.emulator.rest_dispatch import Handler, RestDispatch
from connectors.jira.emulator.search import SearchHandlers, list_param

if TYPE_CHECKING:
    from connectors.jira.emulator.app import JiraEmulator


class Api(RestDispatch, CommentHandlers, SearchHandlers, PermissionHandlers, AdminHandlers):
    """Routes REST calls to the emulator's operations."""

    def __init__(self, emulator: JiraEmulator) -> None:
        self.emu = emulator
        self.store = emulator.store
        self.table: list[tuple[str, re.Pattern[str], Handler]] = []
        add = self._add
        add("GET", r"serverInfo", self.server_info)
        add("GET", r"myself", self.myself)
        add("GET", r"field", self.fields)
        add("GET", r"priority", lambda *a: (200, self._table(PRIORITIES, "priority", a[1])))
        add("GET", r"resolution", lambda *a: (200, self._table(RESOLUTIONS, "resolution", a[1])))
        add(
            "GET",
            r"status",
            lambda u, api, *a: (200, [self.store.render_status(s, api) for s in STATUSES]),
        )
        add("POST", r"issue", self.create_issue)
        add("GET", r"issue/(?P<key>[^/]+)", self.get_issue)
        add("PUT", r"issue/(?P<key>[^/]+)", self.edit_issue)
        add("DELETE", r"issue/(?P<key>[^/]+)", self.delete_issue)
        add("GET", r"issue/(?P<key>[^/]+)/properties/(?P<prop>[^/]+)", self.get_property)
        add("PUT", r"issue/(?P<key>[^/]+)/properties/(?P<prop>[^/]+)", self.put_property)
        add("GET", r"issue/(?P<key>[^/]+)/transitions", self.get_transitions)
        add("POST", r"issue/(?P<key>[^/]+)/transitions", self.do_transition)
        add("GET", r"issue/(?P<key>[^/]+)/comment", self.list_comments)
        add("POST", r"issue/(?P<key>[^/]+)/comment", self.add_comment)
        add("GET", r"issue/(?P<key>[^/]+)/comment/(?P<cid>\d+)", self.get_comment)
        add("PUT", r"issue/(?P<key>[^/]+)/comment/(?P<cid>\d+)", self.edit_comment)
        add("DELETE", r"issue/(?P<key>[^/]+)/comment/(?P<cid>\d+)", self.delete_comment)
        add("GET", r"comment/(?P<cid>\d+)/properties/(?P<prop>[^/]+)", self.get_comment_property)
        add("PUT", r"comment/(?P<cid>\d+)/properties/(?P<prop>[^/]+)", self.put_comment_property)
        add("POST", r"issue/(?P<key>[^/]+)/attachments", emulator.files.post)
        add("GET", r"attachment/(?P<aid>\d+)", emulator.files.meta)
        add("GET", r"issue/(?P<key>[^/]+)/remotelink", self.list_links)
        add("POST", r"issue/(?P<key>[^/]+)/remotelink", self.add_link)
        add("GET", r"project/(?P<key>[^/]+)/permissionscheme", self.project_scheme)
        add("GET", r"permissionscheme/(?P<sid>\d+)", self.scheme)
        add("GET", r"project/(?P<key>[^/]+)", self.project)
        add("GET", r"project/(?P<key>[^/]+)/versions", self.versions)
        add("GET", r"project/(?P<key>[^/]+)/role/(?P<rid>\d+)", self.project_role)
        add("GET", r"mypermissions", self.my_permissions)
        add("GET", r"groups/picker", self.groups_picker)
        for method in ("GET", "POST"):
            add(method, r"search/jql", self.search_jql)
            add(method, r"search", self.search_classic)

    def routes(self) -> list[Route]:
        """The Starlette routes."""
        methods = ["GET", "POST", "PUT", "DELETE"]
        return [
            Route("/rest/api/{api}/{path:path}", self.dispatch, methods=methods),
            *self.admin_routes(),
        ]

    def _issue(self, user: User, key: str) -> Any:
        return self.emu._get(key, user)

    def _table(self, table: dict[str, str], kind: str, api: str) -> list[Json]:
        return [
            {"self": f"{self.store.rest(api)}/{kind}/{i}", "id": i, "name": n, "description": n}
            for i, n in table.items()
        ]

    def _check_body(self, api: str, value: Any, field: str) -> None:
        if value is None:
            return
        if api == "3" and not (isinstance(value, dict) and value.get("type") == "doc"):
            raise OpError(
                400,
                [],
                {
                    field: "Operation value must be an Atlassian Document "
                    "(see the Atlassian Document Format)"
                },
            )
        if api == "2" and not isinstance(value, str):
            raise OpError(400, [], {field: "Operation value must be a string"})

    # -- handlers ------------------------------------------------------------------------

    def server_info(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        cloud = self.store.flavour == "cloud"
        return 200, {
            "baseUrl": self.store.base_url,
            "version": "1001.0.0-SNAPSHOT" if cloud else "9.12.4",
            "versionNumbers": [1001, 0, 0] if cloud else [9, 12, 4],
            "deploymentType": "Cloud" if cloud else "Server",
            "buildNumber": 100280 if cloud else 9120004,
            "buildDate": "2025-01-01T00:00:00.000+0000",
            "serverTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
            "scmInfo": "emulated",
            "serverTitle": "Jira",
        }

    def myself(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        out = self.store.render_user(user.name, api) or {}
        groups = self.user_groups(user)
        shown = "groups" in (r.query_params.get("expand") or "")
        out |= {
            "locale": "en_US",
            "groups": {
                "size": len(groups),
                "items": [
                    {"name": g, "self": f"{self.store.rest(api)}/group?groupname={g}"}
                    for g in groups
                ]
                if shown
                else [],
            },
            "applicationRoles": {"size": 1, "items": []},
        }
        return 200, out

    def fields(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        return 200, catalog(self.store.flavour)

    def versions(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        key = m["key"].upper()
        if key not in self.store.projects:
            raise OpError(404, [f"No project could be found with key '{m['key']}'."])
        return 200, project_versions(self.store.rest(api), self.store.projects[key], key)

    def create_issue(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        body = body or {}
        fields = body.get("fields") or {}
        self._check_body(api, fields.get("description"), "description")
        project = str((fields.get("project") or {}).get("key") or "")
        if project:
            self.admin.need(user, project, "CREATE_ISSUES")
        issue = self.emu.create(user.name, fields, body.get("properties"))
        return 201, {
            "id": issue.id,
            "key": issue.key,
            "self": f"{self.store.rest(api)}/issue/{issue.id}",
        }

    def get_issue(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        issue = self._issue(user, m["key"])
        return 200, self.store.render_issue(
            issue, api, list_param(r, "fields"), list_param(r, "properties")
        )

    def edit_issue(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        body = body or {}
        fields = body.get("fields") or {}
        self._check_body(api, fields.get("description"), "description")
        self.admin.need(user, self._issue(user, m["key"]).project, "EDIT_ISSUES")
        self.emu.edit(user.name, m["key"], fields, body.get("update"))
        return 204, None

    def delete_issue(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        self.emu.delete(m["key"], user.name)
        return 204, None

    def get_property(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        return read_property(self._issue(user, m["key"]).properties, m["prop"])

    def put_property(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        return write_property(self._issue(user, m["key"]).properties, m["prop"], body)

    def get_transitions(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        issue = self._issue(user, m["key"])
        with_fields = "transitions.fields" in (r.query_params.get("expand") or "")
        return 200, {
            "expand": "transitions",
            "transitions": self.store.transitions_for(issue, api, with_fields),
        }

    def do_transition(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        body = body or {}
        tid = str((body.get("transition") or {}).get("id", ""))
        self.admin.need(user, self._issue(user, m["key"]).project, "TRANSITION_ISSUES")
        self.emu.transition(user.name, m["key"], tid, body.get("fields"))
        return 204, None

    def list_links(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        issue = self._issue(user, m["key"])
        gid = r.query_params.get("globalId")
        return 200, [
            link for link in issue.remotelinks if gid is None or link.get("globalId") == gid
        ]

    def add_link(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        issue = self._issue(user, m["key"])
        self.admin.need(user, issue.project, "LINK_ISSUES")
        body = body or {}
        obj = body.get("object") or {}
        if not obj.get("url") or not obj.get("title"):
            raise OpError(400, [], {"object": "'object' must contain 'url' and 'title'"})
        gid = body.get("globalId")
        for link in issue.remotelinks:
            if gid and link.get("globalId") == gid:
                link.update(body)
                return 200, {"id": link["id"], "self": link["self"]}
        self.store.next_link += 1
        lid = self.store.next_link
        link = dict(body) | {
            "id": lid,
            "self": f"{self.store.rest(api)}/issue/{issue.key}/remotelink/{lid}",
        }
        issue.remotelinks.append(link)
        return 201, {"id": lid, "self": link["self"]}
