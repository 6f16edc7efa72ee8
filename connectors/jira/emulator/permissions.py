"""Permission schemes of the emulated Jira: which projects anyone on the web may browse.

Two schemes: the default one lets logged-in users (application access) browse a project; the
public one adds *Browse Projects* for ``anyone``. A project uses the public scheme once
:meth:`~connectors.jira.emulator.JiraEmulator.set_public` says so. As on Jira, reading the
scheme assigned to a project takes *Administer Projects* (``Store.admins`` here): others get
403; any account may read a scheme by its id. Both API versions answer in the same shapes.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from connectors.jira.emulator.records import Json, OpError, User

if TYPE_CHECKING:
    from connectors.jira.emulator.state import Store

DEFAULT_SCHEME = "0"
PUBLIC_SCHEME = "10100"
EXPANDS = "permissions,user,group,projectRole,field,all"
LOGGED_IN: Json = {"type": "applicationRole"}  # any user with access to Jira
ADMINS: Json = {"type": "projectRole", "parameter": "10002", "value": "10002"}
ANYONE: Json = {"type": "anyone"}
# scheme id -> (name, grants as (permission, holder))
SCHEMES: dict[str, tuple[str, list[tuple[str, Json]]]] = {
    DEFAULT_SCHEME: (
        "Default Permission Scheme",
        [
            ("BROWSE_PROJECTS", LOGGED_IN),
            ("CREATE_ISSUES", LOGGED_IN),
            ("ADD_COMMENTS", LOGGED_IN),
            ("ADMINISTER_PROJECTS", ADMINS),
        ],
    ),
    PUBLIC_SCHEME: (
        "Public Permission Scheme",
        [
            ("BROWSE_PROJECTS", LOGGED_IN),
            ("BROWSE_PROJECTS", ANYONE),
            ("CREATE_ISSUES", LOGGED_IN),
            ("ADD_COMMENTS", LOGGED_IN),
            ("ADMINISTER_PROJECTS", ADMINS),
        ],
    ),
}


def render_scheme(store: Store, scheme_id: str, api: str, expand: str) -> Json:
    """A permission scheme as ``GET permissionscheme/{id}`` answers it."""
    name, grants = SCHEMES[scheme_id]
    base = f"{store.rest(api)}/permissionscheme/{scheme_id}"
    out: Json = {
        "expand": EXPANDS,
        "id": int(scheme_id),
        "self": base,
        "name": name,
        "description": f"{name} of the emulated Jira",
    }
    wanted = {e.strip() for e in expand.split(",")}
    if wanted & {"permissions", "all"}:
        out["permissions"] = [
            {
                "id": 10000 + n,
                "self": f"{base}/permission/{10000 + n}",
                "holder": dict(holder),
                "permission": permission,
            }
            for n, (permission, holder) in enumerate(grants)
        ]
    return out


class PermissionHandlers:
    """The permission-scheme endpoints, mixed into the emulator's ``Api``."""

    store: Store

    def _project_key(self, key_or_id: str) -> str:
        wanted = key_or_id.upper()
        for key, pid in self.store.projects.items():
            if wanted in (key, pid):
                return key
        raise OpError(404, [f"No project could be found with key '{key_or_id}'."])

    def project_scheme(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        project = self._project_key(m["key"])
        if user.name not in self.store.admins:
            raise OpError(403, ["You do not have permission to view this project's schemes."])
        scheme = PUBLIC_SCHEME if project in self.store.public_projects else DEFAULT_SCHEME
        return 200, render_scheme(self.store, scheme, api, r.query_params.get("expand", ""))

    def scheme(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        if m["sid"] not in SCHEMES:
            raise OpError(404, [f"Permission scheme with id '{m['sid']}' does not exist."])
        return 200, render_scheme(self.store, m["sid"], api, r.query_params.get("expand", ""))
