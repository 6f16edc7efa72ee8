"""``syncd connectors test`` for GitLab: the token, and each project syncd works in.

Checks: the token (``GET /user``; ``GET /personal_access_tokens/self`` lists its scopes, and
syncd writes with ``api``), then for every project routes target or the connector polls: that
it exists and syncd's account may label, close and reopen issues there (``permissions`` of
``GET /projects/:id``: Reporter or above), that issues are on and the project is not
archived, that the labels syncd writes exist (GitLab creates a missing one on first use), and
the webhook to syncd (``GET /projects/:id/hooks``, Maintainers only: otherwise "could not
tell"). GitLab never shows a hook's secret token, so only its URL and events are checked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from syncd.connector import DiagnoseContext, Finding, ProjectUse
from syncd.diagnose import Checks, first_call, webhook_target
from syncd.errors import Forbidden, NotFound, RemoteError

from .client import project_path

if TYPE_CHECKING:
    from .connector import GitLabConnector

EVENTS = ("issues_events", "confidential_issues_events", "note_events", "confidential_note_events")
ROLES = {10: "Guest", 15: "Planner", 20: "Reporter", 30: "Developer", 40: "Maintainer", 50: "Owner"}


def diagnose(conn: GitLabConnector, context: DiagnoseContext) -> list[Finding]:
    """The findings of one GitLab connector."""
    checks = Checks()
    me = first_call(
        checks,
        conn.settings.base_url,
        lambda: conn.client.call("GET", "/user").data or {},
        check="token",
        refused="GitLab refused the token",
        fix="create a personal, project or group access token with the api scope for syncd's "
        "account (User settings → Access tokens) and set token / token_file",
    )
    if me is None:
        return checks
    _token(conn, checks, str(me.get("username") or "?"))
    if context.webhooks and not conn.settings.secret("webhook_secret", required=False):
        checks.missing(
            "webhook secret",
            "webhooks are on but no webhook_secret is set: every delivery would be refused",
            "set webhook_secret (or webhook_secret_file) to the webhook's secret token",
        )
    uses = list(context.projects)
    named = {u.project.lower() for u in uses}
    uses += [ProjectUse(p) for p in conn.watched if p.lower() not in named]
    for use in uses:
        _project(conn, context, checks, use)
    return checks


def _token(conn: GitLabConnector, checks: Checks, username: str) -> None:
    try:
        scopes = set(
            (conn.client.call("GET", "/personal_access_tokens/self").data or {}).get("scopes") or ()
        )
    except RemoteError:
        checks.ok("token", f"{username}")
        checks.unknown("token scopes", "GitLab would not show the token's scopes")
        return
    shown = ", ".join(sorted(scopes)) or "none"
    if "api" in scopes:
        checks.ok("token", f"{username}, scopes: {shown}")
    else:
        checks.missing(
            "token",
            f"{username}: the token has the scopes {shown}, without api (syncd writes issues)",
            "create a token with the api scope",
        )


def _project(
    conn: GitLabConnector, context: DiagnoseContext, checks: Checks, use: ProjectUse
) -> None:
    name = use.project
    by = f" (routes {', '.join(use.routes)})" if use.routes else " (projects)"
    try:
        data: dict[str, Any] = conn.client.call("GET", project_path(name)).data or {}
    except (NotFound, Forbidden):
        checks.missing(
            f"{name}: access",
            f"no project {name}, or syncd's account cannot see it{by}",
            "check the route's target.project (the project's full path) and make syncd's "
            "account a member of the project (Manage → Members) with the Reporter role or above",
        )
        return
    except RemoteError as exc:
        checks.failed(f"{name}: access", exc)
        return
    perms = data.get("permissions") or {}
    level = max(
        int((perms.get("project_access") or {}).get("access_level") or 0),
        int((perms.get("group_access") or {}).get("access_level") or 0),
    )
    role = ROLES.get(level, f"access level {level}" if level else "no membership")
    if data.get("archived"):
        checks.missing(
            f"{name}: access",
            "the project is archived: issues are read-only",
            "unarchive the project (Settings → General → Advanced)",
        )
    elif level < 20:
        checks.missing(
            f"{name}: access",
            f"syncd's account is {role} there: it cannot label, close or reopen issues",
            "give syncd's account the Reporter role or above (Manage → Members)",
        )
    else:
        checks.ok(f"{name}: access", f"{role}{by}")
    if not data.get("issues_enabled", True) or data.get("issues_access_level") == "disabled":
        checks.missing(
            f"{name}: issues",
            "the project's issues are turned off",
            "turn Issues on (Settings → General → Visibility, project features)",
        )
    _labels(conn, checks, use)
    _webhook(conn, context, checks, name)


def _labels(conn: GitLabConnector, checks: Checks, use: ProjectUse) -> None:
    s = conn.settings
    wanted = {
        *s.priority_labels.values(),
        *s.in_progress_labels[:1],
        *s.wont_do_labels[:1],
        *s.duplicate_labels[:1],
        *use.labels,
    }
    try:
        params = {"per_page": 100}
        have = {
            str(r.get("name"))
            for r in conn.client.records(f"{project_path(use.project)}/labels", params)
        }
    except RemoteError as exc:
        checks.failed(f"{use.project}: labels", exc)
        return
    absent = sorted(wanted - have)
    if absent:
        checks.warning(
            f"{use.project}: labels",
            f"not there yet: {', '.join(absent)}; GitLab creates them on first use",
            "create them (Manage → Labels) to choose their colours and descriptions",
        )
    else:
        checks.ok(f"{use.project}: labels", "every label syncd writes exists")


def _webhook(conn: GitLabConnector, context: DiagnoseContext, checks: Checks, name: str) -> None:
    check = f"{name}: webhook"
    url = webhook_target(context, checks, check)
    if url is None:
        return
    try:
        hooks = list(conn.client.records(f"{project_path(name)}/hooks", {"per_page": 100}))
    except (Forbidden, NotFound):
        checks.unknown(
            check,
            "only a project's Maintainers may list its webhooks",
            f"check Settings → Webhooks of {name} for {url}",
        )
        return
    except RemoteError as exc:
        checks.failed(check, exc)
        return
    hook = next(
        (h for h in hooks if str(h.get("url", "")).rstrip("/") == url.rstrip("/")),
        None,
    )
    if hook is None:
        checks.missing(
            check,
            f"no webhook to {url}",
            f"add one in Settings → Webhooks of {name}: that URL, the secret token, "
            "and the Issues, Confidential issues, Comments and Confidential comments events",
        )
        return
    off = [e for e in EVENTS if not hook.get(e)]
    if off:
        checks.missing(
            check,
            f"the webhook to syncd leaves out: {', '.join(off)}",
            f"tick those events on the webhook in Settings → Webhooks of {name}",
        )
    else:
        checks.ok(check, f"{url}: issues and comments, confidential too")
