"""The REST endpoints of the GitHub emulator, as a Starlette app over a :class:`Store`:
the user and rate limit, repositories with their labels and milestones, issues with their
labels, and comments. What every endpoint goes through is :mod:`.gateway`.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request

from .admin import permissions
from .gateway import Gateway, Reply, error_body, json_body, paginate
from .records import ApiError
from .render import label_json, milestone_json, user_json

__all__ = ["Api", "error_body"]


class Api(Gateway):
    """Routes bound to one emulator."""

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
            page, link = paginate(request, items)
            return 200, [self.emu.issue_json(repo, i) for i in page], link

    async def create_issue(self, request: Request, login: str) -> Reply:
        body = await json_body(request)
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
        body = await json_body(request)
        if not isinstance(body, dict):
            raise ApiError(400, "Problems parsing JSON")
        with self.store.lock:
            repo, issue = self._issue(request, login, write=True)
            self._fire(self.store.update_issue(login, repo, issue, body))
            return 200, self.emu.issue_json(repo, issue), {}

    async def issue_labels(self, request: Request, login: str) -> Reply:
        method = request.method
        body = await json_body(request) if method in ("POST", "PUT") else {}
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
            page, link = paginate(request, items)
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
            page, link = paginate(request, items)
            return 200, page, link

    async def issue_comments(self, request: Request, login: str) -> Reply:
        if request.method == "POST":
            body = await json_body(request)
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
            page, link = paginate(request, items)
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
            page, link = paginate(request, items)
            return 200, [self.emu.comment_json(repo, c) for c in page], link

    async def one_comment(self, request: Request, login: str) -> Reply:
        method = request.method
        body = await json_body(request) if method == "PATCH" else {}
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
