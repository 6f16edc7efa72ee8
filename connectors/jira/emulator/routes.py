"""The REST endpoints of the emulated Jira (``/rest/api/2`` and, on Cloud, ``/rest/api/3``)."""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.jira.emulator.admin import AdminHandlers
from connectors.jira.emulator.fields import catalog, project_versions
from connectors.jira.emulator.limits import REASON
from connectors.jira.emulator.permissions import PermissionHandlers
from connectors.jira.emulator.records import PRIORITIES, RESOLUTIONS, STATUSES, Json, OpError, User
from connectors.jira.emulator.search import SearchHandlers, list_param

if TYPE_CHECKING:
    from connectors.jira.emulator.app import JiraEmulator

Handler = Callable[[User, str, re.Match[str], Request, Any], tuple[int, Any]]

NOT_AUTHENTICATED = "You are not authenticated. Authentication required to perform this operation."


class Api(SearchHandlers, PermissionHandlers, AdminHandlers):
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

    def _add(self, method: str, pattern: str, handler: Handler) -> None:
        self.table.append((method, re.compile(f"^{pattern}$"), handler))

    def routes(self) -> list[Route]:
        """The Starlette routes."""
        methods = ["GET", "POST", "PUT", "DELETE"]
        return [
            Route("/rest/api/{api}/{path:path}", self.dispatch, methods=methods),
            *self.admin_routes(),
        ]

    # -- plumbing ------------------------------------------------------------------------

    def _user(self, request: Request) -> User | None:
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "basic":
            try:
                login, _, secret = base64.b64decode(value).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return None
            if self.store.flavour == "cloud" and "@" not in login:
                return None  # Cloud basic auth takes the account e-mail, never a username
            return self.store.user_by_auth(login, secret)
        if scheme.lower() == "bearer" and self.store.flavour == "datacenter":
            return self.store.user_by_auth(None, value.strip())
        return None

    def _rate_headers(self, user: User | None) -> dict[str, str]:
        budget = self.emu.control.budget
        who = user.name if user else "anonymous"
        remaining = budget.remaining(who)
        reset = datetime.fromtimestamp(budget.reset_at(), tz=UTC).isoformat().replace("+00:00", "Z")
        headers = {
            "X-RateLimit-Limit": str(budget.limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": reset,
        }
        if remaining < budget.limit * 0.2:
            headers["X-RateLimit-NearLimit"] = "true"
        return headers

    async def dispatch(self, request: Request) -> Response:
        """Authenticate, spend rate budget, route, and answer in Jira's shapes."""
        api = request.path_params["api"]
        path = request.path_params["path"].rstrip("/")
        if self.store.base_url == "http://127.0.0.1":
            self.store.base_url = str(request.base_url).rstrip("/")
        allowed = ("2", "3", "latest") if self.store.flavour == "cloud" else ("2", "latest")
        if api not in allowed:
            return JSONResponse({"errorMessages": ["Not Found"], "errors": {}}, status_code=404)
        api = "2" if api == "latest" else api
        user = self._user(request)
        if user is None:
            denied = {"errorMessages": [NOT_AUTHENTICATED], "errors": {}}
            return JSONResponse(denied, status_code=401, headers={"WWW-Authenticate": "Basic"})
        if not self.emu.control.budget.spend(user.name):
            self.emu.control.refuse("requests")
            headers = self._rate_headers(user)
            wait = max(1, math.ceil(self.emu.control.budget.wait()))
            headers |= {
                "Retry-After": str(wait),
                "X-RateLimit-NearLimit": "true",
                "RateLimit-Reason": REASON,
            }
            limited = {"errorMessages": ["Rate limit exceeded."], "errors": {}}
            return JSONResponse(limited, status_code=429, headers=headers)
        if path == "search" and self.store.flavour == "cloud" and request.method in ("GET", "POST"):
            msg = "The requested API has been removed. Please migrate to /rest/api/3/search/jql."
            return JSONResponse({"errorMessages": [msg], "errors": {}}, status_code=410)
        for method, pattern, handler in self.table:
            match = pattern.match(path)
            if method != request.method or not match:
                continue
            raw = await request.body()
            kind = request.headers.get("content-type", "")
            try:
                multipart = kind.startswith("multipart/")
                body: Any = (kind, raw) if multipart else json.loads(raw) if raw else None
            except ValueError:
                return JSONResponse({"errorMessages": ["Invalid JSON"], "errors": {}}, 400)
            try:
                with self.store.lock:
                    status, payload = handler(user, api, match, request, body)
            except OpError as exc:
                return JSONResponse(
                    exc.body, status_code=exc.status, headers=self._rate_headers(user)
                )
            headers = self._rate_headers(user)
            if status == 204:
                return Response(status_code=204, headers=headers)
            return JSONResponse(payload, status_code=status, headers=headers)
        known = any(p.match(path) for _, p, _ in self.table)
        status = 405 if known else 404
        return JSONResponse(
            {
                "errorMessages": ["Not Found" if status == 404 else "Method Not Allowed"],
                "errors": {},
            },
            status,
        )

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
        issue = self._issue(user, m["key"])
        if m["prop"] not in issue.properties:
            raise OpError(404, [f"The property with key '{m['prop']}' does not exist."])
        return 200, {"key": m["prop"], "value": issue.properties[m["prop"]]}

    def put_property(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        issue = self._issue(user, m["key"])
        existed = m["prop"] in issue.properties
        issue.properties[m["prop"]] = body
        return (200 if existed else 201), None

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

    def list_comments(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        issue = self._issue(user, m["key"])
        start = int(r.query_params.get("startAt", 0))
        size = min(int(r.query_params.get("maxResults", 50)), 100)
        props = "properties" in (r.query_params.get("expand") or "")
        page = issue.comments[start : start + size]
        return 200, {
            "startAt": start,
            "maxResults": size,
            "total": len(issue.comments),
            "comments": [self.store.render_comment(issue, c, api, props) for c in page],
        }

    def add_comment(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        body = body or {}
        self._check_body(api, body.get("body"), "comment")
        self.admin.need(user, self._issue(user, m["key"]).project, "ADD_COMMENTS")
        issue, c = self.emu.add_comment(
            user.name, m["key"], body.get("body"), body.get("visibility"), body.get("properties")
        )
        props = "properties" in (r.query_params.get("expand") or "")
        return 201, self.store.render_comment(issue, c, api, props)

    def get_comment(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        issue = self._issue(user, m["key"])
        props = "properties" in (r.query_params.get("expand") or "")
        return 200, self.store.render_comment(
            issue, self.emu.find_comment(issue, m["cid"]), api, props
        )

    def edit_comment(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        body = body or {}
        self._check_body(api, body.get("body"), "comment")
        issue, c = self.emu.edit_comment(
            user.name, m["key"], m["cid"], body.get("body"), body.get("visibility")
        )
        props = "properties" in (r.query_params.get("expand") or "")
        return 200, self.store.render_comment(issue, c, api, props)

    def delete_comment(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        self.emu.delete_comment(user.name, m["key"], m["cid"])
        return 204, None

    def _comment_by_id(self, user: User, cid: str) -> Json:
        for issue in self.store.issues.values():
            if issue.key in user.hidden:
                continue
            for c in issue.comments:
                if c["id"] == cid:
                    return c
        raise OpError(404, [f"Can not find a comment for the id: {cid}."])

    def get_comment_property(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        c = self._comment_by_id(user, m["cid"])
        if m["prop"] not in c["properties"]:
            raise OpError(404, [f"The property with key '{m['prop']}' does not exist."])
        return 200, {"key": m["prop"], "value": c["properties"][m["prop"]]}

    def put_comment_property(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        c = self._comment_by_id(user, m["cid"])
        existed = m["prop"] in c["properties"]
        c["properties"][m["prop"]] = body
        return (200 if existed else 201), None

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
