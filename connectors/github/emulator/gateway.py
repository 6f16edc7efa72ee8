"""The plumbing every REST endpoint of the GitHub emulator goes through: the token, the
primary and secondary rate limits, ETags and conditional GETs, GitHub's headers and error
bodies, pagination, and the repository or issue a path names (:class:`Gateway`, which the
endpoints of :mod:`.routes` extend).

Every answer carries GitHub's rate-limit headers; GET answers carry an ETag and a matching
``If-None-Match`` gets a 304 that spends no budget, as on api.github.com.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from syncd.emulator_kit import Refused, last_page, link_header, page_of

from .limits import retry_seconds, secondary_body
from .records import ApiError, Event, IssueRec, RepoRec
from .render import DOCS, etag_of
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


def paginate(request: Request, items: list[Any]) -> tuple[list[Any], dict[str, str]]:
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


async def json_body(request: Request) -> Any:
    raw = await request.body()
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise ApiError(400, "Problems parsing JSON") from exc


class Gateway:
    """The plumbing of the routes bound to one emulator."""

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
