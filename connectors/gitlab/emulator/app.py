"""An in-memory GitLab for tests, benchmarks and ``syncd emulate gitlab``.

It answers, under ``/api/v4``, the REST endpoints the connector calls with GitLab's shapes
(:mod:`.render`), statuses and error bodies, offset pagination headers (``X-Page``,
``X-Per-Page``, ``X-Next-Page``, ``X-Prev-Page``, ``X-Total``, ``X-Total-Pages``, ``Link``),
``RateLimit-*`` headers and a 429 with ``Retry-After`` when a user's budget is spent. It sends
Issue Hook and Note Hook deliveries carrying the secret token in ``X-Gitlab-Token`` for every
change, whoever made it. Projects are addressed by numeric id or URL-encoded full path
(``/projects/group%2Fproject``), as on GitLab.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from email.utils import formatdate
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from syncd.testing.emulation import EmulatorControl, EmulatorMiddleware, control_routes
from syncd.testing.emulator_parts import DEFAULT_TOKENS, TokenAccounts

from .admin import Admin
from .records import Event, ProjectRec
from .render import Render
from .routes import Routes
from .state import Store

VERSION = "17.5.0"


def error_body(status: int, message: str) -> Any:
    """GitLab's error shape for an injected fault."""
    return {"message": f"{status} {message}"}


class GitLabEmulator(TokenAccounts):
    """State, control and ASGI app of one emulated GitLab instance."""

    def __init__(
        self,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        tokens: dict[str, str] | None = None,
        *,
        rate_limit: int = 2000,
    ) -> None:
        self.webhook_secret = webhook_secret
        self.base_url = "http://127.0.0.1"
        self.tokens = dict(tokens if tokens is not None else DEFAULT_TOKENS)
        self.admin = Admin(self)  # token scopes and webhooks, kept by reset like the tokens
        self.store = Store()
        self._add_tokens()
        self.control = EmulatorControl(self._sign, rate_limit=rate_limit, rate_window=60.0)
        self.control.webhooks.configure(webhook_url)
        outer = Starlette(routes=control_routes(self.control, self.reset))
        outer.mount("/", Starlette(routes=[Route("/{rest:path}", self._serve, methods=_VERBS)]))
        self.app = EmulatorMiddleware(outer, self.control, error_body, self.retry_headers)
        self._routes = Routes(self)

    def _sign(self, body: bytes) -> dict[str, str]:
        # GitLab sends the secret token itself, not a signature of the body
        return {"X-Gitlab-Token": self.webhook_secret} if self.webhook_secret else {}

    def retry_headers(self, seconds: float) -> dict[str, str]:
        """The headers of GitLab's 429 (Rack::Attack's throttle of authenticated API calls)."""
        budget = self.control.budget
        reset = budget.reset_at()
        return {
            "Retry-After": str(max(1, int(seconds))),
            "RateLimit-Name": "throttle_authenticated_api",
            "RateLimit-Limit": str(budget.limit),
            "RateLimit-Observed": str(budget.limit),
            "RateLimit-Remaining": "0",
            "RateLimit-Reset": str(reset),
            "RateLimit-ResetTime": formatdate(reset, usegmt=True),
        }

    def render(self) -> Render:
        return Render(self.base_url, self.store.users)

    def new_store(self) -> Store:
        """No project, issue or note (a reset keeps the accounts)."""
        return Store()

    async def _serve(self, request: Request) -> Response:
        return await self._routes.serve(request)

    # --- webhooks ------------------------------------------------------------------------

    def fire(self, events: list[Event]) -> None:
        """Send the Issue Hook / Note Hook deliveries GitLab would for ``events``."""
        for event in events:
            with self.store.lock:
                project = self.store.projects[event.project_id]
                issue = self.store.issues.get((project.id, event.iid))
                if issue is None:
                    continue
                shapes = self.render()
                if event.hook == "note" and event.note_id in self.store.notes:
                    note = self.store.notes[event.note_id]
                    payload = shapes.note_hook(project, issue, note, event.user, event.action)
                    name = "Confidential Note Hook" if note.internal else "Note Hook"
                elif event.hook == "issue":
                    payload = shapes.issue_hook(
                        project, issue, event.user, event.action, event.changes
                    )
                    name = "Confidential Issue Hook" if issue.confidential else "Issue Hook"
                else:
                    continue
            ident = str(uuid.uuid4())
            headers = {
                "X-Gitlab-Event": name,
                "X-Gitlab-Instance": self.base_url,
                "X-Gitlab-Webhook-UUID": str(uuid.uuid5(uuid.NAMESPACE_URL, str(project.id))),
                "X-Gitlab-Event-UUID": ident,
                "Idempotency-Key": ident,
                "User-Agent": f"GitLab/{VERSION}",
            }
            self.control.webhooks.send(name, headers, payload, key=(project.id, event.iid))

    def act(self, change: Callable[[Store], list[Event]]) -> None:
        """Run ``change`` on the store under its lock and fire the hooks it owes."""
        with self.store.lock:
            events = change(self.store)
        self.fire(events)

    # --- set-up and inspection, in process -----------------------------------------------

    def add_user(self, username: str, token: str | None = None) -> None:
        """Add an account (a developer in every project), reachable with ``token``."""
        with self.store.lock:
            self.store.add_user(username, token)
            for project in self.store.projects.values():
                project.members.setdefault(username, 30)
            if token:
                self.tokens[token] = username

    def add_project(self, path: str, *, visibility: str = "private") -> ProjectRec:
        """Create a project (``group/project``, subgroups allowed); idempotent."""
        with self.store.lock:
            return self.store.add_project(path, visibility=visibility)

    def project(self, path: str) -> ProjectRec:
        with self.store.lock:
            return self.store.projects[self.store.paths[path.lower()]]

    def set_access(self, username: str, path: str, level: int) -> None:
        """Give ``username`` an access level in a project (0: not a member)."""
        with self.store.lock:
            members = self.project(path).members
            if level:
                members[username] = level
            else:
                members.pop(username, None)

    def actor_note(self, path: str, iid: int, body: str, username: str = "dev-alice") -> int:
        """A note written by ``username`` (a developer by default); returns its id."""
        made: list[int] = []

        def change(store: Store) -> list[Event]:
            note, events = store.add_note(username, store.issue(self.project(path), iid), body)
            made.append(note.id)
            return events

        self.act(change)
        return made[0]

    def exhaust_budget(self, username: str, for_seconds: float | None = None) -> None:
        """Use up ``username``'s requests; with ``for_seconds`` the window ends that soon."""
        self.control.budget.exhaust(username, for_seconds)

    def issue(self, path: str, iid: int) -> dict[str, Any]:
        """The REST JSON of an issue, read without spending budget."""
        with self.store.lock:
            project = self.project(path)
            return self.render().issue(project, self.store.issue(project, iid))

    def notes(self, path: str, iid: int) -> list[dict[str, Any]]:
        """The notes of an issue, oldest first, as REST JSON."""
        with self.store.lock:
            issue = self.store.issue(self.project(path), iid)
            return [self.render().note(n) for n in self.store.notes_of(issue)]


_VERBS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"]


def build(
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    tokens: dict[str, str] | None = None,
    *,
    rate_limit: int = 2000,
) -> GitLabEmulator:
    """A fresh emulator; ``tokens`` maps personal access tokens to usernames (one for
    syncd's bot), each with ``rate_limit`` API requests a minute."""
    return GitLabEmulator(webhook_url, webhook_secret, tokens, rate_limit=rate_limit)
