"""The REST endpoints of the GitHub emulator, as a Starlette app over a :class:`Store`.

Every answer carries GitHub's rate-limit headers; GET answers carry an ETag and a matching
``If-None-Match`` gets a 304 that spends no budget, as on api.github.com.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from syncd.emulator_kit import Refused, last_page, link_header, page_of

from .admin import permissions
from .limits import retry_seconds, secondary_body
from .records import ApiError, Event, IssueRec, RepoRec
from .render import (
    DOCS,
    etag_of,
    label_json,
    milestone_json,
    user_json,
)
from .state import Store

if TYPE_CHECKING:
    from .app import GitHubEmulator

Reply = tuple[int, Any, dict[str, str]]
Handler = Callable[[Request, str], Awaitable[Reply]]


def error_body(status: int, message: str, errors: list[dict[str, Any]] | None = None) -> Any:
    """GitHub's error shape."""
    body: dict[str, Any] = {"message": message, "documentation_url": DOCS, "status": str(status)}
    if errors:
        body["errors"] = errors
    return body


def _token(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() in ("token", "bearer") and value:
        return value.strip()
    return None


def _paginate(request: Request, items: list[Any]) -> tuple[list[Any], dict[str, str]]:
    try:
        per_page = max(1, min(100, int(request.query_params.get("per_page", 30))))
        page = max(1, int(request.query_params.get("page", 1)))
    except ValueError as exc:
        raise ApiError(422, "Validation Failed") from exc
    base = str(request.url).split("?", 1)[0]

    def url(n: int) -> str:
        params = dict(request.query_params) | {"page": str(n)}
        return f"{base}?{urlencode(params)}"

    last = last_page(len(items), per_page)
    return page_of(items, page, per_page), link_header(url, page, last)


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise ApiError(400, "Problems parsing JSON") from exc


class Api:
    """Routes bound to one emulator."""

    def __init__(self, emu: GitHubEmulator) -> None:
        self.emu = emu

    @property
    def store(self) -> Store:
        # looked up each time: a reset replaces the emulator's store
        return self.emu.store

    # --- plumbing ------------------------------------------------------------------------

    def _rate_headers(self, login: str) -> dict[str, str]:
        budget = self.emu.control.budget
        remaining = budget.remaining(login)
        return {
            "X-RateLimit-Limit": str(budget.limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(budget.reset_at()),
            "X-RateLimit-Used": str(budget.limit - remaining),
            "X-RateLimit-Resource": "core",
        }

    def route(self, path: str, handler: Handler, methods: list[str], free: bool = False) -> Route:
        """Wrap a handler with auth, budget, ETag, headers and GitHub's error bodies."""

        async def endpoint(request: Request) -> Response:
            self.emu.base_url = str(request.base_url).rstrip("/")
            headers = {"X-GitHub-Media-Type": "github.v3", "X-GitHub-Request-Id": uuid.uuid4().hex}
            token = _token(request)
            login = self.store.login_for(token) if token else None
            if login is None:
                return self._answer(401, error_body(401, "Bad credentials"), headers)
            scopes = self.emu.admin.scopes.get(token or "", "repo")
            if scopes is not None:
                # classic tokens say what they may; fine-grained ones do not
                headers["X-OAuth-Scopes"] = scopes
            budget = self.emu.control.budget
            is_get = request.method == "GET"
            if not free and not is_get and not budget.spend(login):
                return self._limited(login, headers)
            if not free:
                refused = self.emu.secondary.spend(
                    login, request.method, self.emu.control.in_flight
                )
                if refused is not None:
                    return self._secondary(login, headers, refused)
            try:
                status, body, extra = await handler(request, login)
            except ApiError as exc:
                status, body, extra = (
                    exc.status,
                    error_body(exc.status, exc.message, exc.errors),
                    {},
                )
                extra.update(exc.headers)
                if exc.status == 301:
                    repo, number = exc.extra["moved_to"]
                    location = f"{self.emu.base_url}/repos/{repo}/issues/{number}"
                    extra["Location"] = location
                    body = {
                        "message": "Moved Permanently",
                        "url": location,
                        "documentation_url": DOCS,
                    }
            raw = json.dumps(body).encode() if body is not None else b""
            if is_get and status == 200:
                etag = etag_of(raw)
                extra["ETag"] = etag
                if etag in request.headers.get("if-none-match", ""):
                    # conditional hits are free, as on GitHub
                    return self._answer(304, None, headers | extra | self._rate_headers(login))
            if is_get and not free and not budget.spend(login):
                return self._limited(login, headers)
            return self._answer(status, raw, headers | extra | self._rate_headers(login))

        return Route(path, endpoint, methods=methods)

    def _limited(self, login: str, headers: dict[str, str]) -> Response:
        self.emu.control.refuse("requests an hour")
        body = error_body(403, f"API rate limit exceeded for user ID {self.store.users[login].id}.")
        return self._answer(403, body, headers | self._rate_headers(login))

    def _secondary(self, login: str, headers: dict[str, str], refused: Refused) -> Response:
        self.emu.control.refuse(refused.quota.name)
        status = self.emu.limits.secondary_status
        body = secondary_body(headers["X-GitHub-Request-Id"], status)
        wait = {"Retry-After": retry_seconds(refused)}
        return self._answer(status, body, headers | self._rate_headers(login) | wait)

    @staticmethod
    def _answer(status: int, body: Any, headers: dict[str, str]) -> Response:
        if isinstance(body, bytes):
            raw = body
        else:
            raw = json.dumps(body).encode() if body is not None else b""
        media = "application/json; charset=utf-8" if raw else None
        return Response(raw, status_code=status, headers=headers, media_type=media)

    def _issue(self, request: Request, login: str, write: bool = False) -> tuple[RepoRec, IssueRec]:
        repo = self._repo(request, login, write, issues=True)
        return repo, self.store.issue(repo, int(request.path_params["number"]))

    def _repo(
        self, request: Request, login: str, write: bool = False, issues: bool = False
    ) -> RepoRec:
        full = f"{request.path_params['owner']}/{request.path_params['repo']}"
        repo = self.store.writable(full, login) if write else self.store.repo(full, login)
        if issues and not repo.has_issues:
            raise ApiError(410, "Issues are disabled for this repo")
        return repo

    def _fire(self, events: list[Event]) -> None:
        for event in events:
            self.emu.fire(event)

    # --- endpoints -----------------------------------------------------------------------

    async def get_user(self, request: Request, login: str) -> Reply:
        with self.store.lock:
            return 200, user_json(self.emu.base_url, self.store.users[login]), {}

    async def rate_limit(self, request: Request, login: str) -> Reply:
        h = self._rate_headers(login)
        core = {
            "limit": int(h["X-RateLimit-Limit"]),
            "remaining": int(h["X-RateLimit-Remaining"]),
            "reset": int(h["X-RateLimit-Reset"]),
            "used": int(h["X-RateLimit-Used"]),
        }
        search = {"limit": 30, "remaining": 30, "reset": core["reset"], "used": 0}
        body = {"resources": {"core": core, "search": search}, "rate": core}
        return 200, body, {}

    async def get_repo(self, request: Request, login: str) -> Reply:
        with self.store.lock:
            repo = self._repo(request, login)
            body = self.emu.repo_json(repo)
            body["permissions"] = permissions(self.emu.admin.role(login, repo.full_name))
            return 200, body, {}

    async def list_issues(self, request: Request, login: str) -> Reply:
        q = request.query_params
        with self.store.lock:
            repo = self._repo(request, login, issues=True)
            items = [i for i in repo.issues.values() if i.visible]
            state = q.get("state", "open")
            if state not in ("open", "closed", "all"):
                raise ApiError(422, "Validation Failed")
            if state != "all":
                items = [i for i in items if i.state == state]
            if q.get("since"):
                items = [i for i in items if i.updated_at >= q["since"]]
            if q.get("creator"):
                items = [i for i in items if i.user.lower() == q["creator"].lower()]
            if q.get("labels"):
                wanted = {n.strip().lower() for n in q["labels"].split(",") if n.strip()}
                items = [i for i in items if wanted <= {n.lower() for n in i.labels}]
            sort = q.get("sort", "created")
            keys = {
                "created": lambda i: (i.created_at, i.id),
                "updated": lambda i: (i.updated_at, i.id),
                "comments": lambda i: (i.comment_count, i.id),
            }
            if sort not in keys:
                raise ApiError(422, "Validation Failed")
            items.sort(key=keys[sort], reverse=q.get("direction", "desc") != "asc")
            page, link = _paginate(request, items)
            return 200, [self.emu.issue_json(repo, i) for i in page], link

    async def create_issue(self, request: Request, login: str) -> Reply:
        body = await _json_body(request)
        with self.store.lock:
            repo = self._repo(request, login, write=True, issues=True)
            labels = [str(x) for x in body.get("labels") or []]
            assignees = list(
                body.get("assignees") or ([body["assignee"]] if body.get("assignee") else [])
            )
            issue, events = self.store.create_issue(
                login, repo, body.get("title"), body.get("body"), labels, assignees
            )
            self._fire(events)
            location = f"{self.emu.base_url}/repos/{repo.full_name}/issues/{issue.number}"
            return 201, self.emu.issue_json(repo, issue), {"Location": location}

    async def get_issue(self, request: Request, login: str) -> Reply:
        with self.store.lock:
            repo, issue = self._issue(request, login)
            return 200, self.emu.issue_json(repo, issue), {}

    async def patch_issue(self, request: Request, login: str) -> Reply:
        body = await _json_body(request)
        if not isinstance(body, dict):
            raise ApiError(400, "Problems parsing JSON")
        with self.store.lock:
            repo, issue = self._issue(request, login, write=True)
            self._fire(self.store.update_issue(login, repo, issue, body))
            return 200, self.emu.issue_json(repo, issue), {}

    async def issue_labels(self, request: Request, login: str) -> Reply:
        method = request.method
        body = await _json_body(request) if method in ("POST", "PUT") else {}
        names = body.get("labels", []) if isinstance(body, dict) else body
        with self.store.lock:
            repo, issue = self._issue(request, login, write=method != "GET")
            if method == "POST":
                self._fire(self.store.add_labels(login, repo, issue, [str(n) for n in names]))
            elif method == "PUT":
                self._fire(self.store.set_labels(login, repo, issue, [str(n) for n in names]))
            elif method == "DELETE":
                self._fire(self.store.set_labels(login, repo, issue, []))
                return 204, None, {}
            labels = [
                label_json(self.emu.base_url, repo.full_name, repo.labels[n]) for n in issue.labels
            ]
            return 200, labels, {}

    async def delete_issue_label(self, request: Request, login: str) -> Reply:
        with self.store.lock:
            repo, issue = self._issue(request, login, write=True)
            name = request.path_params["name"]
            self._fire(self.store.remove_label(login, repo, issue, name))
            labels = [
                label_json(self.emu.base_url, repo.full_name, repo.labels[n]) for n in issue.labels
            ]
            return 200, labels, {}

    async def repo_labels(self, request: Request, login: str) -> Reply:
        with self.store.lock:
            repo = self._repo(request, login)
            items = [
                label_json(self.emu.base_url, repo.full_name, lbl) for lbl in repo.labels.values()
            ]
            page, link = _paginate(request, items)
            return 200, page, link

    async def repo_milestones(self, request: Request, login: str) -> Reply:
        state = request.query_params.get("state", "open")
        if state not in ("open", "closed", "all"):
            raise ApiError(422, "Validation Failed")
        with self.store.lock:
            repo = self._repo(request, login)
            items = [
                milestone_json(self.emu.base_url, repo, m, self.store.users)
                for m in sorted(repo.milestones.values(), key=lambda m: m.number)
                if state in ("all", m.state)
            ]
            page, link = _paginate(request, items)
            return 200, page, link

    async def issue_comments(self, request: Request, login: str) -> Reply:
        if request.method == "POST":
            body = await _json_body(request)
            with self.store.lock:
                repo, issue = self._issue(request, login, write=True)
                comment, events = self.store.add_comment(login, repo, issue, body.get("body"))
                self._fire(events)
                return 201, self.emu.comment_json(repo, comment), {}
        since = request.query_params.get("since", "")
        with self.store.lock:
            repo, issue = self._issue(request, login)
            items = sorted(
                (
                    c
                    for c in self.store.comments.values()
                    if c.repo == repo.full_name
                    and c.number == issue.number
                    and c.updated_at >= since
                ),
                key=lambda c: c.id,
            )
            page, link = _paginate(request, items)
            return 200, [self.emu.comment_json(repo, c) for c in page], link

    async def repo_comments(self, request: Request, login: str) -> Reply:
        q = request.query_params
        since = q.get("since", "")
        with self.store.lock:
            repo = self._repo(request, login)
            items = [
                c
                for c in self.store.comments.values()
                if c.repo == repo.full_name and c.updated_at >= since
            ]
            sort = q.get("sort")
            if sort in ("created", "updated"):
                attr = "created_at" if sort == "created" else "updated_at"
                items.sort(
                    key=lambda c: (getattr(c, attr), c.id),
                    reverse=q.get("direction", "desc") != "asc",
                )
            else:
                items.sort(key=lambda c: c.id)
            page, link = _paginate(request, items)
            return 200, [self.emu.comment_json(repo, c) for c in page], link

    async def one_comment(self, request: Request, login: str) -> Reply:
        method = request.method
        body = await _json_body(request) if method == "PATCH" else {}
        with self.store.lock:
            repo = self._repo(request, login, write=method != "GET")
            comment = self.store.comment(repo, int(request.path_params["comment_id"]))
            if method == "PATCH":
                self._fire(self.store.edit_comment(login, repo, comment, body.get("body")))
            elif method == "DELETE":
                self._fire(self.store.delete_comment(login, repo, comment))
                return 204, None, {}
            return 200, self.emu.comment_json(repo, comment), {}

    def app(self) -> Starlette:
        """The Starlette app with every endpoint the connector uses."""
        r = "/repos/{owner}/{repo}"
        routes = [
            self.route("/user", self.get_user, ["GET"]),
            self.route("/rate_limit", self.rate_limit, ["GET"], free=True),
            self.route(r, self.get_repo, ["GET"]),
            self.route(f"{r}/hooks", self.emu.admin.list_repo_hooks, ["GET"]),
            self.route("/orgs/{org}/hooks", self.emu.admin.list_org_hooks, ["GET"]),
            self.route(f"{r}/labels", self.repo_labels, ["GET"]),
            self.route(f"{r}/milestones", self.repo_milestones, ["GET"]),
            self.route(f"{r}/issues", self.list_issues, ["GET"]),
            self.route(f"{r}/issues", self.create_issue, ["POST"]),
            self.route(f"{r}/issues/comments", self.repo_comments, ["GET"]),
            self.route(
                f"{r}/issues/comments/{{comment_id:int}}",
                self.one_comment,
                ["GET", "PATCH", "DELETE"],
            ),
            self.route(f"{r}/issues/{{number:int}}", self.get_issue, ["GET"]),
            self.route(f"{r}/issues/{{number:int}}", self.patch_issue, ["PATCH"]),
            self.route(
                f"{r}/issues/{{number:int}}/labels",
                self.issue_labels,
                ["GET", "POST", "PUT", "DELETE"],
            ),
            self.route(
                f"{r}/issues/{{number:int}}/labels/{{name:path}}",
                self.delete_issue_label,
                ["DELETE"],
            ),
            self.route(f"{r}/issues/{{number:int}}/comments", self.issue_comments, ["GET", "POST"]),
        ]
        return Starlette(routes=routes)
