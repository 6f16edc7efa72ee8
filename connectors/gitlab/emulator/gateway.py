"""The plumbing every REST endpoint of the GitLab emulator goes through: the request read
into a :class:`Call` (token, path parameters, query, a JSON or form body), the budget spent
and the ``RateLimit-*`` headers, dispatch on the raw path, GitLab's offset pagination and
its error answers (:class:`Gateway`, which the endpoints of :mod:`.routes` extend).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlencode

from starlette.requests import Request
from starlette.responses import Response

from .records import ApiError, IssueRec, ProjectRec, invalid

if TYPE_CHECKING:
    from .app import GitLabEmulator

Reply = tuple[int, Any, dict[str, str]]
Handler = Callable[["Call"], Awaitable[Reply]]


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


def listed(value: Any) -> list[str]:
    """GitLab's array-or-comma-separated parameters (``labels``)."""
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value or "").split(",") if v.strip()]


def moment_of(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, error=f"{name} is invalid") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Gateway:
    """Authenticate, spend budget, dispatch to ``table`` and answer, for one emulator."""

    table: list[tuple[str, re.Pattern[str], Handler]]

    def __init__(self, emu: GitLabEmulator) -> None:
        self.emu = emu

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
