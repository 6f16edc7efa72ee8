"""What ``syncd connectors test`` reads on the GitLab emulator, and how tests set it up: the
account (``GET /user``, ``GET /personal_access_tokens/self`` with the token's scopes), the
project with the caller's access level, its labels, and its webhooks (Maintainers only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .records import MAINTAINER, ApiError

if TYPE_CHECKING:
    from .app import GitLabEmulator
    from .routes import Call, Reply, Routes


class Admin:
    """Token scopes, project webhooks, and the endpoints that read them."""

    def __init__(self, emu: GitLabEmulator) -> None:
        self.emu = emu
        self.scopes: dict[str, list[str]] = {}  # token -> scopes (default: api)

    def add_hook(self, path: str, url: str, **events: bool) -> None:
        """Register a project webhook (what ``GET /projects/:id/hooks`` lists)."""
        with self.emu.store.lock:
            project = self.emu.project(path)
            hook = {
                "id": len(project.hooks) + 1, "url": url, "project_id": project.id,
                "issues_events": True, "confidential_issues_events": True, "note_events": True,
                "confidential_note_events": True, "push_events": False,
                "enable_ssl_verification": True, "created_at": project.created_at,
            }  # fmt: skip
            project.hooks.append(hook | events)

    async def current_user(self, routes: Routes, call: Call) -> Reply:
        with self.emu.store.lock:
            return 200, self.emu.render().current_user(call.user), {}

    async def token_self(self, routes: Routes, call: Call) -> Reply:
        token = call.token
        body = {
            "id": sum(map(ord, token)) % 10000, "name": "syncd", "revoked": False,
            "created_at": "2024-01-01T00:00:00.000Z", "scopes": self.scopes.get(token, ["api"]),
            "user_id": self.emu.store.users[call.user].id, "active": True, "expires_at": None,
        }  # fmt: skip
        return 200, body, {}

    async def get_project(self, routes: Routes, call: Call) -> Reply:
        with self.emu.store.lock:
            project = routes.project_of(call)
            level = self.emu.store.level(project, call.user)
            return 200, self.emu.render().project(project, level), {}

    async def labels(self, routes: Routes, call: Call) -> Reply:
        with self.emu.store.lock:
            project = routes.project_of(call)
            shapes = self.emu.render()
            return routes.page(
                call, [shapes.rest_label(project, t) for t in sorted(project.labels)]
            )

    async def hooks(self, routes: Routes, call: Call) -> Reply:
        with self.emu.store.lock:
            project = routes.project_of(call)
            if self.emu.store.level(project, call.user) < MAINTAINER:
                raise ApiError(403, "403 Forbidden")
            hooks: list[Any] = list(project.hooks)
            return routes.page(call, hooks)
