"""The REST v4 endpoints of the GitLab emulator, dispatched on the raw (still URL-encoded)
path, so ``/projects/group%2Fproject/issues`` names one project as it does on GitLab, and
``/projects/group/project/issues`` is GitLab's unknown-route 404.

Every answer carries ``RateLimit-*`` headers; every request spends one unit of the user's
per-minute budget, and a spent budget answers 429 ``Retry later`` with ``Retry-After``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlencode

from starlette.requests import Request
from starlette.responses import Response

from .records import ApiError, IssueRec, ProjectRec, invalid, not_found
from .state import check_title

if TYPE_CHECKING:
    from .app import GitLabEmulator

Reply = tuple[int, Any, dict[str, str]]
Handler = Callable[["Call"], Awaitable[Reply]]
_P = r"/projects/(?P<project>[^/]+)"
_I = rf"{_P}/issues/(?P<iid>[0-9]+)"


class Call:
    """One request: who makes it, its path parameters, query and body."""

    def __init__(
        self, request: Request, raw: str, user: str, params: dict[str, str], body: Any
    ) -> None:
        self.request = request
        self.raw = raw  # the path as sent, project paths still encoded
        self.token = _token(request) or ""
        self.user = user
        self.params = params
        self.query = request.query_params
        self.body: dict[str, Any] = body if isinstance(body, dict) else {}


def _token(request: Request) -> str | None:
    if token := request.headers.get("private-token"):
        return token.strip()
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value else None


async def _body(request: Request) -> Any:
    raw = await request.body()
    if not raw:
        return {}
    if "json" in request.headers.get("content-type", "json"):
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise ApiError(400, "400 Bad request - JSON could not be parsed") from exc
    return dict(parse_qsl(raw.decode("utf-8", "replace")))


def _list(value: Any) -> list[str]:
    """GitLab's array-or-comma-separated parameters (``labels``)."""
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value or "").split(",") if v.strip()]


def _time(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, error=f"{name} is invalid") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Routes:
    """The endpoints of one emulator."""

    def __init__(self, emu: GitLabEmulator) -> None:
        self.emu = emu
        p, i, admin = _P, _I, emu.admin
        self.table: list[tuple[str, re.Pattern[str], Handler]] = [
            ("GET", re.compile("^/user$"), partial(admin.current_user, self)),
            ("GET", re.compile("^/personal_access_tokens/self$"), partial(admin.token_self, self)),
            ("GET", re.compile(f"^{p}$"), partial(admin.get_project, self)),
            ("GET", re.compile(f"^{p}/labels$"), partial(admin.labels, self)),
            ("GET", re.compile(f"^{p}/hooks$"), partial(admin.hooks, self)),
            ("GET", re.compile(f"^{p}/issues$"), self.list_issues),
            ("POST", re.compile(f"^{p}/issues$"), self.create_issue),
            ("GET", re.compile(f"^{i}$"), self.get_issue),
            ("PUT", re.compile(f"^{i}$"), self.update_issue),
            ("DELETE", re.compile(f"^{i}$"), self.delete_issue),
            ("GET", re.compile(f"^{i}/notes$"), self.list_notes),
            ("POST", re.compile(f"^{i}/notes$"), self.create_note),
            ("GET", re.compile(f"^{i}/notes/(?P<note>[0-9]+)$"), self.get_note),
            ("PUT", re.compile(f"^{i}/notes/(?P<note>[0-9]+)$"), self.edit_note),
            ("DELETE", re.compile(f"^{i}/notes/(?P<note>[0-9]+)$"), self.delete_note),
        ]

    @property
    def store(self) -> Any:
        return self.emu.store  # looked up each time: a reset replaces the store

    async def serve(self, request: Request) -> Response:
        """Authenticate, spend budget, dispatch and answer in GitLab's shapes."""
        self.emu.base_url = str(request.base_url).rstrip("/")
        raw = request.scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0]
        path = raw.removeprefix("/api/v4") if raw.startswith("/api/v4/") else None
        user = self.store.tokens.get(_token(request) or "")
        if user is None:
            return _answer(401, {"message": "401 Unauthorized"}, {})
        budget = self.emu.control.budget
        if not budget.spend(user):
            headers = self.emu.retry_headers(max(1.0, budget.reset_at() - _now()))
            return Response("Retry later\n", 429, headers, media_type="text/plain")
        found = self._match(request.method, path) if path is not None else None
        if found is None:
            return _answer(404, {"error": "404 Not Found"}, self._rate(user))
        handler, params = found
        try:
            body = await _body(request) if request.method in ("POST", "PUT") else {}
            status, data, extra = await handler(Call(request, raw, user, params, body))
        except ApiError as exc:
            status, data, extra = exc.status, exc.body(), {}
        return _answer(status, data, self._rate(user) | extra)

    def _match(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
        for verb, pattern, handler in self.table:
            m = pattern.match(path)
            if m and verb == ("GET" if method == "HEAD" else method):
                return handler, {k: unquote(v) for k, v in m.groupdict().items()}
        return None

    def _rate(self, user: str) -> dict[str, str]:
        budget = self.emu.control.budget
        remaining = budget.remaining(user)
        return {
            "RateLimit-Limit": str(budget.limit),
            "RateLimit-Observed": str(budget.limit - remaining),
            "RateLimit-Remaining": str(remaining),
            "RateLimit-Reset": str(budget.reset_at()),
        }

    def project_of(self, call: Call, *, write: bool = False) -> ProjectRec:
        project: ProjectRec = self.store.project(call.params["project"], call.user)
        return self.store.writable(project, call.user) if write else project

    def _issue(self, call: Call, *, write: bool = False) -> tuple[ProjectRec, IssueRec]:
        project = self.project_of(call, write=write)
        return project, self.store.issue(project, int(call.params["iid"]))

    # --- endpoints -----------------------------------------------------------------------

    async def list_issues(self, call: Call) -> Reply:
        q = call.query
        with self.store.lock:
            project = self.project_of(call)
            items = [i for (pid, _), i in self.store.issues.items() if pid == project.id]
            state = q.get("state", "all")
            if state not in ("opened", "closed", "all"):
                raise invalid("state")
            if state != "all":
                items = [i for i in items if i.state == state]
            for name, keep in (("updated_after", True), ("updated_before", False)):
                if q.get(name):
                    at = _time(q[name], name)
                    items = [i for i in items if (_time(i.updated_at, name) >= at) == keep]
            if q.get("author_username"):
                items = [i for i in items if i.author.lower() == q["author_username"].lower()]
            if q.get("search"):
                words = q["search"].lower()
                items = [i for i in items if words in f"{i.title}\n{i.description}".lower()]
            for label in _list(q.get("labels")):
                items = [i for i in items if label.lower() in (n.lower() for n in i.labels)]
            order = q.get("order_by", "created_at")
            if order not in ("created_at", "updated_at"):
                raise invalid("order_by")
            if q.get("sort", "desc") not in ("asc", "desc"):
                raise invalid("sort")
            items.sort(key=lambda i: (getattr(i, order), i.id), reverse=q.get("sort") != "asc")
            shapes = self.emu.render()
            return self.page(call, [shapes.issue(project, i) for i in items])

    async def create_issue(self, call: Call) -> Reply:
        body = call.body
        check_title(body, required=True)
        with self.store.lock:
            project = self.project_of(call, write=True)
            fields = {
                "title": body["title"],
                "description": body.get("description"),
                "labels": _list(body.get("labels")),
                "confidential": body.get("confidential") in (True, "true"),
            }
            issue, events = self.store.create_issue(call.user, project, fields)
            answer = self.emu.render().issue(project, issue)
        self.emu.fire(events)
        return 201, answer, {}

    async def get_issue(self, call: Call) -> Reply:
        with self.store.lock:
            project, issue = self._issue(call)
            return 200, self.emu.render().issue(project, issue), {}

    async def update_issue(self, call: Call) -> Reply:
        body = call.body
        check_title(body, required=False)
        if body.get("state_event") not in (None, "close", "reopen"):
            raise invalid("state_event")
        fields: dict[str, Any] = {k: body[k] for k in ("title", "description", "state_event")
                                  if k in body}  # fmt: skip
        for name in ("labels", "add_labels", "remove_labels"):
            if name in body:
                fields[name] = _list(body[name])
        with self.store.lock:
            project, issue = self._issue(call, write=True)
            events = self.store.update_issue(call.user, project, issue, fields)
            answer = self.emu.render().issue(project, issue)
        self.emu.fire(events)
        return 200, answer, {}

    async def delete_issue(self, call: Call) -> Reply:
        with self.store.lock:
            project, issue = self._issue(call, write=True)
            self.store.delete_issue(call.user, project, issue)
        return 204, None, {}

    async def list_notes(self, call: Call) -> Reply:
        q = call.query
        with self.store.lock:
            _, issue = self._issue(call)
            notes = self.store.notes_of(issue)
            order = q.get("order_by", "created_at")
            if order not in ("created_at", "updated_at"):
                raise invalid("order_by")
            notes.sort(key=lambda n: (getattr(n, order), n.id), reverse=q.get("sort") != "asc")
            shapes = self.emu.render()
            return self.page(call, [shapes.note(n) for n in notes])

    async def create_note(self, call: Call) -> Reply:
        body = call.body
        if not str(body.get("body") or "").strip():
            raise ApiError(400, error="body is missing")
        internal = body.get("internal", body.get("confidential")) in (True, "true")
        with self.store.lock:
            _, issue = self._issue(call, write=True)
            note, events = self.store.add_note(
                call.user, issue, str(body["body"]), internal=internal
            )
            answer = self.emu.render().note(note)
        self.emu.fire(events)
        return 201, answer, {}

    async def get_note(self, call: Call) -> Reply:
        with self.store.lock:
            _, issue = self._issue(call)
            return 200, self.emu.render().note(self.store.note(issue, int(call.params["note"]))), {}

    async def edit_note(self, call: Call) -> Reply:
        if not str(call.body.get("body") or "").strip():
            raise ApiError(400, error="body is missing")
        with self.store.lock:
            _, issue = self._issue(call, write=True)
            note = self.store.note(issue, int(call.params["note"]))
            events = self.store.edit_note(call.user, issue, note, str(call.body["body"]))
            answer = self.emu.render().note(note)
        self.emu.fire(events)
        return 200, answer, {}

    async def delete_note(self, call: Call) -> Reply:
        with self.store.lock:
            _, issue = self._issue(call, write=True)
            self.store.delete_note(
                call.user, issue, self.store.note(issue, int(call.params["note"]))
            )
        return 204, None, {}

    def page(self, call: Call, items: list[Any]) -> Reply:
        """GitLab's offset pagination: ``page``/``per_page`` (20 by default, 100 at most)."""
        try:
            per_page = int(call.query.get("per_page", 20))
            page = max(1, int(call.query.get("page", 1)))
        except ValueError:
            raise invalid("page") from None
        per_page = 20 if per_page < 1 else min(per_page, 100)
        pages = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        base = f"{self.emu.base_url}{call.raw}"

        def url(n: int) -> str:
            return f"{base}?{urlencode({**dict(call.query), 'page': n, 'per_page': per_page})}"

        links = [f'<{url(page - 1)}>; rel="prev"'] if 1 < page <= pages else []
        links += [f'<{url(page + 1)}>; rel="next"'] if page < pages else []
        links += [f'<{url(1)}>; rel="first"', f'<{url(pages)}>; rel="last"']
        headers = {
            "X-Page": str(page),
            "X-Per-Page": str(per_page),
            "X-Next-Page": str(page + 1) if page < pages else "",
            "X-Prev-Page": str(page - 1) if 1 < page <= pages else "",
            "X-Total": str(len(items)),
            "X-Total-Pages": str(pages),
            "Link": ", ".join(links),
        }
        return 200, chunk, headers


def _answer(status: int, body: Any, headers: dict[str, str]) -> Response:
    if status == 204 or body is None:
        return Response(None, status, headers)
    return Response(json.dumps(body), status, headers, media_type="application/json")


def _now() -> float:
    return datetime.now(UTC).timestamp()


__all__ = ["Routes", "not_found"]
