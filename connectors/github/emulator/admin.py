"""The admin side of the GitHub emulator: roles, token scopes, webhooks, organizations.

What ``syncd connectors test`` reads. A login's role in a repository (``read`` ... ``admin``,
default ``admin``) shows in ``permissions`` of ``GET /repos/{owner}/{repo}``; it does not
refuse writes (``forbid`` and ``archive`` on the emulator do that). A classic token sends
its scopes in ``X-OAuth-Scopes`` (default ``repo``); a fine-grained one (scopes ``None``)
sends none and carries permissions instead (default: issues, metadata, webhooks).

``GET /repos/{owner}/{repo}/hooks`` answers an admin of the repository whose token may read
webhooks (classic: ``repo`` or a ``*:repo_hook`` scope; fine-grained: ``webhooks``), else 404
as GitHub does. Unless a test sets them, a repository has one webhook to the URL the
emulator delivers to, with ``issues`` and ``issue_comment``, JSON, and a secret when it
signs. ``GET /orgs/{org}/hooks`` answers the organization's admins (``admin:org_hook``).
Everything here survives :meth:`GitHubEmulator.reset`, like the tokens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from .records import ApiError, now_iso

if TYPE_CHECKING:
    from .app import GitHubEmulator

Reply = tuple[int, Any, dict[str, str]]
ROLES = ("read", "triage", "write", "maintain", "admin")
HOOK_SCOPES = {"repo", "admin:repo_hook", "write:repo_hook", "read:repo_hook"}
ORG_HOOK_SCOPES = {"admin:org_hook"}
FINE_GRAINED = frozenset({"issues", "metadata", "webhooks"})


def permissions(role: str) -> dict[str, bool]:
    """The ``permissions`` object GitHub shows a caller of ``role``."""
    rank = ROLES.index(role)
    return {
        "admin": rank >= ROLES.index("admin"),
        "maintain": rank >= ROLES.index("maintain"),
        "push": rank >= ROLES.index("write"),
        "triage": rank >= ROLES.index("triage"),
        "pull": True,
    }


@dataclass
class HookRec:
    """A repository or organization webhook."""

    id: int
    url: str
    events: list[str] = field(default_factory=lambda: ["issues", "issue_comment"])
    content_type: str = "json"
    active: bool = True
    secret: bool = True
    created_at: str = field(default_factory=now_iso)


class Admin:
    """Roles, scopes, hooks and organizations of one emulated GitHub."""

    def __init__(self, emu: GitHubEmulator) -> None:
        self.emu = emu
        self.roles: dict[tuple[str, str], str] = {}  # (login, repo lower-cased) -> role
        self.scopes: dict[str, str | None] = {}  # token -> X-OAuth-Scopes; None: fine-grained
        self.grants: dict[str, frozenset[str]] = {}  # fine-grained token -> its permissions
        self.hooks: dict[str, list[HookRec]] = {}  # repo lower-cased -> hooks set by a test
        self.orgs: dict[str, set[str]] = {}  # organization -> its admins
        self.org_hooks: dict[str, list[HookRec]] = {}
        self._ids = 424242

    def clear(self) -> None:
        """Back to the defaults: admins everywhere, classic tokens with repo, implicit hooks."""
        for table in (self.roles, self.scopes, self.grants, self.hooks, self.orgs, self.org_hooks):
            table.clear()

    # -- settings -------------------------------------------------------------------------

    def set_role(self, login: str, repo: str, role: str) -> None:
        """Give ``login`` the role ``role`` (read, triage, write, maintain, admin) in ``repo``."""
        if role not in ROLES:
            raise ValueError(f"role is one of {ROLES}")
        self.roles[(login, repo.lower())] = role

    def role(self, login: str, repo: str) -> str:
        return self.roles.get((login, repo.lower()), "admin")

    def set_token(
        self, token: str, scopes: str | None, grants: frozenset[str] = FINE_GRAINED
    ) -> None:
        """Make ``token`` classic with ``scopes`` ("repo, read:org"), or fine-grained (None)."""
        self.scopes[token] = scopes
        self.grants[token] = grants

    def scopes_of(self, token: str) -> set[str] | None:
        """A classic token's scopes; None for a fine-grained token."""
        raw = self.scopes.get(token, "repo")
        return None if raw is None else {s.strip() for s in raw.split(",") if s.strip()}

    def add_hook(self, repo: str, url: str, **kw: Any) -> HookRec:
        """Add a webhook to ``repo``; the first call replaces the implicit one."""
        self._ids += 1
        hook = HookRec(self._ids, url, **kw)
        self.hooks.setdefault(repo.lower(), []).append(hook)
        return hook

    def clear_hooks(self, repo: str) -> None:
        """Leave ``repo`` without any webhook."""
        self.hooks[repo.lower()] = []

    def add_org(self, org: str, admins: tuple[str, ...] = ()) -> None:
        """Make ``org`` an organization (its repositories' owner) with these admins."""
        self.orgs.setdefault(org, set()).update(admins)

    def add_org_hook(self, org: str, url: str, **kw: Any) -> HookRec:
        """Add an organization webhook."""
        self._ids += 1
        hook = HookRec(self._ids, url, **kw)
        self.org_hooks.setdefault(org, []).append(hook)
        return hook

    def repo_hooks(self, repo: str) -> list[HookRec]:
        """The webhooks of ``repo``."""
        if repo.lower() in self.hooks:
            return list(self.hooks[repo.lower()])
        url = self.emu.control.webhooks.url
        if not url:
            return []
        return [HookRec(self.emu.hook_id, url, secret=bool(self.emu.webhook_secret))]

    # -- shapes ---------------------------------------------------------------------------

    def hook_json(self, hook: HookRec, api: str, kind: str) -> dict[str, Any]:
        """A webhook as ``GET .../hooks`` lists it; a secret shows as asterisks."""
        config: dict[str, Any] = {
            "content_type": hook.content_type,
            "insecure_ssl": "0",
            "url": hook.url,
        }
        if hook.secret:
            config["secret"] = "********"
        url = f"{api}/hooks/{hook.id}"
        return {
            "type": kind,
            "id": hook.id,
            "name": "web",
            "active": hook.active,
            "events": list(hook.events),
            "config": config,
            "updated_at": hook.created_at,
            "created_at": hook.created_at,
            "url": url,
            "test_url": f"{url}/test",
            "ping_url": f"{url}/pings",
            "deliveries_url": f"{url}/deliveries",
            "last_response": {"code": None, "status": "unused", "message": None},
        }

    # -- endpoints ------------------------------------------------------------------------

    def _hooks_refused(self, request: Request, wanted: set[str]) -> ApiError | None:
        """Why this token may not list webhooks (None: it may): a classic token without the
        scope gets GitHub's 404, a fine-grained one without Webhooks its 403."""
        token = request.headers.get("authorization", "").partition(" ")[2].strip()
        scopes = self.scopes_of(token)
        if scopes is None:
            if "webhooks" in self.grants.get(token, FINE_GRAINED):
                return None
            return ApiError(403, "Resource not accessible by personal access token")
        return None if scopes & wanted else ApiError(404, "Not Found")

    async def list_repo_hooks(self, request: Request, login: str) -> Reply:
        """``GET /repos/{owner}/{repo}/hooks``."""
        store = self.emu.store
        with store.lock:
            full = f"{request.path_params['owner']}/{request.path_params['repo']}"
            repo = store.repo(full, login)
            if self.role(login, repo.full_name) != "admin":
                raise ApiError(404, "Not Found")
            refused = self._hooks_refused(request, HOOK_SCOPES)
            if refused is not None:
                raise refused
            api = f"{self.emu.base_url}/repos/{repo.full_name}"
            hooks = [self.hook_json(h, api, "Repository") for h in self.repo_hooks(repo.full_name)]
            return 200, hooks, {"X-Accepted-OAuth-Scopes": "admin:repo_hook, read:repo_hook, repo"}

    async def list_org_hooks(self, request: Request, login: str) -> Reply:
        """``GET /orgs/{org}/hooks``."""
        org = request.path_params["org"]
        if org not in self.orgs or login not in self.orgs[org]:
            raise ApiError(404, "Not Found")
        refused = self._hooks_refused(request, ORG_HOOK_SCOPES)
        if refused is not None:
            raise refused
        api = f"{self.emu.base_url}/orgs/{org}"
        hooks = [self.hook_json(h, api, "Organization") for h in self.org_hooks.get(org, [])]
        return 200, hooks, {"X-Accepted-OAuth-Scopes": "admin:org_hook"}
